import { createHash } from "node:crypto";
import { lstat, mkdir, readdir, readFile, readlink, rm, stat, unlink, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CACHEDIR_TAG,
  type DownloadProgress,
  HubError,
  ModelsError,
  type OnnxFolderModel,
  type ResolveModelOptions,
  repoFolderName,
  resolveModel,
  scanHfCache,
} from "../src/index.ts";
import { bytes, fakeOnnx, tempDir, tinyRepoFiles } from "./_helpers.ts";
import { type MockHub, startMockHub } from "./fixtures/mock-hub.ts";

const OLD = "1111111111111111111111111111111111111111";
let hub: MockHub;
let cache: { dir: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  hub = await startMockHub([
    {
      repoId: "org/tiny",
      commits: [
        { sha: OLD, refs: ["v1", "refs/pr/1"], files: tinyRepoFiles("v1") },
        { refs: ["main"], files: tinyRepoFiles("v2") },
      ],
    },
    { repoId: "org/private", token: "hf_secret", commits: [{ refs: ["main"], files: tinyRepoFiles("p") }] },
    {
      repoId: "org/big",
      commits: [
        {
          refs: ["main"],
          files: [
            { path: "tokenizer.json", data: "{}" },
            { path: "onnx/model.onnx", data: bytes(2_000_000, 42) },
          ],
        },
      ],
    },
    {
      repoId: "Xenova/gpt2",
      commits: [
        {
          refs: ["main"],
          files: tinyRepoFiles("alias").filter((f) => !f.path.startsWith("onnx/model.onnx")),
        },
      ],
    },
  ]);
});
afterAll(async () => hub?.close());

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

async function freshCache(): Promise<string> {
  cache = await tempDir("pl-hub-cache-");
  cleanups.push(cache.cleanup);
  return cache.dir;
}

function opts(cacheDir: string, extra: Partial<ResolveModelOptions> & { env?: Record<string, string> } = {}) {
  return {
    retryDelayMs: 0,
    ...extra,
    env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir, ...(extra.env ?? {}) },
  } satisfies ResolveModelOptions;
}

async function errorOf(p: Promise<unknown>): Promise<ModelsError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ModelsError) return err;
    throw err;
  }
  throw new Error("expected an error");
}

function sha256(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}

function since(n: number) {
  return hub.requests.slice(n);
}

