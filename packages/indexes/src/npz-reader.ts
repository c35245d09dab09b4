import { closeSync, fstatSync, openSync, read as readCb, readSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { promisify } from "node:util";
import { crc32, inflateRaw as inflateRawCb, inflateRawSync } from "node:zlib";
import { ioError } from "./_io-error.ts";
import {
  entryData,
  localHeaderLength,
  METHOD_DEFLATE,
  readCentralDirectory,
  type ZipEntry,
  ZipTailShortError,
} from "./_zip.ts";
import { IndexesError } from "./errors.ts";
import type { NpyArray } from "./npy-dtype.ts";
import {
  checkMemberSize,
  decodeNpzMemberWith,
  memberNpy,
  type NpzCodec,
  type NpzReadOptions,
} from "./npz.ts";

const inflateRawAsync = promisify(inflateRawCb);
const readAsync = promisify(readCb);

/**
 * An `.npz` opened for reading one member at a time (see {@link openNpzReader}). Memory: the
 * central directory, plus, during a read, the member's compressed bytes and its array.
 */
export interface NpzReader {
  /** Member keys in file order, without `.npy` (the keys `readNpzFile` gives). */
  readonly names: string[];
  /** Whether the archive has the member `name` (without `.npy`). */
  has(name: string): boolean;
  /** The member's uncompressed size (npy header + data) from the directory, or undefined. */
  sizeOf(name: string): number | undefined;
  /** Reads and decodes one member (inflation on libuv's thread pool). */
  read(name: string): Promise<NpyArray>;
  /** {@link NpzReader.read}, synchronously. */
  readSync(name: string): NpyArray;
  /** Closes the file; reads after this fail. */
  close(): Promise<void> | void;
}

// one output chunk of the known size (+ slack so zlib sees the end); maxOutputLength stops a
// lying directory from exhausting memory.
const inflateOpts = (size: number) => ({ chunkSize: size + 64, maxOutputLength: size + 64 });

/** Native zlib inflation and CRC-32: the codec of the Node readers. */
export const NODE_CODEC: NpzCodec = {
  inflateRaw: (data, size) => inflateRawSync(data, inflateOpts(size)),
  crc32: (data) => crc32(data),
};

/** Positioned reads of one open file, both ways. */
interface Source {
  size: number;
  readAt(buf: Uint8Array, position: number): Promise<void>;
  readAtSync(buf: Uint8Array, position: number): void;
  close(): void | Promise<void>;
}

function shortRead(): Error {
  return Object.assign(new Error("the file ended early (it was truncated while being read)"), {
    code: "EIO",
  });
}

function fdSource(fd: number, size: number, close: () => void | Promise<void>): Source {
  return {
    size,
    readAtSync(buf, position) {
      let done = 0;
      while (done < buf.length) {
        const n = readSync(fd, buf, done, buf.length - done, position + done);
        if (n === 0) throw shortRead();
        done += n;
      }
    },
    async readAt(buf, position) {
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await readAsync(fd, buf, done, buf.length - done, position + done);
        if (bytesRead === 0) throw shortRead();
        done += bytesRead;
      }
    },
    close,
  };
}

function corrupt(path: string, e: unknown): unknown {
  return e instanceof IndexesError ? new IndexesError(e.code, `${path}: ${e.message}`, { cause: e }) : e;
}

/** The longest zip end: EOCD with the largest comment, zip64 locator and record. */
const MAX_END = 22 + 0xffff + 20 + 56;

/** Reads the directory from the file's end: 64 KiB first, then exactly what it says it needs. */
function readDirectory(src: Source): ZipEntry[] {
  let len = Math.min(src.size, MAX_END);
  for (;;) {
    const tail = new Uint8Array(len);
    src.readAtSync(tail, src.size - len);
    try {
      return readCentralDirectory(tail, src.size);
    } catch (e) {
      if (!(e instanceof ZipTailShortError) || e.needed <= len || e.needed > src.size) throw e;
      len = e.needed;
    }
  }
}

/** Bytes of the member's local header and data, sized from its local header. */
function memberBuffer(e: ZipEntry, head: Uint8Array, fileSize: number): Uint8Array {
  const headLen = localHeaderLength(head);
  if (e.localHeaderOffset + headLen + e.compressedSize > fileSize)
    throw new IndexesError("PL_INDEXES_NPZ_CORRUPT", `data of '${e.name}' runs past the end of the file`);
  return new Uint8Array(headLen + e.compressedSize);
}

