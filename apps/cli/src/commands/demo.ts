import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { topHeads } from "@pattern-lens/metrics";
import { buildDemoModel, DEMO_HEADS, DEMO_MODEL_NAME } from "@pattern-lens/models";
import { addSavePath, parseJobs, parsePort } from "../flags.ts";
import { untilInterrupted } from "../interrupt.ts";
import { startStaticServer } from "../server/static-server.ts";
import type { RegisterCommand } from "./index.ts";
import { runPipeline } from "./run.ts";

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
 * `pattern-lens demo`: builds the embedded demo model (hand-set weights, no download), runs the
 * `run` pipeline (activations, figures, metrics) on its built-in prompts, then serves the data
 * folder and prints the URL (unless `--no-serve`).
 */
export const registerDemo: RegisterCommand = (program, io) => {
  const cmd = program
    .command("demo")
    .description("run the whole pipeline on the embedded demo model (no download) and serve the viewer");
  addSavePath(cmd, "the data folder to write", "pattern-lens-demo-data")
    .option("--port <port>", "TCP port for the viewer (0 picks a free one)", parsePort, 8000)
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--no-serve", "stop after writing the data folder")
    .option(
      "--jobs <n>",
      "threads for figures and metrics (default: all cores; 1 runs in-process)",
      parseJobs,
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
      let ok = false;
      try {
        const { defaultCacheDir } = await import("@pattern-lens/activations");
        const cacheDir = resolve(flags.cacheDir ?? defaultCacheDir());
        const model = await buildDemoModel(join(cacheDir, "demo-model", DEMO_MODEL_NAME));
        io.out(`demo: model ${DEMO_MODEL_NAME} (2 layers × 4 hand-set heads) -> ${model.dir}\n`);
        const run = await runPipeline(
          {
            model: model.dir,
            modelName: DEMO_MODEL_NAME,
            savePath: save,
            minChars: 1,
            maxChars: 1000,
            batchSize: 32,
            dtype: "float32",
            compressLevel: 6,
            compressStrategy: "rle",
            streamFromTokens: 2048,
            indexHtml: true,
            prependBos: true,
            device: "cpu",
            cacheDir,
            figures: true,
            metrics: true,
            ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
          },
          io,
          "demo",
          model.prompts,
        );
        for (const m of ["previous_token", "induction", "first_token", "self"]) {
          const best = topHeads(run.metrics?.records ?? [], m, 1)[0];
          if (best === undefined) continue;
          const key = `L${best.layer}H${best.head}`;
          io.out(
            `  ${m.padEnd(14)} best ${key} (${(best.mean as number).toFixed(3)}): ${DEMO_HEADS[key] ?? ""}\n`,
          );
        }
        io.out(`demo: done in ${secs(t0)}; data in ${save}\n`);
        ok = run.ok;
      } finally {
        // the pipeline failed or made nothing: do not keep the process alive serving
        if (!ok) await srv?.close();
      }
      if (!srv || !ok) return;
      io.out(`demo: viewer at ${srv.url} (Ctrl-C to stop)\n`);
      const signal = await untilInterrupted();
      await srv.close();
      io.out(`Stopped (${signal}).\n`);
    });
};
