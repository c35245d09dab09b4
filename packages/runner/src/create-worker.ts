import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * The worker entry beside the calling module: `worker.js` in a build (`dist/`), `worker.ts` when the
 * caller runs from its TypeScript sources (tests).
 *
 * @param callerUrl - the caller's `import.meta.url`
 */
export function workerEntryBeside(callerUrl: string, name = "worker"): string {
  const here = fileURLToPath(callerUrl);
  return join(dirname(here), `${name}.${here.endsWith(".ts") ? "ts" : "js"}`);
}

/** The nearest folder at or above `dir` holding a package.json (the package of a source file). */
function packageDir(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, "package.json"))) return d;
    if (dirname(d) === d) return dir;
  }
}

/**
 * Aliases `@pattern-lens/*` → source file, from the `source` condition of the exports of every
 * `@pattern-lens` package the package at `dir` depends on, transitively (through node_modules
 * links, as pnpm lays out a workspace). Subpaths come before their root entry.
 */
function sourceAliases(
  dir: string,
  out: Record<string, string> = {},
  seen = new Set<string>(),
): Record<string, string> {
  const scope = join(dir, "node_modules", "@pattern-lens");
  if (!existsSync(scope)) return out;
  for (const name of readdirSync(scope)) {
    const pkgDir = join(scope, name);
    const manifest = join(pkgDir, "package.json");
    if (seen.has(pkgDir) || !existsSync(manifest)) continue;
    seen.add(pkgDir);
    const exp = (JSON.parse(readFileSync(manifest, "utf8")).exports ?? {}) as Record<
      string,
      { source?: string }
    >;
    const subs = Object.keys(exp).sort((a, b) => b.length - a.length);
    for (const sub of subs) {
      const src = exp[sub]?.source;
      if (typeof src === "string")
        out[`@pattern-lens/${name}${sub === "." ? "" : sub.slice(1)}`] = join(pkgDir, src);
    }
    sourceAliases(pkgDir, out, seen);
  }
  return out;
}

/**
 * Starts a worker thread on `entry`. A built `.js` entry runs as it is. A `.ts` entry (the package
 * running from its sources, as in tests) runs through a small CommonJS bootstrap that loads it with
 * jiti, the workspace packages it imports aliased to their sources by their `source` export.
 *
 * @param onMissing - the error to throw when a `.js` entry is missing (an incomplete build)
 */
export function createWorker(entry: string, onMissing: (entry: string) => Error): Worker {
  if (!entry.endsWith(".ts")) {
    if (!existsSync(entry)) throw onMissing(entry);
    return new Worker(entry);
  }
  const alias = sourceAliases(packageDir(dirname(entry)));
  const jitiPath = createRequire(import.meta.url).resolve("jiti");
  const code = `
const { parentPort } = require("node:worker_threads");
const { createJiti } = require(${JSON.stringify(jitiPath)});
const jiti = createJiti(${JSON.stringify(entry)}, { alias: ${JSON.stringify(alias)} });
jiti.import(${JSON.stringify(entry)}).catch((e) => {
  parentPort.postMessage({ type: "init-error", message: String((e && e.stack) || e) });
});`;
  return new Worker(code, { eval: true });
}
