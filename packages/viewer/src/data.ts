/** Reads a pattern-lens data folder over HTTP (or any URL the browser can fetch). */
import {
  activationsPath,
  decodeNpz,
  figuresIndexPath,
  isSafeName,
  modelsIndexPath,
  type NpyArray,
  patternKey,
  promptJsonPath,
  promptsIndexPath,
  sanitizeName,
  toFloat32,
} from "@pattern-lens/indexes";
import { ViewerError } from "./errors.ts";

/** A model of the data folder, from one `models.jsonl` line. */
export interface ModelInfo {
  /** Folder name (`sanitized_name`, or the sanitised `model_name` for old folders). */
  dir: string;
  /** `model_name` as written. */
  name: string;
  /** Number of layers. */
  nLayers: number;
  /** Heads per layer. */
  nHeads: number;
  /** The whole `models.jsonl` line. */
  cfg: Record<string, unknown>;
}

/** A figure function, from one `figures.jsonl` line. */
export interface FigureInfo {
  /** Figure name: the file stem (`raw` → `raw.png`). */
  name: string;
  /** File format: png, svg or svgz. */
  fmt: string;
  /** The function's doc string, if any. */
  doc: string;
  /**
   * `false` when `figures.jsonl` says some heads or prompts have no file of it (`"complete": false`:
   * a run still going, a sample, or a function that failed on some heads). Such figures are not
   * selected by default.
   */
  complete: boolean;
}

/** A prompt of one model, from its `prompts.jsonl`. */
export interface PromptInfo {
  /** The 22-character prompt hash (its folder name). */
  hash: string;
  /** The prompt text. */
  text: string;
  /** Number of tokens. */
  nTokens: number;
  /** `meta.pile_set_name` when present, else `""`. */
  dataset: string;
  /** The tokens, when the index lists them. */
  tokens: string[];
}

/** Resolves a path relative to the data folder URL. */
export function dataUrl(base: string, path: string): string {
  const root = new URL(base.endsWith("/") || base === "" ? base : `${base}/`, document.baseURI);
  return new URL(path.split("/").map(encodeURIComponent).join("/"), root).href;
}

async function fetchOk(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (cause) {
    throw new ViewerError("PL_VIEWER_FETCH", `cannot fetch ${url}: is the server running?`, { cause });
  }
  if (!res.ok) {
    throw new ViewerError(
      "PL_VIEWER_FETCH",
      `cannot fetch ${url} (HTTP ${res.status}): check the viewer's src points at a pattern-lens data folder`,
    );
  }
  return res;
}

/**
 * Parses JSON Lines; blank lines are skipped. A line that is not a JSON object throws, naming the
 * file and line, or, when `onBadLine` is given, is reported there and skipped: the viewer shows the
 * rest of the file and says which lines it left out.
 */
export function parseJsonl(
  text: string,
  url: string,
  onBadLine?: (message: string) => void,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      const v = JSON.parse(line);
      if (v && typeof v === "object" && !Array.isArray(v)) out.push(v as Record<string, unknown>);
      else throw new Error("not an object");
    } catch (cause) {
      const message = `${url} line ${i + 1} is not a JSON object`;
      if (!onBadLine) throw new ViewerError("PL_VIEWER_DATA", message, { cause });
      onBadLine(`${message}; skipped`);
    }
  });
  return out;
}

const num = (v: unknown, d = 0): number => (typeof v === "number" && Number.isFinite(v) ? v : d);
const str = (v: unknown, d = ""): string => (typeof v === "string" ? v : d);

/** Reads `models.jsonl`. Lines without `sanitized_name` (older pattern-lens) use the sanitised name. */
export async function loadModels(base: string): Promise<ModelInfo[]> {
  const url = dataUrl(base, modelsIndexPath(""));
  const lines = parseJsonl(await (await fetchOk(url)).text(), url);
  const byDir = new Map<string, ModelInfo>();
  for (const cfg of lines) {
    const name = str(cfg.model_name, str(cfg.name));
    const dir = str(cfg.sanitized_name) || sanitizeName(name);
    if (!dir) continue;
    byDir.set(dir, { dir, name: name || dir, nLayers: num(cfg.n_layers), nHeads: num(cfg.n_heads), cfg });
  }
  return [...byDir.values()];
}

/**
 * Reads `figures.jsonl`; a folder without it has no figures. A line that is not JSON, or whose name
 * or format cannot be a file name, is reported to `onBadLine` (default `console.warn`) and skipped.
 */
