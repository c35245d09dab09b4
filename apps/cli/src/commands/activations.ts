import type {
  ActivationsOptions,
  ActivationsPlan,
  ActivationsProgress,
  ActivationsSummary,
} from "@pattern-lens/activations";
import { describeShard, type Shard, sanitizeName } from "@pattern-lens/indexes";
import { writeViewerFiles } from "@pattern-lens/viewer/node";
import { type Command, InvalidArgumentError, Option } from "commander";
import {
  addSavePath,
  addShardOptions,
  parseCount,
  requiredOption,
  type ShardFlags,
  shardOf,
} from "../flags.ts";
import { reportSaved } from "../interrupt.ts";
import type { CliIo } from "../program.ts";
import { duration, formatBytes, type ProgressBar, startProgress } from "../progress.ts";
import type { RegisterCommand } from "./index.ts";
import { modelForRun } from "./models.ts";

/** `stored` or a deflate level 1-9 (the `--compression` flag) as an npz compress level 0-9. */
export function parseCompression(value: string): number {
  if (value === "stored" || value === "0") return 0;
  if (/^[1-9]$/.test(value)) return Number(value);
  throw new InvalidArgumentError("--compression must be stored or a deflate level from 1 to 9.");
}

/** A size such as `3G`, `512M`, `1.5GB`, `800MiB` or plain bytes, in bytes (K/M/G/T are powers of 1024). */
export function parseSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  const n = m ? Number(m[1]) * 1024 ** " kmgt".indexOf((m[2] || " ").toLowerCase()) : Number.NaN;
  if (!(n >= 1))
    throw new InvalidArgumentError("--max-memory must be a size such as 3G, 512M or 2000000000.");
  return Math.floor(n);
}

/** The flags of `pattern-lens activations` (also read by `pattern-lens run`). */
export interface ActivationsFlags extends ShardFlags {
  model: string;
  modelName?: string;
  prompts?: string;
  savePath: string;
  minChars: number;
  maxChars: number;
  nSamples?: number;
  batchSize: number;
  shuffle?: boolean;
  seed?: number;
  force?: boolean;
  dtype: "float32" | "float16";
  compressLevel: number;
  compression?: number;
  compressStrategy: "rle" | "default";
  maxMemory?: number;
  streamFromTokens?: number;
  indexHtml: boolean;
  prependBos: boolean;
  device: "cpu" | "cuda";
  cacheDir?: string;
  onnxFile?: string;
  tokenizer?: string;
}

/**
 * `pattern-lens activations`: runs an ONNX model over prompts and saves every head's attention
 * pattern in the pattern-lens layout. A progress bar (prompts/s, tokens/s, ETA) on a terminal,
 * then a one-line summary.
 */
export const registerActivations: RegisterCommand = (program, io) => {
  const cmd = program
    .command("activations")
    .description("run an ONNX language model over prompts and save every head's attention pattern");
  addActivationsOptions(cmd).action(async (flags: ActivationsFlags) => {
    await runActivationsStep(flags, io);
  });
};

