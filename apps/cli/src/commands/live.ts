import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildDemoModel, DEMO_MODEL_NAME } from "@pattern-lens/models";
import { parsePort, requiredOption } from "../flags.ts";
import { untilInterrupted } from "../interrupt.ts";
import type { RegisterCommand } from "./index.ts";
import { modelForRun } from "./models.ts";

interface LiveFlags {
  model: string;
  onnxFile?: string;
  tokenizer?: string;
  port: number;
  host: string;
  cacheDir?: string;
  text?: string;
}

/**
 * `pattern-lens live`: serves a page where you type a prompt and see every head, computed in the
 * browser (onnxruntime-web in a Worker). The model is instrumented once (cached as for
 * `activations`); the page, its bundles, onnxruntime-web's WASM files and the model files are
 * served from this machine only, with the COOP/COEP headers that WebAssembly threads need.
 */
export const registerLive: RegisterCommand = (program, io) => {
  const cmd = program
    .command("live")
    .description("type a prompt in the browser and see every head, computed in the page (no Python, no CDN)");
  requiredOption(
    cmd,
    "--model <model>",
    "`demo` (the embedded demo model, no download), an .onnx file, a model folder, a hub repo org/name[@rev] or an alias",
  )
    .option("--onnx-file <file>", "which ONNX file of a folder or repo (e.g. onnx/model_quantized.onnx)")
    .option(
      "--tokenizer <file>",
      "llama2.c: the tokenizer .bin (default: tokenizer.bin or tok*.bin beside it)",
    )
    .option("--port <port>", "TCP port (0 picks a free one)", parsePort, 8000)
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--text <text>", "the prompt shown first")
    .option(
      "--cache-dir <dir>",
      "where instrumented copies (and the demo model) go (default: $PATTERN_LENS_CACHE or ~/.cache/pattern-lens)",
    )
    .action(async (flags: LiveFlags) => {
      const { defaultCacheDir } = await import("@pattern-lens/activations");
      const { liveRoutes, prepareLiveModel, startLiveServer } = await import("@pattern-lens/live/node");
      const cacheDir = resolve(flags.cacheDir ?? defaultCacheDir());
      let onnx: string;
      let name: string;
      if (flags.model === "demo" && !existsSync(flags.model)) {
        onnx = (await buildDemoModel(join(cacheDir, "demo-model", DEMO_MODEL_NAME))).onnxFile;
        name = DEMO_MODEL_NAME;
      } else {
        const m = await modelForRun(
          flags.model,
          { onnxFile: flags.onnxFile, tokenizer: flags.tokenizer, cacheDir },
          io,
        );
        onnx = m.path;
        name = m.name;
      }
      const folder = await prepareLiveModel(onnx, { cacheDir });
      const page = {
        title: `pattern-lens live: ${name}`,
        ...(flags.text !== undefined ? { text: flags.text } : {}),
      };
      const srv = await startLiveServer({
        routes: liveRoutes(folder, page),
        port: flags.port,
        host: flags.host,
      });
      const { plan } = folder.manifest;
      io.out(
        `Live: ${name} (${plan.outputs.length} layers, ${plan.method}) at ${srv.url} (Ctrl-C to stop)\n`,
      );
      const signal = await untilInterrupted();
      await srv.close();
      io.out(`Stopped (${signal}).\n`);
    });
};
