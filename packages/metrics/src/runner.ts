import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import {
  activationsPath,
  headMetricsPath,
  modelDir,
  promptJsonPath,
  promptsIndexPath,
} from "@pattern-lens/indexes";
import { readJsonFile, readJsonl, writeJsonl } from "@pattern-lens/indexes/node";
import { PromptMetaSchema } from "@pattern-lens/indexes/schemas";
import { runPool } from "./_pool.ts";
import { type PromptOutcome, type PromptTask, processPrompt } from "./_process-prompt.ts";
import { MetricAccumulator } from "./aggregate.ts";
import { MetricsError } from "./errors.ts";
import { loadMetricModules } from "./load-modules.ts";
import { selectMetrics } from "./registry.ts";
import type { MetricOptions } from "./types.ts";

/** One line of `head_metrics.jsonl` as the runner writes it. */
export interface HeadMetricRecord {
  layer: number;
  head: number;
  metric: string;
  mean: number | null;
  std: number | null;
  count: number;
  excluded: number;
  exclude_bos: boolean;
  exclude_current_token: boolean;
}

/** Options of {@link runMetrics}. */
export interface RunMetricsOptions {
  /** The data folder (`--save-path`). */
  savePath: string;
  /** The model folder name under it. */
  model: string;
  /** Metric modules to load first (`--module`). */
  modules?: readonly string[];
  /** Metrics to compute (comma list or names); default: every registered metric. */
  metrics?: string | readonly string[];
  /** Leave key position 0 out of every row (default false). */
  excludeBos?: boolean;
  /** Leave each row's own position out (default false). */
  excludeCurrentToken?: boolean;
  /** Only the first N prompts of prompts.jsonl. */
  nSamples?: number;
  /**
   * Only these prompts (hashes), in prompts.jsonl order: `pattern-lens run` passes the prompts its
   * activations step just saved. Applied before `nSamples`.
   */
  promptHashes?: readonly string[];
  /** Worker threads; 1 computes in this thread. Default: min(cores, 4), and 1 for fewer than 8 prompts. */
  jobs?: number;
  onStart?: (info: { metrics: string[]; prompts: number; jobs: number }) => void;
  onProgress?: (p: { done: number; total: number }) => void;
  onPromptSkipped?: (s: { hash: string; message: string }) => void;
}

/** What {@link runMetrics} did. */
export interface RunMetricsSummary {
  /** The `head_metrics.jsonl` written. */
  path: string;
  records: HeadMetricRecord[];
  metrics: string[];
  /** Prompts scored. */
  prompts: number;
  promptsSkipped: { hash: string; message: string }[];
  nLayers: number;
  nHeads: number;
  jobs: number;
  elapsedMs: number;
}

/**
 * Computes every selected metric for every head over a model's saved prompts and writes
 * `<save>/<model>/head_metrics.jsonl` atomically: one line per layer, head and metric, in that
 * order, with the mean, population std and count over the prompts where the metric is defined and
 * the number of prompts where it is not (`excluded`). Each `activations.npz` is read once.
 * Prompts without a readable `activations.npz` are skipped and reported.
 * @throws {MetricsError} `PL_METRICS_NO_PROMPTS` (no model folder / prompts.jsonl / readable prompt),
 *   `PL_METRICS_UNKNOWN`, `PL_METRICS_MODULE`, `PL_METRICS_FAILED`, `PL_METRICS_OPTIONS`.
 */
