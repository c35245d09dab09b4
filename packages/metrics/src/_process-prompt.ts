// the zod-free entry: this module runs in every worker thread (zod would double its start-up)
import { isUserError, type PatternExpectation, type PatternLayer } from "@pattern-lens/indexes";
import { openPatternLayersSync } from "@pattern-lens/indexes/node";
import { computePromptMetrics } from "./compute.ts";
import { MetricsError } from "./errors.ts";
import type { MetricDefinition, MetricOptions } from "./types.ts";

/** One prompt to score. */
export interface PromptTask {
  index: number;
  hash: string;
  npzPath: string;
  tokens: string[];
  tokenIds?: number[];
  /** What its archive must hold: layers and heads from model_cfg.json, sizes from prompt.json. */
  expect: PatternExpectation;
}

/** What came of one prompt. */
export type PromptOutcome =
  | { ok: true; index: number; nLayers: number; nHeads: number; values: Float64Array }
  | { ok: false; index: number; hash: string; message: string };

/**
 * Reads one prompt's `activations.npz` a layer at a time and computes every metric on every head. A missing,
 * unreadable or wrong archive (a layer missing, heads or size other than model_cfg.json and
 * prompt.json say, a NaN or infinite value, a member larger than those allow) is an outcome: the
 * prompt is skipped with the reason. A failing metric function throws.
 */
export async function processPrompt(
  task: PromptTask,
  metrics: readonly MetricDefinition[],
  options: MetricOptions,
): Promise<PromptOutcome> {
  const skip = (message: string): PromptOutcome => ({
    ok: false,
    index: task.index,
    hash: task.hash,
    message,
  });
  // each layer is scored as soon as it is checked, then dropped: a long prompt's archive never
  // sits in memory whole, and is decoded once; a later layer refused skips the prompt whole
  const nHeads = task.expect.nHeads;
  const values = new Float64Array(task.expect.nLayers * nHeads * metrics.length);
  const score = (l: number, layer: PatternLayer) => {
    const input = { layers: [layer], firstLayer: l, tokens: task.tokens, tokenIds: task.tokenIds };
    values.set(
      computePromptMetrics({ ...input, hash: task.hash }, metrics, options),
      l * nHeads * metrics.length,
    );
  };
  let opened: ReturnType<typeof openPatternLayersSync>;
  try {
    opened = openPatternLayersSync(task.npzPath, task.expect, { keepBytes: 0, onChecked: score });
  } catch (err) {
    const e = err as { code?: unknown; message?: string };
    // a metric's own failure is no archive problem: it goes up as before
    if (err instanceof MetricsError) throw err;
    if (isUserError(err)) {
      return skip(`${task.npzPath} is unreadable or corrupt (${e.code}): ${e.message ?? String(err)}`);
    }
    throw err;
  }
  if ("problem" in opened) {
    return skip(
      `${task.npzPath}: ${opened.problem}. Save the prompt again with \`pattern-lens activations --force\`.`,
    );
  }
  opened.close();
  return { ok: true, index: task.index, nLayers: task.expect.nLayers, nHeads, values };
}
