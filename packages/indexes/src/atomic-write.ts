import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ioError } from "./_io-error.ts";

const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;
/** `.<name>.<pid>.tmp`: the temp files of figure writes before they used {@link TEMP_NAME}. */
const OLD_TEMP_NAME = /^\..+\.(\d+)\.tmp$/;

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

/**
 * The pid of the process that wrote a temporary file of an atomic write (see
 * {@link isAtomicTempFile}), or of the older `.<name>.<pid>.tmp` naming that figure runs used
 * before (so their leftovers are cleaned too); `undefined` for any other name. Tells whether
 * its writer is gone (see `isProcessAlive`).
 *
 * @example
 * ```ts
 * atomicTempPid(".raw.png.4242.0a1b2c3d4e5f.tmp"); // 4242
 * atomicTempPid(".raw.png.4242.tmp"); // 4242 (older naming)
 * atomicTempPid("raw.png"); // undefined
 * ```
 */
export function atomicTempPid(name: string): number | undefined {
  const m = TEMP_NAME.exec(name) ?? OLD_TEMP_NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Options of {@link writeFileAtomicSync}. */
export interface WriteFileAtomicSyncOptions {
  /**
   * fsync the data before the rename (default `true`). `false` is for many small files that are
   * cheap to make again (figures): a killed process still leaves the old file or the new one, only
   * a machine crash may leave an empty one.
   */
  fsync?: boolean;
}

/**
 * The synchronous {@link writeFileAtomic}, for code that writes many small files from a worker
 * thread: `data` goes to a temporary file beside `path` (see {@link isAtomicTempFile}), which is
 * renamed over `path`; on failure it is removed and `path` is left as it was. The folder must
 * exist.
 *
 * @throws {@link IndexesError} `PL_INDEXES_IO` (`PL_INDEXES_NOT_FOUND` when the folder is missing).
 */
export function writeFileAtomicSync(
  path: string,
  data: Uint8Array | string,
  options: WriteFileAtomicSyncOptions = {},
): void {
  const slash = path.lastIndexOf("/");
  const tmp = `${path.slice(0, slash + 1)}${tempName(path.slice(slash + 1))}`;
  try {
    writeFileSync(tmp, data, { flag: "wx", flush: options.fsync ?? true });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw ioError("write", path, e);
  }
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