/** Adds every `activations` flag to a command (shared with `pattern-lens run`). */
export function addActivationsOptions(cmd: Command): Command {
  requiredOption(
    cmd,
    "--model <model>",
    "an .onnx file, a model folder (config.json, tokenizer.json, onnx/model.onnx), a llama2.c .bin, a hub repo org/name[@rev] or an alias (see `pattern-lens models`)",
  );
  addSavePath(cmd, "the data folder", "attn_data");
  addShardOptions(cmd);
  return cmd
    .option(
      "--onnx-file <file>",
      "which ONNX file of a folder or repo (e.g. onnx/model_fp16.onnx, quantized)",
    )
    .option(
      "--tokenizer <file>",
      "llama2.c: the tokenizer .bin (default: tokenizer.bin or tok*.bin beside it)",
    )
    .option("--model-name <name>", "folder name under the save path (default: the model folder's name)")
    .option(
      "--prompts <file>",
      'JSONL with a "text" key per line, or a .txt file (default: reuse <save>/<model>/prompts.jsonl)',
    )
    .option(
      "--min-chars <n>",
      "drop texts shorter than this (code points)",
      parseCount("--min-chars", 0),
      100,
    )
    .option(
      "--max-chars <n>",
      "split texts longer than this (code points)",
      parseCount("--max-chars", 1),
      1000,
    )
    .option("--n-samples <n>", "process at most N prompts", parseCount("--n-samples", 1))
    .option(
      "--batch-size <n>",
      "prompts per forward pass (longest first, right padding)",
      parseCount("--batch-size", 1),
      32,
    )
    .option("--shuffle", "shuffle the prompts (reproducibly, see --seed)")
    .option("--seed <n>", "seed for --shuffle", parseCount("--seed", 0))
    .option("--force", "recompute prompts that are already saved")
    .addOption(
      new Option("--dtype <dtype>", "saved pattern dtype").choices(["float32", "float16"]).default("float32"),
    )
    .option(
      "--compression <level>",
      "npz members: stored, or deflated at level 1-9 (default 6; with --compress-strategy rle any level packs patterns like 6)",
      parseCompression,
    )
    .option(
      "--compress-level <n>",
      "the same as --compression, 0 = stored",
      parseCount("--compress-level", 0, 9),
      6,
    )
    .option(
      "--max-memory <size>",
      "memory to stay within, e.g. 3G (default: an eighth of RAM, 1-4 GiB); prompts whose patterns would not fit run layer by layer",
      parseSize,
    )
    .addOption(
      new Option(
        "--compress-strategy <strategy>",
        "zlib strategy: rle (as small as level 6 on patterns, about 2x faster) or default (zlib's LZ77 at the level)",
      )
        .choices(["rle", "default"])
        .default("rle"),
    )
    .option(
      "--stream-from-tokens <n>",
      "prompts of at least N tokens always run layer by layer (otherwise --max-memory decides)",
      parseCount("--stream-from-tokens", 1),
    )
    .option("--no-index-html", "do not write the viewer's index.html into the save path")
    .option("--prepend-bos", "prepend BOS the TransformerLens way", true)
    .option("--no-prepend-bos", "do not prepend BOS")
    .addOption(
      new Option("--device <device>", "ONNX Runtime execution provider")
        .choices(["cpu", "cuda"])
        .default("cpu"),
    )
    .option(
      "--cache-dir <dir>",
      "where instrumented model copies are cached (default: $PATTERN_LENS_CACHE or ~/.cache/pattern-lens)",
    );
}

/** What the activations step saved: the model folder name and the prompts of this run. */
export interface ActivationsStepResult {
  modelName: string;
  /** Hashes of every prompt of the run (computed now or already saved). */
  hashes: string[];
  computed: number;
}

/** The plan line: prompts x layers x heads and the size the patterns will take before it is paid. */
export function planLine(info: ActivationsPlan, shard?: Shard): string {
  const saved = info.total - info.todo;
  const cost =
    info.todo === 0
      ? "nothing to compute"
      : `${info.todo} prompts (${info.todoTokens} tokens) x ${info.nLayers} layers x ${info.nHeads} heads to compute, ` +
        `about ${formatBytes(info.patternBytes)} of patterns before compression`;
  const which = shard === undefined ? "" : `, ${describeShard(shard)}`;
  return `activations: ${info.modelName} (${info.method})${which}, ${info.total} prompts, ${saved} already saved; ${cost}\n`;
}

/**
 * Runs the activations step with a plan line, a progress bar and a summary line; resolves to the
 * model folder name and the prompts of the run (what `run` hands the figures and metrics steps).
 */