function makeReader(src: Source, path: string, opts: NpzReadOptions): NpzReader {
  let entries: ZipEntry[];
  try {
    entries = readDirectory(src);
  } catch (e) {
    throw corrupt(path, e);
  }
  const byKey = new Map<string, ZipEntry>();
  for (const e of entries) if (e.name.endsWith(".npy")) byKey.set(e.name.slice(0, -4), e);
  let closed = false;
  const entry = (name: string): ZipEntry => {
    if (closed) throw new IndexesError("PL_INDEXES_INVALID_ARGUMENT", `${path}: the reader is closed`);
    const e = byKey.get(name);
    if (!e) {
      throw new IndexesError(
        "PL_INDEXES_NOT_FOUND",
        `${path} has no member '${name}' (it has: ${[...byKey.keys()].join(", ") || "none"}); re-create the file`,
      );
    }
    checkMemberSize(e, opts.maxMemberBytes);
    return e;
  };
  const fail = (e: unknown, what: string) => {
    throw e instanceof IndexesError ? corrupt(path, e) : ioError(what, path, e);
  };
  return {
    names: [...byKey.keys()],
    has: (name) => byKey.has(name),
    sizeOf: (name) => byKey.get(name)?.uncompressedSize,
    readSync(name) {
      const e = entry(name);
      try {
        const head = new Uint8Array(30);
        src.readAtSync(head, e.localHeaderOffset);
        const bytes = memberBuffer(e, head, src.size);
        src.readAtSync(bytes, e.localHeaderOffset);
        return decodeNpzMemberWith(bytes, e, NODE_CODEC, opts);
      } catch (err) {
        return fail(err, "read");
      }
    },
    async read(name) {
      const e = entry(name);
      try {
        const head = new Uint8Array(30);
        await src.readAt(head, e.localHeaderOffset);
        const bytes = memberBuffer(e, head, src.size);
        await src.readAt(bytes, e.localHeaderOffset);
        if (e.method !== METHOD_DEFLATE) return decodeNpzMemberWith(bytes, e, NODE_CODEC, opts);
        // inflate off the main thread, then check and decode as the sync path does
        const out = await inflateRawAsync(entryData(bytes, e, 0), inflateOpts(e.uncompressedSize)).catch(
          (cause: Error) => {
            throw new IndexesError(
              "PL_INDEXES_NPZ_CORRUPT",
              `member '${e.name}' does not inflate (${cause.message}); the file is damaged, re-create it`,
              { cause },
            );
          },
        );
        const npy = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
        if (npy.length !== e.uncompressedSize || ((opts.verifyCrc ?? true) && crc32(npy) !== e.crc)) {
          throw new IndexesError(
            "PL_INDEXES_NPZ_CORRUPT",
            `member '${e.name}' fails its size or CRC check; the file is damaged, re-create it`,
          );
        }
        return memberNpy(npy, e);
      } catch (err) {
        return fail(err, "read");
      }
    },
    close() {
      closed = true;
      return src.close();
    },
  };
}

/**
 * Opens an `.npz` file for reading one member at a time: only the central directory is read
 * now (from the end of the file, zip64-aware); each `read` then reads that member's bytes and
 * decodes it. So a 1 GB `activations.npz` is never in memory whole: the peak is one member's
 * compressed bytes plus its array. Every member's uncompressed size is bounded by
 * `maxMemberBytes` (default 4 GiB) and checked against its compressed size before allocation.
 * Same CRC checks and errors as `readNpzFile`. Close the reader when done.
 *
 * @throws {@link IndexesError} `PL_INDEXES_NOT_FOUND`, `PL_INDEXES_IO`, `PL_INDEXES_NPZ_CORRUPT`; from reads also
 *   `PL_INDEXES_NPZ_TOO_LARGE`, `PL_INDEXES_NPZ_UNSUPPORTED`, `PL_INDEXES_NPY_UNSUPPORTED`, and `PL_INDEXES_NOT_FOUND` for a
 *   missing member.
 * @example
 * ```ts
 * const npz = await openNpzReader(activationsPath(save, model, hash));
 * try {
 *   for (const key of npz.names) use(toFloat32(await npz.read(key)));
 * } finally {
 *   await npz.close();
 * }
 * ```
 */
export async function openNpzReader(path: string, opts: NpzReadOptions = {}): Promise<NpzReader> {
  let fh: FileHandle;
  let size: number;
  try {
    fh = await open(path, "r");
  } catch (e) {
    throw ioError("read", path, e);
  }
  try {
    size = (await fh.stat()).size;
    return makeReader(
      fdSource(fh.fd, size, () => fh.close()),
      path,
      opts,
    );
  } catch (e) {
    await fh.close().catch(() => {});
    throw e instanceof IndexesError ? e : ioError("read", path, e);
  }
}

/**
 * {@link openNpzReader}, synchronously (for worker threads that go through files one by one);
 * its `close` is synchronous too.
 *
 * @throws {@link IndexesError} as {@link openNpzReader}.
 * @example
 * ```ts
 * const npz = openNpzReaderSync(path);
 * try { const layer0 = npz.readSync(patternKey(0)); } finally { npz.close(); }
 * ```
 */
export function openNpzReaderSync(path: string, opts: NpzReadOptions = {}): NpzReader {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw ioError("read", path, e);
  }
  try {
    return makeReader(
      fdSource(fd, fstatSync(fd).size, () => closeSync(fd)),
      path,
      opts,
    );
  } catch (e) {
    closeSync(fd);
    throw e instanceof IndexesError ? e : ioError("read", path, e);
  }
}
