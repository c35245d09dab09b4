/**
 * The `.npy` dtypes we read and write (numpy `descr` strings, little-endian, C order).
 * `<f2` (float16) data is kept as its raw bits in a `Uint16Array`; `|b1` (bool) as 0/1 bytes.
 */
export type NpyDtype =
  | "<f4"
  | "<f2"
  | "<f8"
  | "|i1"
  | "<i2"
  | "<i4"
  | "<i8"
  | "|u1"
  | "<u2"
  | "<u4"
  | "<u8"
  | "|b1";

/** The typed array behind each dtype. */
export type NpyData =
  | Float32Array
  | Uint16Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint32Array
  | BigUint64Array;

/**
 * An n-dimensional array as stored in `.npy`: dtype, shape (C order: last axis fastest) and
 * the flat data. `data.length` must equal the product of `shape` (1 for shape `[]`).
 *
 * @example
 * ```ts
 * const arr: NpyArray = { dtype: "<f4", shape: [2, 2], data: new Float32Array([1, 0, 0.5, 0.5]) };
 * ```
 */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

type TypedArrayCtor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NpyData;
  new (length: number): NpyData;
  readonly BYTES_PER_ELEMENT: number;
};

/** dtype -> typed array constructor. */
export const DTYPE_ARRAY: Readonly<Record<NpyDtype, TypedArrayCtor>> = {
  "<f4": Float32Array,
  "<f2": Uint16Array,
  "<f8": Float64Array,
  "|i1": Int8Array,
  "<i2": Int16Array,
  "<i4": Int32Array,
  "<i8": BigInt64Array,
  "|u1": Uint8Array,
  "<u2": Uint16Array,
  "<u4": Uint32Array,
  "<u8": BigUint64Array,
  "|b1": Uint8Array,
} as unknown as Record<NpyDtype, TypedArrayCtor>;

/** Every supported dtype. */
export const NPY_DTYPES = Object.keys(DTYPE_ARRAY) as NpyDtype[];

/** Number of elements of a shape (1 for a 0-d array). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
