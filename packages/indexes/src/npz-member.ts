import { locateCentralDirectory, readCentralDirectoryTail, ZIP_TAIL_MAX_END, type ZipEntry } from "./_zip.ts";
import { IndexesError } from "./errors.ts";
import type { NpyArray } from "./npy-dtype.ts";
import { BROWSER_CODEC, decodeNpzMemberWith, type NpzReadOptions } from "./npz.ts";

export type { ZipEntry } from "./_zip.ts";

/**
 * Decode one `.npz` member from its own bytes: `localHeaderPlusData` starts at the member's local
 * header (file offset `entry.localHeaderOffset`) and holds at least the header and the data, e.g.
 * the bytes `[entry.localHeaderOffset, entry.spanEnd)` fetched with an HTTP Range request. `entry`
 * comes from {@link readZipTail}. The size bound and CRC check are those of {@link decodeNpz}.
 *
 * @throws {@link IndexesError} `PL_NPZ_CORRUPT`, `PL_NPZ_UNSUPPORTED`, `PL_NPZ_TOO_LARGE`,
 *   `PL_NPY_UNSUPPORTED`.
 * @example
 * ```ts
 * const e = entries.find((x) => x.name === `${patternKey(3)}.npy`)!;
 * const res = await fetch(url, { headers: { Range: `bytes=${e.localHeaderOffset}-${e.spanEnd - 1}` } });
 * const layer = decodeNpzMember(new Uint8Array(await res.arrayBuffer()), e);
 * ```
 */
export function decodeNpzMember(
  localHeaderPlusData: Uint8Array,
  entry: ZipEntry,
  opts: NpzReadOptions = {},
): NpyArray {
  return decodeNpzMemberWith(localHeaderPlusData, entry, BROWSER_CODEC, opts);
}

/**
 * Read an `.npz`'s central directory from the end of the file only: `tail` is the file's last
 * `tail.length` bytes (the whole file works too), `fileSize` the file's length. zip64-aware (the
 * layout numpy writes). Each entry gives the member's name (with `.npy`), method, sizes, CRC,
 * local header offset and `spanEnd`, so one member can then be fetched and decoded with
 * {@link decodeNpzMember}. When the directory starts before the tail, this throws `PL_NPZ_SHORT_TAIL`
 * whose message and {@link zipTailNeeded} give the tail length to fetch instead.
 *
 * @throws {@link IndexesError} `PL_NPZ_CORRUPT`, `PL_NPZ_SHORT_TAIL`.
 * @example
 * ```ts
 * const tail = new Uint8Array(await (await fetch(url, { headers: { Range: "bytes=-65536" } })).arrayBuffer());
 * const entries = readZipTail(tail, fileSize); // fileSize from Content-Range
 * ```
 */
export function readZipTail(tail: Uint8Array, fileSize: number): ZipEntry[] {
  const entries = readCentralDirectoryTail(tail, fileSize);
  if (!entries) {
    throw new IndexesError(
      "PL_NPZ_SHORT_TAIL",
      `the last ${tail.length} bytes do not hold the zip directory; read the last ${zipTailNeeded(tail, fileSize)} bytes`,
    );
  }
  return entries;
}

/**
 * How many bytes from the end of the file {@link readZipTail} needs, judged from `tail` (the
 * file's last bytes): at most `tail.length` when it is enough. When `tail` does not even hold the
 * end records, the longest possible end (about 64 KiB) or the file size.
 *
 * @throws {@link IndexesError} `PL_NPZ_CORRUPT` (no end records where they must be).
 */
export function zipTailNeeded(tail: Uint8Array, fileSize: number): number {
  const loc = locateCentralDirectory(tail, fileSize);
  if (!loc) return Math.min(fileSize, ZIP_TAIL_MAX_END);
  return Math.max(Math.min(tail.length, fileSize), fileSize - loc.cdOffset);
}
