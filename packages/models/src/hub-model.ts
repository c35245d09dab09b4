import { lstat, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { hubFetch } from "./_http.ts";
import { externalDataLocations } from "./_onnx-external-data.ts";
import { HubError, ModelsError } from "./errors.ts";
import { ensureCachedirTag, isCommitHash, readCachedRef, repoCachePaths } from "./hf-cache.ts";
import { type HubFileMetadata, hubDownloadFile, hubFileMetadata } from "./hub-file.ts";
import type { HubSettings } from "./hub-settings.ts";
import { chooseOnnxFile } from "./onnx-choice.ts";

/** The files of a model besides its ONNX graph that are fetched when the repo has them. */
export const HUB_SIDE_FILES: readonly string[] = [
  "config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "generation_config.json",
];

/** Progress of a model download, in bytes. `total` may grow once external data is discovered. */
export interface DownloadProgress {
  /** The repo path being transferred. */
  file: string;
  /** Bytes of `file` on disk so far. */
  fileBytes: number;
  /** Size of `file`. */
  fileTotal: number;
  /** Bytes of every file of this model so far (already-cached files count as done). */
  bytes: number;
  /** Size of every file of this model known so far. */
  total: number;
}

/** A model repo at one commit, present in the local cache. */
export interface HubModelSnapshot {
  repoId: string;
  /** The revision asked for (`main`, a tag, a commit). */
  revision: string;
  /** The commit it resolved to. */
  commit: string;
  /** `<cache>/models--org--name/snapshots/<commit>` */
  snapshotDir: string;
  /** Repo path of the ONNX graph chosen, e.g. `onnx/model.onnx`. */
  onnxFile: string;
  /** Repo paths of the external-data files of the graph. */
  externalData: string[];
  /** Repo paths of every file of the model in the snapshot. */
  files: string[];
}

/** Options of {@link fetchHubModel}. */
export interface FetchHubModelOptions {
  /** `--onnx-file`: a path in the repo or a short variant name (`model_fp16`, `quantized`). */
  onnxFile?: string | undefined;
  onProgress?: ((p: DownloadProgress) => void) | undefined;
  /** Resume attempts per file within one call (default 3). */
  retries?: number | undefined;
  /** Pause before retry n, times n (default 500 ms). */
  retryDelayMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Told when the hub cannot be reached and the cached copy is used instead. */
  onWarning?: ((message: string) => void) | undefined;
}

/** What {@link hubRevisionInfo} returns. */
export interface RevisionInfo {
  /** The full commit hash the revision resolves to. */
  commit: string;
  /** Every file path in the repository at that commit. */
  files: string[];
}

/** `GET api/models/{repo}/revision/{revision}`: the commit of a revision and the repo's file list. */
export async function hubRevisionInfo(
  settings: HubSettings,
  repoId: string,
  revision: string,
  signal?: AbortSignal,
): Promise<RevisionInfo> {
  const url = `${settings.endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`;
  const ctx = {
    what: `revision "${revision}" of ${repoId}`,
    notFound: "PL_MODELS_HUB_REPO_NOT_FOUND" as const,
  };
  const res = await hubFetch(settings, url, ctx, { signal, timeoutMs: settings.requestTimeoutMs });
  let body: { sha?: unknown; siblings?: { rfilename?: unknown }[] };
  try {
    body = (await res.json()) as typeof body;
  } catch (err) {
    throw new HubError(
      "PL_MODELS_HUB_SERVER",
      `the hub's answer for ${ctx.what} is not JSON; is HF_ENDPOINT a hub?`,
      {
        status: res.status,
        url,
        cause: err,
      },
    );
  }
  if (typeof body.sha !== "string" || !Array.isArray(body.siblings)) {
    throw new HubError(
      "PL_MODELS_HUB_SERVER",
      `the hub's answer for ${ctx.what} lacks "sha" or "siblings".`,
      {
        status: res.status,
        url,
      },
    );
  }
  const files = body.siblings.map((s) => s.rfilename).filter((f): f is string => typeof f === "string");
  return { commit: body.sha, files };
}

/** One entry of the `paths-info` answer. */
export interface HubPathInfo {
  path: string;
  size: number;
  /** Git blob id. */
  oid: string;
  /** For LFS files: the sha256 and size of the content. */
  lfs?: { oid: string; size: number };
}

/** `POST api/models/{repo}/paths-info/{revision}`: sizes and hashes of the given paths. */
export async function hubPathsInfo(
  settings: HubSettings,
  repoId: string,
  revision: string,
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, HubPathInfo>> {
  const url = `${settings.endpoint}/api/models/${repoId}/paths-info/${encodeURIComponent(revision)}`;
  const form = new URLSearchParams();
  for (const p of paths) form.append("paths", p);
  form.append("expand", "false");
  const ctx = {
    what: `file sizes of ${repoId}@${revision}`,
    notFound: "PL_MODELS_HUB_REPO_NOT_FOUND" as const,
  };
  const res = await hubFetch(settings, url, ctx, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    signal,
    timeoutMs: settings.requestTimeoutMs,
  });
  const rows = (await res.json()) as HubPathInfo[];
  return new Map(rows.filter((r) => typeof r.path === "string").map((r) => [r.path, r]));
}

function dataSiblingsOf(onnxFile: string, files: readonly string[]): string[] {
  const esc = onnxFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`^${esc}(?:_data|\\.data)(?:_\\d+)?$`);
  return files.filter((f) => re.test(f));
}

