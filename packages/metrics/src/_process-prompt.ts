// the zod-free entry: this module runs in every worker thread (zod would double its start-up)
import { isUserError, type PatternExpectation } from "@pattern-lens/indexes";
import { openPatternLayersSync } from "@pattern-lens/indexes/node";
import { computePromptMetrics } from "./compute.ts";
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
  // every layer is checked before any metric runs (a wrong archive is skipped whole), then scored
  // one layer at a time: a long prompt's archive never sits in memory whole
  let opened: ReturnType<typeof openPatternLayersSync>;
  try {
    opened = openPatternLayersSync(task.npzPath, task.expect);
  } catch (err) {
    const e = err as { code?: unknown; message?: string };
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
  try {
    const { nLayers } = opened;
    const nHeads = task.expect.nHeads;
    const values = new Float64Array(nLayers * nHeads * metrics.length);
    for (let l = 0; l < nLayers; l++) {
      const input = {
        layers: [opened.layer(l)],
        firstLayer: l,
        tokens: task.tokens,
        tokenIds: task.tokenIds,
      };
      values.set(
        computePromptMetrics({ ...input, hash: task.hash }, metrics, options),
        l * nHeads * metrics.length,
      );
    }
    return { ok: true, index: task.index, nLayers, nHeads, values };
  } finally {
    opened.close();
  }
}
