import {
  defineMatrixFigure,
  definePlotFigure,
  type FigureDefinition,
  Plot,
  type PngOptions,
  positionTicks,
} from "@pattern-lens/figure-util";
import { tokenLabels } from "@pattern-lens/indexes";
import { log10Matrix, meanByDistance, receivedPerKey, rowEntropy } from "./_stats.ts";

/**
 * PNG encoder settings of the matrix built-ins: no row filter, zlib level 1, run-length matching
 * (Z_RLE). Every setting decodes to the same pixels. With no row filter, matrix figures are written
 * as palette PNGs (the colormap as PLTE, one byte per pixel) whenever no cell takes the bad colour:
 * the same pixels, a third of the bytes to deflate. On those one-byte pixels Z_RLE beats zlib's
 * default matcher on both counts (deflate alone, measured on the demo's 768 heads and on 128×128
 * synthetic heads): 41 vs 52–60 µs and 603 vs 704 bytes per demo figure, 122 vs 214 µs and 3.5 vs
 * 4.3 kB at 128×128. (On three-byte RGB pixels it was the other way round, since colours repeat
 * with a stride of 3, which only the default matcher finds; RGB is now only the fallback for NaN.)
 */
export const FAST_PNG: PngOptions = { filterType: 0, deflateLevel: 1, deflateStrategy: 3 };

/** `raw`: min-max normalised, Blues, PNG — pixel for pixel the Python pattern-lens `raw.png`. */
export const raw = defineMatrixFigure(
  { name: "raw", doc: "raw attention matrix", fmt: "png", normalize: true, cmap: "Blues", png: FAST_PNG },
  (pattern) => pattern,
);

/** `raw_log`: log10 of the pattern, floored at 1e-6 (masked cells get the floor colour), viridis PNG. */
export const rawLog = defineMatrixFigure(
  {
    name: "raw_log",
    doc: "attention on a log10 colour scale (floor 1e-6), viridis",
    fmt: "png",
    normalize: true,
    normalizeMin: -6,
    cmap: "viridis",
    png: FAST_PNG,
  },
  (pattern) => log10Matrix(pattern),
);

/** `attn_by_distance`: mean attention by relative distance q - k (a line plot). */
export const attnByDistance = definePlotFigure(
  { name: "attn_by_distance", doc: "mean attention by relative distance (query - key)", fmt: "svg" },
  (pattern, ctx) => {
    const mean = Array.from(meanByDistance(pattern), (y, d) => ({ d, y }));
    return {
      title: `L${ctx.layer}H${ctx.head}: mean attention by distance`,
      width: 480,
      height: 300,
      x: { label: "distance q − k (tokens)" },
      y: { label: "mean attention", grid: true, domain: [0, Math.max(1e-9, ...mean.map((m) => m.y))] },
      marks: [
        Plot.ruleY([0]),
        Plot.line(mean, { x: "d", y: "y" }),
        Plot.dot(mean, { x: "d", y: "y", r: 1.5 }),
      ],
    };
  },
);

/** `attn_received`: total attention each key position receives, summed over queries (a bar plot). */
export const attnReceived = definePlotFigure(
  { name: "attn_received", doc: "total attention received by each key (column sums)", fmt: "svg" },
  (pattern, ctx) => {
    const labels = tokenLabels(ctx.tokens);
    const bars = Array.from(receivedPerKey(pattern), (y, k) => ({ k, y, token: labels[k - 1] ?? "" }));
    return {
      title: `L${ctx.layer}H${ctx.head}: attention received per key`,
      width: 480,
      height: 300,
      x: { label: "key position", type: "band", ticks: positionTicks(bars.length) },
      y: { label: "Σ attention over queries", grid: true },
      marks: [Plot.barY(bars, { x: "k", y: "y", fill: "steelblue", title: "token" }), Plot.ruleY([0])],
    };
  },
);

/** `entropy`: entropy of each query's attention row, against the uniform maximum ln(q + 1) (a line plot). */
export const entropy = definePlotFigure(
  { name: "entropy", doc: "entropy (nats) of each query row, with the uniform maximum dashed", fmt: "svg" },
  (pattern, ctx) => {
    const rows = Array.from(rowEntropy(pattern), (h, q) => ({ q, h, max: Math.log(q + 1) }));
    return {
      title: `L${ctx.layer}H${ctx.head}: attention entropy per query`,
      width: 480,
      height: 300,
      x: { label: "query position" },
      y: { label: "entropy (nats)", grid: true },
      marks: [
        Plot.ruleY([0]),
        Plot.line(rows, { x: "q", y: "max", stroke: "#999", strokeDasharray: "4,3" }),
        Plot.line(rows, { x: "q", y: "h", stroke: "#d62728" }),
      ],
    };
  },
);

/** The figures this package registers by itself, in run order. */
export const BUILTIN_FIGURES: readonly FigureDefinition[] = [
  raw,
  rawLog,
  attnByDistance,
  attnReceived,
  entropy,
];
