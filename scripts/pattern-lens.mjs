#!/usr/bin/env node
// `pnpm pattern-lens ...` runs the built CLI; before `pnpm build` it says so instead of a
// MODULE_NOT_FOUND stack. (apps/cli/dist/cli.js itself explains a missing package build.)
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const cli = fileURLToPath(new URL("../apps/cli/dist/cli.js", import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write(
    `pattern-lens: error [PL_CLI_NOT_BUILT]: the CLI is not built yet (${cli} is missing).\n` +
      "Run 'pnpm install && pnpm build' in the pattern-lens repository first (or 'pnpm demo', which builds what it needs).\n",
  );
  process.exit(2);
}
process.argv.splice(1, 1, cli);
await import(pathToFileURL(cli).href);
