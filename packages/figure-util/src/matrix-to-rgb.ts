import { COLORMAP_SIZE, getColormap } from "./colormap.ts";
import { FigureError } from "./errors.ts";
import { type DenseMatrix, type MatrixInput, toDenseMatrix } from "./matrix.ts";

/** How {@link matrixToRgb} maps values to colours. */
export interface MatrixToRgbOptions {
  /**
   * Min-max normalise over the whole matrix before the colormap lookup:
   * `(x - min) / (max - min)`, computed in float32 for float32 input (as numpy does), so the
   * result reproduces pattern-lens's `raw.png` pixel for pixel. A constant matrix gives 0/0 = NaN,
   * which is the bad colour (black in RGB), as in matplotlib. Default `false`: values must lie in
   * [0, 1]. NaN cells are ignored for min/max and drawn in the bad colour.
   */
  readonly normalize?: boolean;
  /** Colormap name, see {@link COLORMAP_NAMES}. Default `"viridis"` (matplotlib's default). */
  readonly cmap?: string;
  /**
   * Centre the colormap on 0 (for diverging maps such as `RdBu` or `coolwarm`): with `normalize`,
   * values are scaled by the largest magnitude `a` as `(x / a + 1) / 2`, so 0 lands in the middle,
   * -a on the first colour and +a on the last; without `normalize`, values must lie in [-1, 1]
   * and map as `(x + 1) / 2`. Default `false`.
   */
  readonly diverging?: boolean;
  /**
   * With `normalize`: use this as the minimum instead of the matrix minimum (for example a floor
   * for log-scaled values). Values below it, including `-Infinity`, get the lowest colour.
   * Not allowed together with `diverging`.
   */
  readonly normalizeMin?: number;
  /**
   * Output RGBA (4 channels, alpha 255, NaN cells transparent) instead of RGB. Default `false`:
   * RGB, like pattern-lens's PNGs.
   */
  readonly alpha?: boolean;
}

/** A pixel buffer: one pixel per matrix cell, row-major, top row first. */
export interface RgbImage {
  /** Pixels per row (matrix columns). */
  readonly width: number;
  /** Number of rows (matrix rows). */
  readonly height: number;
  /** 3 (RGB) or 4 (RGBA) bytes per pixel. */
  readonly channels: 3 | 4;
  /** `width * height * channels` bytes. */
  readonly data: Uint8Array;
}

const identity = (x: number): number => x;

/**
 * Checks options that do not depend on the data (colormap name, option combinations), so figure
 * definitions can fail at definition time. Not part of the public API.
 *
 * @throws {FigureError} `PL_FIGURE_UNKNOWN_CMAP`, `PL_FIGURE_OPTIONS`.
 */
export function checkMatrixToRgbOptions(options: MatrixToRgbOptions): void {
  const { normalize = false, cmap = "viridis", diverging = false, normalizeMin } = options;
  getColormap(cmap);
  if (normalizeMin !== undefined) {
    if (typeof normalizeMin !== "number" || Number.isNaN(normalizeMin)) {
      throw new FigureError(
        "PL_FIGURE_OPTIONS",
        `normalizeMin must be a number, got ${String(normalizeMin)}.`,
      );
    }
    if (!normalize) {
      throw new FigureError("PL_FIGURE_OPTIONS", "normalizeMin only applies with normalize: true; set both.");
    }
    if (diverging) {
      throw new FigureError(
        "PL_FIGURE_OPTIONS",
        "normalizeMin cannot be combined with diverging (a diverging map is centred on 0); drop one.",
      );
    }
  }
}

/**
 * Turns a matrix into an image through a matplotlib colormap, one pixel per cell, using
 * matplotlib's lookup rule (see {@link colormapIndex}).
 *
 * @example
 * ```ts
 * const img = matrixToRgb(pattern, { normalize: true, cmap: "Blues" });
 * const png = encodePng(img); // the same pixels as pattern-lens's raw.png
 * ```
 * @throws {FigureError} `PL_FIGURE_NOT_2D`, `PL_FIGURE_EMPTY`, `PL_FIGURE_SHAPE` for a bad matrix;
 * `PL_FIGURE_UNKNOWN_CMAP`; `PL_FIGURE_RANGE` for values outside [0, 1] (or [-1, 1] when
 * `diverging`) without `normalize`, or infinite values; `PL_FIGURE_OPTIONS` for contradictory options.
 */