describe("hub download into the huggingface_hub cache layout", () => {
  it("fetches only config, tokenizer files, one graph and its external data, laid out like huggingface_hub", async () => {
    const dir = await freshCache();
    const m = (await resolveModel("org/tiny", opts(dir))) as OnnxFolderModel;
    const commit = hub.commitOf("org/tiny", "main");
    const repoDir = join(dir, "models--org--tiny");
    expect(m.kind).toBe("onnx-folder");
    expect(m.name).toBe("tiny");
    expect(m.source).toEqual({ type: "hub", repoId: "org/tiny", revision: "main", commit });
    expect(m.dir).toBe(join(repoDir, "snapshots", commit));
    expect(m.onnxFile).toBe(join(m.dir, "onnx", "model.onnx"));
    expect(m.externalData).toEqual([join(m.dir, "onnx", "model.onnx_data")]);
    expect(m.tokenizerFile).toBe(join(m.dir, "tokenizer.json"));
    expect(m.configFile).toBe(join(m.dir, "config.json"));

    // the cache root is tagged like huggingface_hub tags it; LFS bytes came from another host
    expect(await readFile(join(dir, "CACHEDIR.TAG"), "utf8")).toBe(CACHEDIR_TAG);
    expect(new URL(hub.cdnUrl).hostname).not.toBe(new URL(hub.url).hostname);
    // refs/main holds the commit, without a newline
    expect(await readFile(join(repoDir, "refs", "main"), "utf8")).toBe(commit);
    // snapshot entries are relative symlinks into blobs/<etag>
    const snap = join(repoDir, "snapshots", commit);
    const entries = (await readdir(snap, { recursive: true })).map(String).sort();
    expect(entries).toEqual([
      "config.json",
      "onnx",
      "onnx/model.onnx",
      "onnx/model.onnx_data",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    const files = tinyRepoFiles("v2");
    for (const e of entries.filter((x) => x !== "onnx")) {
      const link = join(snap, e);
      expect((await lstat(link)).isSymbolicLink(), e).toBe(true);
      const target = await readlink(link);
      const depth = e.split("/").length;
      expect(target.startsWith(`${"../".repeat(depth + 1)}blobs/`), `${e} -> ${target}`).toBe(true);
      const blob = resolve(dirname(link), target);
      expect(dirname(blob)).toBe(join(repoDir, "blobs"));
      const content = await readFile(link);
      const original = files.find((f) => f.path === e)!;
      expect(content.equals(Buffer.from(original.data as Uint8Array | string))).toBe(true);
      // LFS files are named by their sha256, others by their git blob sha1
      const expectedEtag = e.includes("onnx")
        ? sha256(content)
        : createHash("sha1")
            .update(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]))
            .digest("hex");
      expect(target.split("/").pop()).toBe(expectedEtag);
    }
    const blobs = await readdir(join(repoDir, "blobs"));
    expect(blobs.some((b) => b.endsWith(".incomplete"))).toBe(false);
    // identical contents share one blob (tokenizer_config.json and special_tokens_map.json are equal here)
    expect(blobs.length).toBe(entries.length - 1 - 1);

    // README, .gitattributes, the fp16 and decoder graphs were never asked for
    const asked = hub.requests.map((r) => decodeURIComponent(r.url));
    for (const f of ["README.md", ".gitattributes", "model_fp16.onnx", "decoder_model.onnx"]) {
      expect(
        asked.some((u) => u.includes(f)),
        f,
      ).toBe(false);
    }
  });

  it("reuses cached files: a second run only asks for the revision's commit and file list", async () => {
    const dir = await freshCache();
    await resolveModel("org/tiny", opts(dir));
    const n = hub.requests.length;
    const m = await resolveModel("org/tiny", opts(dir));
    expect(m.kind).toBe("onnx-folder");
    expect(since(n).map((r) => `${r.method} ${r.url}`)).toEqual(["GET /api/models/org/tiny/revision/main"]);
  });

  it("fetches only the missing file when the cached snapshot is incomplete", async () => {
    const dir = await freshCache();
    const m = (await resolveModel("org/tiny", opts(dir))) as OnnxFolderModel;
    await unlink(m.tokenizerFile!);
    const n = hub.requests.length;
    await resolveModel("org/tiny", opts(dir));
    const commit = hub.commitOf("org/tiny", "main");
    expect(since(n).map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /api/models/org/tiny/revision/main",
      `POST /api/models/org/tiny/paths-info/${commit}`,
      `HEAD /org/tiny/resolve/${commit}/tokenizer.json`,
    ]);
    // the blob was still there: the link is restored without a GET
    expect(JSON.parse(await readFile(m.tokenizerFile!, "utf8")).tag).toBe("v2");
  });

  it("uses HEAD on resolve URLs, then the CDN redirect for LFS files, and paths-info for sizes", async () => {
    const dir = await freshCache();
    const n = hub.requests.length;
    await resolveModel("org/tiny", opts(dir, { onnxFile: "fp16" }));
    const commit = hub.commitOf("org/tiny", "main");
    const reqs = since(n);
    expect(reqs[0]).toMatchObject({
      server: "hub",
      method: "GET",
      url: "/api/models/org/tiny/revision/main",
    });
    expect(reqs[1]).toMatchObject({
      server: "hub",
      method: "POST",
      url: `/api/models/org/tiny/paths-info/${commit}`,
    });
    const head = reqs.findIndex((r) => r.method === "HEAD" && r.url.endsWith("onnx/model_fp16.onnx"));
    expect(reqs[head]?.url).toBe(`/org/tiny/resolve/${commit}/onnx/model_fp16.onnx`);
    expect(reqs[head + 1]).toMatchObject({ server: "cdn", method: "GET" });
    expect(reqs[head + 1]?.url).toContain(`/cdn/${hub.sha256Of("org/tiny", "main", "onnx/model_fp16.onnx")}`);
    // small files come from the hub itself
    expect(reqs.some((r) => r.server === "hub" && r.method === "GET" && r.url.endsWith("/config.json"))).toBe(
      true,
    );
    // the fp16 graph has no external data, so model.onnx_data is not fetched
    expect(reqs.some((r) => r.url.includes("onnx_data"))).toBe(false);
  });

  it("reports progress in bytes up to the total of the files fetched", async () => {
    const dir = await freshCache();
    const events: DownloadProgress[] = [];
    await resolveModel("org/tiny", opts(dir, { onProgress: (p) => events.push(p) }));
    const fetched = tinyRepoFiles("v2").filter((f) =>
      [
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "onnx/model.onnx",
        "onnx/model.onnx_data",
      ].includes(f.path),
    );
    const total = fetched.reduce((a, f) => a + Buffer.from(f.data as Uint8Array | string).length, 0);
    const last = events.at(-1)!;
    expect(last.bytes).toBe(total);
    expect(last.total).toBe(total);
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.bytes).toBeGreaterThanOrEqual(events[i - 1]!.bytes);
    const data = events.filter((e) => e.file === "onnx/model.onnx_data");
    expect(data.at(-1)).toMatchObject({ fileBytes: 300_000, fileTotal: 300_000 });
  });

  it("maps an alias to its repo and names the model after the alias", async () => {
    const dir = await freshCache();
    const m = (await resolveModel("gpt2", opts(dir))) as OnnxFolderModel;
    expect(m.name).toBe("gpt2");
    expect(m.source).toMatchObject({ type: "hub", repoId: "Xenova/gpt2", alias: "gpt2" });
    expect(m.onnxFile.endsWith(join("onnx", "decoder_model.onnx"))).toBe(true);
    expect((await scanHfCache(dir)).map((r) => r.repoId)).toEqual(["Xenova/gpt2"]);
  });
});

