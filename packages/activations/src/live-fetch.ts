/**
 * Fetching a model for the page from a folder URL, with a memory estimate checked before the big
 * files are downloaded. Two layouts are read:
 * - `live.json` (written by `pattern-lens live`): a copy instrumented ahead of time, its plan, the
 *   sizes of its files, `config.json` inline, and the tokenizer files beside it;
 * - a Hugging Face hub-layout folder (`config.json`, `tokenizer.json`, `tokenizer_config.json`,
 *   `onnx/model.onnx` and any external data files beside it), instrumented in the page.
 */
import { decodeModel, externalDataInfo, forEachModelTensor } from "@pattern-lens/onnx";
import { contextLength, num } from "./cut-rows.ts";
import { ActivationsError } from "./errors.ts";
import type { CapturePlan } from "./instrument.ts";
import type { LiveModelSource } from "./live.ts";

/** The manifest `pattern-lens live` writes beside an instrumented copy (`live.json`). */
export interface LiveManifest {
  format: "pattern-lens-live";
  version: 1;
  /** The instrumented `.onnx`, relative to the folder. */
  onnx: string;
  /** Its size in bytes. */
  onnxBytes: number;
  plan: CapturePlan;
  /** External data files: the name the graph uses, where it is served (relative), its size. */
  externalData: { path: string; url: string; bytes: number }[];
  /** `config.json`. */
  config: Record<string, unknown>;
  /** `tokenizer.json` and `tokenizer_config.json`, relative to the folder. */
  tokenizer: string;
  tokenizerConfig?: string;
}

/** The default limit of {@link checkLiveMemory}: a page's 32-bit WebAssembly memory, 4 GiB. */
export const WASM_MEMORY_LIMIT = 4 * 1024 ** 3;

/** What {@link liveMemoryEstimate} reads: sizes from the graph, and the model's `config.json`. */
export interface LiveModelSizes {
  /** Size of the `.onnx` file. */
  onnxBytes: number;
  /** Sizes of its external data files, summed. */
  externalBytes: number;
  /** `config.json`: context length, layers and heads (for the attention outputs). */
  config?: Record<string, unknown>;
  /** Layers with captured attention, when known (a plan); else from `config.json`. */
  nLayers?: number;
}

const attentionDims = (m: LiveModelSizes) => {
  const cfg = m.config ?? {};
  const layers = m.nLayers ?? num(cfg.n_layer) ?? num(cfg.num_hidden_layers) ?? 0;
  const heads = num(cfg.n_head) ?? num(cfg.num_attention_heads) ?? 0;
  return { layers, heads };
};

/**
 * WebAssembly memory a model needs in onnxruntime-web before any prompt, estimated from the sizes
 * in its graph: the model bytes copied into the heap plus the weights unpacked from them (twice the
 * weights), and 64 MiB of working memory.
 */
export function liveMemoryEstimate(m: LiveModelSizes): number {
  return 2 * (m.onnxBytes + m.externalBytes) + 64 * 1024 ** 2;
}

/**
 * The longest prompt (tokens, BOS included) whose attention outputs still fit beside the model:
 * every layer's `[heads, n, n]` float32, once in the heap and once copied out. `undefined` when the
 * config does not say the layers and heads, or the model's own context is shorter.
 */
export function liveTokenLimit(m: LiveModelSizes, limit = WASM_MEMORY_LIMIT): number | undefined {
  const { layers, heads } = attentionDims(m);
  if (layers === 0 || heads === 0) return undefined;
  const free = Math.max(0, limit - liveMemoryEstimate(m));
  const n = Math.floor(Math.sqrt(free / (8 * layers * heads)));
  const ctx = contextLength(m.config ?? {});
  return ctx !== undefined && ctx <= n ? undefined : n;
}

const gb = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GB`;

/**
 * Throws before loading when a model would not fit in the page (or would leave room for fewer
 * than 16 tokens); returns the longest prompt that fits, if shorter than the model's context.
 * @throws {ActivationsError} `PL_ACTIVATIONS_MODEL_TOO_LARGE` saying how much it needs and what to do.
 */
export function checkLiveMemory(m: LiveModelSizes, limit = WASM_MEMORY_LIMIT): number | undefined {
  const need = liveMemoryEstimate(m);
  const tokens = liveTokenLimit(m, limit);
  if (need <= limit && (tokens === undefined || tokens >= 16)) return tokens;
  throw new ActivationsError(
    "PL_ACTIVATIONS_MODEL_TOO_LARGE",
    `this model is too large for the page: it needs about ${gb(need)} of WebAssembly memory (weights ${gb(m.onnxBytes + m.externalBytes)}, held twice while the session starts, and room for the attention of a prompt) and a page has ${gb(limit)}. Capture it with the CLI instead (\`pattern-lens activations --model ...\`, no such limit), or pick a smaller or quantized model.`,
  );
}

