import type { ActivationsOptions } from "@pattern-lens/activations";
import { EXIT_NOTHING_DONE, setExitCode } from "../exit-code.ts";
import { collect, parseJobs } from "../flags.ts";
import type { CliIo } from "../program.ts";
import { type ActivationsFlags, addActivationsOptions, runActivationsStep } from "./activations.ts";
import { figuresFailedEverywhere, runFiguresStep } from "./figures.ts";
import type { RegisterCommand } from "./index.ts";
import { type MetricsSummary, runMetricsStep } from "./metrics.ts";

/** The flags of `pattern-lens run` (every `activations` flag and the later steps' own). */
export interface RunFlags extends ActivationsFlags {
  figureFuncs?: string;
  figureModule?: string[];
  metricModule?: string[];
  jobs?: number;
  figures: boolean;
  metrics: boolean;
}

/** What {@link runPipeline} did. */
export interface PipelineResult {
  modelName: string;
  /** `false` when a step produced nothing usable (the exit code is then 1). */
  ok: boolean;
  metrics?: MetricsSummary;
}

/**
 * `pattern-lens run`: activations, then figures, then metrics, for one model and one prompt set.
 * It takes every `activations` flag; the later steps work on the prompts that step saved, under
 * the same model folder. Each step resumes on its own: a rerun skips what is already done.
 */
export const registerRun: RegisterCommand = (program, io) => {
  const cmd = program
    .command("run")
    .description("activations, then figures, then head metrics, in one command");
  addActivationsOptions(cmd)
    .option("--figure-funcs <list>", "figure functions to run: comma list of names or globs (default: all)")
    .option("--figure-module <file>", "custom figure functions (.js/.mjs/.ts, repeatable)", collect)
    .option("--metric-module <file>", "custom metrics (.js/.mjs/.ts, repeatable)", collect)
    .option("--jobs <n>", "threads for figures and metrics (default: all cores)", parseJobs)
    .option("--no-figures", "skip the figures step")
    .option("--no-metrics", "skip the metrics step")
    .action(async (flags: RunFlags) => {
      const t0 = performance.now();
      await runPipeline(flags, io, "run");
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      io.out(`run: done in ${secs} s; view it with: pattern-lens serve --save-path ${flags.savePath}\n`);
    });
};

/**
 * The pipeline behind `run` and `demo`: activations, then figures and metrics on exactly the
 * prompts the activations step saved (never other lines of prompts.jsonl), with one step line each.
 * Sets exit code 1 when a step produced nothing usable.
 *
 * @param prompts - prompts given in memory (the demo's) instead of `flags.prompts`
 */
export async function runPipeline(
  flags: RunFlags,
  io: CliIo,
  label: string,
  prompts?: ActivationsOptions["prompts"],
): Promise<PipelineResult> {
  const total = 1 + Number(flags.figures) + Number(flags.metrics);
  let n = 0;
  const step = (name: string) => io.out(`${label}: step ${++n}/${total}: ${name}\n`);
  step("activations");
  const act = await runActivationsStep(flags, io, prompts);
  const shared = {
    modelName: act.modelName,
    savePath: flags.savePath,
    promptHashes: act.hashes,
    ...(flags.shard !== undefined ? { shard: flags.shard } : {}),
    ...(flags.shards !== undefined ? { shards: flags.shards } : {}),
    ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
  };
  const result: PipelineResult = { modelName: act.modelName, ok: true };
  if (flags.figures) {
    step("figures");
    const figs = await runFiguresStep(
      {
        ...shared,
        force: flags.force ?? false,
        ...(flags.figureFuncs !== undefined ? { figureFuncs: flags.figureFuncs } : {}),
        module: flags.figureModule ?? [],
      },
      io,
    );
    if (figuresFailedEverywhere(figs)) result.ok = false;
  }
  if (flags.metrics) {
    step("metrics");
    result.metrics = await runMetricsStep({ ...shared, module: flags.metricModule ?? [], top: 3 }, io);
    if (result.metrics.records.length === 0) result.ok = false;
  }
  if (!result.ok) setExitCode(EXIT_NOTHING_DONE);
  return result;
}
