import { readFileSync } from "node:fs";
import { describeRunnerContract } from "#test-support/runner-contract.ts";
import { loadMetricModules, runMetrics } from "../src/node.ts";
import { metricRegistry } from "../src/registry.ts";

describeRunnerContract("@pattern-lens/metrics", {
  what: "metric",
  defaultExportModule: (name) =>
    `import { defineMetric } from "@pattern-lens/metrics";
export default defineMetric({ name: "${name}", doc: "mass on the first key" }, ({ pattern, n }) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += pattern[i * n]!;
  return s / n;
});
`,
  namedExportModule: (name) =>
    `import { defineMetric } from "@pattern-lens/metrics";
export const answer = 42;
export const last = defineMetric({ name: "${name}", doc: "the last query's mass on itself" }, ({ pattern, n }) => pattern[n * n - 1]);
`,
  registerOnImportModule: (name) =>
    `import { registerMetric } from "@pattern-lens/metrics";
registerMetric({ name: "${name}", doc: "the diagonal's first value" }, ({ pattern }) => pattern[0]!);
`,
  load: (paths) => loadMetricModules(paths),
  sourceOf: (name) => metricRegistry.get(name)?.source,
  has: (name) => metricRegistry.get(name) !== undefined,
  reset: () => metricRegistry.reset(),
  moduleCode: "PL_METRICS_MODULE",
  duplicateCode: "PL_METRICS_DUPLICATE",
  run: async (save, name, modules, jobs) => {
    const s = await runMetrics({
      savePath: save,
      model: "pythia-14m",
      metrics: name,
      modules,
      jobs,
      nSamples: 3,
    });
    return { threads: s.jobs, result: readFileSync(s.path, "utf8") };
  },
});
