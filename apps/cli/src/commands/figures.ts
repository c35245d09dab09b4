import { type RunProgress, runFigures } from "@pattern-lens/figures";
import { SingleBar } from "cli-progress";
import { InvalidArgumentError } from "commander";
import type { CliIo } from "../program.ts";
import type { RegisterCommand } from "./index.ts";

function parseCount(what: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${what} must be a non-negative integer.`);
    return Number(value);
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The flags of this command (also built by `pattern-lens run`). */
export interface FiguresFlags {
  model: string;
  savePath: string;
  nSamples?: number;
  force?: boolean;
  figureFuncs?: string;
  module?: string[];
  jobs?: number;
}

/** Formats seconds as `1m05s` / `12s`. */
function duration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const m = Math.floor(s / 60);
  const sec = Math.round(s % 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}

/**
 * `pattern-lens figures`: renders every selected figure function for every saved head of a model.
 * Shows a progress bar (rate, ETA) on a terminal and ends with a summary: written, skipped, failed.
 */
export const registerFigures: RegisterCommand = (program, io) => {
  program
    .command("figures")
    .description("render figures (raw.png and friends) for every saved attention head of a model")
    .requiredOption("--model <name>", "model folder name under the save path")
    .requiredOption("--save-path <dir>", "the data folder written by `pattern-lens activations`")
    .option("--n-samples <n>", "only the first N prompts of prompts.jsonl", parseCount("--n-samples"))
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
      parseCount("--jobs"),
    )
    .action(async (flags: FiguresFlags) => {
      await runFiguresStep(flags, io);
    });
};

/** Runs the figures step with a progress bar and a summary (written, skipped, failed). */
export async function runFiguresStep(flags: FiguresFlags, io: CliIo): Promise<void> {
  const tty = Boolean(process.stderr.isTTY);
  const started = performance.now();
  let bar: SingleBar | undefined;
  const rate = (p: RunProgress) => p.done / Math.max(1e-3, (performance.now() - started) / 1000);
  const summary = await runFigures({
    savePath: flags.savePath,
    model: flags.model,
    ...(flags.nSamples !== undefined ? { nSamples: flags.nSamples } : {}),
    force: flags.force ?? false,
    ...(flags.figureFuncs !== undefined ? { figureFuncs: flags.figureFuncs } : {}),
    modules: flags.module ?? [],
    ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
    onStart: (info) => {
      io.out(
        `figures: ${info.figures.join(", ")} × ${info.prompts} prompts (${info.total} outputs), ${info.jobs === 1 ? "1 thread" : `up to ${info.jobs} threads`}\n`,
      );
      if (tty) {
        bar = new SingleBar({
          format: "figures |{bar}| {value}/{total} | {rate} fig/s | ETA {eta_text}",
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
        });
        bar.start(info.total, 0, { rate: "0", eta_text: "?" });
      }
    },
    onProgress: (p) => {
      if (!bar) return;
      const r = rate(p);
      bar.update(p.done, { rate: r.toFixed(0), eta_text: duration((p.total - p.done) / r) });
    },
    onPromptSkipped: (s) => {
      bar?.stop();
      bar = undefined;
      io.err(`pattern-lens: skipped prompt ${s.hash}: ${s.message}\n`);
    },
  });
  bar?.stop();
  const secs = summary.elapsedMs / 1000;
  const figsPerSec = summary.written / Math.max(secs, 1e-3);
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
      ` in ${secs.toFixed(1)} s (${figsPerSec.toFixed(0)} figures/s, ${summary.jobs} thread${summary.jobs === 1 ? "" : "s"})\n`,
  );
  const shown = summary.failures.slice(0, 5);
  for (const f of shown)
    io.err(`pattern-lens: figure '${f.figure}' failed: ${f.message} (see ${f.errorFile})\n`);
  if (summary.failures.length > shown.length) {
    io.err(`pattern-lens: ... and ${summary.failures.length - shown.length} more .error.txt files\n`);
  }
}
