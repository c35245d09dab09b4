import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ioError } from "./_io-error.ts";

const TEMP_NAME = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/;

/** The temporary file name used while writing `name` (same folder). */
function tempName(name: string): string {
  return `.${name}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
}

/**
 * Whether a file name (not a path) is a temporary file left by an interrupted atomic write:
 * `.<name>.<pid>.<12 hex>.tmp`. Safe to delete when no writer is running, e.g. on resume after
 * a crash.
 *
 * @example
 * ```ts
 * isAtomicTempFile(".activations.npz.4242.0a1b2c3d4e5f.tmp"); // true
 * ```
 */
export function isAtomicTempFile(name: string): boolean {
  return TEMP_NAME.test(name);
}

/** A temporary file being written, to be committed over its target or aborted. */
export interface AtomicFile {
  /** The handle to write through (positional writes are fine). */
  readonly fh: FileHandle;
  /** fsyncs, closes and renames the temporary file over the target. */
  commit(): Promise<void>;
  /** Closes and removes the temporary file; the target is left as it was. Never throws. */
  abort(): Promise<void>;
}

/**
 * Opens a temporary file beside `path` (`.<name>.<pid>.<12 hex>.tmp`, see
 * {@link isAtomicTempFile}) for a write that is committed or aborted later, e.g. an npz written
 * member by member while the members are computed. Missing parent folders are created.
 *
 * @throws {@link IndexesError} `PL_INDEXES_IO` when the folder or file cannot be created; `commit` throws
 *   `PL_INDEXES_IO` too, after removing the temporary file.
 */
export async function openAtomicFile(path: string): Promise<AtomicFile> {
  const dir = dirname(path);
  const tmp = join(dir, tempName(basename(path)));
  let fh: FileHandle;
  try {
    await mkdir(dir, { recursive: true });
    fh = await open(tmp, "wx");
  } catch (e) {
    throw ioError("write", path, e);
  }
  let isOpen = true;
  const abort = async () => {
    if (isOpen) await fh.close().catch(() => {});
    isOpen = false;
    await rm(tmp, { force: true }).catch(() => {});
  };
  return {
    fh,
    abort,
    commit: async () => {
      try {
        await fh.sync();
        await fh.close();
        isOpen = false;
        await rename(tmp, path);
      } catch (e) {
        await abort();
        throw ioError("write", path, e);
      }
    },
  };
}

/**
 * Write a file atomically through a callback: the callback writes to a handle on a temporary
 * file in the same folder (see {@link openAtomicFile}); then the data is fsynced and the
 * temporary file renamed over `path`. On any error the temporary file is removed and `path` is
 * left as it was, so readers see the old file or the new one, never half of one.
 * Missing parent folders are created.
 *
 * @throws {@link IndexesError} `PL_INDEXES_IO` for file system failures (errors thrown by `write`
 *   that are already `IndexesError`s pass through).
 */
export async function withAtomicFile<T>(path: string, write: (fh: FileHandle) => Promise<T>): Promise<T> {
  const file = await openAtomicFile(path);
  let result: T;
  try {
    result = await write(file.fh);
  } catch (e) {
    await file.abort();
    throw ioError("write", path, e);
  }
  await file.commit();
  return result;
}

/**
 * Write `data` to `path` atomically (temporary file in the same folder, fsync, rename).
 * Strings are written as UTF-8.
 *
 * @throws {@link IndexesError} `PL_INDEXES_IO`.
 * @example
 * ```ts
 * await writeFileAtomic("data/index.html", html);
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await withAtomicFile(path, async (fh) => {
    await fh.writeFile(data);
  });
}
