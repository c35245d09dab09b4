// What a prompt's saved patterns must look like, from what the data folder says about them:
// `model_cfg.json` (layers, heads) and `prompt.json` (its tokens). Shared by figures and metrics,
// so both accept and refuse the same archives for the same reasons. Zod-free (worker threads).

import { patternKey } from "./layout.ts";
import type { NpyArray } from "./npy-dtype.ts";

/** What one prompt's `activations.npz` must hold. */
export interface PatternExpectation {
  /** `model_cfg.json` `n_layers`: layers `0 .. nLayers-1` must all be there. */
  nLayers: number;
  /** `model_cfg.json` `n_heads`: every layer has exactly this many heads. */
  nHeads: number;
  /** The allowed pattern sizes `n` (see {@link patternSizes}); every layer has the same one. */
  sizes: readonly number[];
}

/** The token fields of `prompt.json` (or its `prompts.jsonl` line) that fix the pattern size. */
export interface PromptTokens {
  tokens: readonly string[];
  token_ids?: readonly number[] | undefined;
}

/**
 * The pattern sizes a prompt allows: `token_ids.length` when the TypeScript pattern-lens saved the
 * ids (BOS included), else `tokens.length` or `tokens.length + 1` (a BOS that `tokens` does not list,
 * as the Python pattern-lens saves them).
 */
export function patternSizes(prompt: PromptTokens): number[] {
  if (prompt.token_ids !== undefined && prompt.token_ids.length > 0) return [prompt.token_ids.length];
  return [prompt.tokens.length, prompt.tokens.length + 1];
}

/**
 * Most bytes one pattern member of the archive may decode to: `nHeads × n × n` float64 values plus
 * a generous `.npy` header. Pass it as `maxMemberBytes` when reading the archive, so a small file
 * cannot inflate to gigabytes before its shape is checked.
 */
export function maxPatternMemberBytes(expect: PatternExpectation): number {
  const n = Math.max(1, ...expect.sizes);
  return expect.nHeads * n * n * 8 + 64 * 1024;
}

/**
 * Why one layer's array does not fit `expect`, or `undefined` when it does: `[1, nHeads, n, n]` (or
 * `[nHeads, n, n]`) with `n` one of `expect.sizes`.
 */
export function layerShapeProblem(
  arr: NpyArray | undefined,
  layer: number,
  expect: PatternExpectation,
): string | undefined {
  const key = patternKey(layer);
  if (arr === undefined) {
    return `'${key}' is missing, but model_cfg.json says ${expect.nLayers} layers`;
  }
  const s = arr.shape;
  const dims = s.length === 4 && s[0] === 1 ? s.slice(1) : s.length === 3 ? s : undefined;
  const shown = `[${s.join(", ")}]`;
  const want = `[1, ${expect.nHeads}, n, n] with n = ${expect.sizes.join(" or ")} (model_cfg.json heads, prompt.json tokens)`;
  if (dims === undefined || dims[1] !== dims[2]) return `'${key}' has shape ${shown}; expected ${want}`;
  if (dims[0] !== expect.nHeads) {
    return `'${key}' has ${dims[0]} heads (shape ${shown}), but model_cfg.json says ${expect.nHeads}`;
  }
  if (!expect.sizes.includes(dims[1]!)) {
    return `'${key}' is ${dims[1]}×${dims[1]} (shape ${shown}), but prompt.json has ${expect.sizes.join(" or ")} positions`;
  }
  return undefined;
}

/** Why a layer's values are unusable (a NaN or an infinity), or `undefined` when all are finite. */
export function valuesProblem(data: Float32Array, layer: number, nHeads: number): string | undefined {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) {
      const per = data.length / Math.max(1, nHeads);
      return `'${patternKey(layer)}' holds ${v} at head ${Math.floor(i / per)}: attention probabilities must be finite`;
    }
  }
  return undefined;
}

/** One checked layer: float32 `[nHeads, n, n]`, row-major. */
export interface PatternLayer {
  data: Float32Array;
  nHeads: number;
  n: number;
}

/**
 * Checks one layer's array against `expect` (and against `size`, layer 0's `n`, when given) and
 * returns it as float32, or the problem found.
 */
export function checkPatternLayer(
  arr: NpyArray | undefined,
  layer: number,
  expect: PatternExpectation,
  toF32: (arr: NpyArray) => Float32Array,
  size?: number,
): PatternLayer | { problem: string } {
  const problem = layerShapeProblem(arr, layer, expect);
  if (problem) return { problem };
  const n = arr!.shape[arr!.shape.length - 1]!;
  if (size !== undefined && n !== size) {
    return { problem: `'${patternKey(layer)}' is ${n}×${n}, but layer 0 is ${size}×${size}` };
  }
  const data = toF32(arr!);
  const bad = valuesProblem(data, layer, expect.nHeads);
  if (bad) return { problem: bad };
  return { data, nHeads: expect.nHeads, n };
}

/** Why the archive has a layer beyond `expect.nLayers`, or `undefined`. */
export function extraLayerProblem(
  has: (key: string) => boolean,
  expect: PatternExpectation,
): string | undefined {
  const key = patternKey(expect.nLayers);
  return has(key) ? `the archive has '${key}', but model_cfg.json says ${expect.nLayers} layers` : undefined;
}

/**
 * Checks every layer of a decoded archive against `expect` and returns them as float32
 * `[nHeads, n, n]`, or the first problem found (the prompt is then skipped as a whole).
 */
export function checkPatternLayers(
  entries: Map<string, NpyArray>,
  expect: PatternExpectation,
  toF32: (arr: NpyArray) => Float32Array,
): { layers: PatternLayer[] } | { problem: string } {
  const layers: PatternLayer[] = [];
  for (let l = 0; l < expect.nLayers; l++) {
    const checked = checkPatternLayer(entries.get(patternKey(l)), l, expect, toF32, layers[0]?.n);
    if ("problem" in checked) return checked;
    layers.push(checked);
  }
  const extra = extraLayerProblem((k) => entries.has(k), expect);
  return extra ? { problem: extra } : { layers };
}

/**
 * The token fields of a parsed `prompt.json`, checked without zod (for worker threads), or why they
 * are unusable: `tokens` an array of strings, `token_ids` (optional) an array of integers, `hash`
 * equal to the prompt's folder name.
 */
export function promptTokensOf(raw: unknown, hash: string): PromptTokens | string {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return "not a JSON object";
  const r = raw as Record<string, unknown>;
  if (r.hash !== hash) return `its hash ${JSON.stringify(r.hash)} is not its folder name ${hash}`;
  if (!Array.isArray(r.tokens) || !r.tokens.every((t) => typeof t === "string")) {
    return "'tokens' is not a list of strings";
  }
  const ids = r.token_ids;
  if (ids !== undefined && (!Array.isArray(ids) || !ids.every((t) => Number.isInteger(t)))) {
    return "'token_ids' is not a list of integers";
  }
  return { tokens: r.tokens as string[], token_ids: ids as number[] | undefined };
}
