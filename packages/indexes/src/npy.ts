import { IndexesError } from "./errors.ts";
import { DTYPE_ARRAY, type NpyArray, shapeSize } from "./npy-dtype.ts";
import { decodeNpyHeader, encodeNpyHeader } from "./npy-header.ts";

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function requireLittleEndianHost(): void {
  if (!HOST_LITTLE_ENDIAN) {
    throw new IndexesError(
      "PL_INDEXES_NPY_UNSUPPORTED",
      "this machine is big-endian; .npy data is read as little-endian only",
    );
  }
}

/**
 * Check that `arr` is consistent (known dtype, matching typed array, shape vs length).
 *
 * @throws {@link IndexesError} `PL_INDEXES_INVALID_ARGUMENT`.
 */
export function assertNpyArray(arr: NpyArray): void {
  const ctor = DTYPE_ARRAY[arr.dtype];
  if (!ctor) throw new IndexesError("PL_INDEXES_INVALID_ARGUMENT", `unknown dtype '${arr.dtype}'`);
  if (!(arr.data instanceof ctor)) {
    throw new IndexesError(
      "PL_INDEXES_INVALID_ARGUMENT",
      `dtype '${arr.dtype}' needs a ${ctor.name} but data is a ${arr.data.constructor.name}`,
    );
  }
  if (!arr.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new IndexesError(
      "PL_INDEXES_INVALID_ARGUMENT",
      `shape [${arr.shape}] must be non-negative integers`,
    );
  }
  const n = shapeSize(arr.shape);
  if (n !== arr.data.length) {
    throw new IndexesError(
      "PL_INDEXES_INVALID_ARGUMENT",
      `shape [${arr.shape}] has ${n} elements but data has ${arr.data.length}; pass a matching shape`,
    );
  }
}

/** The raw little-endian bytes of an array's data (a view, no copy). */
export function npyDataBytes(arr: NpyArray): Uint8Array {
  requireLittleEndianHost();
  return new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
}

/**
 * Encode an array as `.npy` bytes, byte for byte what `numpy.save` writes for a C-order array.
 *
 * @throws {@link IndexesError} `PL_INDEXES_INVALID_ARGUMENT` when dtype, data and shape disagree.
 * @example
 * ```ts
 * const bytes = encodeNpy({ dtype: "<f4", shape: [2], data: new Float32Array([0.5, 0.5]) });
 * ```
 */
export function encodeNpy(arr: NpyArray): Uint8Array {
  assertNpyArray(arr);
  const header = encodeNpyHeader(arr.dtype, arr.shape);
  const data = npyDataBytes(arr);
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(data, header.length);
  return out;
}

/**
 * Decode `.npy` bytes (format versions 1.0 to 3.0, C order, dtypes of {@link NpyDtype}).
 * When the data is aligned (numpy aligns it to 64 bytes) `data` is a view into `bytes`, not a
 * copy; copy it if you keep it while reusing the buffer.
 *
 * @throws {@link IndexesError} `PL_INDEXES_NPY_CORRUPT` (wrong magic, malformed header dict, shape and
 *   data length disagree, truncated) or `PL_INDEXES_NPY_UNSUPPORTED` (Fortran order, big-endian, dtype).
 */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  const { dtype, shape, dataOffset } = decodeNpyHeader(bytes);
  requireLittleEndianHost();
  const ctor = DTYPE_ARRAY[dtype];
  const n = shapeSize(shape);
  const expected = n * ctor.BYTES_PER_ELEMENT;
  const actual = bytes.length - dataOffset;
  if (actual !== expected) {
    throw new IndexesError(
      "PL_INDEXES_NPY_CORRUPT",
      `not a valid .npy: shape (${shape.join(", ")}) of ${dtype} needs ${expected} data bytes but there are ${actual}` +
        `${actual < expected ? " (truncated)" : ""}. Re-create the file with numpy.save.`,
    );
  }
  const offset = bytes.byteOffset + dataOffset;
  const data =
    offset % ctor.BYTES_PER_ELEMENT === 0
      ? new ctor(bytes.buffer, offset, n)
      : new ctor(bytes.slice(dataOffset).buffer, 0, n);
  return { dtype, shape, data };
}
