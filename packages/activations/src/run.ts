import { existsSync, mkdirSync } from "node:fs";
import {
  activationsPath,
  type CompressLevel,
  float32ToFloat16Bits,
  inShard,
  isSafeName,
  isUserError,
  modelCfgPath,
  modelDir,
  type NpyArray,
  patternKey,
  promptDir,
  promptHash,
  promptJsonPath,
  promptsIndexPath,
  type Shard,
  sanitizeName,
} from "@pattern-lens/indexes";
import {
  buildModelsIndex,
  buildPromptsIndex,
  openNpzWriter,
  readJsonFile,
  readJsonl,
  readNpzFile,
  writeJsonFile,
  writeNpzFile,
} from "@pattern-lens/indexes/node";
import { PromptMetaSchema } from "@pattern-lens/indexes/schemas";
import pkg from "../package.json" with { type: "json" };
import { realMkdirError } from "./_mkdir-error.ts";
import {
  finishPatternBatch,
  type LayerPattern,
  openPatternModel,
  type PatternModel,
  resumeSession,
  runPatternBatch,
  startPatternBatch,
  suspendSession,
} from "./capture.ts";
import { PromptClaims, removeLeftOverTemps } from "./claims.ts";
import { ActivationsError } from "./errors.ts";
import { type LayerStreamer, openLayerStreamer } from "./layer-stream.ts";
import { buildModelCfg } from "./model-cfg.ts";
import { checkModelFolder } from "./model-folder.ts";
import type { Device } from "./ort.ts";
import { loadPrompts, type PromptRecord } from "./prompts.ts";
import { type PromptTokenizer, tokenizePrompt } from "./tokenizer.ts";

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
   * Prompts of at least this many tokens (default 2048) run layer by layer through a per-layer
   * split of the model (cached), each layer's pattern written to the npz and freed before the next
   * layer runs, instead of all layers at once. Models that cannot be split (patterns inside `If`
   * branches) run such prompts whole, with a warning.
   */
  streamFromTokens?: number;
  intraOpNumThreads?: number;
  onProgress?: (p: ActivationsProgress) => void;
  onWarning?: (message: string) => void;
  /** Called once the model is open, before any prompt runs: what the run will cost. */
  onStart?: (info: ActivationsPlan) => void;
}

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
  truncated: number;
  tokens: number;
  /** Prompts run layer by layer (see `streamFromTokens`). */
  streamed: number;
  elapsedMs: number;
  /** Hashes of every prompt of this run (computed or already saved), in prompt order. */
  hashes: string[];
}

/** See {@link ActivationsOptions.maxBatchBytes}. */
const DEFAULT_MAX_BATCH_BYTES = 128 * 1024 * 1024;

interface Job {
  record: PromptRecord;
  hash: string;
  /** Whether prompt.json existed when the run was planned (see PromptClaims). */
  hadPromptJson: boolean;
  tokens: string[];
  tokenIds: number[];
  truncated: boolean;
}

const COMPUTED_KEYS = new Set(["hash", "n_tokens", "tokens", "token_ids", "truncated"]);

function promptJson(job: Job): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(job.record)) if (!COMPUTED_KEYS.has(k)) out[k] = v;
  out.hash = job.hash;
  out.n_tokens = job.tokens.length;
  out.tokens = job.tokens;
  out.token_ids = job.tokenIds;
  if (job.truncated) out.truncated = true;
  return out;
}

