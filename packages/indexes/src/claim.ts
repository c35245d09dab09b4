// Claims: a file created with O_EXCL that says "this process is computing this prompt", so that
// concurrent writers (on one machine or many over a shared file system) do not compute a prompt
// twice. No file locks: a hard link (or O_EXCL create) is atomic on local file systems and on NFS v3+.

import { randomBytes } from "node:crypto";
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { open, readFile, rm, stat, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname } from "node:path";
import { ioError } from "./_io-error.ts";
import { isAtomicTempFile } from "./atomic-write.ts";
import { promptDir } from "./layout.ts";

/** The steps of the pipeline whose per-prompt work is claimed. */
export type ClaimStage = "activations" | "figures" | "metrics";

/**
 * `<save>/<model>/prompts/<hash>/.<stage>.claim`: the claim of one step on one prompt (see
 * {@link tryClaim}). Hidden, so the viewer and the Python tool never see it.
 */
export function promptClaimPath(save: string, model: string, hash: string, stage: ClaimStage): string {
  return `${promptDir(save, model, hash)}/.${stage}.claim`;
}

/** Default {@link ClaimOptions.staleMs}: 10 minutes. */
export const DEFAULT_CLAIM_STALE_MS = 10 * 60 * 1000;

/** Options of {@link tryClaim}. */
export interface ClaimOptions {
  /**
   * A claim whose file was not touched for this long is taken over, whoever holds it (default
   * {@link DEFAULT_CLAIM_STALE_MS}). The holder touches it every quarter of this, so only a holder
   * that is gone (killed, its machine down) lets it age. Claims of a dead process on this machine
   * are taken over at once.
   */
  staleMs?: number;
}

/** A claim held by this process: release it once the work is written. */
export interface Claim {
  readonly path: string;
  /** Stops the heartbeat and removes the file (only if it is still ours). Never throws. */
  release(): Promise<void>;
}

/** Whether a process with this pid runs on this machine. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface Holder {
  text: string;
  host?: string;
  pid?: number;
  mtimeMs: number;
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    let parsed: { host?: unknown; pid?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // empty or torn: a writer killed between create and write; judged by age alone
    }
    const h: Holder = { text, mtimeMs: st.mtimeMs };
    if (typeof parsed.host === "string") h.host = parsed.host;
    if (typeof parsed.pid === "number") h.pid = parsed.pid;
    return h;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw ioError("read", path, err);
  }
}

/** A holder that is gone: a dead process on this machine, an unreadable file a few seconds old, or no heartbeat. */
function isStale(h: Holder, staleMs: number): boolean {
  const age = Date.now() - h.mtimeMs;
  if (age > staleMs) return true;
  if (h.pid === undefined || h.host === undefined) return age > 10_000;
  if (h.host !== hostname()) return false;
  return h.pid !== process.pid && !isProcessAlive(h.pid);
}

function holding(path: string, text: string, staleMs: number): Claim {
  const beat = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => {});
    },
    Math.max(1000, staleMs / 4),
  );
  beat.unref();
  return {
    path,
    // synchronous: a read and an unlink of a small file cost less than two round trips through
    // libuv's thread pool, which on a busy machine wait for a time slice each
    release: async () => {
      clearInterval(beat);
      try {
        if (readFileSync(path, "utf8") === text) unlinkSync(path);
      } catch {
        // gone already, or taken over: not ours to remove
      }
    },
  };
}

/** Error codes of a file system that has no hard links (some FUSE, SMB and FAT mounts). */
const NO_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

/**
 * Creates `path` holding `text` only if it does not exist; whether it did. The claim appears with
 * its content at once: the text is written to a temp file that is then hard-linked to `path`
 * (atomic, and EEXIST when taken, on local file systems and NFS). A plain O_EXCL create and a
 * write would leave an empty claim, with no pid to tell its holder is gone, to a process killed
 * between the two, so an immediate rerun would leave that prompt undone. Where hard links are not
 * supported it falls back to that create.
 * A holder removes the temp files other processes' killed claims left beside it.
 */
function createWithContent(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, text, { flag: "wx" });
  } catch (err) {
    removeQuietly(temp); // created, then the write failed (disk full): leave nothing behind
    throw err;
  }
  try {
    linkSync(temp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    // ENOENT: the temp was swept by the process that holds the claim
    if (code === "EEXIST" || code === "ENOENT") return false;
    // over NFS a link that succeeded can report an error (a retransmitted request): the temp's
    // link count tells
    if (linkCount(temp) === 2) return true;
    if (!NO_LINKS.has(code)) throw err;
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    }
    try {
      writeSync(fd, text);
    } catch (e) {
      removeQuietly(path); // ours, and empty
      throw e;
    } finally {
      closeSync(fd);
    }
  } finally {
    removeQuietly(temp); // or removed already by the holder's sweep
  }
  removeClaimTemps(path);
  return true;
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // not there
  }
}