function resolveLocation(onnxFile: string, location: string, where: string): string {
  const p = posix.normalize(posix.join(posix.dirname(onnxFile), location.replace(/\\/g, "/")));
  if (p.startsWith("../") || posix.isAbsolute(location)) {
    throw new ModelsError(
      "PL_MODELS_INVALID",
      `${where}: ${onnxFile} refers to external data "${location}" outside the model folder; ONNX Runtime refuses that.`,
    );
  }
  return p;
}

async function listSnapshot(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  let names: string[];
  try {
    names = await readdir(join(dir, prefix));
  } catch {
    return out;
  }
  for (const name of names) {
    const rel = prefix === "" ? name : `${prefix}/${name}`;
    const full = join(dir, rel);
    const l = await lstat(full);
    if (l.isDirectory()) out.push(...(await listSnapshot(dir, rel)));
    else if ((await stat(full).catch(() => undefined)) !== undefined) out.push(rel); // skips dangling links
  }
  return out;
}

function offlineMissing(repoId: string, revision: string, settings: HubSettings, what: string): ModelsError {
  return new ModelsError(
    "PL_MODELS_HUB_OFFLINE_MISSING",
    `HF_HUB_OFFLINE=1 and the cache ${settings.cacheDir} lacks ${what} of ${repoId}@${revision}; run once without HF_HUB_OFFLINE to download it.`,
  );
}

/**
 * The model from the cache alone: the commit of `revision` from `refs/`, the ONNX file, its
 * external data and the tokenizer from `snapshots/<commit>/`.
 *
 * @throws {ModelsError} `PL_MODELS_HUB_OFFLINE_MISSING` naming the first thing the cache lacks.
 */
export async function cachedHubModel(
  settings: HubSettings,
  repoId: string,
  revision: string,
  onnxFile?: string,
): Promise<HubModelSnapshot> {
  const commit = await readCachedRef(settings.cacheDir, repoId, revision);
  if (commit === undefined) {
    throw new ModelsError(
      "PL_MODELS_HUB_OFFLINE_MISSING",
      `HF_HUB_OFFLINE=1 and ${repoId}@${revision} is not in the cache ${settings.cacheDir} (no refs/${revision}); run once without HF_HUB_OFFLINE to download it.`,
    );
  }
  const snapshotDir = join(repoCachePaths(settings.cacheDir, repoId).snapshotsDir, commit);
  const files = await listSnapshot(snapshotDir);
  if (files.length === 0) throw offlineMissing(repoId, revision, settings, `the snapshot ${commit}`);
  let onnx: string;
  try {
    onnx = chooseOnnxFile(files, onnxFile, `the cached snapshot ${snapshotDir}`);
  } catch {
    const what = onnxFile !== undefined ? `--onnx-file ${onnxFile}` : "an ONNX model (onnx/model.onnx, ...)";
    throw offlineMissing(repoId, revision, settings, what);
  }
  if (!files.includes("tokenizer.json")) throw offlineMissing(repoId, revision, settings, "tokenizer.json");
  const have = new Set(files);
  const externalData: string[] = [];
  for (const loc of await externalDataLocations(join(snapshotDir, onnx))) {
    const p = resolveLocation(onnx, loc, `${repoId}@${revision}`);
    if (!have.has(p)) throw offlineMissing(repoId, revision, settings, `${p} (external data of ${onnx})`);
    externalData.push(p);
  }
  const wanted = new Set([...HUB_SIDE_FILES, onnx, ...externalData]);
  return {
    repoId,
    revision,
    commit,
    snapshotDir,
    onnxFile: onnx,
    externalData,
    files: files.filter((f) => wanted.has(f)).sort(),
  };
}

/**
 * Makes a hub model available in the local cache and returns where it is. Online, it asks the
 * hub for the commit of `revision` and the repo's files, then fetches only what a run needs:
 * `config.json`, the tokenizer files, one ONNX graph and its external data, each through
 * {@link hubDownloadFile} (cached files are not fetched again). With `settings.offline` it reads the
 * cache only ({@link cachedHubModel}). A commit-hash revision whose files are all cached needs no
 * network at all. When the hub cannot be reached (no answer, not an HTTP error) and the cache holds
 * the revision completely, the cached copy is used and `onWarning` is told.
 *
 * @throws {HubError} for hub and network failures; {@link ModelsError} `PL_MODELS_INVALID` when the
 *   repo has no usable ONNX file or no tokenizer.json, `PL_MODELS_HUB_OFFLINE_MISSING` offline.
 */
