/** Turns a square matrix into RGBA pixels: normalisation, linear/log scale and downsampling. */
import { type ColormapName, colormapLut } from "./colormaps.ts";

/** How values map to colours. */
export type ScaleMode = "linear" | "log";

/** The value range a heatmap maps onto its colormap. */
export interface ValueRange {
  /** Value at the low end (for `diverging`, minus `max`). */
  min: number;
  /** Value at the high end. */
  max: number;
  /** The smallest positive value, the floor of the log scale. */
  minPositive: number;
}

/** The range of a matrix: for a diverging map, symmetric around 0. */
export function valueRange(data: Float32Array, diverging: boolean): ValueRange {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let minPositive = Number.POSITIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v > 0 && v < minPositive) minPositive = v;
  }
  if (!Number.isFinite(min)) return { min: 0, max: 1, minPositive: 1 };
  if (diverging) {
    const m = Math.max(Math.abs(min), Math.abs(max)) || 1;
    return { min: -m, max: m, minPositive };
  }
  return {
    min: Math.min(0, min),
    max: max > 0 ? max : 1,
    minPositive: Number.isFinite(minPositive) ? minPositive : 1,
  };
}

/** Options of {@link renderHeatmap}. */
export interface HeatmapOptions {
  /** Colormap name. */
  colormap: ColormapName;
  /** Linear or log10 scale (log only for non-diverging maps). */
  scale: ScaleMode;
  /** Map negative and positive values symmetrically around the middle colour. */
  diverging?: boolean;
  /** The largest side in pixels; bigger matrices are downsampled by keeping each block's extreme. */
  maxPixels?: number;
  /** Use this range instead of the matrix's own (to share a scale between two heads). */
  range?: ValueRange;
}

/** Pixels of a heatmap, ready for `putImageData`. */
export interface HeatmapImage {
  /** Side of the image in pixels (`ceil(n / factor)`). */
  size: number;
  /** Matrix rows (and columns) per pixel. */
  factor: number;
  /** RGBA pixels, `size*size*4` bytes. */
  rgba: Uint8ClampedArray<ArrayBuffer>;
  /** The value range used. */
  range: ValueRange;
}

/** Maps a value to [0, 1] on the colormap. */
export function normalise(v: number, range: ValueRange, scale: ScaleMode, diverging: boolean): number {
  if (diverging) return (v - range.min) / (range.max - range.min || 1);
  if (scale === "log") {
    const lo = Math.log10(Math.max(range.minPositive, range.max * 1e-6));
    const hi = Math.log10(range.max);
    if (!(v > 0)) return 0;
    return hi === lo ? 1 : Math.max(0, Math.min(1, (Math.log10(v) - lo) / (hi - lo)));
  }
  return Math.max(0, Math.min(1, (v - range.min) / (range.max - range.min || 1)));
}

/**
 * Renders an `n`×`n` row-major matrix. When `n` exceeds `maxPixels` (default 1024), each pixel
 * stands for a `factor`×`factor` block and shows the block's largest value (largest magnitude for
 * diverging maps), so a single sharp attention peak stays visible.
 */
export function renderHeatmap(data: Float32Array, n: number, opts: HeatmapOptions): HeatmapImage {
  const diverging = opts.diverging ?? false;
  const range = opts.range ?? valueRange(data, diverging);
  const maxPixels = opts.maxPixels ?? 1024;
  const factor = Math.max(1, Math.ceil(n / maxPixels));
  const size = Math.ceil(n / factor);
  const lut = colormapLut(opts.colormap);
  const rgba = new Uint8ClampedArray(size * size * 4);
  const put = (px: number, v: number) => {
    const t = normalise(v, range, opts.scale, diverging);
    const i = Math.round(t * 255) * 3;
    rgba[px * 4] = lut[i]!;
    rgba[px * 4 + 1] = lut[i + 1]!;
    rgba[px * 4 + 2] = lut[i + 2]!;
    rgba[px * 4 + 3] = 255;
  };
  if (factor === 1) {
    for (let i = 0; i < n * n; i++) put(i, data[i]!);
    return { size, factor, rgba, range };
  }
  const block = new Float32Array(size);
  for (let by = 0; by < size; by++) {
    block.fill(diverging ? 0 : Number.NEGATIVE_INFINITY);
    const rEnd = Math.min(n, (by + 1) * factor);
    for (let r = by * factor; r < rEnd; r++) {
      const row = r * n;
      for (let bx = 0, c = 0; bx < size; bx++) {
        const cEnd = Math.min(n, c + factor);
        let m = block[bx]!;
        if (diverging) {
          for (; c < cEnd; c++) {
            const v = data[row + c]!;
            if (Math.abs(v) > Math.abs(m)) m = v;
          }
        } else {
          for (; c < cEnd; c++) {
            const v = data[row + c]!;
            if (v > m) m = v;
          }
        }
        block[bx] = m;
      }
    }
    for (let bx = 0; bx < size; bx++) put(by * size + bx, block[bx]!);
  }
  return { size, factor, rgba, range };
}