describe("pinned revisions", () => {
  it("downloads a tag's commit and writes refs/<tag>", async () => {
    const dir = await freshCache();
    const m = (await resolveModel("org/tiny@v1", opts(dir))) as OnnxFolderModel;
    expect(m.source).toMatchObject({ revision: "v1", commit: OLD });
    expect(JSON.parse(await readFile(m.configFile!, "utf8")).tag).toBe("v1");
    expect(await readFile(join(dir, repoFolderName("org/tiny"), "refs", "v1"), "utf8")).toBe(OLD);
  });

  it("takes a commit hash without writing a ref, and needs no network once it is cached", async () => {
    const dir = await freshCache();
    const m = (await resolveModel(`org/tiny@${OLD}`, opts(dir))) as OnnxFolderModel;
    expect(m.dir.endsWith(OLD)).toBe(true);
    expect(await readdir(join(dir, repoFolderName("org/tiny"), "refs")).catch(() => [])).toEqual([]);
    const n = hub.requests.length;
    const again = await resolveModel(`org/tiny@${OLD}`, opts(dir));
    expect(again).toEqual(m);
    expect(hub.requests.length).toBe(n);
  });

  it("keeps two revisions side by side in snapshots/ and lists both in scanHfCache", async () => {
    const dir = await freshCache();
    await resolveModel("org/tiny@v1", opts(dir));
    await resolveModel("org/tiny", opts(dir));
    const [repo] = await scanHfCache(dir);
    expect(repo?.repoId).toBe("org/tiny");
    const byCommit = new Map(repo!.revisions.map((r) => [r.commit, r]));
    expect(byCommit.get(OLD)?.refs).toEqual(["v1"]);
    expect(byCommit.get(hub.commitOf("org/tiny", "main"))?.refs).toEqual(["main"]);
    expect(byCommit.get(OLD)?.files).toBe(6);
    // both revisions have the same external data bytes: one blob serves both snapshots
    const both = repo!.revisions.reduce((a, r) => a + r.size, 0);
    expect(repo!.sizeOnDisk).toBeGreaterThan(300_000);
    expect(repo!.sizeOnDisk).toBeLessThanOrEqual(both - 300_000);
  });

  it("takes a revision with slashes (refs/pr/1), URL-encoded, stored as a nested ref like huggingface_hub", async () => {
    const dir = await freshCache();
    const n = hub.requests.length;
    const m = (await resolveModel("org/tiny@refs/pr/1", opts(dir))) as OnnxFolderModel;
    expect(m.source).toMatchObject({ revision: "refs/pr/1", commit: OLD });
    expect(since(n)[0]?.url).toBe("/api/models/org/tiny/revision/refs%2Fpr%2F1");
    expect(await readFile(join(dir, repoFolderName("org/tiny"), "refs", "refs", "pr", "1"), "utf8")).toBe(
      OLD,
    );
    const offline = await resolveModel("org/tiny@refs/pr/1", opts(dir, { env: { HF_HUB_OFFLINE: "1" } }));
    expect(offline).toEqual(m);
    const [repo] = await scanHfCache(dir);
    expect(repo?.revisions[0]?.refs).toEqual(["refs/pr/1"]);
  });

  it("rejects an unknown revision with PL_MODELS_HUB_REVISION_NOT_FOUND", async () => {
    const dir = await freshCache();
    const err = await errorOf(resolveModel("org/tiny@nope", opts(dir)));
    expect(err.code).toBe("PL_MODELS_HUB_REVISION_NOT_FOUND");
    expect(err.message).toContain("nope");
  });
});