async function get(url: string, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_NOT_FOUND",
      `cannot fetch ${what} ${url}: is the server running?`,
      {
        cause: err,
      },
    );
  }
  if (!res.ok) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_NOT_FOUND",
      `cannot fetch ${what} ${url} (HTTP ${res.status}). Point the page at a folder with live.json (\`pattern-lens live\`) or with config.json, tokenizer.json and onnx/model.onnx.`,
    );
  }
  return res;
}

async function json(url: string, what: string): Promise<Record<string, unknown>> {
  const res = await get(url, what);
  try {
    const v = (await res.json()) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object");
    return v as Record<string, unknown>;
  } catch (err) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_INVALID",
      `${url} is not a JSON object: ${(err as Error).message}.`,
      {
        cause: err,
      },
    );
  }
}

async function bytes(url: string, what: string): Promise<Uint8Array> {
  return new Uint8Array(await (await get(url, what)).arrayBuffer());
}

/** Options of {@link fetchLiveModel}. */
export interface FetchLiveOptions {
  /** WebAssembly memory the model may take (default {@link WASM_MEMORY_LIMIT}). */
  memoryLimit?: number;
}

/**
 * Fetches a model folder (see the module comment for the two layouts), checking the memory
 * estimate before the model's weights are downloaded.
 * @throws {ActivationsError} `PL_ACTIVATIONS_MODEL_NOT_FOUND`, `PL_ACTIVATIONS_MODEL_INVALID`, `PL_ACTIVATIONS_MODEL_TOO_LARGE`.
 */
export async function fetchLiveModel(base: string, opts: FetchLiveOptions = {}): Promise<LiveModelSource> {
  const root = new URL(
    base.endsWith("/") ? base : `${base}/`,
    (globalThis as { location?: { href: string } }).location?.href,
  );
  const at = (p: string) => new URL(p, root).href;
  const manifestRes = await fetch(at("live.json")).catch(() => undefined);
  if (manifestRes?.ok) {
    const m = (await manifestRes.json()) as LiveManifest;
    if (m.format !== "pattern-lens-live" || m.version !== 1)
      throw new ActivationsError(
        "PL_ACTIVATIONS_MODEL_INVALID",
        `${at("live.json")} is not a pattern-lens live manifest (version 1).`,
      );
    const externalBytes = m.externalData.reduce((s, e) => s + e.bytes, 0);
    const sizes = { onnxBytes: m.onnxBytes, externalBytes, config: m.config, nLayers: m.plan.outputs.length };
    const tokenLimit = checkLiveMemory(sizes, opts.memoryLimit);
    const [onnx, tokenizerJson, tokenizerConfig] = await Promise.all([
      bytes(at(m.onnx), "model"),
      json(at(m.tokenizer), "tokenizer"),
      m.tokenizerConfig ? json(at(m.tokenizerConfig), "tokenizer config") : Promise.resolve({}),
    ]);
    return {
      ...(tokenLimit !== undefined ? { tokenLimit } : {}),
      onnx,
      plan: m.plan,
      externalData: m.externalData.map((e) => ({ path: e.path, data: at(e.url) })),
      config: m.config,
      tokenizerJson,
      tokenizerConfig,
    };
  }
  // A hub-layout folder: the .onnx's size first (HEAD), then its graph's external data.
  const onnxUrl = at("onnx/model.onnx");
  const config = await json(at("config.json"), "config").catch(() => ({}));
  const head = await fetch(onnxUrl, { method: "HEAD" }).catch(() => undefined);
  const length = Number(head?.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(length))
    checkLiveMemory({ onnxBytes: length, externalBytes: 0, config }, opts.memoryLimit);
  const [tokenizerJson, tokenizerConfig, onnx] = await Promise.all([
    json(at("tokenizer.json"), "tokenizer"),
    json(at("tokenizer_config.json"), "tokenizer config").catch(() => ({})),
    bytes(onnxUrl, "model"),
  ]);
  const sizes = new Map<string, number>();
  try {
    forEachModelTensor(decodeModel(onnx), (t) => {
      const info = externalDataInfo(t);
      if (!info) return;
      const end = info.offset + (info.length ?? 0);
      sizes.set(info.location, Math.max(sizes.get(info.location) ?? 0, end));
    });
  } catch (err) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_INVALID",
      `${onnxUrl} is not a valid ONNX model: ${(err as Error).message}.`,
      {
        cause: err,
      },
    );
  }
  const externalBytes = [...sizes.values()].reduce((s, b) => s + b, 0);
  const tokenLimit = checkLiveMemory({ onnxBytes: onnx.length, externalBytes, config }, opts.memoryLimit);
  return {
    ...(tokenLimit !== undefined ? { tokenLimit } : {}),
    onnx,
    externalData: [...sizes.keys()].map((loc) => ({ path: loc, data: at(`onnx/${loc}`) })),
    config,
    tokenizerJson,
    tokenizerConfig,
  };
}
