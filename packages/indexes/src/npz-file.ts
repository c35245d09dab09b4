import type { FileHandle } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { constants, crc32, deflateRaw } from "node:zlib";
import { ioError } from "./_io-error.ts";
import {
  centralEntry,
  endOfCentralDirectory,
  LOCAL_CRC_OFFSET,
  localHeader,
  localZip64SizesOffset,
  METHOD_DEFLATE,
  METHOD_STORED,
} from "./_zip.ts";
import { openAtomicFile } from "./atomic-write.ts";
import { IndexesError } from "./errors.ts";
import { readBytesFile, readBytesFileSync } from "./json-file.ts";
import { assertNpyArray, npyDataBytes } from "./npy.ts";
import type { NpyArray } from "./npy-dtype.ts";
import { encodeNpyHeader } from "./npy-header.ts";
import {
  checkCompressLevel,
  decodeNpzWith,
  type NpzReadOptions,
  type NpzWriteOptions,
  npzEntries,
} from "./npz.ts";
import { NODE_CODEC } from "./npz-reader.ts";

/** Options of {@link writeNpzFile}: those of `encodeNpz`, plus zlib's matching strategy. */
export interface NpzFileWriteOptions extends NpzWriteOptions {
  /**
   * How deflated members are matched. `"default"`: zlib's LZ77 search at `compressLevel`, what
   * `np.savez_compressed` does. `"rle"`: zlib's run-length strategy, which only looks for repeats
   * of the previous byte; attention patterns are mostly that (the masked zeros above the
   * diagonal, repeated exponent bytes), so it packs them as tightly as level 6 at about twice the
   * speed. With `"rle"` the level only tells stored (0) from deflated (1-9). Any reader of
   * deflate (numpy included) reads both. Default `"default"`.
   */
  compressStrategy?: "default" | "rle";
}

/** Bytes handed to zlib at a time: views into the array, never copies. */
const CHUNK = 1 << 20;

/**
 * Read an `.npz` file (see `decodeNpz`), with native zlib for inflation and CRC checks.
 * Memory: the whole file is read, then each member is inflated into its own buffer, so the peak
 * is about the file size plus the decoded arrays. Stored members' arrays are views into the file
 * buffer.
 *
 * @throws {@link IndexesError} `PL_INDEXES_NOT_FOUND`, `PL_INDEXES_IO`, `PL_INDEXES_NPZ_CORRUPT`, `PL_INDEXES_NPZ_UNSUPPORTED`,
 *   `PL_INDEXES_NPY_UNSUPPORTED`; corrupt-file messages name the path.
 * @example
 * ```ts
 * const arrays = await readNpzFile(activationsPath(save, model, hash));
 * ```
 */
export async function readNpzFile(path: string, opts: NpzReadOptions = {}): Promise<Map<string, NpyArray>> {
  return decodeNpzFile(await readBytesFile(path), path, opts);
}

/**
 * {@link readNpzFile}, synchronously. For threads whose only job is to go through files one by
 * one (the figures and metrics workers): Node's promise `readFile` of a 45 kB archive took about
 * 0.8 ms on this project's machines, against 0.1 ms for the synchronous read.
 *
 * @throws {@link IndexesError} as {@link readNpzFile}.
 * @example
 * ```ts
 * const arrays = readNpzFileSync(activationsPath(save, model, hash));
 * ```
 */
export function readNpzFileSync(path: string, opts: NpzReadOptions = {}): Map<string, NpyArray> {
  return decodeNpzFile(readBytesFileSync(path), path, opts);
}

