import { PyLiteralError, parsePyLiteral } from "./_py-literal.ts";
import { IndexesError } from "./errors.ts";
import { NPY_DTYPES, type NpyDtype } from "./npy-dtype.ts";

/** Byte layout facts of the `.npy` format. */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ALIGN = 64;
/** numpy (>= 1.20) leaves room so the first axis can grow to 21 digits in place. */
const GROWTH_AXIS_MAX_DIGITS = 21;

/** A decoded `.npy` header. */
export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  /** Byte offset of the data from the start of the `.npy` buffer. */
  dataOffset: number;
}

function shapeRepr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}

/**
 * The `.npy` header bytes numpy writes for a C-order array: magic, version, length, the
 * header dict padded with spaces and a final `\n` so the data starts at a multiple of 64.
 * Version 1.0 unless the header does not fit in 65535 bytes (then 2.0), as numpy does.
 *
 * @example
 * ```ts
 * encodeNpyHeader("<f4", [1, 4, 3, 3]).length; // 128
 * ```
 */
export function encodeNpyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  if (shape.length > 0) dict += " ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  for (const [major, lenBytes] of [
    [1, 2],
    [2, 4],
  ] as const) {
    const prefix = MAGIC.length + 2 + lenBytes;
    const hlen = dict.length + 1;
    const pad = ALIGN - ((prefix + hlen) % ALIGN);
    const total = hlen + pad;
    if (lenBytes === 2 && total > 0xffff) continue;
    const out = new Uint8Array(prefix + total);
    out.set(MAGIC, 0);
    out[6] = major;
    out[7] = 0;
    const view = new DataView(out.buffer);
    if (lenBytes === 2) view.setUint16(8, total, true);
    else view.setUint32(8, total, true);
    for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
    out.fill(0x20, prefix + dict.length, out.length - 1);
    out[out.length - 1] = 0x0a;
    return out;
  }
  throw new IndexesError(
    "PL_INDEXES_INVALID_ARGUMENT",
    `shape ${shapeRepr(shape)} is too large for an .npy header`,
  );
}

/** Map a numpy `descr` to one of ours, or throw a clear error. */
function normalizeDescr(descr: string): NpyDtype {
  const m = /^([<>|=]?)([fiub])(\d+)$/.exec(descr);
  if (!m) {
    throw new IndexesError(
      "PL_INDEXES_NPY_UNSUPPORTED",
      `dtype '${descr}' is not supported (supported: ${NPY_DTYPES.join(", ")}); convert the array in numpy, e.g. arr.astype("<f4")`,
    );
  }
  const [, order, kind, size] = m;
  if (order === ">" && size !== "1") {
    throw new IndexesError(
      "PL_INDEXES_NPY_UNSUPPORTED",
      `dtype '${descr}' is big-endian, which is not supported; save it little-endian, e.g. arr.astype("${`<${kind}${size}`}")`,
    );
  }
  const candidate = (size === "1" ? `|${kind}${size}` : `<${kind}${size}`) as NpyDtype;
  if (!NPY_DTYPES.includes(candidate)) {
    throw new IndexesError(
      "PL_INDEXES_NPY_UNSUPPORTED",
      `dtype '${descr}' is not supported (supported: ${NPY_DTYPES.join(", ")}); convert the array in numpy first`,
    );
  }
  return candidate;
}

function corrupt(what: string): IndexesError {
  return new IndexesError(
    "PL_INDEXES_NPY_CORRUPT",
    `not a valid .npy: ${what}. Re-create the file with numpy.save.`,
  );
}

/**
 * Parse the header of an `.npy` buffer (versions 1.0, 2.0 and 3.0).
 *
 * @throws {@link IndexesError} `PL_INDEXES_NPY_CORRUPT` (wrong magic string, truncated, malformed header
 *   dict) or `PL_INDEXES_NPY_UNSUPPORTED` (Fortran order, big-endian, unsupported dtype or version).
 */
export function decodeNpyHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.length < 10) throw corrupt(`only ${bytes.length} bytes, shorter than the 10-byte preamble`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw corrupt('wrong magic string (expected "\\x93NUMPY")');
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start: number;
  let hlen: number;
  if (major === 1) {
    start = 10;
    hlen = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw corrupt("truncated preamble");
    start = 12;
    hlen = view.getUint32(8, true);
  } else {
    throw new IndexesError(
      "PL_INDEXES_NPY_UNSUPPORTED",
      `.npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are); re-save with numpy.save`,
    );
  }
  const dataOffset = start + hlen;
  if (dataOffset > bytes.length)
    throw corrupt(`header says ${hlen} bytes but the buffer ends first (truncated)`);
  const raw = bytes.subarray(start, dataOffset);
  let text = "";
  if (major === 3) text = new TextDecoder().decode(raw);
  else for (const b of raw) text += String.fromCharCode(b);
  let dict: unknown;
  try {
    dict = parsePyLiteral(text);
  } catch (e) {
    if (!(e instanceof PyLiteralError)) throw e;
    throw new IndexesError(
      "PL_INDEXES_NPY_CORRUPT",
      `not a valid .npy: malformed header dict (${e.message}): ${JSON.stringify(text.trim().slice(0, 120))}. Re-create the file with numpy.save.`,
      { cause: e },
    );
  }
  if (typeof dict !== "object" || dict === null || Array.isArray(dict)) throw corrupt("header is not a dict");
  const { descr, fortran_order, shape } = dict as Record<string, unknown>;
  if (Array.isArray(descr)) {
    throw new IndexesError(
      "PL_INDEXES_NPY_UNSUPPORTED",
      "structured (record) dtypes are not supported; save each field as its own array",
    );
  }
  if (typeof descr !== "string") throw corrupt("header dict has no 'descr' string");
  if (typeof fortran_order !== "boolean") throw corrupt("header dict has no 'fortran_order' bool");
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)) {
    throw corrupt("header dict has no 'shape' tuple of non-negative ints");
  }
  const dtype = normalizeDescr(descr);
  if (fortran_order && shape.length > 1) {
    throw new IndexesError(
      "PL_INDEXES_NPY_UNSUPPORTED",
      "the array is stored in Fortran order, which is not supported; save it in C order, e.g. numpy.save(f, numpy.ascontiguousarray(arr))",
    );
  }
  return { dtype, shape: shape as number[], dataOffset };
}
