/**
 * Browser-safe pieces of capture shared by the Node and browser entries: the context length of a
 * `config.json`, and cutting a session's attention output into validated per-prompt patterns.
 */
import { ActivationsError } from "./errors.ts";
import type { HostTensor } from "./ort.ts";
import { copyValidated, validatePattern } from "./validate.ts";

/** A finite number, else `undefined`. */
export const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** One prompt's attention for one layer: `[nHeads, n, n]` float32, row-major (queries x keys). */
export interface LayerPattern {
  nHeads: number;
  n: number;
  data: Float32Array;
}

/** The context length from `config.json` (`n_positions`, `max_position_embeddings`, `n_ctx`, `seq_len`). */
export function contextLength(config: Record<string, unknown>): number | undefined {
  return (
    num(config.n_positions) ?? num(config.max_position_embeddings) ?? num(config.n_ctx) ?? num(config.seq_len)
  );
}

function toFloat32(t: HostTensor, what: string): Float32Array {
  if (t.type !== "float32")
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_INVALID",
      `${what} is ${t.type}, expected float32 after instrumentation.`,
    );
  return t.data as Float32Array;
}

/**
 * One layer's output of a right-padded batch, cut into each row's own `[heads, n, n]` pattern and
 * validated. A single unpadded row is returned without a copy.
 * @throws {ActivationsError} `PL_ACTIVATIONS_PATTERN_INVALID` for a wrong shape or an invalid pattern.
 */
export function cutRows(
  t: HostTensor,
  layer: number,
  rows: readonly (readonly number[])[],
  causal: boolean,
): LayerPattern[] {
  const b = rows.length;
  const data = toFloat32(t, `layer ${layer} attention`);
  let [d0, h, s, k] = t.dims as [number, number, number, number];
  if (t.dims.length === 3) {
    [d0, s, k] = t.dims as [number, number, number];
    h = d0 / b;
    d0 = b;
  }
  if (t.dims.length < 3 || t.dims.length > 4 || d0 !== b || !Number.isInteger(h)) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_PATTERN_INVALID",
      `layer ${layer}: attention output has shape [${t.dims.join(", ")}], expected [${b}, heads, seq, seq].`,
    );
  }
  return rows.map((row, r) => {
    const n = row.length;
    const ctx = b > 1 ? ` (batch row ${r})` : "";
    if (b === 1 && n === s && n === k) {
      validatePattern(data, h, n, layer, { causal }, ctx);
      return { nHeads: h, n, data };
    }
    const pat = new Float32Array(h * n * n);
    copyValidated(data, r * h * s * k, k, s * k, pat, h, n, layer, { causal }, ctx);
    return { nHeads: h, n, data: pat };
  });
}
