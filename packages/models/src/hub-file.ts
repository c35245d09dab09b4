import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat, symlink, unlink } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { sha256File } from "@pattern-lens/onnx/node";
import { withBlobLock } from "./_blob-lock.ts";
import { hubFetch, networkError, type RequestContext } from "./_http.ts";
import { HubError, ModelsError } from "./errors.ts";
import { repoCachePaths, repoFolderName } from "./hf-cache.ts";
import type { HubSettings } from "./hub-settings.ts";

/** What the hub says about one file at one revision (from a `HEAD` on its resolve URL). */
export interface HubFileMetadata {
  /** The commit the revision resolved to (`X-Repo-Commit`). */
  commit: string;
  /** Normalised etag: the LFS sha256 for LFS files (`X-Linked-Etag`), else the git blob sha1 (`ETag`). */
  etag: string;
  /** Size in bytes (`X-Linked-Size` for LFS files, else `Content-Length`). */
  size: number;
  /** Where the bytes are: the redirect target for LFS files (a CDN), else the resolve URL. */
  location: string;
}

/** The resolve URL of a file: `{endpoint}/{repo}/resolve/{revision}/{path}`. */
export function hubResolveUrl(endpoint: string, repoId: string, revision: string, path: string): string {
  const p = path.split("/").map(encodeURIComponent).join("/");
  return `${endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${p}`;
}

/** Strips the weak-validator prefix and quotes of an ETag header, as `huggingface_hub` does. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"+|"+$/g, "");
}

/**
 * `HEAD` on the resolve URL, following only redirects to the same host name (a renamed repo) and
 * reading the file metadata from the first redirect to another host (the CDN) itself, like
 * `huggingface_hub`'s `get_hf_file_metadata`. The token never leaves the hub's host.
 *
 * @throws {HubError} `PL_MODELS_HUB_AUTH`, `PL_HUB_*_NOT_FOUND`, `PL_MODELS_HUB_SERVER`, `PL_MODELS_HUB_NETWORK`.
 */
export async function hubFileMetadata(
  settings: HubSettings,
  repoId: string,
  revision: string,
  path: string,
  signal?: AbortSignal,
): Promise<HubFileMetadata> {
  const ctx: RequestContext = {
    what: `${repoId}/${path}@${revision}`,
    notFound: "PL_MODELS_HUB_FILE_NOT_FOUND",
  };
  let url = hubResolveUrl(settings.endpoint, repoId, revision, path);
  const host = new URL(url).hostname;
  for (let hop = 0; ; hop++) {
    const res = await hubFetch(settings, url, ctx, {
      method: "HEAD",
      redirect: "manual",
      headers: { "accept-encoding": "identity" },
      signal,
      timeoutMs: settings.requestTimeoutMs,
    });
    const h = res.headers;
    const loc = h.get("location");
    const isRedirect = res.status >= 300 && res.status < 400 && loc !== null;
    const target = isRedirect ? new URL(loc, url).toString() : url;
    if (isRedirect && new URL(target).hostname === host && hop < 5) {
      url = target; // same host (a renamed repo): follow it; another host is the CDN: stop here
      continue;
    }
    const commit = h.get("x-repo-commit");
    const rawEtag = h.get("x-linked-etag") ?? h.get("etag");
    const rawSize = h.get("x-linked-size") ?? (isRedirect ? null : h.get("content-length"));
    if (commit === null || rawEtag === null || rawSize === null) {
      throw new HubError(
        "PL_MODELS_HUB_SERVER",
        `the answer for ${ctx.what} lacks X-Repo-Commit, ETag or size headers; is HF_ENDPOINT (${settings.endpoint}) a Hugging Face hub?`,
        { status: res.status, url },
      );
    }
    return { commit, etag: normalizeEtag(rawEtag), size: Number(rawSize), location: target };
  }
}

const WRITE_BATCH = 1 << 20;