export function matrixToRgb(matrix: MatrixInput, options: MatrixToRgbOptions = {}): RgbImage {
  checkMatrixToRgbOptions(options);
  return denseToRgb(toDenseMatrix(matrix), options, undefined);
}

/** How values become colormap positions: what {@link valueMap} decided for one matrix. */
interface ValueMap {
  mode: "unit" | "minmax" | "sym" | "symUnit";
  shift: number;
  scale: number;
  /** `Math.fround` for float32 data (numpy's float32 arithmetic), else the identity. */
  f: (x: number) => number;
  /** Whether some cell is NaN (it takes the bad colour). */
  hasNaN: boolean;
}

/**
 * Checks the values against the options and picks the value -> [0, 1] map: min, max over non-NaN
 * values in one scan (which also finds the first NaN for `rejectNaN`), infinities rejected unless
 * `normalizeMin` clips them.
 */
function valueMap(
  m: DenseMatrix,
  options: MatrixToRgbOptions,
  rejectNaN: ((index: number) => Error) | undefined,
): ValueMap {
  const { normalize = false, diverging = false, normalizeMin } = options;
  const d = m.data;
  const f = m.float32 ? Math.fround : identity;
  const [lo, hi, nanAt] = d instanceof Float32Array ? rangeF32(d) : rangeF64(d);
  if (rejectNaN !== undefined && nanAt >= 0) throw rejectNaN(nanAt);
  const clipsLow = normalizeMin !== undefined;
  if (hi === Number.POSITIVE_INFINITY || (lo === Number.NEGATIVE_INFINITY && !clipsLow)) {
    throw new FigureError(
      "PL_FIGURE_RANGE",
      "the matrix contains infinite values; replace them (or, for -Infinity after a log, pass normalize: true with normalizeMin).",
    );
  }
  let shift = 0;
  let scale = 1;
  let mode: ValueMap["mode"] = "unit";
  if (normalize && !diverging) {
    mode = "minmax";
    if (clipsLow) {
      shift = f(normalizeMin);
      if (hi < shift) {
        throw new FigureError(
          "PL_FIGURE_RANGE",
          `normalizeMin (${normalizeMin}) is above the largest value (${hi}); lower it.`,
        );
      }
    } else shift = lo;
    scale = f(hi - shift);
  } else if (normalize && diverging) {
    mode = "sym";
    scale = Math.max(Math.abs(lo), Math.abs(hi));
  } else if (diverging) {
    mode = "symUnit";
    if (lo < -1 || hi > 1) {
      throw new FigureError(
        "PL_FIGURE_RANGE",
        `values must lie in [-1, 1] for a diverging map without normalize, found [${lo}, ${hi}]; pass normalize: true.`,
      );
    }
  } else if (lo < 0 || hi > 1) {
    throw new FigureError(
      "PL_FIGURE_RANGE",
      `values must lie in [0, 1] without normalize, found [${lo}, ${hi}]; pass normalize: true or rescale the matrix.`,
    );
  }
  return { mode, shift, scale, f, hasNaN: nanAt >= 0 };
}

/** Where value `x` falls on the colormap, in [0, 1] for in-range values (NaN for the bad colour). */
function positionOf(vm: ValueMap, x: number): number {
  const { mode, shift, scale, f } = vm;
  if (mode === "minmax") return f(f(x - shift) / scale);
  if (mode === "unit") return x;
  if (mode === "sym") return f(f(f(x / scale) + 1) / 2);
  return f(f(x + 1) / 2);
}

