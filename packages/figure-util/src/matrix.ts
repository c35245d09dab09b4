import ndarray, { type NdArray } from "ndarray";
import { FigureError } from "./errors.ts";

/**
 * One head's attention pattern as figure functions receive it: a 2D float32 ndarray view of shape
 * `[n_ctx, n_ctx]` (row = query position, column = key position). `pattern.get(q, k)` reads one
 * cell; `pattern.data` may be shared with other heads, so read through `offset`/`stride` or
 * `get`, and never write to it.
 */
export type Pattern = NdArray<Float32Array>;

/** Numeric storage a matrix may use. */
export type MatrixNumbers = Float32Array | Float64Array | ArrayLike<number>;

/** A plain row-major matrix: `data[r * cols + c]`, `shape = [rows, cols]`. */
export interface MatrixData {
  /** Row-major values; length must be `rows * cols`. */
  readonly data: MatrixNumbers;
  /** `[rows, cols]`. Any other length is rejected with `PL_FIGURE_NOT_2D`. */
  readonly shape: readonly number[];
}

/**
 * What figure helpers accept as a matrix: a 2D ndarray (any strides, e.g. a transposed view) or a
 * plain `{ data, shape }` object in row-major order.
 */
export type MatrixInput = NdArray<Float32Array> | NdArray<Float64Array> | NdArray<number[]> | MatrixData;

/**
 * A validated matrix in dense row-major storage. `float32` says whether values are float32 (then
 * normalisation arithmetic is done in float32, as numpy does for float32 arrays).
 */
export interface DenseMatrix {
  /** Number of rows (image height). */
  readonly rows: number;
  /** Number of columns (image width). */
  readonly cols: number;
  /** `rows * cols` values, row-major. May share memory with the input: do not modify. */
  readonly data: Float32Array | Float64Array;
  /** True when the source values were float32. */
  readonly float32: boolean;
}

function isNdArray(m: MatrixInput): m is NdArray<Float32Array> | NdArray<Float64Array> | NdArray<number[]> {
  const a = m as Partial<NdArray>;
  return Array.isArray(a.stride) && typeof a.offset === "number";
}

/**
 * Checks a matrix and returns it as dense row-major storage (no copy for a contiguous float32 or
 * float64 input).
 *
 * @throws {FigureError} `PL_FIGURE_NOT_2D` (shape is not two-dimensional), `PL_FIGURE_EMPTY`
 * (zero rows or columns), `PL_FIGURE_SHAPE` (data length does not match the shape).
 */
export function toDenseMatrix(m: MatrixInput): DenseMatrix {
  const shape = (m as { shape?: unknown }).shape;
  if (!Array.isArray(shape) || !(m as { data?: unknown }).data) {
    throw new FigureError(
      "PL_FIGURE_NOT_2D",
      "expected a matrix: a 2D ndarray or { data, shape: [rows, cols] }. Return a 2D matrix from the figure function.",
    );
  }
  if (shape.length !== 2) {
    throw new FigureError(
      "PL_FIGURE_NOT_2D",
      `expected a 2D matrix, got shape [${shape.join(", ")}] (${shape.length} dimensions). Pass one [rows, cols] matrix, e.g. a single head's pattern.`,
    );
  }
  const [rows, cols] = shape as [number, number];
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new FigureError(
      "PL_FIGURE_SHAPE",
      `invalid matrix shape [${rows}, ${cols}]: use non-negative integers.`,
    );
  }
  if (rows === 0 || cols === 0) {
    throw new FigureError(
      "PL_FIGURE_EMPTY",
      `the matrix is empty (shape [${rows}, ${cols}]); a figure needs at least one row and one column.`,
    );
  }
  const n = rows * cols;
  if (isNdArray(m)) {
    const src = m.data;
    const [s0, s1] = m.stride as [number, number];
    const float32 = src instanceof Float32Array;
    if ((src instanceof Float32Array || src instanceof Float64Array) && s1 === 1 && s0 === cols) {
      if (m.offset < 0 || m.offset + n > src.length) {
        throw new FigureError("PL_FIGURE_SHAPE", `ndarray view [${rows}, ${cols}] reaches past its data.`);
      }
      return { rows, cols, data: src.subarray(m.offset, m.offset + n), float32 };
    }
    const out = float32 ? new Float32Array(n) : new Float64Array(n);
    const get = (i: number): number => {
      const v = Array.isArray(src) ? src[i] : (src as ArrayLike<number>)[i];
      if (v === undefined) {
        throw new FigureError("PL_FIGURE_SHAPE", `ndarray view [${rows}, ${cols}] reaches past its data.`);
      }
      return Number(v);
    };
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[r * cols + c] = get(m.offset + r * s0 + c * s1);
    }
    return { rows, cols, data: out, float32 };
  }
  const src = m.data;
  if (src.length !== n) {
    throw new FigureError(
      "PL_FIGURE_SHAPE",
      `matrix data has ${src.length} values but shape [${rows}, ${cols}] needs ${n}.`,
    );
  }
  if (src instanceof Float32Array) return { rows, cols, data: src, float32: true };
  if (src instanceof Float64Array) return { rows, cols, data: src, float32: false };
  return { rows, cols, data: Float64Array.from(src as ArrayLike<number>), float32: false };
}

/**
 * A float32 2D view of one head inside a pattern tensor laid out as `[..., n_heads, n, n]`
 * (e.g. `blocks.{l}.attn.hook_pattern` with shape `[1, n_heads, n_ctx, n_ctx]`). No copy.
 *
 * @param data - the whole tensor's float32 data
 * @param nCtx - the context length `n` (the last two dimensions)
 * @param head - which `n × n` block, counting from 0 over all leading dimensions
 * @throws {FigureError} `PL_FIGURE_SHAPE` when the block lies outside `data`.
 * @example
 * ```ts
 * const p = headPattern(arr.data as Float32Array, arr.shape[3]!, 2); // head 2
 * p.get(5, 0); // attention of query 5 to key 0
 * ```
 */
export function headPattern(data: Float32Array, nCtx: number, head: number): Pattern {
  const size = nCtx * nCtx;
  if (!Number.isInteger(nCtx) || nCtx <= 0 || !Number.isInteger(head) || head < 0) {
    throw new FigureError("PL_FIGURE_SHAPE", `invalid head view: nCtx ${nCtx}, head ${head}.`);
  }
  if ((head + 1) * size > data.length) {
    throw new FigureError(
      "PL_FIGURE_SHAPE",
      `head ${head} of size ${nCtx}×${nCtx} lies outside data of length ${data.length}.`,
    );
  }
  return ndarray(data, [nCtx, nCtx], [nCtx, 1], head * size);
}