export async function runMetrics(opts: RunMetricsOptions): Promise<RunMetricsSummary> {
  const started = performance.now();
  const { savePath, model } = opts;
  if (opts.jobs !== undefined && (!Number.isInteger(opts.jobs) || opts.jobs < 1)) {
    throw new MetricsError("PL_METRICS_OPTIONS", `jobs must be a positive integer, got ${opts.jobs}.`);
  }
  const dir = modelDir(savePath, model);
  const index = promptsIndexPath(savePath, model);
  if (!existsSync(dir) || !existsSync(index)) {
    throw new MetricsError(
      "PL_METRICS_NO_PROMPTS",
      `no ${existsSync(dir) ? "prompts.jsonl in" : "model folder"} ${dir}. Run pattern-lens activations for model "${model}" with --save-path ${savePath} first.`,
      { path: existsSync(dir) ? index : dir },
    );
  }
  const modules = await loadMetricModules(opts.modules ?? []);
  const metrics = selectMetrics(opts.metrics);
  const options: MetricOptions = {
    excludeBos: opts.excludeBos ?? false,
    excludeCurrentToken: opts.excludeCurrentToken ?? false,
  };
  let prompts = await readJsonl(index, PromptMetaSchema);
  if (opts.promptHashes !== undefined) {
    const only = new Set(opts.promptHashes);
    prompts = prompts.filter((p) => only.has(p.hash));
  }
  if (opts.nSamples !== undefined) prompts = prompts.slice(0, opts.nSamples);

  const tasks: PromptTask[] = [];
  const skipped: { hash: string; message: string }[] = [];
  const skip = (hash: string, message: string) => {
    skipped.push({ hash, message });
    opts.onPromptSkipped?.({ hash, message });
  };
  for (const [i, line] of prompts.entries()) {
    // prompt.json is the per-prompt record; the index line stands in when it is missing
    const pj = promptJsonPath(savePath, model, line.hash);
    const meta = existsSync(pj) ? await readJsonFile(pj, PromptMetaSchema) : line;
    const npzPath = activationsPath(savePath, model, line.hash);
    if (!existsSync(npzPath)) {
      skip(line.hash, `no activations.npz in ${npzPath.slice(0, -"activations.npz".length)}`);
      continue;
    }
    const task: PromptTask = { index: i, hash: line.hash, npzPath, tokens: meta.tokens };
    const ids = meta.token_ids ?? line.token_ids;
    if (ids !== undefined) task.tokenIds = ids;
    tasks.push(task);
  }
  const jobs = opts.jobs ?? (tasks.length < 8 ? 1 : Math.min(4, availableParallelism()));
  opts.onStart?.({ metrics: metrics.map((m) => m.name), prompts: tasks.length, jobs });

  const outcomes: (PromptOutcome & { ok: true })[] = [];
  let done = 0;
  const onOutcome = (o: PromptOutcome) => {
    done++;
    if (o.ok) outcomes.push(o);
    else skip(o.hash, o.message);
    opts.onProgress?.({ done, total: tasks.length });
  };
  if (jobs === 1 || tasks.length <= 1) {
    for (const t of tasks) onOutcome(await processPrompt(t, metrics, options));
  } else {
    await runPool({
      jobs,
      modules,
      metricNames: metrics.map((m) => m.name),
      options,
      tasks,
      onOutcome,
    });
  }
  if (outcomes.length === 0) {
    throw new MetricsError(
      "PL_METRICS_NO_PROMPTS",
      `no prompt of model "${model}" in ${savePath} has readable patterns (${skipped.length} skipped). Run pattern-lens activations again.`,
    );
  }
  // aggregate in prompts.jsonl order, so the numbers do not depend on worker timing
  outcomes.sort((a, b) => a.index - b.index);
  const nLayers = Math.max(...outcomes.map((o) => o.nLayers));
  const nHeads = Math.max(...outcomes.map((o) => o.nHeads));
  const acc = Array.from({ length: nLayers * nHeads * metrics.length }, () => new MetricAccumulator());
  for (const o of outcomes) {
    for (let l = 0; l < o.nLayers; l++) {
      for (let h = 0; h < o.nHeads; h++) {
        for (let k = 0; k < metrics.length; k++) {
          const v = o.values[(l * o.nHeads + h) * metrics.length + k] as number;
          (acc[(l * nHeads + h) * metrics.length + k] as MetricAccumulator).add(v);
        }
      }
    }
  }
  const records: HeadMetricRecord[] = [];
  for (let l = 0; l < nLayers; l++) {
    for (let h = 0; h < nHeads; h++) {
      metrics.forEach((m, k) => {
        const r = (acc[(l * nHeads + h) * metrics.length + k] as MetricAccumulator).result();
        records.push({
          layer: l,
          head: h,
          metric: m.name,
          ...r,
          exclude_bos: options.excludeBos,
          exclude_current_token: options.excludeCurrentToken,
        });
      });
    }
  }
  const path = headMetricsPath(savePath, model);
  await writeJsonl(path, records);
  return {
    path,
    records,
    metrics: metrics.map((m) => m.name),
    prompts: outcomes.length,
    promptsSkipped: skipped,
    nLayers,
    nHeads,
    jobs,
    elapsedMs: performance.now() - started,
  };
}
