import { InvalidArgumentError } from "commander";
import { type ActivationsFlags, addActivationsOptions, runActivationsStep } from "./activations.ts";
import { runFiguresStep } from "./figures.ts";
import type { RegisterCommand } from "./index.ts";
import { runMetricsStep } from "./metrics.ts";

interface RunFlags extends ActivationsFlags {
  figureFuncs?: string;
  figureModule?: string[];
  metricModule?: string[];
  jobs?: number;
  figures: boolean;
  metrics: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parseJobs(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError("--jobs must be a positive integer.");
  return Number(value);
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
      const step = (n: number, name: string) => {
        const total = 1 + Number(flags.figures) + Number(flags.metrics);
        io.out(`run: step ${n}/${total}: ${name}\n`);
      };
      step(1, "activations");
      const model = await runActivationsStep(flags, io);
      const shared = {
        model,
        savePath: flags.savePath,
        ...(flags.nSamples !== undefined ? { nSamples: flags.nSamples } : {}),
        ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
      };
      let n = 1;
      if (flags.figures) {
        step(++n, "figures");
        await runFiguresStep(
          {
            ...shared,
            force: flags.force ?? false,
            ...(flags.figureFuncs !== undefined ? { figureFuncs: flags.figureFuncs } : {}),
            module: flags.figureModule ?? [],
          },
          io,
        );
      }
      if (flags.metrics) {
        step(++n, "metrics");
        await runMetricsStep({ ...shared, module: flags.metricModule ?? [], top: 3 }, io);
      }
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      io.out(`run: done in ${secs} s; view it with: pattern-lens serve --path ${flags.savePath}\n`);
    });
};
