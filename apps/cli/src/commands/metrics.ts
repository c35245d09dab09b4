import { describeShard } from "@pattern-lens/indexes";
import { topHeads } from "@pattern-lens/metrics";
import { runMetrics } from "@pattern-lens/metrics/node";
import { EXIT_NOTHING_DONE, setExitCode } from "../exit-code.ts";
import {
  addModelName,
  addSavePath,
  addShardOptions,
  collect,
  parseCount,
  parseJobs,
  type ShardFlags,
  shardOf,
} from "../flags.ts";
import { reportSaved } from "../interrupt.ts";
import type { CliIo } from "../program.ts";
import { type ProgressBar, startProgress } from "../progress.ts";
import type { RegisterCommand } from "./index.ts";

/** The flags of this command (also built by `pattern-lens run`). */
export interface MetricsFlags extends ShardFlags {
  /** The model folder under the save path. */
  modelName: string;
  savePath: string;
  /** Only these prompts (`run` passes the ones its activations step saved). */
  promptHashes?: readonly string[];
  module?: string[];
  metrics?: string;
  excludeBos?: boolean;
  excludeCurrentToken?: boolean;
  nSamples?: number;
  jobs?: number;
  top: number;
}

/**
 * `pattern-lens metrics`: scores every saved head (previous-token, induction, duplicate-token,
 * first-token, self, mean distance, entropy, plus `--module` metrics) and writes
 * `<save>/<model>/head_metrics.jsonl`; prints the top heads per metric.
 */
export const registerMetrics: RegisterCommand = (program, io) => {
  const cmd = program
    .command("metrics")
    .description(
      "score every saved attention head (induction, previous-token, sinks, ...) into head_metrics.jsonl",
    );
  addSavePath(cmd, "the data folder written by `pattern-lens activations`");
  addShardOptions(cmd);
  addModelName(cmd)
    .option("--module <file>", "load custom metrics from a .js/.mjs/.ts module (repeatable)", collect)
    .option("--metrics <list>", "metrics to compute, comma separated (default: all)")
    .option("--exclude-bos", "leave key position 0 (BOS) out of every row before scoring")
    .option("--exclude-current-token", "leave each row's own position out before scoring")
    .option("--n-samples <n>", "only the first N prompts of prompts.jsonl", parseCount("--n-samples", 1))
    .option("--jobs <n>", "worker threads (default: up to 4; 1 runs in-process)", parseJobs)
    .option("--top <n>", "heads to list per metric in the summary (0: none)", parseCount("--top", 0), 3)
    .action(async (flags: MetricsFlags) => {
      const summary = await runMetricsStep(flags, io);
      if (summary.records.length === 0) setExitCode(EXIT_NOTHING_DONE);
    });
};

/** What `runMetrics` returned. */
export type MetricsSummary = Awaited<ReturnType<typeof runMetrics>>;

/** Runs the metrics step with a progress bar, writes head_metrics.jsonl and prints the top heads. */
export async function runMetricsStep(flags: MetricsFlags, io: CliIo): Promise<MetricsSummary> {
  let bar: ProgressBar | undefined;
  let done = 0;
  let total = 0;
  reportSaved(
    () => `metrics for ${done} of ${total} prompts computed (head_metrics.jsonl is written at the end)`,
  );
  const shard = shardOf(flags);
  let summary: MetricsSummary;
  try {
    summary = await runMetrics({
      ...(shard !== undefined ? { shard } : {}),
      savePath: flags.savePath,
      model: flags.modelName,
      modules: flags.module ?? [],
      ...(flags.metrics !== undefined ? { metrics: flags.metrics } : {}),
      excludeBos: flags.excludeBos ?? false,
      excludeCurrentToken: flags.excludeCurrentToken ?? false,
      ...(flags.nSamples !== undefined ? { nSamples: flags.nSamples } : {}),
      ...(flags.promptHashes !== undefined ? { promptHashes: flags.promptHashes } : {}),
      ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
      onStart: (info) => {
        total = info.prompts;
        io.out(
          `metrics: ${info.metrics.join(", ")} over ${info.prompts} prompts${shard === undefined ? "" : ` (${describeShard(shard)})`}, ${info.jobs} job${info.jobs === 1 ? "" : "s"}\n`,
        );
        if (info.prompts > 0) bar = startProgress("metrics |{bar}| {value}/{total} prompts", info.prompts);
      },
      onProgress: (p) => {
        done = p.done;
        bar?.update(p.done);
      },
      onPromptSkipped: (s) => {
        bar?.stop();
        io.err(`pattern-lens: skipped prompt ${s.hash}: ${s.message}\n`);
      },
    });
  } finally {
    bar?.stop();
    reportSaved(undefined);
  }
  const secs = summary.elapsedMs / 1000;
  io.out(
    `metrics: ${summary.records.length} lines (${summary.nLayers} layers × ${summary.nHeads} heads × ${summary.metrics.length} metrics) from ${summary.prompts} prompts` +
      (summary.promptsSkipped.length ? `, ${summary.promptsSkipped.length} prompts skipped` : "") +
      ` in ${secs.toFixed(1)} s -> ${summary.path}\n`,
  );
  if (summary.records.length === 0) {
    io.err(
      "pattern-lens: error: no head metric was computed: no prompt could be read (see the skipped prompts above).\n",
    );
  }
  if (flags.top > 0) {
    const width = Math.max(...summary.metrics.map((m) => m.length));
    for (const m of summary.metrics) {
      const best = topHeads(summary.records, m, flags.top)
        .map((r) => `L${r.layer}H${r.head} ${(r.mean as number).toFixed(3)}`)
        .join(", ");
      io.out(`  ${m.padEnd(width)}  ${best || "(undefined on every prompt)"}\n`);
    }
  }
  return summary;
}