/** True when the prompt's `prompt.json` and a readable `activations.npz` with every layer exist. */
async function isDone(save: string, model: string, job: Job, nLayers: number): Promise<boolean> {
  const pj = promptJsonPath(save, model, job.hash);
  const npzPath = activationsPath(save, model, job.hash);
  if (!existsSync(pj) || !existsSync(npzPath)) return false;
  try {
    const meta = await readJsonFile(pj, PromptMetaSchema);
    if (meta.text !== job.record.text) return false;
    const npz = await readNpzFile(npzPath);
    const n = job.tokenIds.length;
    for (let l = 0; l < nLayers; l++) {
      const a = npz.get(patternKey(l));
      if (a?.shape.length !== 4 || a.shape[2] !== n || a.shape[3] !== n) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function toNpy(layer: LayerPattern, dtype: "float32" | "float16"): NpyArray {
  const shape = [1, layer.nHeads, layer.n, layer.n];
  return dtype === "float16"
    ? { dtype: "<f2", shape, data: float32ToFloat16Bits(layer.data) }
    : { dtype: "<f4", shape, data: layer.data };
}

function readPromptsIndex(
  path: string,
  onWarning: (m: string) => void,
): Promise<PromptRecord[]> | PromptRecord[] {
  if (!existsSync(path)) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_PROMPTS_NOT_FOUND",
      `no --prompts given and ${path} does not exist. Pass --prompts FILE (JSONL with "text", or .txt).`,
    );
  }
  void onWarning;
  return readJsonl(path, PromptMetaSchema) as Promise<PromptRecord[]>;
}

/** Splits jobs (longest first) into batches of at most `size` prompts and `maxBytes` of patterns. */
function makeBatches(jobs: Job[], size: number, bytesPerToken2: number, maxBytes: number): Job[][] {
  const sorted = [...jobs].sort((a, b) => b.tokenIds.length - a.tokenIds.length);
  const batches: Job[][] = [];
  let cur: Job[] = [];
  let curLen = 0;
  for (const j of sorted) {
    const len = Math.max(curLen, j.tokenIds.length);
    const bytes = (cur.length + 1) * len * len * bytesPerToken2;
    if (cur.length > 0 && (cur.length >= size || bytes > maxBytes)) {
      batches.push(cur);
      cur = [];
    }
    if (cur.length === 0) curLen = j.tokenIds.length;
    cur.push(j);
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

function wrapIo(err: unknown, what: string): never {
  if (isUserError(err)) throw err;
  const e = realMkdirError(err) as NodeJS.ErrnoException;
  const hint =
    e.code === "ENOSPC"
      ? "the disk is full; free some space"
      : e.code === "EACCES" || e.code === "EPERM"
        ? "permission denied; choose a --save-path you can write to"
        : e.code === "EROFS"
          ? "the file system is read-only; choose a --save-path you can write to"
          : "check the path";
  throw new ActivationsError("PL_ACTIVATIONS_IO", `cannot write ${what}: ${e.message} (${hint}).`, {
    cause: err,
  });
}

/**
 * Runs a model over prompts and saves every layer's attention pattern in the pattern-lens layout:
 * `<save>/<model>/prompts/<hash>/{prompt.json, activations.npz}`, `model_cfg.json`,
 * `prompts.jsonl` and `<save>/models.jsonl`. Already saved prompts are skipped unless `force`;
 * every file is written to a temp name and renamed, so an interrupted run resumes cleanly.
 * Compression of one batch overlaps the forward pass of the next.
 * @throws {ActivationsError} for every bad input (see the package README), never half-written files.
 */
export async function activationsMain(opts: ActivationsOptions): Promise<ActivationsSummary> {
  const warn = opts.onWarning ?? (() => {});
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ActivationsError(
      "PL_ACTIVATIONS_OPTIONS_INVALID",
      `--batch-size must be a positive integer, got ${opts.batchSize}.`,
    );
  const level = opts.compressLevel ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9)
    throw new ActivationsError(
      "PL_ACTIVATIONS_OPTIONS_INVALID",
      `--compress-level must be an integer 0-9, got ${opts.compressLevel}.`,
    );
  const sf = opts.streamFromTokens;
  if (sf !== undefined && (!Number.isInteger(sf) || sf < 1))
    throw new ActivationsError(
      "PL_ACTIVATIONS_OPTIONS_INVALID",
      `--stream-from-tokens must be a positive integer, got ${String(sf)}.`,
    );
  const strategy = opts.compressStrategy ?? "rle";
  if (strategy !== "rle" && strategy !== "default")
    throw new ActivationsError(
      "PL_ACTIVATIONS_OPTIONS_INVALID",
      `--compress-strategy must be rle or default, got ${String(strategy)}.`,
    );
  const dtype = opts.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float16")
    throw new ActivationsError(
      "PL_ACTIVATIONS_OPTIONS_INVALID",
      `--dtype must be float32 or float16, got ${String(dtype)}.`,
    );
  const prependBos = opts.prependBos ?? true;
  // --model-name is sanitized as a model folder name is (see sanitizeName): "org/model" becomes
  // "org-model", "stories<img>" "stories_img_"; what cannot be made a plain folder name is refused.
  let mn = opts.modelName;
  if (mn !== undefined) {
    const clean = sanitizeName(mn);
    if (!isSafeName(clean)) {
      throw new ActivationsError(
        "PL_ACTIVATIONS_OPTIONS_INVALID",
        `--model-name '${mn}' is not a folder name; use e.g. '${clean.replace(/^\.+/, "") || "my-model"}'.`,
      );
    }
    if (clean !== mn) warn(`--model-name '${mn}' saved as folder '${clean}'`);
    mn = clean;
  }

  // prompts first: bad prompt files fail before the model is loaded
  let records: PromptRecord[] | undefined;
  if (opts.prompts !== undefined) {
    const lp: Parameters<typeof loadPrompts>[1] = { onWarning: warn };
    if (opts.minChars !== undefined) lp.minChars = opts.minChars;
    if (opts.maxChars !== undefined) lp.maxChars = opts.maxChars;
    if (opts.shuffle) lp.shuffle = true;
    if (opts.seed !== undefined) lp.seed = opts.seed;
    if (opts.nSamples !== undefined) lp.nSamples = opts.nSamples;
    records = loadPrompts(opts.prompts, lp);
  }

  const open: Parameters<typeof openPatternModel>[0] = { model: opts.model };
  if (opts.tokenizer) open.tokenizer = opts.tokenizer;
  if (opts.device) open.device = opts.device;
  if (opts.cacheDir !== undefined) open.cacheDir = opts.cacheDir;
  if (opts.intraOpNumThreads !== undefined) open.intraOpNumThreads = opts.intraOpNumThreads;
  const pm = await openPatternModel(open);
  try {
    const modelName = mn ?? (sanitizeName(pm.source.defaultName) || "model");
    const save = opts.savePath.replace(/\/+$/, "") || "/";
    if (!records) {
      records = await readPromptsIndex(promptsIndexPath(save, modelName), warn);
      if (opts.nSamples !== undefined) records = records.slice(0, opts.nSamples);
    }
    return await runAll(pm, opts, records, {
      save,
      modelName,
      batchSize,
      level: level as CompressLevel,
      strategy,
      dtype,
      prependBos,
      warn,
    });
  } finally {
    await pm.close();
  }
}

async function runAll(
  pm: PatternModel,
  opts: ActivationsOptions,
  records: PromptRecord[],
  o: {
    save: string;
    modelName: string;
    batchSize: number;
    level: CompressLevel;
    strategy: "rle" | "default";
    dtype: "float32" | "float16";
    prependBos: boolean;
    warn: (m: string) => void;
  },
): Promise<ActivationsSummary> {
  const { save, modelName } = o;
  const vocab = typeof pm.source.config.vocab_size === "number" ? pm.source.config.vocab_size : undefined;
  const jobs: Job[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    const hash = promptHash(record.text);
    if (seen.has(hash) || !inShard(hash, opts.shard)) continue;
    seen.add(hash);
    const tok = tokenizePrompt(pm.tokenizer, record.text, {
      prependBos: o.prependBos,
      ...(pm.nCtx !== undefined ? { maxTokens: pm.nCtx } : {}),
    });
    if (tok.tokenIds.length === 0) {
      o.warn(`prompt ${hash}: no tokens, skipped`);
      continue;
    }
    const bad = vocab === undefined ? undefined : tok.tokenIds.find((id) => id >= vocab);
    if (bad !== undefined) {
      throw new ActivationsError(
        "PL_ACTIVATIONS_TOKENIZER_INVALID",
        `the tokenizer produced id ${bad}, but the model's vocabulary has ${vocab} entries: tokenizer.json does not belong to this model.`,
      );
    }
    jobs.push({ record, hash, hadPromptJson: false, ...tok });
  }

  // heads: config.json, else the instrumented graph, else one probe token
  const c = pm.source.config;
  let nHeads = [c.n_head, c.num_attention_heads, c.n_heads].find((v) => typeof v === "number") as
    | number
    | undefined;
  nHeads ??= pm.instrumented.plan.nHeads;
  if (nHeads === undefined) {
    const [probe] = await runPatternBatch(pm, [[jobs[0]?.tokenIds[0] ?? 0]]);
    nHeads = probe?.layers[0]?.nHeads ?? 1;
  }

  try {
    mkdirSync(modelDir(save, modelName), { recursive: true });
    const cfg = buildModelCfg(pm, modelName, nHeads, {
      version: pkg.version,
      dtype: o.dtype,
      compressLevel: o.level,
      compressStrategy: o.strategy,
      prependBos: o.prependBos,
      device: opts.device ?? "cpu",
    });
    checkModelFolder(save, modelName, cfg, opts.force ?? false, o.warn);
    await writeJsonFile(modelCfgPath(save, modelName), cfg);
  } catch (err) {
    wrapIo(err, `the model folder in ${save}`);
  }

  removeLeftOverTemps(save);
  removeLeftOverTemps(modelDir(save, modelName));
  const todo: Job[] = [];
  let skipped = 0;
  for (const job of jobs) {
    job.hadPromptJson = existsSync(promptJsonPath(save, modelName, job.hash));
    if (!opts.force && (await isDone(save, modelName, job, pm.nLayers))) skipped++;
    else todo.push(job);
  }
  const claims = new PromptClaims(save, modelName, opts.claimStaleMs);
  const itemBytes = o.dtype === "float16" ? 2 : 4;
  opts.onStart?.({
    modelName,
    method: pm.instrumented.plan.method,
    total: jobs.length,
    todo: todo.length,
    nLayers: pm.nLayers,
    nHeads,
    todoTokens: todo.reduce((s, j) => s + j.tokenIds.length, 0),
    patternBytes: todo.reduce((s, j) => s + pm.nLayers * nHeads * j.tokenIds.length ** 2 * itemBytes, 0),
  });

  const streamFrom = opts.streamFromTokens ?? 2048;
  let longJobs = todo.filter((j) => j.tokenIds.length >= streamFrom);
  let shortJobs = todo.filter((j) => j.tokenIds.length < streamFrom);
  let streamer: LayerStreamer | undefined;
  if (longJobs.length > 0) {
    // the per-layer sessions hold the weights too: free the whole-model session meanwhile
    await suspendSession(pm);
    streamer = await openLayerStreamer(pm, {
      ...(opts.device !== undefined ? { device: opts.device } : {}),
      ...(opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
    });
    if (streamer === undefined) {
      o.warn(
        `${longJobs.length} prompt(s) of ${streamFrom}+ tokens run with all layers at once: this model cannot be split by layer (its patterns come from inside If branches).`,
      );
      shortJobs = todo;
      longJobs = [];
      await resumeSession(pm);
    }
  }
  const bytesPerToken2 = nHeads * pm.nLayers * 4 * 2; // batch output + per-prompt copies
  const batches = makeBatches(
    shortJobs,
    o.batchSize,
    bytesPerToken2,
    opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
  );
  const start = performance.now();
  let done = skipped;
  let tokens = 0;
  let truncated = 0;
  const report = () =>
    opts.onProgress?.({ done, total: jobs.length, skipped, tokens, elapsedMs: performance.now() - start });
  report();

  const finishJob = async (job: Job) => {
    await writeJsonFile(promptJsonPath(save, modelName, job.hash), promptJson(job));
    await claims.release(job.hash);
    done++;
    tokens += job.tokenIds.length;
    if (job.truncated) truncated++;
    report();
  };

  /** Claims a batch's prompts; those another process has (or has done meanwhile) count as done here. */
  const claimBatch = async (batch: Job[]): Promise<Job[]> => {
    const doneBefore = claims.doneByOthers;
    const mine = await claims.take(batch);
    skipped += claims.doneByOthers - doneBefore;
    done += batch.length - mine.length;
    if (mine.length < batch.length) report();
    return mine;
  };

  try {
    if (streamer !== undefined) {
      try {
        for (const job of longJobs) {
          if ((await claimBatch([job])).length === 0) continue;
          const path = activationsPath(save, modelName, job.hash);
          const writer = await openNpzWriter(path, {
            compressLevel: o.level,
            compressStrategy: o.strategy,
          }).catch((err: unknown) => wrapIo(err, `prompt ${job.hash}`));
          try {
            await streamer.run(job.tokenIds, (l, p) => writer.add(patternKey(l), toNpy(p, o.dtype)));
            await writer.close();
            await finishJob(job);
          } catch (err) {
            await writer.abort();
            wrapIo(err, `prompt ${job.hash}`);
          }
        }
      } finally {
        await streamer.close();
      }
      if (batches.length > 0) await resumeSession(pm);
    }
    await runBatches(batches);
  } finally {
    await claims.releaseAll();
  }

  async function writeJob(job: Job, layers: LayerPattern[]): Promise<void> {
    const entries = new Map<string, NpyArray>();
    for (const [l, layer] of layers.entries()) entries.set(patternKey(l), toNpy(layer, o.dtype));
    try {
      mkdirSync(promptDir(save, modelName, job.hash), { recursive: true });
      await writeNpzFile(activationsPath(save, modelName, job.hash), entries, {
        compressLevel: o.level,
        compressStrategy: o.strategy,
      });
      await finishJob(job);
    } catch (err) {
      wrapIo(err, `prompt ${job.hash}`);
    }
  }

  // three stages overlap: ONNX Runtime runs batch k+1 on its threads while this thread cuts and
  // validates batch k, and zlib (on the libuv pool) compresses batch k-1
  async function runBatches(all: Job[][]): Promise<void> {
    /** Claims a batch, then starts its forward pass; a batch another process has wholly is skipped. */
    const start1 = (b: Job[] | undefined) => {
      if (b === undefined) return undefined;
      const p = claimBatch(b).then(async (mine) => ({
        mine,
        raw:
          mine.length === 0
            ? undefined
            : await startPatternBatch(
                pm,
                mine.map((j) => j.tokenIds),
              ),
      }));
      p.catch(() => {}); // awaited below, or drained on error
      return p;
    };
    let pending: Promise<unknown> = Promise.resolve();
    let next = start1(all[0]);
    try {
      for (let k = 0; k < all.length; k++) {
        const { mine, raw } = await (next as NonNullable<typeof next>);
        next = start1(all[k + 1]);
        if (raw === undefined) continue;
        const results = finishPatternBatch(pm, raw);
        // the previous batch's compression ran on the thread pool during this forward pass
        await pending;
        pending = Promise.all(mine.map((job, i) => writeJob(job, results[i]?.layers ?? [])));
        pending.catch(() => {}); // awaited (and thrown) before the next batch starts writing
      }
      await pending;
    } finally {
      // a failed batch must not leave a forward pass running into pm.close()
      await next?.catch(() => {});
      await pending.catch(() => {});
    }
  }

  try {
    await buildPromptsIndex(save, modelName);
    await buildModelsIndex(save);
  } catch (err) {
    wrapIo(err, `the indexes in ${save}`);
  }
  return {
    modelName,
    modelPath: modelDir(save, modelName),
    method: pm.instrumented.plan.method,
    total: jobs.length,
    computed: todo.length - claims.leftToOthers - claims.doneByOthers,
    skipped,
    leftToOthers: claims.leftToOthers,
    truncated,
    tokens,
    streamed: longJobs.length,
    elapsedMs: performance.now() - start,
    hashes: jobs.map((j) => j.hash),
  };
}