describe("offline mode (HF_HUB_OFFLINE=1)", () => {
  it("works from the cache without any request", async () => {
    const dir = await freshCache();
    const online = await resolveModel("org/tiny", opts(dir));
    const n = hub.requests.length;
    const offline = await resolveModel("org/tiny", opts(dir, { env: { HF_HUB_OFFLINE: "1" } }));
    expect(offline).toEqual(online);
    expect(hub.requests.length).toBe(n);
  });

  it("names what is missing: the repo/revision, the --onnx-file variant, an external data file", async () => {
    const dir = await freshCache();
    const off = opts(dir, { env: { HF_HUB_OFFLINE: "1" } });
    let err = await errorOf(resolveModel("org/tiny", off));
    expect(err.code).toBe("PL_MODELS_HUB_OFFLINE_MISSING");
    expect(err.message).toContain("org/tiny@main is not in the cache");
    expect(err.message).toContain("no refs/main");
    expect(err.message).toContain(dir);

    const m = (await resolveModel("org/tiny", opts(dir))) as OnnxFolderModel;
    err = await errorOf(resolveModel("org/tiny", { ...off, onnxFile: "fp16" }));
    expect(err.code).toBe("PL_MODELS_HUB_OFFLINE_MISSING");
    expect(err.message).toContain("fp16");

    await unlink(m.externalData[0]!);
    err = await errorOf(resolveModel("org/tiny", off));
    expect(err.code).toBe("PL_MODELS_HUB_OFFLINE_MISSING");
    expect(err.message).toContain("onnx/model.onnx_data");
  });
});

