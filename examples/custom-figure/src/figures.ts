/**
 * Custom figures for `pattern-lens figures --module examples/custom-figure/src/figures.ts`.
 *
 * The module's default export is a list of figure definitions; the runner registers each one, with
 * this file as its `source` in figures.jsonl. (Calling `registerAttnFigureFunc` at top level works too.)
 */
import { defineMatrixFigure, definePlotFigure, Plot } from "@pattern-lens/figure-util";
import { singularValues } from "./singular-values.ts";

/** The singular values of the head's pattern, largest first, on a log y axis. */
export const svdSpectrum = definePlotFigure(
  { name: "svd_spectrum", doc: "singular-value spectrum of the attention pattern (log scale)", fmt: "svg" },
  (pattern, ctx) => {
    const n = pattern.shape[0]!;
    const sv = singularValues((r, c) => pattern.get(r, c), n, n);
    // A log axis cannot show 0, and through AᵀA values below ~1e-7·σ₁ are rounding noise: keep the
    // values above 1e-6 of the largest.
    const floor = (sv[0] ?? 1) * 1e-6;
    const points = Array.from(sv, (s, i) => ({ i: i + 1, s })).filter((p) => p.s > floor);
    return {
      title: `L${ctx.layer}H${ctx.head}: singular values of the pattern`,
      width: 480,
      height: 300,
      x: { label: "index" },
      y: { type: "log", label: "singular value", grid: true, tickFormat: ".0e" },
      marks: [
        Plot.line(points, { x: "i", y: "s", stroke: "#1f77b4" }),
        Plot.dot(points, { x: "i", y: "s", r: 2 }),
      ],
    };
  },
);

/**
 * Attention minus the uniform causal baseline 1/(q+1): red where a query attends more than uniform,
 * blue where less. A diverging colormap centred on 0, saved as svgz.
 */
export const attnVsUniform = defineMatrixFigure(
  {
    name: "attn_vs_uniform",
    doc: "attention minus uniform causal attention 1/(q+1), RdBu_r centred on 0",
    fmt: "svgz",
    normalize: true,
    diverging: true,
    cmap: "RdBu_r",
  },
  (pattern) => {
    const n = pattern.shape[0]!;
    const data = new Float32Array(n * n);
    for (let q = 0; q < n; q++)
      for (let k = 0; k <= q; k++) data[q * n + k] = pattern.get(q, k) - 1 / (q + 1);
    return { data, shape: [n, n] };
  },
);

export default [svdSpectrum, attnVsUniform];
