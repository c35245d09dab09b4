/**
 * Convert a llama2.c checkpoint and its tokenizer into a cached model folder in Hugging Face hub
 * layout (`config.json`, `tokenizer.json`, `tokenizer_config.json`, `onnx/model.onnx`), which the
 * activations pipeline loads like any other local ONNX model. The folder is keyed by the sha256 of
 * both inputs and the converter version, and written atomically (temp folder, then rename).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { encodeModelChunks, type ModelProto, setExternalDataEntry } from "@pattern-lens/onnx";
import { type Llama2cConfig, parseLlama2cCheckpoint } from "./checkpoint.ts";
import { Llama2cError } from "./errors.ts";
import { llama2cToOnnx } from "./to-onnx.ts";
import { Llama2cTokenizer } from "./tokenizer.ts";
import { llama2cTokenizerConfig, llama2cTokenizerJson } from "./tokenizer-json.ts";

/** Bumped whenever the generated graph or files change, so old cache entries are not reused. */
export const LLAMA2C_CONVERTER_VERSION = "1";

/** Models whose weights exceed this many bytes keep them in `onnx/model.onnx.data`. */
const EXTERNAL_DATA_THRESHOLD = 1_500_000_000;

/** Options of {@link convertLlama2c}. */
export interface ConvertLlama2cOptions {
  /** The checkpoint `.bin`. */
  checkpoint: string;
  /** The tokenizer `.bin` (e.g. `tok512.bin`). */
  tokenizer: string;
  /** Cache root; the model goes to `<cacheDir>/<key>/`. Default {@link defaultLlama2cCacheDir}. */
  cacheDir?: string;
  /** Convert again even when the cache has the model. */
  force?: boolean;
  /** Store weights in `onnx/model.onnx.data` (default: only above 1.5 GB, the protobuf limit is 2 GB). */
  externalData?: boolean;
}

/** A converted model folder. */
export interface ConvertedLlama2c {
  /** The model folder (hub layout). */
  dir: string;
  /** `<dir>/onnx/model.onnx`. */
  onnxFile: string;
  /** `<dir>/tokenizer.json`. */
  tokenizerJson: string;
  /** The checkpoint header. */
  config: Llama2cConfig;
  /** Cache key: sha256 over the converter version, checkpoint and tokenizer bytes. */
  key: string;
  /** True when the folder came from the cache without converting. */
  cached: boolean;
}

/** `$XDG_CACHE_HOME/pattern-lens/llama2c`, default `~/.cache/pattern-lens/llama2c`. */
export function defaultLlama2cCacheDir(env: Record<string, string | undefined> = process.env): string {
  const base =
    env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== ""
      ? env.XDG_CACHE_HOME
      : join(homedir(), ".cache");
  return join(base, "pattern-lens", "llama2c");
}