export async function fetchHubModel(
  settings: HubSettings,
  repoId: string,
  revision: string,
  options: FetchHubModelOptions = {},
): Promise<HubModelSnapshot> {
  if (settings.offline) return cachedHubModel(settings, repoId, revision, options.onnxFile);
  if (isCommitHash(revision)) {
    try {
      return await cachedHubModel(settings, repoId, revision, options.onnxFile);
    } catch {
      // not (fully) cached: fetch below
    }
  }
  const { signal } = options;
  let info: RevisionInfo;
  try {
    info = await hubRevisionInfo(settings, repoId, revision, signal);
  } catch (err) {
    // like huggingface_hub: when the hub cannot be reached, a complete cached copy will do
    if (err instanceof HubError && err.code === "PL_MODELS_HUB_NETWORK") {
      const cached = await cachedHubModel(settings, repoId, revision, options.onnxFile).catch(
        () => undefined,
      );
      if (cached !== undefined) {
        options.onWarning?.(
          `${err.message.replace(/ Check the network.*$/, "")}; using the cached ${repoId}@${revision} (commit ${cached.commit.slice(0, 10)}).`,
        );
        return cached;
      }
    }
    throw err;
  }
  const { commit } = info;
  const where = `${repoId}@${revision}`;
  const onnx = chooseOnnxFile(info.files, options.onnxFile, `the hub repo ${where}`);
  if (!info.files.includes("tokenizer.json")) {
    throw new ModelsError(
      "PL_MODELS_INVALID",
      `the hub repo ${where} has no tokenizer.json; pattern-lens needs one.`,
    );
  }
  const { refsDir, snapshotsDir } = repoCachePaths(settings.cacheDir, repoId);
  try {
    await ensureCachedirTag(settings.cacheDir);
    if (revision !== commit) {
      const ref = join(refsDir, ...revision.split("/"));
      await mkdir(join(ref, ".."), { recursive: true });
      await writeFile(ref, commit);
    }
  } catch (err) {
    throw new ModelsError(
      "PL_MODELS_HUB_CACHE_IO",
      `cannot write to the hub cache ${settings.cacheDir}: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
  const side = HUB_SIDE_FILES.filter((f) => info.files.includes(f));
  const data = dataSiblingsOf(onnx, info.files);
  const planned = [...side, onnx, ...data];
  // sizes for the progress total: from the cache when everything is there, else from paths-info
  const local = await Promise.all(
    planned.map((p) => stat(join(snapshotsDir, commit, ...p.split("/"))).catch(() => undefined)),
  );
  const sizes: Map<string, HubPathInfo> = local.every((st) => st !== undefined)
    ? new Map(planned.map((p, i) => [p, { path: p, size: local[i]!.size, oid: "" }]))
    : await hubPathsInfo(settings, repoId, commit, planned, signal);
  const sizeOf = (p: string) => sizes.get(p)?.lfs?.size ?? sizes.get(p)?.size ?? 0;
  let total = planned.reduce((a, p) => a + sizeOf(p), 0);
  let done = 0;
  const fetched: string[] = [];
  const fetchOne = async (path: string, size: number) => {
    let metadata: HubFileMetadata | undefined;
    const snapshotPath = join(snapshotsDir, commit, ...path.split("/"));
    const cached = await stat(snapshotPath).catch(() => undefined);
    if (cached === undefined) {
      metadata = await hubFileMetadata(settings, repoId, commit, path, signal);
      if (metadata.size !== size) {
        total += metadata.size - size;
        size = metadata.size;
      }
    }
    await hubDownloadFile(settings, repoId, commit, path, {
      ...(metadata !== undefined ? { metadata } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
      signal,
      onBytes: (b) =>
        options.onProgress?.({ file: path, fileBytes: b, fileTotal: size, bytes: done + b, total }),
    });
    done += size;
    options.onProgress?.({ file: path, fileBytes: size, fileTotal: size, bytes: done, total });
    fetched.push(path);
  };
  for (const p of [...side, onnx]) await fetchOne(p, sizeOf(p));
  const externalData: string[] = [];
  for (const loc of await externalDataLocations(join(snapshotsDir, commit, ...onnx.split("/")))) {
    const p = resolveLocation(onnx, loc, where);
    if (!info.files.includes(p)) {
      throw new ModelsError(
        "PL_MODELS_INVALID",
        `the hub repo ${where}: ${onnx} refers to external data ${p}, which the repo does not have.`,
      );
    }
    externalData.push(p);
  }
  const extra = externalData.filter((p) => !data.includes(p));
  if (extra.length > 0) {
    const more = await hubPathsInfo(settings, repoId, commit, extra, signal);
    for (const [k, v] of more) sizes.set(k, v);
    total += extra.reduce((a, p) => a + sizeOf(p), 0);
  }
  // Files named like the graph's data were counted up front; fetch only those the graph names.
  const toFetch = externalData;
  total -= data.filter((p) => !toFetch.includes(p)).reduce((a, p) => a + sizeOf(p), 0);
  for (const p of toFetch) await fetchOne(p, sizeOf(p));
  return {
    repoId,
    revision,
    commit,
    snapshotDir: join(snapshotsDir, commit),
    onnxFile: onnx,
    externalData: toFetch,
    files: fetched.sort(),
  };
}