describe("hub errors", () => {
  it("401 without a token is PL_MODELS_HUB_AUTH; HF_TOKEN is sent to the hub but not to the CDN", async () => {
    const dir = await freshCache();
    const err = await errorOf(resolveModel("org/private", opts(dir)));
    expect(err).toBeInstanceOf(HubError);
    expect(err.code).toBe("PL_MODELS_HUB_AUTH");
    expect((err as HubError).status).toBe(401);
    expect(err.message).toContain("HF_TOKEN");

    const n = hub.requests.length;
    const m = await resolveModel("org/private", opts(dir, { env: { HF_TOKEN: "hf_secret" } }));
    expect(m.kind).toBe("onnx-folder");
    const reqs = since(n);
    expect(reqs.filter((r) => r.server === "hub").every((r) => r.authorization === "Bearer hf_secret")).toBe(
      true,
    );
    expect(reqs.filter((r) => r.server === "cdn").length).toBeGreaterThan(0);
    expect(reqs.filter((r) => r.server === "cdn").every((r) => r.authorization === undefined)).toBe(true);

    const wrong = await errorOf(
      resolveModel("org/private@main", opts(await freshCache(), { env: { HF_TOKEN: "x" } })),
    );
    expect(wrong.code).toBe("PL_MODELS_HUB_AUTH");
    expect(wrong.message).toContain("does not grant access");
  });

  it("404 for an unknown repo is PL_MODELS_HUB_REPO_NOT_FOUND", async () => {
    const err = await errorOf(resolveModel("org/nothing", opts(await freshCache())));
    expect(err.code).toBe("PL_MODELS_HUB_REPO_NOT_FOUND");
    expect((err as HubError).status).toBe(404);
  });

  it("500 from the API or from a file is PL_MODELS_HUB_SERVER", async () => {
    const dir = await freshCache();
    hub.fault({ kind: "status", status: 500, match: (r) => r.url.includes("/revision/") });
    let err = await errorOf(resolveModel("org/tiny", opts(dir)));
    expect(err.code).toBe("PL_MODELS_HUB_SERVER");
    expect((err as HubError).status).toBe(500);
    expect(err.message).toContain("try again later");

    hub.fault({
      kind: "status",
      status: 503,
      match: (r) => r.method === "HEAD" && r.url.endsWith("/tokenizer.json"),
    });
    err = await errorOf(resolveModel("org/tiny", opts(dir)));
    expect(err.code).toBe("PL_MODELS_HUB_SERVER");
    expect((err as HubError).status).toBe(503);
    expect(err.message).toContain("tokenizer.json");
  });

  it("a connection reset is PL_MODELS_HUB_NETWORK, and the message suggests HF_HUB_OFFLINE", async () => {
    hub.fault({ kind: "reset", match: (r) => r.url.includes("/revision/") });
    const err = await errorOf(resolveModel("org/tiny", opts(await freshCache())));
    expect(err.code).toBe("PL_MODELS_HUB_NETWORK");
    expect((err as HubError).status).toBeUndefined();
    expect(err.message).toContain("HF_HUB_OFFLINE=1");
  });

  it("a hub that never answers is PL_MODELS_HUB_NETWORK after HF_HUB_ETAG_TIMEOUT", async () => {
    hub.fault({ kind: "hang", match: (r) => r.url.includes("/revision/") });
    const err = await errorOf(
      resolveModel("org/tiny", opts(await freshCache(), { env: { HF_HUB_ETAG_TIMEOUT: "0.3" } })),
    );
    expect(err.code).toBe("PL_MODELS_HUB_NETWORK");
    expect(err.message).toContain("no answer within 300 ms");
  });

  it("a connection refused (nothing listening) is PL_MODELS_HUB_NETWORK", async () => {
    const dir = await freshCache();
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await errorOf(
      resolveModel("org/tiny", { env: { HF_ENDPOINT: `http://127.0.0.1:${port}`, HF_HUB_CACHE: dir } }),
    );
    expect(err.code).toBe("PL_MODELS_HUB_NETWORK");
    expect(err.message).toContain("ECONNREFUSED");
  });

  it("falls back to a complete cached copy, with a warning, when the hub cannot be reached", async () => {
    const dir = await freshCache();
    const online = await resolveModel("org/tiny", opts(dir));
    hub.fault({ kind: "reset", match: (r) => r.url.includes("/revision/") });
    const warnings: string[] = [];
    const m = await resolveModel("org/tiny", { ...opts(dir), onWarning: (w) => warnings.push(w) });
    expect(m).toEqual(online);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("using the cached org/tiny@main");
    // an HTTP error is an answer: no fallback
    hub.fault({ kind: "status", status: 500, match: (r) => r.url.includes("/revision/") });
    expect((await errorOf(resolveModel("org/tiny", opts(dir)))).code).toBe("PL_MODELS_HUB_SERVER");
  });

  it("an --onnx-file the repo lacks is PL_MODELS_INVALID listing the graphs", async () => {
    const err = await errorOf(resolveModel("org/tiny", opts(await freshCache(), { onnxFile: "int4" })));
    expect(err.code).toBe("PL_MODELS_INVALID");
    expect(err.message).toContain("onnx/model_fp16.onnx");
  });
});