export async function runActivationsStep(
  flags: ActivationsFlags,
  io: CliIo,
  prompts?: ActivationsOptions["prompts"],
): Promise<ActivationsStepResult> {
  let bar: ProgressBar | undefined;
  let saved = 0;
  let total = 0;
  const shard = shardOf(flags);
  const model = await modelForRun(flags.model, flags, io);
  const opts: ActivationsOptions = {
    model: model.path,
    modelName: sanitizeName(model.name),
    savePath: flags.savePath,
    minChars: flags.minChars,
    maxChars: flags.maxChars,
    batchSize: flags.batchSize,
    dtype: flags.dtype,
    compressLevel: flags.compression ?? flags.compressLevel,
    compressStrategy: flags.compressStrategy,
    prependBos: flags.prependBos,
    device: flags.device,
    force: flags.force ?? false,
    shuffle: flags.shuffle ?? false,
    onWarning: (m) => {
      bar?.stop();
      io.err(`pattern-lens: warning: ${m}\n`);
    },
    onStart: (info) => {
      io.out(planLine(info, shard));
      saved = info.total - info.todo;
      total = info.total;
      if (info.todo > 0) {
        bar = startProgress(
          "activations |{bar}| {value}/{total} | {pps} prompts/s | {tps} tokens/s | ETA {eta_text}",
          info.total,
          info.total - info.todo,
          { pps: "0", tps: "0", eta_text: "?" },
        );
      }
    },
    onProgress: (p: ActivationsProgress) => {
      saved = p.done;
      const secs = Math.max(p.elapsedMs / 1000, 1e-3);
      const pps = (p.done - p.skipped) / secs;
      bar?.update(p.done, {
        pps: pps.toFixed(1),
        tps: (p.tokens / secs).toFixed(0),
        eta_text: pps > 0 ? duration((p.total - p.done) / pps) : "?",
      });
    },
  };
  if (flags.modelName !== undefined) opts.modelName = flags.modelName;
  if (prompts !== undefined) opts.prompts = prompts;
  else if (flags.prompts !== undefined) opts.prompts = flags.prompts;
  if (flags.nSamples !== undefined) opts.nSamples = flags.nSamples;
  if (shard !== undefined) opts.shard = shard;
  if (flags.seed !== undefined) opts.seed = flags.seed;
  if (flags.cacheDir !== undefined) opts.cacheDir = flags.cacheDir;
  if (flags.maxMemory !== undefined) opts.maxMemory = flags.maxMemory;
  if (flags.streamFromTokens !== undefined) opts.streamFromTokens = flags.streamFromTokens;
  reportSaved(() => `activations for ${saved} of ${total || "?"} prompts in ${flags.savePath}`);
  let summary: ActivationsSummary;
  try {
    // Loaded on use: importing it loads ONNX Runtime's native binding, which other commands never need.
    const { activationsMain } = await import("@pattern-lens/activations");
    summary = await activationsMain(opts);
  } finally {
    bar?.stop();
    reportSaved(undefined);
  }
  const secs = summary.elapsedMs / 1000;
  io.out(
    `activations: ${summary.computed} computed, ${summary.skipped} skipped` +
      (summary.truncated
        ? `, ${summary.truncated} cut to the model's context (${summary.droppedTokens} tokens dropped)`
        : "") +
      (summary.streamed
        ? `, ${summary.streamed} run layer by layer${summary.lean ? ` (${summary.lean} lean: one layer at a time, to stay under --max-memory)` : ""}`
        : "") +
      ` in ${secs.toFixed(1)} s (${(summary.computed / Math.max(secs, 1e-3)).toFixed(1)} prompts/s, ${(summary.tokens / Math.max(secs, 1e-3)).toFixed(0)} tokens/s) -> ${summary.modelPath}\n`,
  );
  if (flags.indexHtml) {
    try {
      await writeViewerFiles(flags.savePath);
    } catch (err) {
      io.err(`pattern-lens: warning: index.html not written: ${(err as Error).message}\n`);
    }
  }
  return { modelName: summary.modelName, hashes: summary.hashes, computed: summary.computed };
}
