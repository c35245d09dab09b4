import { type RunFiguresSummary, runFigures } from "@pattern-lens/figures";
import { describeShard } from "@pattern-lens/indexes";
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
import { duration, formatRate, type ProgressBar, startProgress } from "../progress.ts";
import type { RegisterCommand } from "./index.ts";

/** The flags of this command (also built by `pattern-lens run`). */
export interface FiguresFlags extends ShardFlags {
  /** The model folder under the save path. */
  modelName: string;
  savePath: string;
  nSamples?: number;
  /** Only these prompts (`run` passes the ones its activations step saved). */
  promptHashes?: readonly string[];
  force?: boolean;
  figureFuncs?: string;
  module?: string[];
  jobs?: number;
}

/**
 * `pattern-lens figures`: renders every selected figure function for every saved head of a model.
 * Shows a progress bar (rate, ETA) on a terminal and ends with a summary: written, skipped, failed.
 * Exits 1 when figures were due and none could be written.
 */
export const registerFigures: RegisterCommand = (program, io) => {
  const cmd = program
    .command("figures")
    .description("render figures (raw.png and friends) for every saved attention head of a model");
  addSavePath(cmd, "the data folder written by `pattern-lens activations`");
  addShardOptions(cmd);
  addModelName(cmd)
    .option("--n-samples <n>", "only the first N prompts of prompts.jsonl", parseCount("--n-samples", 1))
    .option("--force", "re-render figures that already exist")
    .option("--figure-funcs <list>", "figure functions to run: comma list of names or globs (default: all)")
    .option(
      "--module <file>",
      "load custom figure functions from a .js/.mjs/.ts module (repeatable)",
      collect,
    )
    .option(
      "--jobs <n>",
      "threads rendering figures (default: all cores, fewer for small runs; 1 runs in-process)",
      parseJobs,
    )
    .action(async (flags: FiguresFlags) => {
      const summary = await runFiguresStep(flags, io);
      if (figuresFailedEverywhere(summary)) setExitCode(EXIT_NOTHING_DONE);
    });
};

/** True when figures were due and not one could be written: nothing useful happened. */
export function figuresFailedEverywhere(s: RunFiguresSummary): boolean {
  return s.written === 0 && s.skipped === 0 && (s.failed > 0 || s.promptsSkipped.length > 0);
}

/** Runs the figures step with a progress bar and a summary (written, skipped, failed). */
export async function runFiguresStep(flags: FiguresFlags, io: CliIo): Promise<RunFiguresSummary> {
  const started = performance.now();
  let bar: ProgressBar | undefined;
  let done = 0;
  let total = 0;
  reportSaved(() => `${done} of ${total} figure outputs in ${flags.savePath}`);
  const shard = shardOf(flags);
  let summary: RunFiguresSummary;
  try {
    summary = await runFigures({
      ...(shard !== undefined ? { shard } : {}),
      savePath: flags.savePath,
      model: flags.modelName,
      ...(flags.nSamples !== undefined ? { nSamples: flags.nSamples } : {}),
      ...(flags.promptHashes !== undefined ? { promptHashes: flags.promptHashes } : {}),
      force: flags.force ?? false,
      ...(flags.figureFuncs !== undefined ? { figureFuncs: flags.figureFuncs } : {}),
      modules: flags.module ?? [],
      ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
      onStart: (info) => {
        total = info.total;
        io.out(
          `figures: ${info.figures.join(", ")} × ${info.prompts} prompts${shard === undefined ? "" : ` (${describeShard(shard)})`} (${info.total} outputs), ${info.jobs === 1 ? "1 thread" : `up to ${info.jobs} threads`}\n`,
        );
        bar = startProgress(
          "figures |{bar}| {value}/{total} | {rate} fig/s | ETA {eta_text}",
          info.total,
          0,
          {
            rate: "0",
            eta_text: "?",
          },
        );
      },
      onProgress: (p) => {
        done = p.done;
        const r = formatRate(p.done, started);
        bar?.update(p.done, { rate: r.text, eta_text: duration((p.total - p.done) / r.rate) });
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
  const perPrompt = summary.prompts ? summary.total / summary.prompts : 0;
  const notMade = summary.promptsSkipped.length * perPrompt;
  io.out(
    `figures: ${summary.written} written, ${summary.skipped} already done, ${summary.failed} failed` +
      (summary.promptsSkipped.length
        ? `, ${summary.promptsSkipped.length} prompt${summary.promptsSkipped.length === 1 ? "" : "s"} skipped (${notMade} figures not made)`
        : "") +
      (summary.promptsStale.length
        ? `, ${summary.promptsStale.length} prompt${summary.promptsStale.length === 1 ? "" : "s"} re-rendered (activations changed)`
        : "") +
      (summary.promptsLeftToOthers.length
        ? `, ${summary.promptsLeftToOthers.length} prompt${summary.promptsLeftToOthers.length === 1 ? "" : "s"} left to another process rendering ${summary.promptsLeftToOthers.length === 1 ? "it" : "them"}`
        : "") +
      ` in ${secs.toFixed(1)} s (${formatRate(summary.written, performance.now() - summary.elapsedMs).text} figures/s, ${summary.jobs} thread${summary.jobs === 1 ? "" : "s"})\n`,
  );
  const shown = summary.failures.slice(0, 5);
  for (const f of shown)
    io.err(`pattern-lens: figure '${f.figure}' failed: ${f.message} (see ${f.errorFile})\n`);
  if (summary.failures.length > shown.length) {
    io.err(`pattern-lens: ... and ${summary.failures.length - shown.length} more .error.txt files\n`);
  }
  if (figuresFailedEverywhere(summary)) {
    io.err(
      "pattern-lens: error: no figure was written: every figure failed" +
        (summary.failed > 0
          ? "; fix the figure function (see the .error.txt files above) and run again.\n"
          : ".\n"),
    );
  }
  return summary;
}
