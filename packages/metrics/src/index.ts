/**
 * @pattern-lens/metrics: per-head attention metrics computed from saved patterns, and a registry
 * for your own. This entry is browser-safe; the runner over a data folder is in
 * `@pattern-lens/metrics/node`.
 * @packageDocumentation
 */
export { MetricAccumulator } from "./aggregate.ts";
export { entropy, meanDistance } from "./builtins/distribution-metrics.ts";
export { BUILTIN_METRICS } from "./builtins/index.ts";
export { duplicateToken, firstToken, induction, previousToken, self } from "./builtins/pattern-metrics.ts";
export {
  computePromptMetrics,
  type LayerPatterns,
  layersFromNpz,
  type PromptInput,
  positionTokenIds,
} from "./compute.ts";
export { MetricsError, type MetricsErrorCode, MetricsInternalError } from "./errors.ts";
export { isKeptKey, keptMass, targetMassScore } from "./pattern-score.ts";
export {
  aggregateHeadMetrics,
  decodePromptValues,
  encodePromptValues,
  type HeadMetricRecord,
  type PromptValues,
} from "./prompt-values.ts";
export {
  clearCustomMetrics,
  defineMetric,
  getMetric,
  listMetrics,
  registerMetric,
  selectMetrics,
} from "./registry.ts";
export { topHeads } from "./top-heads.ts";
export type { MetricContext, MetricDefinition, MetricFn, MetricOptions } from "./types.ts";

/** The npm name of this package. */
export const PACKAGE_NAME = "@pattern-lens/metrics";
