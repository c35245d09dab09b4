import { topHeads } from "@pattern-lens/metrics";
import { runMetrics } from "@pattern-lens/metrics/node";
import { SingleBar } from "cli-progress";
import { InvalidArgumentError } from "commander";
import type { CliIo } from "../program.ts";
import type { RegisterCommand } from "./index.ts";

function parseCount(what: string, min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) {
      throw new InvalidArgumentError(`${what} must be an integer of at least ${min}.`);
    }
    return Number(value);
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The flags of this command (also built by `pattern-lens run`). */
export interface MetricsFlags {
  model: string;
  savePath: string;
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
  program
    .command("metrics")
    .description(
      "score every saved attention head (induction, previous-token, sinks, ...) into head_metrics.jsonl",
    )
    .requiredOption("--model <name>", "model folder name under the save path")
    .requiredOption("--save-path <dir>", "the data folder written by `pattern-lens activations`")
    .option("--module <file>", "load custom metrics from a .js/.mjs/.ts module (repeatable)", collect)
    .option("--metrics <list>", "metrics to compute, comma separated (default: all)")
    .option("--exclude-bos", "leave key position 0 (BOS) out of every row before scoring")
    .option("--exclude-current-token", "leave each row's own position out before scoring")
    .option("--n-samples <n>", "only the first N prompts of prompts.jsonl", parseCount("--n-samples", 1))
    .option("--jobs <n>", "worker threads (default: up to 4; 1 runs in-process)", parseCount("--jobs", 1))
    .option("--top <n>", "heads to list per metric in the summary (0: none)", parseCount("--top", 0), 3)
    .action(async (flags: MetricsFlags) => {
      await runMetricsStep(flags, io);
    });
};

/** Runs the metrics step with a progress bar, writes head_metrics.jsonl and prints the top heads. */
export async function runMetricsStep(flags: MetricsFlags, io: CliIo): Promise<void> {
  const tty = Boolean(process.stderr.isTTY);
  let bar: SingleBar | undefined;
  let summary: Awaited<ReturnType<typeof runMetrics>>;
  try {
    summary = await runMetrics({
      savePath: flags.savePath,
      model: flags.model,
      modules: flags.module ?? [],
      ...(flags.metrics !== undefined ? { metrics: flags.metrics } : {}),
      excludeBos: flags.excludeBos ?? false,
      excludeCurrentToken: flags.excludeCurrentToken ?? false,
      ...(flags.nSamples !== undefined ? { nSamples: flags.nSamples } : {}),
      ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
      onStart: (info) => {
        io.out(
          `metrics: ${info.metrics.join(", ")} over ${info.prompts} prompts, ${info.jobs} job${info.jobs === 1 ? "" : "s"}\n`,
        );
        if (tty && info.prompts > 0) {
          bar = new SingleBar({
            format: "metrics |{bar}| {value}/{total} prompts",
            stream: process.stderr,
            hideCursor: true,
            clearOnComplete: true,
          });
          bar.start(info.prompts, 0);
        }
      },
      onProgress: (p) => bar?.update(p.done),
      onPromptSkipped: (s) => {
        bar?.stop();
        bar = undefined;
        io.err(`pattern-lens: skipped prompt ${s.hash}: ${s.message}\n`);
      },
    });
  } finally {
    bar?.stop();
  }
  const secs = summary.elapsedMs / 1000;
  io.out(
    `metrics: ${summary.records.length} lines (${summary.nLayers} layers × ${summary.nHeads} heads × ${summary.metrics.length} metrics) from ${summary.prompts} prompts` +
      (summary.promptsSkipped.length ? `, ${summary.promptsSkipped.length} prompts skipped` : "") +
      ` in ${secs.toFixed(1)} s -> ${summary.path}\n`,
  );
  if (flags.top > 0) {
    const width = Math.max(...summary.metrics.map((m) => m.length));
    for (const m of summary.metrics) {
      const best = topHeads(summary.records, m, flags.top)
        .map((r) => `L${r.layer}H${r.head} ${(r.mean as number).toFixed(3)}`)
        .join(", ");
      io.out(`  ${m.padEnd(width)}  ${best || "(undefined on every prompt)"}\n`);
    }
  }
}
