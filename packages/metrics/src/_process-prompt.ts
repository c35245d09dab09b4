// the zod-free entry: this module runs in every worker thread (zod would double its start-up)
import {
  checkPatternLayers,
  isUserError,
  maxPatternMemberBytes,
  type PatternExpectation,
  toFloat32,
} from "@pattern-lens/indexes";
import { readNpzFileSync } from "@pattern-lens/indexes/node";
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
 * Reads one prompt's `activations.npz` once and computes every metric on every head. A missing,
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
  let entries: ReturnType<typeof readNpzFileSync>;
  try {
    entries = readNpzFileSync(task.npzPath, { maxMemberBytes: maxPatternMemberBytes(task.expect) });
  } catch (err) {
    const e = err as { code?: unknown; message?: string };
    if (isUserError(err)) {
      return skip(`${task.npzPath} is unreadable or corrupt (${e.code}): ${e.message ?? String(err)}`);
    }
    throw err;
  }
  const checked = checkPatternLayers(entries, task.expect, toFloat32);
  if ("problem" in checked) {
    return skip(
      `${task.npzPath}: ${checked.problem}. Save the prompt again with \`pattern-lens activations --force\`.`,
    );
  }
  const { layers } = checked;
  const values = computePromptMetrics(
    { layers, tokens: task.tokens, tokenIds: task.tokenIds, hash: task.hash },
    metrics,
    options,
  );
  return { ok: true, index: task.index, nLayers: layers.length, nHeads: layers[0]?.nHeads ?? 0, values };
}
