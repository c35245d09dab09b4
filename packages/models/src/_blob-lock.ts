import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A lock file whose holder is gone (dead pid) or that has been empty for a while (a crash while creating it). */
async function isStale(lockPath: string): Promise<boolean> {
  const text = await readFile(lockPath, "utf8").catch(() => undefined);
  if (text === undefined) return false; // already gone: just try again
  const pid = Number(text.trim());
  if (Number.isInteger(pid) && pid > 0) return !alive(pid);
  const st = await stat(lockPath).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs > 10_000;
}

/**
 * Runs `fn` holding a cross-process lock file (created with O_EXCL, holding the pid), so two
 * processes do not append to the same `.incomplete` file. Waits while another live process holds
 * it; takes over a lock left by a dead one.
 */
export async function withBlobLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  await mkdir(dirname(lockPath), { recursive: true });
  for (;;) {
    signal?.throwIfAborted();
    try {
      const fh = await open(lockPath, "wx");
      try {
        await fh.write(String(process.pid));
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (await isStale(lockPath)) {
        await rm(lockPath, { force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}
