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
 * @throws {ActivationsError} `PL_PATTERN_INVALID` naming the layer, head and query row.
 */
export function validatePattern(
  data: Float32Array,
  nHeads: number,
  n: number,
  layer: number,
  opts: ValidateOptions,
  context = "",
): void {
  const sumTol = opts.sumTolerance ?? 1e-3;
  const upTol = opts.upperTolerance ?? 1e-6;
  if (data.length !== nHeads * n * n) {
    throw new ActivationsError(
      "PL_PATTERN_INVALID",
      `layer ${layer}: pattern has ${data.length} values, expected ${nHeads}x${n}x${n}${context}. The capture method does not fit this model; please report it.`,
    );
  }
  const fail = (head: number, q: number, what: string): never => {
    throw new ActivationsError(
      "PL_PATTERN_INVALID",
      `layer ${layer}, head ${head}, query ${q}: ${what}${context}. The captured attention is not a probability distribution, so nothing was saved for this prompt; the capture method does not fit this model.`,
    );
  };
  for (let h = 0; h < nHeads; h++) {
    for (let q = 0; q < n; q++) {
      const row = (h * n + q) * n;
      let sum = 0;
      for (let k = 0; k < n; k++) {
        const v = data[row + k] as number;
        if (!Number.isFinite(v)) fail(h, q, `value at key ${k} is ${v}`);
        if (v < 0) fail(h, q, `negative value ${v} at key ${k}`);
        if (opts.causal && k > q && v > upTol)
          fail(
            h,
            q,
            `value ${v} above the diagonal at key ${k} (a causal model attends only to earlier keys)`,
          );
        sum += v;
      }
      if (Math.abs(sum - 1) > sumTol) fail(h, q, `row sums to ${sum}, not 1`);
    }
  }
}
