import { ActivationsError } from "./errors.ts";

/** Tolerances of {@link validatePattern}. */
export interface ValidateOptions {
  /** Zeros above the diagonal are required. */
  causal: boolean;
  /** Max |row sum - 1|. Default 1e-3. */
  sumTolerance?: number;
  /** Max value above the diagonal for causal models. Default 1e-6. */
  upperTolerance?: number;
}

/**
 * Checks one layer's pattern `[nHeads, n, n]` (row-major, queries x keys, padding already cut):
 * every value finite and in [0, 1 + tol], rows summing to 1 within `sumTolerance`, and (causal)
 * zeros above the diagonal.
 * @throws {ActivationsError} `PL_ACTIVATIONS_PATTERN_INVALID` naming the layer, head and query row.
 */
export function validatePattern(
  data: Float32Array,
  nHeads: number,
  n: number,
  layer: number,
  opts: ValidateOptions,
  context = "",
): void {
  if (data.length !== nHeads * n * n) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_PATTERN_INVALID",
      `layer ${layer}: pattern has ${data.length} values, expected ${nHeads}x${n}x${n}${context}. The capture method does not fit this model; please report it.`,
    );
  }
  copyValidated(data, 0, n, n * n, data, nHeads, n, layer, opts, context);
}

/**
 * Copies `[nHeads, n, n]` out of a larger row-major array and validates it in the same pass (see
 * {@link validatePattern}): query row q of head h starts at `src[at + h * headStride + q * rowStride]`.
 * One pass over the values, no per-row views: cutting the activations bench's batch outputs this
 * way took 1.3 s of main-thread time against 2.0 s for a copy followed by a separate check. `out`
 * may be `src` itself (then `at` must be 0 and the strides dense), which checks in place.
 * @throws {ActivationsError} `PL_ACTIVATIONS_PATTERN_INVALID` naming the layer, head and query row.
 */
export function copyValidated(
  src: Float32Array,
  at: number,
  rowStride: number,
  headStride: number,
  out: Float32Array,
  nHeads: number,
  n: number,
  layer: number,
  opts: ValidateOptions,
  context = "",
): void {
  const sumTol = opts.sumTolerance ?? 1e-3;
  const upTol = opts.upperTolerance ?? 1e-6;
  const hi = 1 + sumTol;
  for (let h = 0; h < nHeads; h++) {
    for (let q = 0; q < n; q++) {
      const from = at + h * headStride + q * rowStride;
      const to = (h * n + q) * n;
      // keys a causal query may see, then the ones it must not
      const seen = opts.causal ? q + 1 : n;
      // hot loops: plain comparisons only (NaN fails `v >= 0`); messages are built in `describe`
      let sum = 0;
      let k = 0;
      for (; k < seen; k++) {
        const v = src[from + k] as number;
        if (!(v >= 0 && v <= hi)) break;
        sum += v;
        out[to + k] = v;
      }
      if (k === seen) {
        for (; k < n; k++) {
          const v = src[from + k] as number;
          if (!(v >= 0 && v <= upTol)) break;
          sum += v;
          out[to + k] = v;
        }
      }
      if (k < n || !(Math.abs(sum - 1) <= sumTol))
        describe(src, from, n, h, q, layer, sum, upTol, opts.causal, context);
    }
  }
}

/** Throws the error for the first bad value of a row (or its sum). */
function describe(
  data: Float32Array,
  row: number,
  n: number,
  head: number,
  q: number,
  layer: number,
  sum: number,
  upTol: number,
  causal: boolean,
  context: string,
): never {
  let what = `row sums to ${sum}, not 1`;
  let finite = Number.isFinite(sum);
  for (let k = 0; k < n; k++) {
    const v = data[row + k] as number;
    if (!Number.isFinite(v)) {
      what = `value at key ${k} is ${v}`;
      finite = false;
    } else if (v < 0) what = `negative value ${v} at key ${k}`;
    else if (v > 1.001) what = `value ${v} at key ${k} is above 1`;
    else if (causal && k > q && v > upTol)
      what = `value ${v} above the diagonal at key ${k} (a causal model attends only to earlier keys)`;
    else continue;
    break;
  }
  // A NaN or an infinity comes from the model itself (NaN weights, an overflow in float16), not
  // from how the attention was captured: say so, and what to try.
  const why = finite
    ? "the capture method does not fit this model; please report it"
    : "the model itself computes NaN or infinite values here: check its weights for NaN/Inf, or use a float32 export if this one is float16";
  throw new ActivationsError(
    "PL_ACTIVATIONS_PATTERN_INVALID",
    `layer ${layer}, head ${head}, query ${q}: ${what}${context}. The captured attention is not a probability distribution, so nothing was saved for this prompt; ${why}.`,
  );
}
