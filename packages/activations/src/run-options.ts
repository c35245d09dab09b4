// The options of activationsMain, what it reports, and their checks.
import { totalmem } from "node:os";
import { type CompressLevel, isSafeName, type Shard, sanitizeName } from "@pattern-lens/indexes";
import { ActivationsError } from "./errors.ts";
import type { Device } from "./ort.ts";
import type { PromptTokenizer } from "./tokenizer.ts";

/** Options of {@link activationsMain}; the CLI flags map one to one. */
export interface ActivationsOptions {
  /** An `.onnx` file or a Hugging Face style model folder. */
  model: string;
  /** Folder name under `savePath`; default: the sanitized model folder name or `.onnx` stem. */
  modelName?: string;
  /** JSONL (`text` + other keys) or `.txt`; default: reuse `<save>/<model>/prompts.jsonl`. */
  prompts?: string;
  savePath: string;
  minChars?: number;
  maxChars?: number;
  nSamples?: number;
  /** Prompts per forward pass (default 32), longest first, right padding. */
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
  /** Recompute prompts that are already saved. */
  force?: boolean;
  /**
   * Only this shard's prompts (see `shardOfHash`): with every shard of N run, on any machines
   * writing one data folder, every prompt is computed once.
   */
  shard?: Pick<Shard, "index" | "count">;
  /**
   * When another process has claimed a prompt (it is computing it), it is left to that process;
   * its claim is taken over once the process is gone: at once on this machine, after this many
   * milliseconds without a heartbeat on another (default 10 minutes).
   */
  claimStaleMs?: number;
  dtype?: "float32" | "float16";
  /** npz deflate level 0-9 (default 6, as `np.savez_compressed`); 0 stores. */
  compressLevel?: number;
  /**
   * zlib strategy for deflated npz members (default `"rle"`): run-length matching packs attention
   * patterns as tightly as zlib's default LZ77 search at level 6 (0.432 vs 0.433 of the float32
   * size on GPT-2-small patterns) at about twice the speed, and the level then only tells stored
   * (0) from deflated. `"default"` is zlib's LZ77 at `compressLevel`, like `np.savez_compressed`.
   * Any deflate reader (numpy included) reads both.
   */
  compressStrategy?: "rle" | "default";
  prependBos?: boolean;
  device?: Device;
  /** Instrumented-model cache (default `defaultCacheDir()`). */
  cacheDir?: string;
  /** A tokenizer to use instead of `tokenizer.json` (e.g. llama2.c). */
  tokenizer?: PromptTokenizer;
  /**
   * Upper bound on the bytes one batch's patterns may take, counted twice (the batch output and
   * the per-prompt copies); default 128 MiB. Small batches cost ONNX Runtime nothing here (batch
   * 8 runs as fast as 32) and keep peak memory near the model plus one batch: on GPT-2-small
   * patterns, 128 MiB gave 1.0 GB peak RSS against 1.8 GB at 512 MiB, and no fewer tokens/s.
   */
  maxBatchBytes?: number;
  /**
   * The memory (bytes) a run aims to stay within; default {@link defaultMaxMemory} (an eighth of
   * the machine's RAM, 1-4 GiB). A prompt whose patterns, run with all layers at once, would take
   * the run above it (estimated: model + about 2.5 copies of every layer's patterns) runs layer by
   * layer instead: through a per-layer split of the model (cached), each layer's pattern written
   * while the next layer runs, so about two layers are held. Both paths write the same bytes.
   * Models that cannot be split (patterns inside `If` branches) run such prompts whole, with a
   * warning.
   */
  maxMemory?: number;
  /** Prompts of at least this many tokens always run layer by layer (whatever `maxMemory` says). */
  streamFromTokens?: number;
  intraOpNumThreads?: number;
  onProgress?: (p: ActivationsProgress) => void;
  onWarning?: (message: string) => void;
  /** Called once the model is open, before any prompt runs. */
  /** Called once the model is open, before any prompt runs: what the run will cost. */
  onStart?: (info: ActivationsPlan) => void;
}

/** Progress after each saved prompt. */
export interface ActivationsProgress {
  /** Prompts done, skipped ones included. */
  done: number;
  total: number;
  /** Prompts skipped because they were already saved (or another process saved them meanwhile). */
  skipped: number;
  /** Tokens run through the model so far (this run). */
  tokens: number;
  /** Milliseconds since the first forward pass. */
  elapsedMs: number;
}