async function readInput(path: string, what: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength); // a view: no copy of a large checkpoint
  } catch (cause) {
    throw new Llama2cError(
      "PL_MODELS_LLAMA2C_IO",
      `cannot read the llama2.c ${what} ${path}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/**
 * Reads a llama2.c tokenizer `.bin`.
 * @throws {Llama2cError} `PL_MODELS_LLAMA2C_IO`, `PL_MODELS_LLAMA2C_TOKENIZER_CORRUPT`
 */
export async function loadLlama2cTokenizer(path: string, vocabSize?: number): Promise<Llama2cTokenizer> {
  return Llama2cTokenizer.fromBytes(await readInput(path, "tokenizer"), vocabSize, basename(path));
}

/** The `config.json` of a converted model (Llama keys, so readers recognise the architecture). */
export function llama2cConfigJson(config: Llama2cConfig, name: string): Record<string, unknown> {
  return {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    _name_or_path: name,
    hidden_size: config.dim,
    intermediate_size: config.hiddenDim,
    num_hidden_layers: config.nLayers,
    num_attention_heads: config.nHeads,
    num_key_value_heads: config.nKvHeads,
    head_dim: config.headSize,
    vocab_size: config.vocabSize,
    max_position_embeddings: config.seqLen,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    hidden_act: "silu",
    tie_word_embeddings: config.sharedClassifier,
    bos_token_id: 1,
    eos_token_id: 2,
    torch_dtype: "float32",
    pattern_lens_source: "llama2.c checkpoint (interleaved-pair RoPE)",
  };
}

/** Moves every initializer's bytes into one data file; returns the file's chunks. */
function externalize(model: ModelProto, location: string): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of model.graph!.initializer) {
    const raw = t.rawData;
    if (raw === undefined || raw.length < 1024) continue;
    const pad = (64 - (offset % 64)) % 64;
    if (pad > 0) {
      chunks.push(new Uint8Array(pad));
      offset += pad;
    }
    chunks.push(raw);
    delete t.rawData;
    t.dataLocation = 1;
    t.externalData = [];
    setExternalDataEntry(t, "location", location);
    setExternalDataEntry(t, "offset", String(offset));
    setExternalDataEntry(t, "length", String(raw.length));
    offset += raw.length;
  }
  return chunks;
}

/**
 * Converts (or finds in the cache) a llama2.c checkpoint with its tokenizer.
 * @throws {Llama2cError} `PL_MODELS_LLAMA2C_IO` when an input cannot be read or the cache written;
 * `PL_MODELS_LLAMA2C_CORRUPT` / `PL_MODELS_LLAMA2C_TOKENIZER_CORRUPT` for bad inputs.
 * @example
 * const m = await convertLlama2c({ checkpoint: "stories260K.bin", tokenizer: "tok512.bin", cacheDir });
 * // m.dir holds config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx
 */
export async function convertLlama2c(options: ConvertLlama2cOptions): Promise<ConvertedLlama2c> {
  const ckptBytes = await readInput(options.checkpoint, "checkpoint");
  const tokBytes = await readInput(options.tokenizer, "tokenizer");
  const checkpoint = parseLlama2cCheckpoint(ckptBytes);
  const key = createHash("sha256")
    .update(`pattern-lens llama2c v${LLAMA2C_CONVERTER_VERSION}\0`)
    .update(ckptBytes)
    .update("\0")
    .update(tokBytes)
    .digest("hex");
  const root = options.cacheDir ?? defaultLlama2cCacheDir();
  const dir = join(root, key);
  const result = (cached: boolean): ConvertedLlama2c => ({
    dir,
    onnxFile: join(dir, "onnx", "model.onnx"),
    tokenizerJson: join(dir, "tokenizer.json"),
    config: checkpoint.config,
    key,
    cached,
  });
  if (options.force !== true && existsSync(join(dir, "onnx", "model.onnx"))) return result(true);

  const name = basename(options.checkpoint).replace(/\.bin$/, "");
  const tokenizer = Llama2cTokenizer.fromBytes(
    tokBytes,
    checkpoint.config.vocabSize,
    basename(options.tokenizer),
  );
  const model = llama2cToOnnx(checkpoint);
  const weightBytes = model.graph!.initializer.reduce((a, t) => a + (t.rawData?.length ?? 0), 0);
  const external = options.externalData ?? weightBytes > EXTERNAL_DATA_THRESHOLD;
  const tmp = join(root, `.tmp-${key.slice(0, 16)}-${process.pid}-${Date.now()}`);
  try {
    await mkdir(join(tmp, "onnx"), { recursive: true });
    if (external) {
      const chunks = externalize(model, "model.onnx.data");
      await writeFile(join(tmp, "onnx", "model.onnx.data"), chunks);
    }
    await writeFile(join(tmp, "onnx", "model.onnx"), encodeModelChunks(model));
    const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
    await writeFile(join(tmp, "config.json"), json(llama2cConfigJson(checkpoint.config, name)));
    await writeFile(join(tmp, "tokenizer.json"), JSON.stringify(llama2cTokenizerJson(tokenizer)));
    await writeFile(
      join(tmp, "tokenizer_config.json"),
      json(llama2cTokenizerConfig(tokenizer, checkpoint.config.seqLen)),
    );
    await writeFile(
      join(tmp, "llama2c-source.json"),
      json({
        converter_version: LLAMA2C_CONVERTER_VERSION,
        checkpoint: basename(options.checkpoint),
        checkpoint_sha256: createHash("sha256").update(ckptBytes).digest("hex"),
        tokenizer: basename(options.tokenizer),
        tokenizer_sha256: createHash("sha256").update(tokBytes).digest("hex"),
      }),
    );
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
    try {
      await rename(tmp, dir);
    } catch (cause) {
      // another process finished the same conversion first: theirs is as good as ours
      if (!existsSync(join(dir, "onnx", "model.onnx"))) throw cause;
    }
  } catch (cause) {
    throw new Llama2cError(
      "PL_MODELS_LLAMA2C_IO",
      `cannot write the converted model to ${dir}: ${(cause as Error).message}. Check that the cache folder is writable (or pass another cacheDir).`,
      { cause },
    );
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
  return result(false);
}
