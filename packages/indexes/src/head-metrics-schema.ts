import { z } from "zod";

/**
 * One line of `<save>/<model>/head_metrics.jsonl`: a metric of one head aggregated over prompts.
 * `mean` and `std` (population standard deviation) are over the `count` prompts on which the
 * metric is defined; `excluded` prompts had no defined value (for example induction on a prompt
 * with no repeated token) and are left out. With `count` 0, `mean` and `std` are `null`.
 * `exclude_bos` / `exclude_current_token` record the options the values were computed with.
 * Loose: unknown keys are kept.
 */
export const HeadMetricLineSchema = z.looseObject({
  layer: z.int().nonnegative(),
  head: z.int().nonnegative(),
  metric: z.string().min(1),
  mean: z.number().nullable(),
  std: z.number().nonnegative().nullable(),
  count: z.int().nonnegative(),
  excluded: z.int().nonnegative(),
  exclude_bos: z.boolean().optional(),
  exclude_current_token: z.boolean().optional(),
});

/** A parsed `head_metrics.jsonl` line, inferred from {@link HeadMetricLineSchema}. */
export type HeadMetricLine = z.infer<typeof HeadMetricLineSchema>;

/**
 * One head value in `prompts/<hash>/head_metrics.json`: a number, `null` where the metric is not
 * defined on the prompt, or `"Infinity"` / `"-Infinity"` (which JSON cannot hold as numbers).
 */
const HeadValueSchema = z.union([z.number(), z.null(), z.literal("Infinity"), z.literal("-Infinity")]);

/**
 * `<save>/<model>/prompts/<hash>/head_metrics.json`: every metric of every head on one prompt,
 * so that shards of a run can be merged into `head_metrics.jsonl` exactly (JSON numbers
 * round-trip bit for bit). `values[metric][layer][head]`; `metrics` lists the metric names in
 * run order. Loose: unknown keys are kept.
 */
export const PromptHeadMetricsSchema = z.looseObject({
  hash: z.string().min(1),
  n_layers: z.int().nonnegative(),
  n_heads: z.int().nonnegative(),
  exclude_bos: z.boolean(),
  exclude_current_token: z.boolean(),
  metrics: z.array(z.string().min(1)),
  values: z.record(z.string(), z.array(z.array(HeadValueSchema))),
});

/** A parsed `prompts/<hash>/head_metrics.json`, inferred from {@link PromptHeadMetricsSchema}. */
export type PromptHeadMetrics = z.infer<typeof PromptHeadMetricsSchema>;