export async function loadFigures(
  base: string,
  onBadLine: (message: string) => void = console.warn,
): Promise<FigureInfo[]> {
  const url = dataUrl(base, figuresIndexPath(""));
  const res = await fetch(url).catch(() => undefined);
  if (!res?.ok) return [];
  const byName = new Map<string, FigureInfo>();
  for (const f of parseJsonl(await res.text(), url, onBadLine)) {
    const name = str(f.name, str(f.func_name));
    const fmt = str(f.figure_save_fmt, "png");
    if (!isSafeName(name) || !isSafeName(fmt)) {
      onBadLine(
        `${url}: figure ${JSON.stringify(name)} (${JSON.stringify(fmt)}) is not a plain file name; skipped`,
      );
      continue;
    }
    const complete = f.complete !== false && byName.get(name)?.complete !== false;
    byName.set(name, { name, fmt, doc: str(f.doc), complete });
  }
  return [...byName.values()];
}

/** Reads `<model>/prompts.jsonl`. Prompts without `meta` get an empty dataset. */
export async function loadPrompts(base: string, model: string): Promise<PromptInfo[]> {
  const url = dataUrl(base, promptsIndexPath("", model));
  const out: PromptInfo[] = [];
  for (const p of parseJsonl(await (await fetchOk(url)).text(), url)) {
    const hash = str(p.hash);
    if (!hash) continue;
    const tokens = Array.isArray(p.tokens) ? p.tokens.map((t) => String(t)) : [];
    const meta = (p.meta && typeof p.meta === "object" ? p.meta : {}) as Record<string, unknown>;
    out.push({
      hash,
      text: str(p.text),
      nTokens: num(p.n_tokens, tokens.length),
      dataset: str(meta.pile_set_name),
      tokens,
    });
  }
  return out;
}

/** Reads `<model>/prompts/<hash>/prompt.json`. */
export async function loadPrompt(base: string, model: string, hash: string): Promise<PromptInfo> {
  const url = dataUrl(base, promptJsonPath("", model, hash));
  const p = (await (await fetchOk(url)).json()) as Record<string, unknown>;
  const tokens = Array.isArray(p.tokens) ? p.tokens.map((t) => String(t)) : [];
  const meta = (p.meta && typeof p.meta === "object" ? p.meta : {}) as Record<string, unknown>;
  return {
    hash: str(p.hash, hash),
    text: str(p.text),
    nTokens: num(p.n_tokens, tokens.length),
    dataset: str(meta.pile_set_name),
    tokens,
  };
}

/** One head's attention pattern: `n`×`n`, row = query, column = key. */
export interface HeadPattern {
  /** Number of positions. */
  n: number;
  /** Row-major float32 values, exactly as stored (float16/float64 are converted). */
  data: Float32Array;
}

const npzCache = new Map<string, Promise<Map<string, NpyArray>>>();
const NPZ_CACHE_SIZE = 4;

/** Fetches and decodes an `activations.npz` (the last four are cached; a 2,048-token file is ~32 MB decoded). */
export function loadActivations(base: string, model: string, hash: string): Promise<Map<string, NpyArray>> {
  const url = dataUrl(base, activationsPath("", model, hash));
  const hit = npzCache.get(url);
  if (hit) {
    npzCache.delete(url);
    npzCache.set(url, hit);
    return hit;
  }
  const p = fetchOk(url)
    .then(async (res) => decodeNpz(new Uint8Array(await res.arrayBuffer())))
    .catch((err: unknown) => {
      npzCache.delete(url);
      throw err;
    });
  npzCache.set(url, p);
  while (npzCache.size > NPZ_CACHE_SIZE) npzCache.delete(npzCache.keys().next().value as string);
  return p;
}

/**
 * Takes one head out of a decoded `activations.npz`: the array `blocks.<layer>.attn.hook_pattern`
 * of shape `[1, n_heads, n, n]` (or `[n_heads, n, n]`).
 *
 * @throws {ViewerError} `PL_VIEWER_DATA` when the layer or head is not in the file.
 */
export function headPattern(npz: Map<string, NpyArray>, layer: number, head: number): HeadPattern {
  const arr = npz.get(patternKey(layer));
  if (!arr) throw new ViewerError("PL_VIEWER_DATA", `activations.npz has no ${patternKey(layer)}`);
  const shape = arr.shape;
  const n = shape[shape.length - 1] ?? 0;
  const nHeads = shape[shape.length - 3] ?? 0;
  if (shape.length < 3 || shape[shape.length - 2] !== n || head >= nHeads) {
    throw new ViewerError(
      "PL_VIEWER_DATA",
      `${patternKey(layer)} has shape [${shape.join(", ")}]: no head ${head} of an n×n pattern`,
    );
  }
  const all = toFloat32(arr);
  return { n, data: all.subarray(head * n * n, (head + 1) * n * n) };
}