function linkCount(file: string): number {
  try {
    return statSync(file).nlink;
  } catch {
    return 0;
  }
}

/** Removes `<claim>.<pid>.<12 hex>.tmp` files (atomic-write temp names) beside a claim this process now holds. */
function removeClaimTemps(path: string): void {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !isAtomicTempFile(name)) continue;
    try {
      unlinkSync(`${dirname(path)}/${name}`);
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Claims `path` for this process: creates it with O_EXCL, holding `{host, pid, started}`, and
 * keeps it fresh until released. A claim left by a process that is gone (see
 * {@link ClaimOptions.staleMs}) is removed by the one process holding `<path>.takeover`, and the
 * claim then goes to whoever creates it first; a live claim of
 * another process gives `undefined`: leave that work to it.
 *
 * @returns the claim, or `undefined` when another live process holds it
 * @throws {@link IndexesError} `PL_INDEXES_IO` when the folder or file cannot be created.
 * @example
 * ```ts
 * const claim = await tryClaim(promptClaimPath(save, model, hash, "activations"));
 * if (claim) try { await compute(); } finally { await claim.release(); }
 * ```
 */
export async function tryClaim(path: string, options: ClaimOptions = {}): Promise<Claim | undefined> {
  const staleMs = options.staleMs ?? DEFAULT_CLAIM_STALE_MS;
  const text = JSON.stringify({ host: hostname(), pid: process.pid, started: Date.now() });
  // The folder is made only when the create says it is missing: it exists already for every
  // claim but a prompt's first, so the common case is one open, one write and one close.
  let folderMade = false;
  const create = async (): Promise<Claim | undefined> => {
    try {
      return createWithContent(path, text) ? holding(path, text, staleMs) : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && !folderMade) {
        try {
          mkdirSync(dirname(path), { recursive: true });
        } catch (cause) {
          throw ioError("create the folder of", path, cause);
        }
        folderMade = true;
        return create();
      }
      throw ioError("create", path, err);
    }
  };
  for (let attempt = 0; attempt < 8; attempt++) {
    const mine = await create();
    if (mine) return mine;
    const holder = await readHolder(path);
    if (holder === undefined) continue; // released meanwhile: try again
    if (!isStale(holder, staleMs)) return undefined;
    // Take it over. Only the process that creates the takeover lock removes the claim, and only
    // while it still holds what was judged stale: a fresh claim is never moved or removed, so the
    // O_EXCL create alone decides who holds it. A lock left by a killed process expires.
    if (!(await takeoverLock(path))) {
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      continue;
    }
    try {
      const now = await readFile(path, "utf8").catch(() => undefined);
      if (now === holder.text) await rm(path, { force: true });
      else if (now !== undefined) continue;
      const taken = await create();
      if (taken) return taken;
    } finally {
      await rm(`${path}.takeover`, { force: true }).catch(() => {});
    }
  }
  return undefined;
}

/** Creates `<path>.takeover` with O_EXCL (removing one older than 10 s first); whether it is ours. */
async function takeoverLock(path: string): Promise<boolean> {
  const lock = `${path}.takeover`;
  for (let i = 0; i < 2; i++) {
    try {
      await (await open(lock, "wx")).close();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw ioError("take over", path, err);
    }
    const st = await stat(lock).catch(() => undefined);
    if (st === undefined || Date.now() - st.mtimeMs <= 10_000) return false;
    await rm(lock, { force: true }).catch(() => {});
  }
  return false;
}

/**
 * Whether a leftover file of process `pid` (a temp file, a staged folder) modified at `mtimeMs`
 * can be removed: its process is gone from this machine and it has not changed for a minute (a
 * writer on another machine of a shared file system may have the same pid), or it has not
 * changed for `staleMs`.
 */
export function isLeftOver(pid: number, mtimeMs: number, staleMs = DEFAULT_CLAIM_STALE_MS): boolean {
  const age = Date.now() - mtimeMs;
  if (age > staleMs) return true;
  return pid !== process.pid && age > 60_000 && !isProcessAlive(pid);
}