/** Decodes a whole `.npz` file's bytes; corrupt-file messages name the path. */
function decodeNpzFile(bytes: Uint8Array, path: string, opts: NpzReadOptions): Map<string, NpyArray> {
  try {
    return decodeNpzWith(bytes, NODE_CODEC, opts);
  } catch (e) {
    if (e instanceof IndexesError) throw new IndexesError(e.code, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

async function writeAt(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Input bytes per deflate task. A member is cut into pieces of this size, each deflated as its own
 * task on libuv's thread pool (so all cores work on one member) and ended with a sync flush, so
 * the pieces concatenate into one valid deflate stream (the last one ends it): what pigz does.
 * Any inflater (numpy's zipfile, fflate, browsers) reads it as one stream. Each piece starts with
 * an empty window: with the run-length strategy nothing is lost (it looks one byte back); with
 * LZ77 the loss at 4 MiB is a few bytes per piece.
 */
const PIECE = 4 << 20;

/** Deflate tasks in flight per writer: enough to keep every core busy, bounded in memory. */
const IN_FLIGHT = Math.max(2, availableParallelism() + 1);

const deflatePiece = promisify(deflateRaw) as (buf: Uint8Array, opts: object) => Promise<Buffer>;

/**
 * Deflates `input` (views, never copied) piece by piece in parallel and writes the compressed
 * pieces in order through `write`; the CRC of the input is taken on the way, on this thread.
 * Resolves to the CRC-32.
 */
async function deflateParallel(
  input: Uint8Array[],
  level: number,
  strategy: number,
  write: (c: Uint8Array) => Promise<void>,
): Promise<number> {
  let crc = 0;
  let next = 0;
  const queue: Promise<Buffer>[] = [];
  const pump = () => {
    for (; next < input.length && queue.length < IN_FLIGHT; next++) {
      const piece = input[next] as Uint8Array;
      crc = crc32(piece, crc);
      const finishFlush = next === input.length - 1 ? constants.Z_FINISH : constants.Z_SYNC_FLUSH;
      const task = deflatePiece(piece, { level, strategy, memLevel: 9, finishFlush });
      task.catch(() => {}); // awaited in order below
      queue.push(task);
    }
  };
  pump();
  while (queue.length > 0) {
    const out = await (queue.shift() as Promise<Buffer>);
    pump();
    await write(out);
  }
  return crc;
}

function* chunks(header: Uint8Array, data: Uint8Array): Generator<Uint8Array> {
  yield header;
  for (let i = 0; i < data.length; i += CHUNK) yield data.subarray(i, Math.min(i + CHUNK, data.length));
}

/** An `.npz` being written member by member; see {@link openNpzWriter}. */
export interface NpzWriter {
  /**
   * Appends one member: the npy header, then the array's bytes in 4 MiB views (never copied),
   * deflated in parallel on libuv's thread pool, into the temporary file in order (memory holds a
   * few compressed pieces beside the array). The array may be dropped once this resolves.
   * Members keep call order.
   */
  add(key: string, arr: NpyArray): Promise<void>;
  /** Writes the central directory, fsyncs and renames the file into place. */
  close(): Promise<void>;
  /** Removes the temporary file, leaving `path` as it was. Never throws. */
  abort(): Promise<void>;
}

/**
 * Opens an `.npz` for writing one member at a time, so a producer can hand over each array as it
 * is computed and free it (e.g. one layer's pattern of a long prompt) instead of holding all of
 * them. Same layout, compression options and atomicity as {@link writeNpzFile}: nothing appears at
 * `path` before `close`, and `abort` (or a failed `add`) leaves no trace.
 *
 * @throws {@link IndexesError} `PL_INDEXES_INVALID_ARGUMENT` (bad level or strategy, an invalid array or a
 *   repeated key, from `add`), `PL_INDEXES_IO`.
 * @example
 * ```ts
 * const w = await openNpzWriter(path, { compressLevel: 6, compressStrategy: "rle" });
 * try {
 *   for (let l = 0; l < nLayers; l++) await w.add(patternKey(l), await computeLayer(l));
 *   await w.close();
 * } catch (e) {
 *   await w.abort();
 *   throw e;
 * }
 * ```
 */
export async function openNpzWriter(path: string, opts: NpzFileWriteOptions = {}): Promise<NpzWriter> {
  const level = checkCompressLevel(opts.compressLevel);
  const strategy = opts.compressStrategy ?? "default";
  if (strategy !== "default" && strategy !== "rle") {
    throw new IndexesError(
      "PL_INDEXES_INVALID_ARGUMENT",
      `compressStrategy must be "default" or "rle", got ${JSON.stringify(strategy)}`,
    );
  }
  const zStrategy = strategy === "rle" ? constants.Z_RLE : constants.Z_DEFAULT_STRATEGY;
  const file = await openAtomicFile(path);
  const fh = file.fh;
  const central: Uint8Array[] = [];
  const keys = new Set<string>();
  let pos = 0;
  let failed = false;

  const addMember = async (key: string, arr: NpyArray) => {
    const name = `${key}.npy`;
    const header = encodeNpyHeader(arr.dtype, arr.shape);
    const data = npyDataBytes(arr);
    const uncompressedSize = header.length + data.length;
    const method = level === 0 ? METHOD_STORED : METHOD_DEFLATE;
    const start = pos;
    const local = localHeader(name, method, 0, 0, uncompressedSize);
    await writeAt(fh, local, pos);
    pos += local.length;
    let crc = 0;
    let compressedSize = 0;
    if (level === 0) {
      for (const c of chunks(header, data)) {
        crc = crc32(c, crc);
        await writeAt(fh, c, pos);
        pos += c.length;
      }
      compressedSize = uncompressedSize;
    } else {
      const at = pos;
      // the header rides with the first piece, so a small member is one task
      const first = data.subarray(0, PIECE - header.length);
      const head = new Uint8Array(header.length + first.length);
      head.set(header);
      head.set(first, header.length);
      const pieces: Uint8Array[] = [head];
      for (let i = first.length; i < data.length; i += PIECE)
        pieces.push(data.subarray(i, Math.min(i + PIECE, data.length)));
      crc = await deflateParallel(pieces, level, zStrategy, async (c) => {
        await writeAt(fh, c, pos);
        pos += c.length;
      });
      compressedSize = pos - at;
    }
    const patch = localHeader(name, method, crc, compressedSize, uncompressedSize);
    await writeAt(fh, patch.subarray(LOCAL_CRC_OFFSET, LOCAL_CRC_OFFSET + 4), start + LOCAL_CRC_OFFSET);
    const sizesAt = localZip64SizesOffset(patch.length - 50);
    await writeAt(fh, patch.subarray(sizesAt, sizesAt + 16), start + sizesAt);
    central.push(
      centralEntry({ name, method, crc, compressedSize, uncompressedSize, localHeaderOffset: start }),
    );
  };

  return {
    async add(key, arr) {
      if (failed)
        throw new IndexesError("PL_INDEXES_INVALID_ARGUMENT", `${path}: the writer failed or was closed`);
      try {
        if (keys.has(key)) {
          throw new IndexesError(
            "PL_INDEXES_INVALID_ARGUMENT",
            `${path}: member '${key}' was already written`,
          );
        }
        assertNpyArray(arr);
        keys.add(key);
        await addMember(key, arr);
      } catch (e) {
        failed = true;
        await file.abort();
        throw ioError("write", path, e);
      }
    },
    async close() {
      if (failed)
        throw new IndexesError("PL_INDEXES_INVALID_ARGUMENT", `${path}: the writer failed or was closed`);
      failed = true; // no add after close
      try {
        const cdOffset = pos;
        for (const c of central) {
          await writeAt(fh, c, pos);
          pos += c.length;
        }
        await writeAt(fh, endOfCentralDirectory(central.length, cdOffset, pos - cdOffset), pos);
      } catch (e) {
        await file.abort();
        throw ioError("write", path, e);
      }
      await file.commit();
    },
    async abort() {
      failed = true;
      await file.abort();
    },
  };
}

/**
 * Write arrays as an `.npz` file, atomically and with bounded memory: each member is streamed
 * (npy header, then the array's own bytes in 1 MiB views) through native zlib straight into a
 * temporary file, its CRC computed on the way; the local header's CRC and sizes are patched in
 * afterwards, then the file is fsynced and renamed over `path`. Beyond the arrays themselves
 * only zlib's buffers and the central directory are held. The layout is numpy's (see
 * `encodeNpz`); level 0 stores members, 1-9 deflate them (default 6, like
 * `np.savez_compressed`), with zlib's default strategy or its run-length one (`compressStrategy`).
 * {@link openNpzWriter} does the same member by member.
 *
 * @throws {@link IndexesError} `PL_INDEXES_INVALID_ARGUMENT` (inconsistent arrays, bad level), `PL_INDEXES_IO`.
 * @example
 * ```ts
 * await writeNpzFile(activationsPath(save, model, hash), { [patternKey(0)]: arr }, { compressLevel: 1 });
 * ```
 */
export async function writeNpzFile(
  path: string,
  entries: Map<string, NpyArray> | Record<string, NpyArray>,
  opts: NpzFileWriteOptions = {},
): Promise<void> {
  checkCompressLevel(opts.compressLevel);
  const list = npzEntries(entries);
  for (const [, arr] of list) assertNpyArray(arr);
  const w = await openNpzWriter(path, opts);
  for (const [key, arr] of list) await w.add(key, arr);
  await w.close();
}
