// The zip structures of an .npz, laid out as numpy's np.savez / np.savez_compressed write them
// (Python zipfile with force_zip64=True): every local header carries a zip64 extra field with both
// sizes and 0xFFFFFFFF in its 32-bit size fields; the central directory has plain 32-bit values
// (zip64 only where a value does not fit); timestamps are 1980-01-01 00:00; Unix mode 0600.
// The reader takes sizes and offsets from the central directory, as Python does.

import { IndexesError } from "./errors.ts";

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const VERSION_ZIP64 = 45;
const MADE_BY_UNIX = 3 << 8;
const DOS_DATE_1980_01_01 = 0x21;
const MODE_0600 = 0o600 << 16;
const FLAG_UTF8 = 0x800;
const U32_MAX = 0xffffffff;

/** Offsets inside a local header written by {@link localHeader}, for patching after streaming. */
export const LOCAL_CRC_OFFSET = 14;
/** Offset of the zip64 uncompressed size (then compressed size) from the header start. */
export function localZip64SizesOffset(nameLength: number): number {
  return 30 + nameLength + 4;
}

/** What the central directory says about one member. */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  /**
   * Where the next member's local header (or the central directory) begins: this member's local
   * header and data lie in `[localHeaderOffset, spanEnd)`, the byte range to fetch for it.
   */
  spanEnd: number;
}

const encoder = new TextEncoder();

function nameBytes(name: string): { bytes: Uint8Array; flags: number } {
  const bytes = encoder.encode(name);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
  return { bytes, flags: /^[\x00-\x7f]*$/.test(name) ? 0 : FLAG_UTF8 };
}

function setU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % 2 ** 32, true);
  view.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
}

function getU64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
}

/** A local file header (numpy layout: zip64 extra with both sizes). */
export function localHeader(
  name: string,
  method: number,
  crc: number,
  compressedSize: number,
  uncompressedSize: number,
): Uint8Array {
  const n = nameBytes(name);
  const out = new Uint8Array(30 + n.bytes.length + 20);
  const v = new DataView(out.buffer);
  v.setUint32(0, SIG_LOCAL, true);
  v.setUint16(4, VERSION_ZIP64, true);
  v.setUint16(6, n.flags, true);
  v.setUint16(8, method, true);
  v.setUint16(10, 0, true);
  v.setUint16(12, DOS_DATE_1980_01_01, true);
  v.setUint32(LOCAL_CRC_OFFSET, crc, true);
  v.setUint32(18, U32_MAX, true);
  v.setUint32(22, U32_MAX, true);
  v.setUint16(26, n.bytes.length, true);
  v.setUint16(28, 20, true);
  out.set(n.bytes, 30);
  const x = 30 + n.bytes.length;
  v.setUint16(x, 1, true);
  v.setUint16(x + 2, 16, true);
  setU64(v, x + 4, uncompressedSize);
  setU64(v, x + 12, compressedSize);
  return out;
}

/** A central directory entry; zip64 extra only for values that do not fit in 32 bits. */
export function centralEntry(e: Omit<ZipEntry, "flags" | "spanEnd">): Uint8Array {
  const n = nameBytes(e.name);
  const big = [e.uncompressedSize, e.compressedSize, e.localHeaderOffset].filter((x) => x >= U32_MAX);
  const extraLen = big.length > 0 ? 4 + 8 * big.length : 0;
  const out = new Uint8Array(46 + n.bytes.length + extraLen);
  const v = new DataView(out.buffer);
  const u32 = (x: number) => Math.min(x, U32_MAX);
  v.setUint32(0, SIG_CENTRAL, true);
  v.setUint16(4, MADE_BY_UNIX | VERSION_ZIP64, true);
  v.setUint16(6, VERSION_ZIP64, true);
  v.setUint16(8, n.flags, true);
  v.setUint16(10, e.method, true);
  v.setUint16(12, 0, true);
  v.setUint16(14, DOS_DATE_1980_01_01, true);
  v.setUint32(16, e.crc, true);
  v.setUint32(20, u32(e.compressedSize), true);
  v.setUint32(24, u32(e.uncompressedSize), true);
  v.setUint16(28, n.bytes.length, true);
  v.setUint16(30, extraLen, true);
  v.setUint32(38, MODE_0600, true);
  v.setUint32(42, u32(e.localHeaderOffset), true);
  out.set(n.bytes, 46);
  if (extraLen > 0) {
    const x = 46 + n.bytes.length;
    v.setUint16(x, 1, true);
    v.setUint16(x + 2, extraLen - 4, true);
    for (const [i, value] of big.entries()) setU64(v, x + 4 + 8 * i, value);
  }
  return out;
}

