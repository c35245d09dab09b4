import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { runFigures } from "@pattern-lens/figures";
import { topHeads } from "@pattern-lens/metrics";
import { runMetrics } from "@pattern-lens/metrics/node";
import { buildDemoModel, DEMO_HEADS, DEMO_MODEL_NAME } from "@pattern-lens/models";
import { writeViewerFiles } from "@pattern-lens/viewer/node";
import { InvalidArgumentError } from "commander";
import { untilInterrupted } from "../interrupt.ts";
import { startStaticServer } from "../server/static-server.ts";
import type { RegisterCommand } from "./index.ts";
import { parsePort } from "./serve.ts";

interface DemoFlags {
  savePath: string;
  port: number;
  host: string;
  serve: boolean;
  cacheDir?: string;
  jobs?: number;
}

const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

/**
 * `pattern-lens demo`: builds the embedded demo model (hand-set weights, no download), runs
 * activations, figures and metrics on its built-in prompts, writes the viewer, then serves the
 * data folder and prints the URL (unless `--no-serve`).
 */
export const registerDemo: RegisterCommand = (program, io) => {
  program
    .command("demo")
    .description("run the whole pipeline on the embedded demo model (no download) and serve the viewer")
    .option("--save-path <dir>", "the data folder to write", "pattern-lens-demo-data")
    .option("--port <port>", "TCP port for the viewer (0 picks a free one)", parsePort, 8000)
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--no-serve", "stop after writing the data folder")
    .option(
      "--jobs <n>",
      "threads for figures and metrics (default: all cores; 1 runs in-process)",
      (v: string) => {
        if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError("--jobs must be a positive integer.");
        return Number(v);
      },
    )
    .option(
      "--cache-dir <dir>",
      "where the demo model and instrumented copies go (default: $PATTERN_LENS_CACHE or ~/.cache/pattern-lens)",
    )
    .action(async (flags: DemoFlags) => {
      const t0 = performance.now();
      const save = resolve(flags.savePath);
      // Bind the port first: a port in use is reported at once, not after the whole pipeline.
      let srv: Awaited<ReturnType<typeof startStaticServer>> | undefined;
      if (flags.serve) {
        mkdirSync(save, { recursive: true });
        srv = await startStaticServer({ root: save, port: flags.port, host: flags.host });
      }
      try {
        const { activationsMain, defaultCacheDir } = await import("@pattern-lens/activations");
        const cacheDir = resolve(flags.cacheDir ?? defaultCacheDir());
        const model = await buildDemoModel(join(cacheDir, "demo-model", DEMO_MODEL_NAME));
        io.out(`demo: model ${DEMO_MODEL_NAME} (2 layers × 4 hand-set heads) -> ${model.dir}\n`);

        let t = performance.now();
        const act = await activationsMain({
          model: model.dir,
          modelName: DEMO_MODEL_NAME,
          prompts: model.prompts,
          savePath: save,
          minChars: 1,
          cacheDir,
          onWarning: (m) => io.err(`pattern-lens: warning: ${m}\n`),
        });
        io.out(`demo: activations: ${act.computed} computed, ${act.skipped} already saved (${secs(t)})\n`);

        t = performance.now();
        const figs = await runFigures({
          savePath: save,
          model: DEMO_MODEL_NAME,
          ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
        });
        io.out(
          `demo: figures: ${figs.written} written, ${figs.skipped} already done, ${figs.failed} failed (${secs(t)})\n`,
        );

        t = performance.now();
        const met = await runMetrics({
          savePath: save,
          model: DEMO_MODEL_NAME,
          ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
        });
        io.out(`demo: metrics: ${met.records.length} lines -> ${met.path} (${secs(t)})\n`);
        for (const m of ["previous_token", "induction", "first_token", "self"]) {
          const best = topHeads(met.records, m, 1)[0];
          if (best === undefined) continue;
          const key = `L${best.layer}H${best.head}`;
          io.out(
            `  ${m.padEnd(14)} best ${key} (${(best.mean as number).toFixed(3)}): ${DEMO_HEADS[key] ?? ""}\n`,
          );
        }

        try {
          await writeViewerFiles(save);
        } catch (err) {
          io.err(`pattern-lens: warning: viewer not written: ${(err as Error).message}\n`);
        }
        io.out(`demo: done in ${secs(t0)}; data in ${save}\n`);
      } catch (err) {
        await srv?.close(); // the pipeline failed: do not keep the process alive serving
        throw err;
      }
      if (!srv) return;
      io.out(`demo: viewer at ${srv.url} (Ctrl-C to stop)\n`);
      const signal = await untilInterrupted();
      await srv.close();
      io.out(`Stopped (${signal}).\n`);
    });
};
