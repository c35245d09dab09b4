/**
 * @pattern-lens/indexes/schemas: the zod schemas of every file in a pattern-lens data folder, and
 * the functions that check parsed JSON/JSONL against them. Browser-safe. Kept apart from the root
 * entry so code that only needs the layout and the codecs (worker threads, small viewer chunks)
 * never loads zod; the root re-exports the inferred types, type-only.
 *
 * @packageDocumentation
 */

export {
  type FigureMeta,
  FigureMetaSchema,
  type ModelCfg,
  ModelCfgSchema,
  type ModelsIndexLine,
  ModelsIndexLineSchema,
  type PromptMeta,
  PromptMetaSchema,
  type Provenance,
  ProvenanceSchema,
  SafeNameSchema,
} from "./file-schemas.ts";
export {
  type HeadMetricLine,
  HeadMetricLineSchema,
  type PromptHeadMetrics,
  PromptHeadMetricsSchema,
} from "./head-metrics-schema.ts";
export { describeIssues, parseJson, parseJsonl, validate } from "./parse.ts";