/** A matrix as colormap indices: one byte per cell, `palette` the colormap's 256 RGB entries. */
export interface IndexedImage {
  readonly width: number;
  readonly height: number;
  /**
   * `height * (width + 1)` bytes, laid out as PNG's unfiltered scanlines: each row a 0 byte (filter
   * type None) then its `width` colormap indices, so the encoder deflates them without a copy.
   */
  readonly rows: Uint8Array;
  /** 768 bytes: the colormap's RGB table. */
  readonly palette: Uint8Array;
}

/**
 * The colormap index of every cell (what {@link matrixToRgb} looks up), for palette PNGs: the same
 * pixels in a third of the bytes. `undefined` when some cell takes the bad colour (NaN), which the
 * 256-entry table has no room for. Options must be checked already. Not part of the public API.
 */
export function denseToIndexed(
  m: DenseMatrix,
  options: MatrixToRgbOptions,
  rejectNaN: ((index: number) => Error) | undefined,
): IndexedImage | undefined {
  const vm = valueMap(m, options, rejectNaN);
  const { mode, shift, scale } = vm;
  // NaN cells, or a constant matrix under min-max (0/0), take the bad colour: no palette entry
  if (vm.hasNaN || (mode === "minmax" && !(scale > 0))) return undefined;
  const d = m.data;
  const { rows: height, cols: width } = m;
  const rows = new Uint8Array(height * (width + 1)); // zeroed: every filter byte is already 0
  const palette = getColormap(options.cmap ?? "viridis").lut;
  if (mode === "minmax" && d instanceof Float32Array) {
    minMaxIndexF32(d, rows, width, shift, scale);
    return { width, height, rows, palette };
  }
  const last = COLORMAP_SIZE - 1;
  for (let i = 0, o = 0; i < d.length; i++, o++) {
    if (i % width === 0) o++; // the row's filter byte
    const y = positionOf(vm, d[i]!);
    if (Number.isNaN(y)) return undefined;
    const k = Math.floor(y * COLORMAP_SIZE);
    rows[o] = Math.min(last, Math.max(0, k));
  }
  return { width, height, rows, palette };
}

/**
 * {@link matrixToRgb} on a checked dense matrix, with options already checked. With `rejectNaN`, a
 * NaN cell throws what it returns (given the cell's flat index) instead of taking the bad colour;
 * the check rides on the min/max scan, so it costs no extra pass. Not part of the public API.
 */
export function denseToRgb(
  m: DenseMatrix,
  options: MatrixToRgbOptions,
  rejectNaN: ((index: number) => Error) | undefined,
): RgbImage {
  const alpha = options.alpha ?? false;
  const cmap = getColormap(options.cmap ?? "viridis");
  const vm = valueMap(m, options, rejectNaN);
  const { mode, shift, scale } = vm;
  const d = m.data;
  const n = d.length;

  const channels = alpha ? 4 : 3;
  const out = new Uint8Array(n * channels);
  const lut = cmap.lut;
  const last = COLORMAP_SIZE - 1;
  if (mode === "minmax" && d instanceof Float32Array && !alpha) {
    if (!vm.hasNaN && scale > 0) minMaxCleanF32(d, out, lut, shift, scale);
    else minMaxF32(d, out, lut, shift, scale, cmap.bad);
    return { width: m.cols, height: m.rows, channels, data: out };
  }
  for (let i = 0, o = 0; i < n; i++, o += channels) {
    const x = d[i]!;
    const y = positionOf(vm, x);
    if (Number.isNaN(y)) {
      // NaN: the bad colour
      out[o] = cmap.bad[0];
      out[o + 1] = cmap.bad[1];
      out[o + 2] = cmap.bad[2];
      if (alpha) out[o + 3] = cmap.bad[3];
      continue;
    }
    let k = Math.floor(y * COLORMAP_SIZE);
    if (k > last) k = last;
    else if (k < 0) k = 0;
    const j = k * 3;
    out[o] = lut[j]!;
    out[o + 1] = lut[j + 1]!;
    out[o + 2] = lut[j + 2]!;
    if (alpha) out[o + 3] = 255;
  }
  return { width: m.cols, height: m.rows, channels, data: out };
}

