import { type NpyArray, patternKey, toFloat32 } from "@pattern-lens/indexes";
import { MetricsError } from "./errors.ts";
import type { MetricContext, MetricDefinition, MetricOptions } from "./types.ts";

/** One layer's patterns of one prompt: `[nHeads, n, n]` row-major. */
export interface LayerPatterns {
  nHeads: number;
  n: number;
  data: Float32Array;
}

/** One prompt's input to {@link computePromptMetrics}. */
export interface PromptInput {
  layers: LayerPatterns[];
  /** `prompt.json` `tokens` (without BOS). */
  tokens: readonly string[];
  /** `prompt.json` `token_ids` (BOS included), when present. */
  tokenIds?: readonly number[] | undefined;
  /** For error messages. */
  hash?: string;
  /** The model layer of `layers[0]` (default 0), for a prompt scored a layer at a time. */
  firstLayer?: number;
}

/**
 * A token identity per position for a pattern of size `n`: the saved `token_ids` when they cover
 * every position, else identities derived from the token strings (equal strings, equal ids), with
 * -1 for a leading BOS position that `tokens` does not list.
 */
export function positionTokenIds(
  n: number,
  tokens: readonly string[],
  tokenIds?: readonly number[],
): { ids: number[]; bosOffset: number } {
  const bosOffset = Math.min(1, Math.max(0, n - tokens.length));
  if (tokenIds !== undefined && tokenIds.length === n) return { ids: [...tokenIds], bosOffset };
  const seen = new Map<string, number>();
  const ids: number[] = [];
  for (let p = 0; p < n; p++) {
    const t = p - bosOffset;
    if (t < 0 || t >= tokens.length) {
      ids.push(-1 - p);
      continue;
    }
    const s = tokens[t] as string;
    let id = seen.get(s);
    if (id === undefined) {
      id = seen.size;
      seen.set(s, id);
    }
    ids.push(id);
  }
  return { ids, bosOffset };
}

/**
 * The layers of an `activations.npz` (`blocks.{l}.attn.hook_pattern`, `[1, H, n, n]` or
 * `[H, n, n]`, any float dtype) as float32 `[H, n, n]`, layer 0 first.
 * @throws {MetricsError} `PL_METRICS_NO_PROMPTS` when the file has no pattern or a bad shape.
 */
export function layersFromNpz(entries: Map<string, NpyArray>, what = "activations.npz"): LayerPatterns[] {
  const layers: LayerPatterns[] = [];
  for (let l = 0; ; l++) {
    const arr = entries.get(patternKey(l));
    if (arr === undefined) break;
    const s = arr.shape;
    const dims = s.length === 4 && s[0] === 1 ? s.slice(1) : s;
    if (dims.length !== 3 || dims[1] !== dims[2]) {
      throw new MetricsError(
        "PL_METRICS_NO_PROMPTS",
        `${what}: ${patternKey(l)} has shape [${s.join(", ")}]; expected [1, n_heads, n, n]. Re-run pattern-lens activations.`,
      );
    }
    layers.push({ nHeads: dims[0] as number, n: dims[1] as number, data: toFloat32(arr) });
  }
  if (layers.length === 0) {
    throw new MetricsError(
      "PL_METRICS_NO_PROMPTS",
      `${what} holds no blocks.{l}.attn.hook_pattern arrays. Re-run pattern-lens activations.`,
    );
  }
  return layers;
}

/**
 * Computes every metric for every head of one prompt, reading each head's pattern once.
 * @returns `values[((layer - firstLayer) * nHeads + head) * metrics.length + m]`, `NaN` where the metric is
 *   undefined on this prompt
 * @throws {MetricsError} `PL_METRICS_FAILED` when a metric function throws or returns a non-number.
 */
export function computePromptMetrics(
  input: PromptInput,
  metrics: readonly MetricDefinition[],
  options: MetricOptions,
): Float64Array {
  const first = input.layers[0];
  const nHeads = first?.nHeads ?? 0;
  const n = first?.n ?? 0;
  // Every layer must have layer 0's heads and size: a smaller layer would otherwise be read with
  // layer 0's stride and its missing heads scored as 0 (the runner checks archives before this).
  for (const [l, layer] of input.layers.entries()) {
    if (layer.nHeads !== nHeads || layer.n !== n || layer.data.length !== nHeads * n * n) {
      throw new MetricsError(
        "PL_METRICS_INPUT",
        `layer ${l}${input.hash ? ` of prompt ${input.hash}` : ""} has ${layer.nHeads} heads of ${layer.n}×${layer.n} (${layer.data.length} values), but layer 0 has ${nHeads} of ${n}×${n}: every layer must have the same shape.`,
      );
    }
  }
  const { ids, bosOffset } = positionTokenIds(n, input.tokens, input.tokenIds);
  const out = new Float64Array(input.layers.length * nHeads * metrics.length);
  const l0 = input.firstLayer ?? 0;
  input.layers.forEach((layer, i) => {
    const l = l0 + i;
    for (let h = 0; h < layer.nHeads; h++) {
      const ctx: MetricContext = {
        pattern: layer.data.subarray(h * n * n, (h + 1) * n * n),
        n,
        tokenIds: ids,
        tokens: input.tokens,
        bosOffset,
        layer: l,
        head: h,
        options,
      };
      metrics.forEach((m, k) => {
        let v: unknown;
        try {
          v = m.fn(ctx);
        } catch (err) {
          throw new MetricsError(
            "PL_METRICS_FAILED",
            `metric "${m.name}" threw on L${l}H${h}${input.hash ? ` of prompt ${input.hash}` : ""}: ${(err as Error)?.message ?? String(err)}`,
            { cause: err },
          );
        }
        if (v !== undefined && v !== null && typeof v !== "number") {
          throw new MetricsError(
            "PL_METRICS_FAILED",
            `metric "${m.name}" returned ${typeof v} on L${l}H${h}; return a number, or undefined where the metric is not defined.`,
          );
        }
        if (typeof v === "number" && (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)) {
          throw new MetricsError(
            "PL_METRICS_FAILED",
            `metric "${m.name}" returned ${v} on L${l}H${h}${input.hash ? ` of prompt ${input.hash}` : ""}; return a finite number, or undefined where the metric is not defined (head_metrics.jsonl cannot hold infinities).`,
          );
        }
        out[(i * nHeads + h) * metrics.length + k] = v === undefined || v === null ? Number.NaN : v;
      });
    }
  });
  return out;
}
