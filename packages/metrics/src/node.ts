/**
 * Node entry of @pattern-lens/metrics: the runner over a data folder and the `--module` loader.
 * @packageDocumentation
 */
export { type MergeHeadMetricsOptions, type MergeHeadMetricsSummary, mergeHeadMetrics } from "./merge.ts";
export { loadMetricModules } from "./modules.ts";
export {
  type HeadMetricRecord,
  type RunMetricsOptions,
  type RunMetricsSummary,
  runMetrics,
} from "./runner.ts";
