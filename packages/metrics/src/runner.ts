import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import {
  activationsPath,
  headMetricsPath,
  inShard,
  modelCfgPath,
  modelDir,
  type PromptMeta,
  patternSizes,
  promptHeadMetricsPath,
  promptJsonPath,
  promptsIndexPath,
  type Shard,
} from "@pattern-lens/indexes";
import {
  checkInside,
  readJsonFile,
  readSavedPrompts,
  writeJsonFile,
  writeJsonl,
} from "@pattern-lens/indexes/node";
import { ModelCfgSchema, PromptMetaSchema } from "@pattern-lens/indexes/schemas";
import { runPool, workerEntryBeside } from "@pattern-lens/runner";
import { type PromptOutcome, type PromptTask, processPrompt } from "./_process-prompt.ts";
import { MetricsError, poolError } from "./errors.ts";
import { mergeHeadMetrics } from "./merge.ts";
import { loadMetricModules } from "./modules.ts";
import { aggregateHeadMetrics, encodePromptValues, type HeadMetricRecord } from "./prompt-values.ts";
import { selectMetrics } from "./registry.ts";
import type { MetricOptions } from "./types.ts";

export type { HeadMetricRecord } from "./prompt-values.ts";

/** What every worker thread gets before its first prompt. @internal */
export interface WorkerInit {
  modules: string[];
  metricNames: string[];
  options: MetricOptions;
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
  /**
   * Score only this shard's prompts (of the first `nSamples`), then write head_metrics.jsonl from
   * every prompt scored so far with the same metrics and options, by any shard (see
   * `mergeHeadMetrics`); complete once the last shard is done.
   */
  shard?: Pick<Shard, "index" | "count">;
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
  /** Prompts scored by this run. */
  prompts: number;
  /** Prompts in head_metrics.jsonl: `prompts`, plus with a shard those other shards scored. */
  promptsMerged: number;
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
 * the number of prompts where it is not (`excluded`), the prompts added in hash order. Each
 * prompt's values are kept in `prompts/<hash>/head_metrics.json`, so shards can be merged to the
 * same bits. Each `activations.npz` is read once. Prompts without a readable `activations.npz`
 * are skipped and reported.
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
  // prompts.jsonl, and prompts saved since that another writer's rebuild of it lacks (shards)
  let prompts = await readSavedPrompts(savePath, model);
  if (opts.promptHashes !== undefined) {
    const only = new Set(opts.promptHashes);
    prompts = prompts.filter((p) => only.has(p.hash));
  }
  if (opts.nSamples !== undefined) prompts = prompts.slice(0, opts.nSamples);
  prompts = prompts.filter((p) => inShard(p.hash, opts.shard));

  const tasks: PromptTask[] = [];
  const skipped: { hash: string; message: string }[] = [];
  const skip = (hash: string, message: string) => {
    skipped.push({ hash, message });
    opts.onPromptSkipped?.({ hash, message });
  };
  // Layers and heads come from model_cfg.json, the size of each prompt's patterns from its
  // prompt.json: every archive is checked against them before it is scored.
  const cfgPath = modelCfgPath(savePath, model);
  if (!existsSync(cfgPath)) {
    throw new MetricsError(
      "PL_METRICS_NO_PROMPTS",
      `${cfgPath} is missing. It is written by \`pattern-lens activations\` for model "${model}" with --save-path ${savePath}.`,
      { path: cfgPath },
    );
  }
  const cfg = await readJsonFile(cfgPath, ModelCfgSchema);
  checkInside(savePath, dir);
  for (const line of prompts) {
    // prompt.json is the per-prompt record; the index line stands in when it is missing. A damaged
    // prompt.json skips its prompt (as figures does), it does not stop the run.
    const pj = promptJsonPath(savePath, model, line.hash);
    checkInside(savePath, pj);
    let meta: PromptMeta = line;
    if (existsSync(pj)) {
      try {
        meta = await readJsonFile(pj, PromptMetaSchema);
      } catch (err) {
        skip(line.hash, `${(err as Error).message}`);
        continue;
      }
      if (meta.hash !== line.hash) {
        skip(
          line.hash,
          `${pj}: its hash "${meta.hash}" is not its folder name; save the prompt again with \`pattern-lens activations --force\``,
        );
        continue;
      }
    }
    const npzPath = activationsPath(savePath, model, line.hash);
    if (!existsSync(npzPath)) {
      skip(line.hash, `no activations.npz in ${npzPath.slice(0, -"activations.npz".length)}`);
      continue;
    }
    const ids = meta.token_ids ?? line.token_ids;
    const task: PromptTask = {
      index: tasks.length,
      hash: line.hash,
      npzPath,
      tokens: meta.tokens,
      expect: {
        nLayers: cfg.n_layers,
        nHeads: cfg.n_heads,
        sizes: patternSizes({ tokens: meta.tokens, token_ids: ids }),
      },
    };
    if (ids !== undefined) task.tokenIds = ids;
    tasks.push(task);
  }
  const jobs = opts.jobs ?? (tasks.length < 8 ? 1 : Math.min(4, availableParallelism()));
  const metricNames = metrics.map((m) => m.name);
  opts.onStart?.({ metrics: metricNames, prompts: tasks.length, jobs });

  const outcomes: (PromptOutcome & { ok: true })[] = [];
  const writes: Promise<void>[] = [];
  let done = 0;
  const onOutcome = (o: PromptOutcome) => {
    done++;
    if (o.ok) {
      outcomes.push(o);
      const hash = (tasks[o.index] as PromptTask).hash;
      const stored = encodePromptValues({ hash, ...o }, metricNames, options);
      const write = writeJsonFile(promptHeadMetricsPath(savePath, model, hash), stored);
      write.catch(() => {}); // awaited (and thrown) below
      writes.push(write);
    } else skip(o.hash, o.message);
    opts.onProgress?.({ done, total: tasks.length });
  };
  if (jobs === 1 || tasks.length <= 1) {
    for (const t of tasks) onOutcome(await processPrompt(t, metrics, options));
  } else {
    await runPool({
      jobs,
      worker: workerEntryBeside(import.meta.url),
      init: { modules, metricNames, options } satisfies WorkerInit,
      tasks,
      onOutcome,
      toError: poolError,
    });
  }
  await Promise.all(writes);
  if (outcomes.length === 0 && (opts.shard === undefined || tasks.length > 0)) {
    throw new MetricsError(
      "PL_METRICS_NO_PROMPTS",
      `no prompt of model "${model}" in ${savePath} has usable patterns (${skipped.length} skipped, reasons above). Run pattern-lens activations again.`,
    );
  }
  const path = headMetricsPath(savePath, model);
  let result: { records: HeadMetricRecord[]; nLayers: number; nHeads: number; prompts: number };
  if (opts.shard === undefined) {
    const values = outcomes.map((o) => ({ ...o, hash: (tasks[o.index] as PromptTask).hash }));
    result = { ...aggregateHeadMetrics(values, metricNames, options), prompts: outcomes.length };
    await writeJsonl(path, result.records);
  } else {
    const merged = await mergeHeadMetrics({ savePath, model, scoredWith: { metrics: metricNames, options } });
    result = merged ?? { records: [], nLayers: 0, nHeads: 0, prompts: 0 };
  }
  return {
    path,
    records: result.records,
    metrics: metricNames,
    prompts: outcomes.length,
    promptsMerged: result.prompts,
    promptsSkipped: skipped,
    nLayers: result.nLayers,
    nHeads: result.nHeads,
    jobs,
    elapsedMs: performance.now() - started,
  };
}