async function hashPrefix(path: string, bytes: number): Promise<Hash> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 }))
    hash.update(chunk as Buffer);
  return hash;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Options of the hub's resumable blob download (used by `fetchHubModel`). */
export interface BlobDownloadOptions {
  /** Called with the bytes of this file on disk so far (including resumed bytes). */
  onBytes?: (bytes: number) => void;
  /** How many times a broken transfer is resumed within this call (default 3). */
  retries?: number;
  /** Pause before retry n is n times this many milliseconds (default 500). */
  retryDelayMs?: number;
  signal?: AbortSignal | undefined;
}

/**
 * Downloads `meta.location` into `blobPath` through `blobPath.incomplete`, resuming an existing
 * `.incomplete` file with a `Range` request, then checks the size and (for LFS files, whose etag
 * is a sha256) the sha256 before renaming it into place.
 *
 * @throws {HubError} `PL_MODELS_HUB_NETWORK` when the transfer keeps breaking (the partial file stays, so
 *   the next call resumes), `PL_MODELS_HUB_INTEGRITY` on a size or sha256 mismatch (the file is removed).
 */
export async function downloadToBlob(
  settings: HubSettings,
  meta: HubFileMetadata,
  blobPath: string,
  what: string,
  options: BlobDownloadOptions = {},
): Promise<void> {
  const incomplete = `${blobPath}.incomplete`;
  const ctx: RequestContext = { what, notFound: "PL_MODELS_HUB_FILE_NOT_FOUND" };
  const retries = options.retries ?? 3;
  await mkdir(dirname(blobPath), { recursive: true });
  let lastError: HubError | undefined;
  let hasher: Hash | undefined;
  if (meta.size === 0) await (await open(incomplete, "w")).close();
  for (let attempt = 0; attempt <= retries; attempt++) {
    let have = (await sizeOf(incomplete)) ?? 0;
    if (have > meta.size) {
      await rm(incomplete, { force: true });
      have = 0;
    }
    if (have === meta.size) break;
    const headers: Record<string, string> = { "accept-encoding": "identity" };
    if (have > 0) headers.range = `bytes=${have}-`;
    if (attempt > 0 && (options.retryDelayMs ?? 500) > 0) {
      await new Promise((r) => setTimeout(r, (options.retryDelayMs ?? 500) * attempt));
    }
    // a transfer that stalls (no bytes for stallTimeoutMs) is broken off and resumed
    const stall = new AbortController();
    const timer = setTimeout(() => stall.abort(), settings.stallTimeoutMs);
    const signal =
      options.signal !== undefined ? AbortSignal.any([stall.signal, options.signal]) : stall.signal;
    const stalled = ` (no bytes for ${settings.stallTimeoutMs} ms; HF_HUB_DOWNLOAD_TIMEOUT sets it in seconds)`;
    let res: Response;
    try {
      res = await hubFetch(settings, meta.location, ctx, { headers, signal });
    } catch (err) {
      clearTimeout(timer);
      if (options.signal?.aborted) throw err;
      if (stall.signal.aborted) {
        lastError = networkError(meta.location, ctx, err, stalled);
        continue;
      }
      if (err instanceof HubError && err.code === "PL_MODELS_HUB_NETWORK") {
        lastError = err;
        continue;
      }
      throw err;
    }
    if (have > 0 && res.status !== 206) have = 0; // the server ignored the range: start over
    // hash as the bytes arrive (after the bytes already on disk), so no second read is needed
    hasher = have > 0 ? await hashPrefix(incomplete, have) : createHash("sha256");
    const fh = await open(incomplete, have > 0 ? "a" : "w");
    let written = have;
    options.onBytes?.(written);
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await fh.write(buf);
    };
    try {
      if (res.body === null) throw new Error("empty response body");
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        timer.refresh();
        hasher.update(chunk);
        pending.push(chunk);
        pendingBytes += chunk.byteLength;
        if (pendingBytes >= WRITE_BATCH) await flush();
        written += chunk.byteLength;
        options.onBytes?.(written);
      }
      await flush();
    } catch (err) {
      await flush().catch(() => {});
      hasher = undefined;
      if (options.signal?.aborted) throw err;
      lastError = networkError(
        meta.location,
        ctx,
        err,
        `: the download broke after ${written} of ${meta.size} bytes${stall.signal.aborted ? stalled : ""}; run again to resume`,
      );
    } finally {
      clearTimeout(timer);
      await fh.close();
    }
  }
  const got = (await sizeOf(incomplete)) ?? 0;
  if (got !== meta.size) {
    if (got < meta.size && lastError !== undefined) throw lastError;
    await rm(incomplete, { force: true });
    throw new HubError(
      "PL_MODELS_HUB_INTEGRITY",
      `${what}: got ${got} bytes, the hub announced ${meta.size}; the partial file was removed, run again.`,
      { url: meta.location },
    );
  }
  if (/^[0-9a-f]{64}$/.test(meta.etag)) {
    const sha = hasher !== undefined ? hasher.digest("hex") : await sha256File(incomplete);
    if (sha !== meta.etag) {
      await rm(incomplete, { force: true });
      throw new HubError(
        "PL_MODELS_HUB_INTEGRITY",
        `${what}: sha256 ${sha} differs from the hub's LFS sha256 ${meta.etag}; the file was removed, run again.`,
        { url: meta.location },
      );
    }
  }
  await rename(incomplete, blobPath);
}

