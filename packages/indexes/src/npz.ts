import { deflateSync, inflateSync } from "fflate";
import {
  centralEntry,
  endOfCentralDirectory,
  entryData,
  localHeader,
  METHOD_DEFLATE,
  METHOD_STORED,
  readCentralDirectory,
  type ZipEntry,
} from "./_zip.ts";
import { crc32 } from "./crc32.ts";
import { IndexesError } from "./errors.ts";
import { decodeNpy, encodeNpy } from "./npy.ts";
import type { NpyArray } from "./npy-dtype.ts";

/** A zlib compression level: 0 stores the entries (like `np.savez`), 1-9 deflate them. */
export type CompressLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** Options of {@link encodeNpz} and `writeNpzFile`. */
export interface NpzWriteOptions {
  /**
   * 0 = stored (what `np.savez` writes); 1-9 = deflate at that level (`np.savez_compressed`
   * uses zlib's default, 6). Default 6.
   */
  compressLevel?: CompressLevel;
}

/** Options of {@link decodeNpz} and the member readers. */
export interface NpzReadOptions {
  /** Check each member's CRC-32 (as numpy does). Default true. */
  verifyCrc?: boolean;
  /**
   * The largest uncompressed member (npy header + data, bytes) read; a bigger one is refused with
   * `PL_INDEXES_NPZ_TOO_LARGE` before anything is allocated. Default {@link NPZ_MAX_MEMBER_BYTES}.
   */
  maxMemberBytes?: number;
}

/** Default bound on one member's uncompressed size: 4 GiB, the largest buffer Node 20 makes. */
export const NPZ_MAX_MEMBER_BYTES = 2 ** 32;

/** Deflate's best ratio is 1032:1, so a directory claiming more than this is lying. */
function maxInflated(compressed: number): number {
  return compressed * 1032 + 1024;
}

/**
 * Checks a member's directory entry before any allocation: not encrypted, its uncompressed size
 * within `maxMemberBytes`, and its sizes consistent with its method (stored: equal; deflate: at
 * most 1032:1).
 *
 * @throws {@link IndexesError} `PL_INDEXES_NPZ_TOO_LARGE`, `PL_INDEXES_NPZ_CORRUPT`, `PL_INDEXES_NPZ_UNSUPPORTED`.
 */
export function checkMemberSize(e: ZipEntry, maxMemberBytes = NPZ_MAX_MEMBER_BYTES): void {
  if (e.flags & 1) {
    throw new IndexesError(
      "PL_INDEXES_NPZ_UNSUPPORTED",
      `member '${e.name}' is encrypted; save it without a password`,
    );
  }
  if (e.uncompressedSize > maxMemberBytes) {
    throw new IndexesError(
      "PL_INDEXES_NPZ_TOO_LARGE",
      `member '${e.name}' is ${e.uncompressedSize} bytes uncompressed, above the limit of ${maxMemberBytes}; ` +
        "raise maxMemberBytes if this machine has the memory, or write smaller members (fewer tokens per prompt)",
    );
  }
  const bad =
    e.method === METHOD_STORED
      ? e.compressedSize !== e.uncompressedSize
      : e.method === METHOD_DEFLATE && e.uncompressedSize > maxInflated(e.compressedSize);
  if (bad) {
    throw new IndexesError(
      "PL_INDEXES_NPZ_CORRUPT",
      `member '${e.name}': the directory's sizes (${e.compressedSize} stored, ${e.uncompressedSize} uncompressed) cannot be right; the file is damaged, re-create it`,
    );
  }
}

/** The npz entries as a map, whatever the caller passed. */
export function npzEntries(entries: Map<string, NpyArray> | Record<string, NpyArray>): [string, NpyArray][] {
  return entries instanceof Map ? [...entries] : Object.entries(entries);
}

/** Check and return the compression level (default 6). */
export function checkCompressLevel(level: number | undefined): CompressLevel {
  const l = level ?? 6;
  if (!Number.isInteger(l) || l < 0 || l > 9) {
    throw new IndexesError(
      "PL_INDEXES_INVALID_ARGUMENT",
      `compressLevel must be an integer from 0 to 9, got ${level}`,
    );
  }
  return l as CompressLevel;
}