/** End of central directory (with zip64 record and locator when a value overflows). */
export function endOfCentralDirectory(count: number, cdOffset: number, cdSize: number): Uint8Array {
  const zip64 = count >= 0xffff || cdOffset >= U32_MAX || cdSize >= U32_MAX;
  const out = new Uint8Array((zip64 ? 56 + 20 : 0) + 22);
  const v = new DataView(out.buffer);
  let at = 0;
  if (zip64) {
    v.setUint32(0, SIG_ZIP64_EOCD, true);
    setU64(v, 4, 44);
    v.setUint16(12, MADE_BY_UNIX | VERSION_ZIP64, true);
    v.setUint16(14, VERSION_ZIP64, true);
    setU64(v, 24, count);
    setU64(v, 32, count);
    setU64(v, 40, cdSize);
    setU64(v, 48, cdOffset);
    v.setUint32(56, SIG_ZIP64_LOCATOR, true);
    setU64(v, 64, cdOffset + cdSize);
    v.setUint32(72, 1, true);
    at = 76;
  }
  v.setUint32(at, SIG_EOCD, true);
  v.setUint16(at + 8, Math.min(count, 0xffff), true);
  v.setUint16(at + 10, Math.min(count, 0xffff), true);
  v.setUint32(at + 12, Math.min(cdSize, U32_MAX), true);
  v.setUint32(at + 16, Math.min(cdOffset, U32_MAX), true);
  return out;
}

function corrupt(what: string): IndexesError {
  return new IndexesError(
    "PL_INDEXES_NPZ_CORRUPT",
    `not a valid .npz (zip): ${what}. The file is probably truncated or damaged; re-create it.`,
  );
}

/** Thrown by {@link readCentralDirectory} when the bytes given do not reach back to the directory. */
export class ZipTailShortError extends IndexesError {
  /** How many bytes from the end of the file the directory needs. */
  readonly needed: number;
  constructor(needed: number, have: number) {
    super(
      "PL_INDEXES_INVALID_ARGUMENT",
      `the zip's central directory needs the last ${needed} bytes of the file; ${have} were given`,
    );
    this.needed = needed;
  }
}

/**
 * Read the central directory of a zip from its last bytes: `bytes` holds the file's bytes from
 * `fileSize - bytes.length` to the end (the whole file when `fileSize` is `bytes.length`).
 * Offsets in the entries are offsets in the whole file.
 *
 * @throws {@link ZipTailShortError} when the directory starts before `bytes` do.
 */
