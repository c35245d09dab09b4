import { isAbsolute, resolve } from "node:path";
import type { createJiti } from "jiti";
import { MetricsError } from "./errors.ts";
import { _registerExport, _setLoadingSource } from "./registry.ts";

let jitiInstance: ReturnType<typeof createJiti> | undefined;

async function jiti(): Promise<ReturnType<typeof createJiti>> {
  if (jitiInstance === undefined) {
    // A module that imports @pattern-lens/metrics gets this very instance, so what it registers
    // lands in this registry even if another copy of the package is installed next to it.
    // jiti is loaded only when there are modules to load: it costs a worker thread ~0.1 s to import
    const [{ createJiti }, self, indexes] = await Promise.all([
      import("jiti"),
      import("./index.ts"),
      import("@pattern-lens/indexes"),
    ]);
    jitiInstance = createJiti(import.meta.url, {
      virtualModules: { "@pattern-lens/metrics": self, "@pattern-lens/indexes": indexes },
    });
  }
  return jitiInstance;
}

/**
 * Imports user metric modules (`.js`, `.mjs`, or `.ts` through jiti). A module registers metrics
 * when imported (`registerMetric(...)` at top level), or `export default`s one definition
 * (`defineMetric(...)`) or an array of them. Each metric records its module as `source`.
 *
 * @param paths - module files; relative paths resolve against `cwd`
 * @returns the absolute paths loaded
 * @throws {MetricsError} `PL_METRICS_MODULE` when a file is missing, not a module, or throws while
 *   loading; `PL_METRICS_DUPLICATE` / `PL_METRICS_DEFINITION` for bad registrations.
 */
export async function loadMetricModules(
  paths: readonly string[],
  cwd: string = process.cwd(),
): Promise<string[]> {
  const loaded: string[] = [];
  for (const p of paths) {
    const file = isAbsolute(p) ? p : resolve(cwd, p);
    if (!/\.(m?js|m?ts|cjs|cts)$/.test(file)) {
      throw new MetricsError(
        "PL_METRICS_MODULE",
        `metric module ${file} is not a .js, .mjs or .ts file. Pass a JavaScript or TypeScript module to --module.`,
        { path: file },
      );
    }
    const before = _setLoadingSource(file);
    try {
      const mod = (await (await jiti()).import(file)) as Record<string, unknown>;
      // jiti's interop proxy answers `default` with the module itself when there is none: ask the target.
      const def = Object.hasOwn(mod, "default") ? mod.default : undefined;
      if (def !== undefined && def !== null) _registerExport(def, file);
    } catch (err) {
      if (err instanceof MetricsError) throw err;
      const code = (err as { code?: unknown }).code;
      const missing = code === "ENOENT" || code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND";
      throw new MetricsError(
        "PL_METRICS_MODULE",
        missing && !String((err as Error).message).includes("Cannot find package")
          ? `metric module ${file} could not be loaded: ${(err as Error).message}. Check the path given to --module.`
          : `metric module ${file} failed to load: ${(err as Error)?.message ?? String(err)}`,
        { cause: err, path: file },
      );
    } finally {
      _setLoadingSource(before);
    }
    loaded.push(file);
  }
  return loaded;
}
