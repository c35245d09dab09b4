import { lstat, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** A 40-hex git commit id, as the hub uses for snapshot folders. */
export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/**
 * The cache folder name of a model repo, as `huggingface_hub` names it.
 *
 * @example
 * repoFolderName("Xenova/gpt2") // "models--Xenova--gpt2"
 */
export function repoFolderName(repoId: string): string {
  return `models--${repoId.split("/").join("--")}`;
}

/** The repo id of a cache folder name (`models--org--name` → `org/name`); `undefined` if not a model folder. */
export function repoIdFromFolderName(folder: string): string | undefined {
  const parts = folder.split("--");
  if (parts[0] !== "models" || parts.length < 2) return undefined;
  return parts.slice(1).join("/");
}

/** Paths inside one repo's cache folder (pure joins). */
export interface RepoCachePaths {
  /** `<cache>/models--org--name` */
  repoDir: string;
  /** `<repoDir>/blobs` */
  blobsDir: string;
  /** `<repoDir>/refs` */
  refsDir: string;
  /** `<repoDir>/snapshots` */
  snapshotsDir: string;
}

/** The folders of `repoId` inside the hub cache `cacheDir`. */
export function repoCachePaths(cacheDir: string, repoId: string): RepoCachePaths {
  const repoDir = join(cacheDir, repoFolderName(repoId));
  return {
    repoDir,
    blobsDir: join(repoDir, "blobs"),
    refsDir: join(repoDir, "refs"),
    snapshotsDir: join(repoDir, "snapshots"),
  };
}

/**
 * The commit a cached revision points at: the revision itself when it is a commit hash, else the
 * content of `refs/<revision>`. `undefined` when the cache has no such ref.
 */
export async function readCachedRef(
  cacheDir: string,
  repoId: string,
  revision: string,
): Promise<string | undefined> {
  if (isCommitHash(revision)) return revision;
  const { refsDir } = repoCachePaths(cacheDir, repoId);
  try {
    const text = (await readFile(join(refsDir, ...revision.split("/")), "utf8")).trim();
    return isCommitHash(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** One snapshot (commit) of a cached repo. */
export interface CachedRevision {
  /** The commit hash (the snapshot folder's name). */
  commit: string;
  /** The refs (branches, tags) that point at this commit, e.g. `["main"]`. */
  refs: string[];
  /** Number of files in the snapshot. */
  files: number;
  /** Sum of the sizes of the snapshot's files, in bytes. */
  size: number;
}

/** One repo found in the hub cache. */
export interface CachedRepo {
  /** `org/name` */
  repoId: string;
  /** Its folder, `<cache>/models--org--name`. */
  path: string;
  /** Bytes of all blobs in the repo folder (what it occupies on disk). */
  sizeOnDisk: number;
  /** Its snapshots, newest first by modification time. */
  revisions: CachedRevision[];
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}

/**
 * Lists the model repos in a hub cache: their revisions, refs, file counts and sizes. A missing
 * cache folder gives an empty list. Dataset and space folders are ignored.
 */
export async function scanHfCache(cacheDir: string): Promise<CachedRepo[]> {
  let names: string[];
  try {
    names = (await readdir(cacheDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
  const repos: CachedRepo[] = [];
  for (const name of names.sort()) {
    const repoId = repoIdFromFolderName(name);
    if (repoId === undefined) continue;
    const { repoDir, blobsDir, refsDir, snapshotsDir } = repoCachePaths(cacheDir, repoId);
    let sizeOnDisk = 0;
    for (const f of await listFiles(blobsDir)) sizeOnDisk += (await lstat(f)).size;
    const refsByCommit = new Map<string, string[]>();
    for (const f of await listFiles(refsDir)) {
      const commit = (await readFile(f, "utf8")).trim();
      const ref = relative(refsDir, f).split(sep).join("/");
      refsByCommit.set(commit, [...(refsByCommit.get(commit) ?? []), ref]);
    }
    const revisions: (CachedRevision & { mtime: number })[] = [];
    let snaps: string[] = [];
    try {
      snaps = await readdir(snapshotsDir);
    } catch {
      snaps = [];
    }
    for (const commit of snaps) {
      const dir = join(snapshotsDir, commit);
      let size = 0;
      let files = 0;
      for (const f of await listFiles(dir)) {
        try {
          size += (await stat(f)).size;
          files++;
        } catch {
          // a dangling link: its blob was removed; not counted
        }
      }
      revisions.push({
        commit,
        refs: (refsByCommit.get(commit) ?? []).sort(),
        files,
        size,
        mtime: (await stat(dir)).mtimeMs,
      });
    }
    revisions.sort((a, b) => b.mtime - a.mtime);
    repos.push({
      repoId,
      path: repoDir,
      sizeOnDisk,
      revisions: revisions.map(({ mtime: _m, ...r }) => r),
    });
  }
  return repos;
}

/** The cache-directory tag (https://bford.info/cachedir/) that `huggingface_hub` writes into the cache root. */
export const CACHEDIR_TAG =
  "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by huggingface_hub.\n# For information about cache directory tags, see:\n#\thttps://bford.info/cachedir/\n";

/** Writes `CACHEDIR.TAG` into the cache root unless one is there, so backup tools skip the cache. */
export async function ensureCachedirTag(cacheDir: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  await writeFile(join(cacheDir, "CACHEDIR.TAG"), CACHEDIR_TAG, { flag: "wx" }).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code !== "EEXIST") throw err;
    },
  );
}