export function readCentralDirectory(bytes: Uint8Array, fileSize = bytes.length): ZipEntry[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  const base = fileSize - len;
  if (base < 0) throw corrupt(`${len} bytes given for a file of ${fileSize}`);
  let eocd = -1;
  for (let i = len - 22; i >= Math.max(0, len - 22 - 0xffff); i--) {
    if (v.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    if (base > 0 && len < 22 + 0xffff) throw new ZipTailShortError(Math.min(fileSize, 22 + 0xffff), len);
    throw corrupt("no end-of-central-directory record");
  }
  let count = v.getUint16(eocd + 10, true);
  let cdSize = v.getUint32(eocd + 12, true);
  let cdOffset = v.getUint32(eocd + 16, true);
  if (eocd >= 20 && v.getUint32(eocd - 20, true) === SIG_ZIP64_LOCATOR) {
    const z = getU64(v, eocd - 12) - base;
    if (z < 0) throw new ZipTailShortError(fileSize - (z + base), len);
    if (z + 56 > len || v.getUint32(z, true) !== SIG_ZIP64_EOCD) throw corrupt("bad zip64 end record");
    count = getU64(v, z + 32);
    cdSize = getU64(v, z + 40);
    cdOffset = getU64(v, z + 48);
  } else if (eocd < 20 && base > 0 && (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX)) {
    throw new ZipTailShortError(len - eocd + 20, len); // the zip64 locator sits before the tail
  }
  if (cdOffset + cdSize > fileSize) throw corrupt("central directory lies past the end of the file");
  if (cdOffset < base) throw new ZipTailShortError(fileSize - cdOffset, len);
  const entries: ZipEntry[] = [];
  let p = cdOffset - base;
  const decoder = new TextDecoder();
  for (let k = 0; k < count; k++) {
    if (p + 46 > len || v.getUint32(p, true) !== SIG_CENTRAL)
      throw corrupt(`bad central directory entry ${k}`);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    if (p + 46 + nameLen + extraLen + commentLen > len)
      throw corrupt(`truncated central directory entry ${k}`);
    const e: ZipEntry = {
      name: decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen)),
      flags: v.getUint16(p + 8, true),
      method: v.getUint16(p + 10, true),
      crc: v.getUint32(p + 16, true),
      compressedSize: v.getUint32(p + 20, true),
      uncompressedSize: v.getUint32(p + 24, true),
      localHeaderOffset: v.getUint32(p + 42, true),
      spanEnd: cdOffset,
    };
    // zip64 extra: the values that are 0xFFFFFFFF above follow, in this order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = v.getUint16(x, true);
      const size = v.getUint16(x + 2, true);
      if (id === 1) {
        let q = x + 4;
        for (const key of ["uncompressedSize", "compressedSize", "localHeaderOffset"] as const) {
          if (e[key] === U32_MAX && q + 8 <= x + 4 + size) {
            e[key] = getU64(v, q);
            q += 8;
          }
        }
      }
      x += 4 + size;
    }
    if (e.localHeaderOffset + 30 + e.compressedSize > cdOffset)
      throw corrupt(`member '${e.name}' runs into the central directory`);
    entries.push(e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  setSpanEnds(entries);
  return entries;
}

/** Sets each entry's `spanEnd` to the next local header offset (already the directory's for the last). */
function setSpanEnds(entries: ZipEntry[]): void {
  const starts = entries.map((e) => e.localHeaderOffset).sort((a, b) => a - b);
  for (const e of entries) {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= e.localHeaderOffset) lo = mid + 1;
      else hi = mid;
    }
    if (lo < starts.length) e.spanEnd = starts[lo]!;
  }
}

/**
 * The stored (possibly compressed) bytes of a member; `at` is where its local header starts in
 * `bytes` (default: its offset in the file, for a whole file in memory).
 */
export function entryData(bytes: Uint8Array, e: ZipEntry, at = e.localHeaderOffset): Uint8Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (at + 30 > bytes.length || v.getUint32(at, true) !== SIG_LOCAL) {
    throw corrupt(`no local header for '${e.name}' at offset ${at}`);
  }
  const start = at + localHeaderLength(bytes.subarray(at));
  const end = start + e.compressedSize;
  if (end > bytes.length) throw corrupt(`data of '${e.name}' runs past the end of the file`);
  return bytes.subarray(start, end);
}

/** The length of a local header (30 bytes, name and extra field) from its first 30 bytes. */
export function localHeaderLength(header: Uint8Array): number {
  const v = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.length < 30 || v.getUint32(0, true) !== SIG_LOCAL) throw corrupt("no local file header");
  return 30 + v.getUint16(26, true) + v.getUint16(28, true);
}