describe("interrupted downloads", () => {
  const big = "onnx/model.onnx";
  const blobName = () => hub.sha256Of("org/big", "main", big);

  it("resumes with Range on the next run after the connection drops mid-body; the blob's sha256 matches", async () => {
    const dir = await freshCache();
    hub.fault({ kind: "drop", afterBytes: 700_000, match: (r) => r.server === "cdn" });
    const err = await errorOf(resolveModel("org/big", opts(dir, { retries: 0 })));
    expect(err.code).toBe("PL_MODELS_HUB_NETWORK");
    expect(err.message).toContain("run again to resume");
    const incomplete = join(dir, "models--org--big", "blobs", `${blobName()}.incomplete`);
    const partial = (await stat(incomplete)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThanOrEqual(700_000);

    const n = hub.requests.length;
    const m = (await resolveModel("org/big", opts(dir, { retries: 0 }))) as OnnxFolderModel;
    const cdn = since(n).filter((r) => r.server === "cdn");
    expect(cdn).toHaveLength(1);
    expect(cdn[0]?.range).toBe(`bytes=${partial}-`);
    const content = await readFile(m.onnxFile);
    expect(content.length).toBe(2_000_000);
    expect(sha256(content)).toBe(blobName());
    expect(await stat(incomplete).catch(() => "gone")).toBe("gone");
  });

  it("resumes within one call when retries are allowed", async () => {
    const dir = await freshCache();
    hub.fault({ kind: "drop", afterBytes: 500_000, match: (r) => r.server === "cdn" });
    const n = hub.requests.length;
    const m = (await resolveModel("org/big", opts(dir))) as OnnxFolderModel;
    const cdn = since(n).filter((r) => r.server === "cdn");
    expect(cdn.map((r) => r.range)).toEqual([undefined, expect.stringMatching(/^bytes=\d+-$/)]);
    expect(sha256(await readFile(m.onnxFile))).toBe(blobName());
  });

  it("a transfer that stalls is broken off after HF_HUB_DOWNLOAD_TIMEOUT and resumed", async () => {
    const dir = await freshCache();
    hub.fault({ kind: "stall", afterBytes: 300_000, match: (r) => r.server === "cdn" });
    const n = hub.requests.length;
    const m = (await resolveModel(
      "org/big",
      opts(dir, { env: { HF_HUB_DOWNLOAD_TIMEOUT: "0.3" } }),
    )) as OnnxFolderModel;
    const cdn = since(n).filter((r) => r.server === "cdn");
    expect(cdn.map((r) => r.range)).toEqual([undefined, "bytes=300000-"]);
    expect(sha256(await readFile(m.onnxFile))).toBe(blobName());
  });

  it("two concurrent downloads into one cache take turns on a lock: both succeed, the bytes come once", async () => {
    const dir = await freshCache();
    const n = hub.requests.length;
    const [a, b] = await Promise.all([
      resolveModel("org/big", opts(dir)),
      resolveModel("org/big", opts(dir)),
    ]);
    expect(a).toEqual(b);
    expect(since(n).filter((r) => r.server === "cdn")).toHaveLength(1);
    expect(sha256(await readFile((a as OnnxFolderModel).onnxFile))).toBe(blobName());
    expect(await readdir(join(dir, ".locks", "models--org--big"))).toEqual([]);
  });

  it("takes over a lock left by a process that died", async () => {
    const dir = await freshCache();
    const lockDir = join(dir, ".locks", "models--org--big");
    await mkdir(lockDir, { recursive: true });
    await writeFile(join(lockDir, `${blobName()}.pattern-lens.lock`), "999999999");
    const m = (await resolveModel("org/big", opts(dir))) as OnnxFolderModel;
    expect(sha256(await readFile(m.onnxFile))).toBe(blobName());
  });

  it("a corrupt partial file fails the sha256 check with PL_MODELS_HUB_INTEGRITY and is removed", async () => {
    const dir = await freshCache();
    const blobs = join(dir, "models--org--big", "blobs");
    await resolveModel("org/big", opts(dir));
    // replace the finished download by a same-size partial file with wrong bytes
    await rm(join(dir, "models--org--big", "snapshots"), { recursive: true });
    await rm(join(blobs, blobName()));
    const bad = Buffer.from(bytes(2_000_000, 7));
    await writeFile(join(blobs, `${blobName()}.incomplete`), bad);
    const err = await errorOf(resolveModel("org/big", opts(dir)));
    expect(err.code).toBe("PL_MODELS_HUB_INTEGRITY");
    expect(err.message).toContain(blobName());
    const left = await readdir(blobs);
    expect(left).toHaveLength(1); // only tokenizer.json's blob: no .incomplete, no bad blob
    expect(left[0]).toMatch(/^[0-9a-f]{40}$/);
    // and the next run downloads it cleanly
    const m = (await resolveModel("org/big", opts(dir))) as OnnxFolderModel;
    expect(sha256(await readFile(m.onnxFile))).toBe(blobName());
  });
});

describe("external data the graph names", () => {
  it("fetches a data file named inside the graph even when it is not named like the graph", async () => {
    const h = await startMockHub([
      {
        repoId: "org/ext",
        commits: [
          {
            refs: ["main"],
            files: [
              { path: "tokenizer.json", data: "{}" },
              { path: "onnx/model.onnx", data: fakeOnnx("ext", ["weights.bin", "more/w2.bin"]) },
              { path: "onnx/weights.bin", data: bytes(1000, 3) },
              { path: "onnx/more/w2.bin", data: bytes(500, 4) },
              { path: "onnx/unused.bin", data: bytes(10, 5) },
            ],
          },
        ],
      },
    ]);
    try {
      const dir = await freshCache();
      const m = (await resolveModel("org/ext", {
        env: { HF_ENDPOINT: h.url, HF_HUB_CACHE: dir },
      })) as OnnxFolderModel;
      expect(m.externalData.map((p) => p.slice(m.dir.length + 1))).toEqual([
        "onnx/more/w2.bin",
        "onnx/weights.bin",
      ]);
      expect(h.requests.some((r) => r.url.includes("unused.bin"))).toBe(false);
    } finally {
      await h.close();
    }
  });
});