/** What {@link activationsMain} did. */
/** What a run is about to do, known before the first forward pass (see `onStart`). */
export interface ActivationsPlan {
  modelName: string;
  method: string;
  /** Prompts of the run, saved ones included. */
  total: number;
  /** Prompts still to compute. */
  todo: number;
  nLayers: number;
  nHeads: number;
  /** Tokens of the prompts still to compute. */
  todoTokens: number;
  /** Bytes of attention patterns still to compute, uncompressed: sum of layers x heads x n^2 x dtype size. */
  patternBytes: number;
}

export interface ActivationsSummary {
  modelName: string;
  /** `<save>/<model>`. */
  modelPath: string;
  method: string;
  total: number;
  computed: number;
  skipped: number;
  /** Prompts left to another process that was computing them (see `claimStaleMs`). */
  leftToOthers: number;
  /** Prompts cut to the model's context. */
  truncated: number;
  /** Tokens the cuts dropped, all prompts together. */
  droppedTokens: number;
  tokens: number;
  /** Prompts run layer by layer (see `maxMemory`). */
  streamed: number;
  /**
   * Of those, prompts run lean: computing and writing not overlapped and no ONNX Runtime arena,
   * so about two of their layers are held instead of four (their layers are too big for
   * `maxMemory` otherwise). Slower per token.
   */
  lean: number;
  /** Hashes of every prompt of this run (computed or already saved), in prompt order. */
  hashes: string[];
  elapsedMs: number;
}

/** See {@link ActivationsOptions.maxBatchBytes}. */
export const DEFAULT_MAX_BATCH_BYTES = 128 * 1024 * 1024;

/**
 * The default of {@link ActivationsOptions.maxMemory}: an eighth of this machine's RAM, at least
 * 1 GiB and at most 4 GiB (3 GB on a 24 GB machine), so a run leaves room for other work.
 */
export function defaultMaxMemory(): number {
  return Math.min(4 * 2 ** 30, Math.max(2 ** 30, Math.floor(totalmem() / 8)));
}

/** The checked, defaulted options a run needs beyond the model and prompts. */
export interface RunSettings {
  batchSize: number;
  level: CompressLevel;
  strategy: "rle" | "default";
  dtype: "float32" | "float16";
  prependBos: boolean;
  maxMemory: number;
  warn: (m: string) => void;
  /** `--model-name`, sanitized. */
  modelName?: string;
}

const bad = (message: string) => new ActivationsError("PL_ACTIVATIONS_OPTIONS_INVALID", message);

/**
 * Checks and defaults the options of {@link activationsMain}.
 * @throws {ActivationsError} `PL_ACTIVATIONS_OPTIONS_INVALID` naming the flag.
 */
export function checkOptions(opts: ActivationsOptions): RunSettings {
  const warn = opts.onWarning ?? (() => {});
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw bad(`--batch-size must be a positive integer, got ${opts.batchSize}.`);
  const level = opts.compressLevel ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9)
    throw bad(`--compress-level must be an integer 0-9, got ${opts.compressLevel}.`);
  const sf = opts.streamFromTokens;
  if (sf !== undefined && (!Number.isInteger(sf) || sf < 1))
    throw bad(`--stream-from-tokens must be a positive integer, got ${String(sf)}.`);
  const strategy = opts.compressStrategy ?? "rle";
  if (strategy !== "rle" && strategy !== "default")
    throw bad(`--compress-strategy must be rle or default, got ${String(strategy)}.`);
  const dtype = opts.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float16")
    throw bad(`--dtype must be float32 or float16, got ${String(dtype)}.`);
  const prependBos = opts.prependBos ?? true;
  // --model-name is sanitized as a model folder name is (see sanitizeName): "org/model" becomes
  // "org-model", "stories<img>" "stories_img_"; what cannot be made a plain folder name is refused.
  let modelName = opts.modelName;
  if (modelName !== undefined) {
    const clean = sanitizeName(modelName);
    if (!isSafeName(clean)) {
      throw bad(
        `--model-name '${modelName}' is not a folder name; use e.g. '${clean.replace(/^\.+/, "") || "my-model"}'.`,
      );
    }
    if (clean !== modelName) warn(`--model-name '${modelName}' saved as folder '${clean}'`);
    modelName = clean;
  }

  const maxMemory = opts.maxMemory ?? defaultMaxMemory();
  if (!(maxMemory > 0))
    throw bad(`--max-memory must be a positive size (e.g. 4G), got ${String(opts.maxMemory)}.`);
  return {
    batchSize,
    level: level as CompressLevel,
    strategy,
    dtype,
    prependBos,
    maxMemory,
    warn,
    ...(modelName !== undefined ? { modelName } : {}),
  };
}
