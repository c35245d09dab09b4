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

/**
 * Write a file atomically through a callback: the callback writes to a handle on a temporary
 * file in the same folder (`.<name>.<pid>.<12 hex>.tmp`, see {@link isAtomicTempFile}); then the data is fsynced and the
 * temporary file renamed over `path`. On any error the temporary file is removed and `path` is
 * left as it was, so readers see the old file or the new one, never half of one.
 * Missing parent folders are created.
 *
 * @throws {@link IndexesError} `PL_IO` for file system failures (errors thrown by `write`
 *   that are already `IndexesError`s pass through).
 */
export async function withAtomicFile<T>(path: string, write: (fh: FileHandle) => Promise<T>): Promise<T> {
  const dir = dirname(path);
  const tmp = join(dir, tempName(basename(path)));
  let fh: FileHandle | undefined;
  try {
    await mkdir(dir, { recursive: true });
    fh = await open(tmp, "wx");
    const result = await write(fh);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
    return result;
  } catch (e) {
    await fh?.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw ioError("write", path, e);
  }
}

/**
 * Write `data` to `path` atomically (temporary file in the same folder, fsync, rename).
 * Strings are written as UTF-8.
 *
 * @throws {@link IndexesError} `PL_IO`.
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
