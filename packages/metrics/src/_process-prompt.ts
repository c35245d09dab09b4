// the zod-free entry: this module runs in every worker thread (zod would double its start-up)
import { isUserError } from "@pattern-lens/indexes";
import { readNpzFileSync } from "@pattern-lens/indexes/node";
import { computePromptMetrics, layersFromNpz } from "./compute.ts";
import { MetricsError } from "./errors.ts";
import type { MetricDefinition, MetricOptions } from "./types.ts";

/** One prompt to score. */
export interface PromptTask {
  index: number;
  hash: string;
  npzPath: string;
  tokens: string[];
  tokenIds?: number[];
}

/** What came of one prompt. */
export type PromptOutcome =
  | { ok: true; index: number; nLayers: number; nHeads: number; values: Float64Array }
  | { ok: false; index: number; hash: string; message: string };

/**
 * Reads one prompt's `activations.npz` once and computes every metric on every head. A missing or
 * unreadable npz is an outcome (the prompt is skipped); a failing metric function throws.
 */
export async function processPrompt(
  task: PromptTask,
  metrics: readonly MetricDefinition[],
  options: MetricOptions,
): Promise<PromptOutcome> {
  let layers: ReturnType<typeof layersFromNpz>;
  try {
    layers = layersFromNpz(readNpzFileSync(task.npzPath), task.npzPath);
  } catch (err) {
    const e = err as { code?: unknown; message?: string };
    if (err instanceof MetricsError || isUserError(err)) {
      return { ok: false, index: task.index, hash: task.hash, message: e.message ?? String(err) };
    }
    throw err;
  }
  const values = computePromptMetrics(
    { layers, tokens: task.tokens, tokenIds: task.tokenIds, hash: task.hash },
    metrics,
    options,
  );
  return { ok: true, index: task.index, nLayers: layers.length, nHeads: layers[0]?.nHeads ?? 0, values };
}
