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
