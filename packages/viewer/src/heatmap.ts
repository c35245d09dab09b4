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

/** A rectangle of cells: columns `x0`…`x0 + w − 1` (keys), rows `y0`…`y0 + h − 1` (queries). */
export interface CellWindow {
  x0: number;
  y0: number;
  w: number;
  h: number;
}

/** Options of {@link renderHeatmap}. */
export interface HeatmapOptions {
  /** Colormap name. */
  colormap: ColormapName;
  /** Linear or log10 scale (log only for non-diverging maps). */
  scale: ScaleMode;
  /** Map negative and positive values symmetrically around the middle colour. */
  diverging?: boolean;
  /** The largest side in pixels; bigger windows are downsampled by keeping each block's extreme. */
  maxPixels?: number;
  /** Use this range instead of the matrix's own (to share a scale between two heads). */
  range?: ValueRange;
  /** Draw only these cells (a zoomed view); default the whole matrix. */
  window?: CellWindow;
}

/** Pixels of a heatmap, ready for `putImageData`. */
export interface HeatmapImage {
  /** Side of the image in pixels (its width; `ceil(n / factor)` for a whole matrix). */
  size: number;
  /** Width in pixels (`ceil(window.w / factor)`). */
  width: number;
  /** Height in pixels (`ceil(window.h / factor)`). */
  height: number;
  /** Matrix rows (and columns) per pixel. */
  factor: number;
  /** RGBA pixels, `width*height*4` bytes. */
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

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The colormap as 256 packed RGBA words (opaque), for one 32-bit store per pixel. */
function packedLut(lut: Uint8Array): Uint32Array {
  const out = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = [lut[3 * i]!, lut[3 * i + 1]!, lut[3 * i + 2]!];
    out[i] = LITTLE_ENDIAN
      ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0
      : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
  }
  return out;
}

/**
 * Renders an `n`×`n` row-major matrix, or a window of it. When the window is wider than
 * `maxPixels` (default 1024), each pixel stands for a `factor`×`factor` block and shows the
 * block's largest value (largest magnitude for diverging maps), so a single sharp attention peak
 * stays visible.
 */
export function renderHeatmap(data: Float32Array, n: number, opts: HeatmapOptions): HeatmapImage {
  const diverging = opts.diverging ?? false;
  const range = opts.range ?? valueRange(data, diverging);
  const win = opts.window ?? { x0: 0, y0: 0, w: n, h: n };
  const maxPixels = opts.maxPixels ?? 1024;
  const factor = Math.max(1, Math.ceil(Math.max(win.w, win.h) / maxPixels));
  const width = Math.ceil(win.w / factor);
  const height = Math.ceil(win.h / factor);
  const lut = packedLut(colormapLut(opts.colormap));
  const rgba = new Uint8ClampedArray(width * height * 4);
  const px = new Uint32Array(rgba.buffer);
  const linear = diverging || opts.scale !== "log";
  const lo = range.min;
  const k = 255 / (range.max - range.min || 1);
  const index = (v: number): number => {
    if (linear) {
      const t = (v - lo) * k;
      return t >= 255 ? 255 : t > 0 ? (t + 0.5) | 0 : 0;
    }
    return Math.round(normalise(v, range, "log", false) * 255);
  };
  const block = new Float32Array(width);
  for (let by = 0; by < height; by++) {
    block.fill(diverging ? 0 : Number.NEGATIVE_INFINITY);
    const r0 = win.y0 + by * factor;
    const rEnd = Math.min(win.y0 + win.h, r0 + factor);
    for (let r = r0; r < rEnd; r++) {
      const row = r * n;
      if (factor === 1) {
        for (let bx = 0; bx < width; bx++) block[bx] = data[row + win.x0 + bx]!;
        continue;
      }
      const cLast = win.x0 + win.w;
      for (let bx = 0, c = win.x0; bx < width; bx++) {
        const cEnd = Math.min(cLast, c + factor);
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
    const out = by * width;
    for (let bx = 0; bx < width; bx++) px[out + bx] = lut[index(block[bx]!)]!;
  }
  return { size: width, width, height, factor, rgba, range };
}