/** Creates (or replaces) `pointer` as a relative symlink to `blob`, as `huggingface_hub` does. */
export async function linkSnapshotFile(pointer: string, blob: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  await unlink(pointer).catch(() => {});
  await symlink(relative(dirname(pointer), blob), pointer);
}

/** Options of {@link hubDownloadFile}. */
export interface HubDownloadFileOptions extends BlobDownloadOptions {
  /** Metadata already fetched with {@link hubFileMetadata}; fetched when absent. */
  metadata?: HubFileMetadata;
}

/**
 * Makes `snapshots/<commit>/<path>` exist in the cache for one file of a repo at a commit, in the
 * layout `huggingface_hub` writes: the bytes in `blobs/<etag>`, the snapshot entry a relative
 * symlink to it. Does nothing when the snapshot entry is already there.
 *
 * @returns the snapshot path of the file.
 */
export async function hubDownloadFile(
  settings: HubSettings,
  repoId: string,
  commit: string,
  path: string,
  options: HubDownloadFileOptions = {},
): Promise<string> {
  const { blobsDir, snapshotsDir } = repoCachePaths(settings.cacheDir, repoId);
  const pointer = join(snapshotsDir, commit, ...path.split("/"));
  if ((await sizeOf(pointer)) !== undefined) return pointer;
  if (settings.offline) {
    throw new ModelsError(
      "PL_MODELS_HUB_OFFLINE_MISSING",
      `HF_HUB_OFFLINE=1 and ${repoId}/${path} (commit ${commit}) is not in the cache ${settings.cacheDir}; run once without HF_HUB_OFFLINE to download it.`,
    );
  }
  const meta = options.metadata ?? (await hubFileMetadata(settings, repoId, commit, path, options.signal));
  const blob = join(blobsDir, meta.etag);
  // one process at a time per blob (pattern-lens processes; huggingface_hub has its own .lock files)
  const lock = join(settings.cacheDir, ".locks", repoFolderName(repoId), `${meta.etag}.pattern-lens.lock`);
  await withBlobLock(
    lock,
    async () => {
      if ((await sizeOf(blob)) !== meta.size) {
        await downloadToBlob(settings, meta, blob, `${repoId}/${path}@${commit.slice(0, 8)}`, options);
      } else {
        options.onBytes?.(meta.size);
      }
      await linkSnapshotFile(pointer, blob);
    },
    options.signal,
  );
  return pointer;
}
