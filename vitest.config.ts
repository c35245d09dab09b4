import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * One vitest run for the whole workspace. Workspace packages resolve to their TypeScript sources,
 * so tests never need a build first.
 */
export default defineConfig({
  resolve: {
    alias: [
      // subpath entries (`@pattern-lens/indexes/node`, `/schemas`) map to src/<sub>.ts
      { find: /^@pattern-lens\/([a-z0-9-]+)\/([a-z0-9-]+)$/, replacement: `${root}packages/$1/src/$2.ts` },
      { find: /^@pattern-lens\/([a-z0-9-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
      { find: /^#test-support\/(.*)$/, replacement: `${root}test/support/$1` },
    ],
  },
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    // one up-front check for ../shared, and a per-run TMPDIR removed afterwards
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