// Monomorphic helpers for the hot paths (one typed-array type per function keeps V8's element
// access fast). The range scans return [min, max, index of the first NaN or -1]; NaN fails every
// comparison, so the NaN test runs only on cells that are not a new max.

function rangeF32(d: Float32Array): [number, number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let nanAt = -1;
  for (let i = 0; i < d.length; i++) {
    const x = d[i]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
    else if (nanAt < 0 && Number.isNaN(x)) nanAt = i;
  }
  return [lo, hi, nanAt];
}

function rangeF64(d: Float64Array): [number, number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let nanAt = -1;
  for (let i = 0; i < d.length; i++) {
    const x = d[i]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
    else if (nanAt < 0 && Number.isNaN(x)) nanAt = i;
  }
  return [lo, hi, nanAt];
}

/**
 * {@link minMaxF32} writing colormap indices, for matrices without NaN and with `scale > 0`: no
 * branch per cell but the clip, which made it about 40% faster than testing each cell for NaN
 * and for the masked zeros (measured on the demo's patterns).
 */
function minMaxIndexF32(
  d: Float32Array,
  rows: Uint8Array,
  width: number,
  shift: number,
  scale: number,
): void {
  const n = d.length;
  for (let i = 0, o = 1; i < n; o++) {
    // one row: its filter byte (0) is skipped, then width cells
    for (const end = i + width; i < end; i++, o++) {
      // floor(y * 256) clipped to [0, 255]; `| 0` is floor here because t > 0
      const t = Math.fround(Math.fround(d[i]! - shift) / scale) * 256;
      rows[o] = t >= 255 ? 255 : t > 0 ? t | 0 : 0;
    }
  }
}

/**
 * The raw-figure path: float32 min-max normalisation `(x - shift) / scale`, RGB out. Cells equal to
 * `shift` (the masked zeros of a causal pattern, about half of it) map to colour 0 without the
 * division, which gives the same bytes whenever `scale > 0`.
 */
function minMaxF32(
  d: Float32Array,
  out: Uint8Array,
  lut: Uint8Array,
  shift: number,
  scale: number,
  bad: readonly [number, number, number, number],
): void {
  const b0 = bad[0];
  const b1 = bad[1];
  const b2 = bad[2];
  const z0 = lut[0]!;
  const z1 = lut[1]!;
  const z2 = lut[2]!;
  const lowFast = scale > 0;
  const n = d.length;
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    const x = d[i]!;
    if (lowFast && x === shift) {
      out[o] = z0;
      out[o + 1] = z1;
      out[o + 2] = z2;
      continue;
    }
    const y = Math.fround(Math.fround(x - shift) / scale);
    if (Number.isNaN(y)) {
      // NaN (0/0 for a constant matrix): the bad colour
      out[o] = b0;
      out[o + 1] = b1;
      out[o + 2] = b2;
      continue;
    }
    // floor(y * 256) clipped to [0, 255]; `| 0` is floor here because t > 0
    const t = y * 256;
    const j = (t >= 255 ? 255 : t > 0 ? t | 0 : 0) * 3;
    out[o] = lut[j]!;
    out[o + 1] = lut[j + 1]!;
    out[o + 2] = lut[j + 2]!;
  }
}

/** {@link minMaxF32} for matrices without NaN and with `scale > 0` (see {@link minMaxIndexF32}). */
function minMaxCleanF32(
  d: Float32Array,
  out: Uint8Array,
  lut: Uint8Array,
  shift: number,
  scale: number,
): void {
  const n = d.length;
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    const t = Math.fround(Math.fround(d[i]! - shift) / scale) * 256;
    const j = (t >= 255 ? 255 : t > 0 ? t | 0 : 0) * 3;
    out[o] = lut[j]!;
    out[o + 1] = lut[j + 1]!;
    out[o + 2] = lut[j + 2]!;
  }
}
