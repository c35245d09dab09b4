import { loadUserModules } from "@pattern-lens/runner";
import { MetricsError } from "./errors.ts";
import { _isDefinition, _registerExport, metricRegistry } from "./registry.ts";

/**
 * Imports user metric modules (`.js`, `.mjs`, or `.ts` through jiti). A module registers metrics
 * when imported (`registerMetric(...)` at top level), or `export default`s one definition
 * (`defineMetric(...)`) or an array of them; a module that does neither has its named exports that
 * are metric definitions registered. Each metric records its module as `source`.
 *
 * @param paths - module files; relative paths resolve against `cwd`
 * @returns the absolute paths loaded
 * @throws {MetricsError} `PL_METRICS_MODULE` when a file is missing, not a module, throws while
 *   loading or registers no metric; `PL_METRICS_DUPLICATE` / `PL_METRICS_DEFINITION` for bad registrations.
 */
export function loadMetricModules(paths: readonly string[], cwd: string = process.cwd()): Promise<string[]> {
  return loadUserModules(paths, {
    what: "metric",
    cwd,
    registry: metricRegistry,
    // user modules importing our packages get the very instances this process runs
    virtualModules: async () => {
      const [self, indexes] = await Promise.all([import("./index.ts"), import("@pattern-lens/indexes")]);
      return { "@pattern-lens/metrics": self, "@pattern-lens/indexes": indexes };
    },
    onDefault: _registerExport,
    isDefinition: _isDefinition,
    howToRegister:
      "Export its metrics (export default [...], or export const of defineMetric(...) results), or call registerMetric on import.",
    error: (message, path, cause) => new MetricsError("PL_METRICS_MODULE", message, { cause, path }),
    passThrough: (err) => err instanceof MetricsError,
  });
}