/**
 * Encode arrays as an `.npz` (a zip of `<key>.npy` members) with numpy's zip layout.
 * Holds the whole archive in memory; in Node, `writeNpzFile` streams to disk instead.
 *
 * @throws {@link IndexesError} `PL_INDEXES_INVALID_ARGUMENT` for inconsistent arrays or levels.
 * @example
 * ```ts
 * const npz = encodeNpz({ "blocks.0.attn.hook_pattern": arr }, { compressLevel: 1 });
 * ```
 */
export function encodeNpz(
  entries: Map<string, NpyArray> | Record<string, NpyArray>,
  opts: NpzWriteOptions = {},
): Uint8Array {
  const level = checkCompressLevel(opts.compressLevel);
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [key, arr] of npzEntries(entries)) {
    const name = `${key}.npy`;
    const npy = encodeNpy(arr);
    const crc = crc32(npy);
    const method = level === 0 ? METHOD_STORED : METHOD_DEFLATE;
    const body = level === 0 ? npy : deflateSync(npy, { level });
    const header = localHeader(name, method, crc, body.length, npy.length);
    central.push(
      centralEntry({
        name,
        method,
        crc,
        compressedSize: body.length,
        uncompressedSize: npy.length,
        localHeaderOffset: offset,
      }),
    );
    parts.push(header, body);
    offset += header.length + body.length;
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  parts.push(...central, endOfCentralDirectory(central.length, offset, cdSize));
  const out = new Uint8Array(offset + cdSize + parts[parts.length - 1]!.length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Decompression and checksum used by the decoder; Node swaps in native zlib. */
export interface NpzCodec {
  inflateRaw(data: Uint8Array, size: number): Uint8Array;
  crc32(data: Uint8Array): number;
}

/** fflate and our CRC-32: the codec of the browser-safe entry. */
export const BROWSER_CODEC: NpzCodec = {
  inflateRaw: (data, size) => inflateSync(data, { out: new Uint8Array(size) }),
  crc32: (data) => crc32(data),
};

function memberBytes(
  bytes: Uint8Array,
  e: ZipEntry,
  codec: NpzCodec,
  opts: NpzReadOptions,
  at = e.localHeaderOffset,
): Uint8Array {
  checkMemberSize(e, opts.maxMemberBytes);
  const raw = entryData(bytes, e, at);
  let out: Uint8Array;
  if (e.method === METHOD_STORED) out = raw;
  else if (e.method === METHOD_DEFLATE) {
    try {
      out = codec.inflateRaw(raw, e.uncompressedSize);
    } catch (cause) {
      throw new IndexesError(
        "PL_INDEXES_NPZ_CORRUPT",
        `member '${e.name}' does not inflate (${(cause as Error).message}); the file is damaged, re-create it`,
        { cause },
      );
    }
  } else {
    throw new IndexesError(
      "PL_INDEXES_NPZ_UNSUPPORTED",
      `member '${e.name}' uses zip compression method ${e.method}; only stored (0) and deflate (8) are read. Re-save with np.savez or np.savez_compressed`,
    );
  }
  if (out.length !== e.uncompressedSize) {
    throw new IndexesError(
      "PL_INDEXES_NPZ_CORRUPT",
      `member '${e.name}' has ${out.length} bytes but the directory says ${e.uncompressedSize}; the file is damaged, re-create it`,
    );
  }
  if ((opts.verifyCrc ?? true) && codec.crc32(out) !== e.crc) {
    throw new IndexesError(
      "PL_INDEXES_NPZ_CORRUPT",
      `member '${e.name}' fails its CRC check; the file is damaged, re-create it`,
    );
  }
  return out;
}

/** {@link decodeNpz} with a chosen codec (the Node entry passes native zlib). */
export function decodeNpzWith(
  bytes: Uint8Array,
  codec: NpzCodec,
  opts: NpzReadOptions = {},
): Map<string, NpyArray> {
  const out = new Map<string, NpyArray>();
  for (const e of readCentralDirectory(bytes)) {
    if (!e.name.endsWith(".npy")) continue;
    const npy = memberBytes(bytes, e, codec, opts);
    out.set(e.name.slice(0, -4), memberNpy(npy, e));
  }
  return out;
}

/** Decodes a member's npy bytes; npy errors become `PL_INDEXES_NPZ_CORRUPT` naming the member. */
export function memberNpy(npy: Uint8Array, e: ZipEntry): NpyArray {
  try {
    return decodeNpy(npy);
  } catch (cause) {
    if (cause instanceof IndexesError && cause.code === "PL_INDEXES_NPY_CORRUPT") {
      throw new IndexesError("PL_INDEXES_NPZ_CORRUPT", `member '${e.name}': ${cause.message}`, { cause });
    }
    throw cause;
  }
}

/**
 * Decode one `.npz` member from its bytes alone: `localHeaderPlusData` starts at the member's
 * local header (file offset `entry.localHeaderOffset`) and holds at least its whole data, as an
 * HTTP Range request or a file read at that offset gets it; `entry` comes from
 * {@link readZipTail}; `[entry.localHeaderOffset, entry.spanEnd)` is exactly that range for
 * numpy's files. Checks the size bound (`maxMemberBytes`), inflates, checks the CRC-32 and
 * decodes the `.npy`.
 *
 * @throws {@link IndexesError} `PL_INDEXES_NPZ_CORRUPT`, `PL_INDEXES_NPZ_UNSUPPORTED`, `PL_INDEXES_NPZ_TOO_LARGE`,
 *   `PL_INDEXES_NPY_UNSUPPORTED`.
 * @example
 * ```ts
 * const e = readZipTail(tail, size).find((x) => x.name === `${patternKey(3)}.npy`)!;
 * const arr = decodeNpzMember(bytesFrom(e.localHeaderOffset), e);
 * ```
 */
export function decodeNpzMember(
  localHeaderPlusData: Uint8Array,
  entry: ZipEntry,
  opts: NpzReadOptions = {},
): NpyArray {
  return decodeNpzMemberWith(localHeaderPlusData, entry, BROWSER_CODEC, opts);
}

/** {@link decodeNpzMember} with a chosen codec (the Node reader passes native zlib). */
export function decodeNpzMemberWith(
  localHeaderPlusData: Uint8Array,
  entry: ZipEntry,
  codec: NpzCodec,
  opts: NpzReadOptions = {},
): NpyArray {
  return memberNpy(memberBytes(localHeaderPlusData, entry, codec, opts, 0), entry);
}

/**
 * The central-directory entries of a zip (`.npz`) from its last bytes alone: `tail` holds the
 * last `tail.length` bytes of a file of `fileSize` bytes (zip64 records included). Offsets are
 * offsets in the whole file, so that one member can be fetched with a Range request.
 *
 * @throws {@link ZipTailShortError} (`PL_INDEXES_INVALID_ARGUMENT`, with `needed`: the bytes from the
 *   end to fetch) when the directory starts before the tail; {@link IndexesError}
 *   `PL_INDEXES_NPZ_CORRUPT` when there is no valid directory.
 */
export function readZipTail(tail: Uint8Array, fileSize: number): ZipEntry[] {
  return readCentralDirectory(tail, fileSize);
}

/**
 * Decode an `.npz` held in memory (a `Uint8Array`, or an `ArrayBuffer` such as
 * `await response.arrayBuffer()`).
 * Reads stored and deflated members, zip64 included, as `np.savez` and `np.savez_compressed`
 * write them. Keys are the member names without `.npy`; other members are skipped.
 * Stored members' data may be views into `bytes`.
 *
 * @throws {@link IndexesError} `PL_INDEXES_NPZ_CORRUPT` (truncated, bad CRC, bad member),
 *   `PL_INDEXES_NPZ_UNSUPPORTED`, `PL_INDEXES_NPY_UNSUPPORTED`.
 * @example
 * ```ts
 * const arrays = decodeNpz(await (await fetch(url)).arrayBuffer());
 * const pattern = toFloat32(arrays.get(patternKey(0))!);
 * ```
 */
export function decodeNpz(bytes: Uint8Array | ArrayBuffer, opts: NpzReadOptions = {}): Map<string, NpyArray> {
  return decodeNpzWith(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), BROWSER_CODEC, opts);
}
