import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MODEL_ALIASES } from "@pattern-lens/models";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MockHub, startMockHub } from "../../../packages/models/test/fixtures/mock-hub.ts";
import { describeError } from "../src/errors.ts";
import { runCommand } from "../src/program.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

const files = [
  { path: "config.json", data: JSON.stringify({ model_type: "gpt2" }) },
  { path: "tokenizer.json", data: "{}" },
  { path: "onnx/model.onnx", data: new Uint8Array(5000).fill(3) },
  { path: "onnx/model_fp16.onnx", data: new Uint8Array(2500).fill(4) },
];

let hub: MockHub;
let cache: string;
const saved = { ...process.env };
beforeAll(async () => {
  hub = await startMockHub([{ repoId: "org/tiny", commits: [{ refs: ["main"], files }] }]);
});
afterAll(async () => hub?.close());
afterEach(async () => {
  process.env = { ...saved };
  await rm(cache, { recursive: true, force: true });
});
async function useCache() {
  cache = await mkdtemp(join(tmpdir(), "pl-cli-models-"));
  process.env.HF_HUB_CACHE = cache;
  process.env.HF_ENDPOINT = hub.url;
  process.env.XDG_CACHE_HOME = join(cache, "xdg");
  delete process.env.HF_HUB_OFFLINE;
  delete process.env.HF_TOKEN;
}

describe("pattern-lens models", () => {
  it("lists every alias with its repo and source, and an empty cache", async () => {
    await useCache();
    const c = capture();
    expect(await runCommand(["models"], c.io)).toBe(0);
    const text = c.out();
    for (const a of MODEL_ALIASES) {
      const line = text.split("\n").find((l) => l.startsWith(`${a.alias} `));
      expect(line, a.alias).toBeDefined();
      expect(line).toContain(a.repoId);
      expect(line).toContain(a.source);
    }
    expect(text).toContain(`Hugging Face cache ${cache}`);
    expect(text).toContain("(empty)");
  });

  it("--download fetches into the cache; the listing then shows repo, revision and size", async () => {
    await useCache();
    const c = capture();
    expect(await runCommand(["models", "--download", "org/tiny"], c.io)).toBe(0);
    const commit = hub.commitOf("org/tiny", "main");
    expect(c.out()).toContain(join(cache, "models--org--tiny", "snapshots", commit, "onnx", "model.onnx"));
    expect(c.out()).toContain("from org/tiny@main");

    const l = capture();
    expect(await runCommand(["models"], l.io)).toBe(0);
    const row = l
      .out()
      .split("\n")
      .find((x) => x.startsWith("org/tiny "));
    // config.json (21 B) + tokenizer.json (2 B) + model.onnx (5000 B)
    expect(row).toMatch(new RegExp(`^org/tiny\\s+main=${commit.slice(0, 7)} \\(3 files\\)\\s+5\\.02 kB$`));

    const j = capture();
    expect(await runCommand(["models", "--json"], j.io)).toBe(0);
    const json = JSON.parse(j.out());
    expect(json.cacheDir).toBe(cache);
    expect(json.cache[0]).toMatchObject({ repoId: "org/tiny", sizeOnDisk: 5023 });
    expect(json.cache[0].revisions[0]).toMatchObject({ commit, refs: ["main"], files: 3, size: 5023 });
    expect(json.aliases.length).toBe(MODEL_ALIASES.length);
  });

  it("--download with --onnx-file takes the variant; offline it works from the cache", async () => {
    await useCache();
    const c = capture();
    expect(await runCommand(["models", "--download", "org/tiny", "--onnx-file", "fp16"], c.io)).toBe(0);
    expect(c.out()).toContain(join("onnx", "model_fp16.onnx"));
    process.env.HF_HUB_OFFLINE = "1";
    const n = hub.requests.length;
    const o = capture();
    expect(await runCommand(["models", "--download", "org/tiny", "--onnx-file", "fp16"], o.io)).toBe(0);
    expect(hub.requests.length).toBe(n);
  });

  it("lists converted llama2.c checkpoints from the conversion cache", async () => {
    await useCache();
    const conv = join(cache, "xdg", "pattern-lens", "llama2c", "abc123");
    await mkdir(join(conv, "onnx"), { recursive: true });
    await writeFile(join(conv, "onnx", "model.onnx"), new Uint8Array(1500));
    await writeFile(
      join(conv, "llama2c-source.json"),
      JSON.stringify({ checkpoint: "stories260K.bin", tokenizer: "tok512.bin" }),
    );
    const c = capture();
    expect(await runCommand(["models"], c.io)).toBe(0);
    const row = c
      .out()
      .split("\n")
      .find((l) => l.startsWith("stories260K.bin"));
    expect(row).toMatch(/^stories260K\.bin\s+tok512\.bin\s+1\.50 kB\s+.*abc123$/);
    const j = capture();
    expect(await runCommand(["models", "--json"], j.io)).toBe(0);
    expect(JSON.parse(j.out()).llama2c).toEqual([
      { dir: conv, checkpoint: "stories260K.bin", tokenizer: "tok512.bin", size: 1500 },
    ]);
  });

  it("a hub error reaches the CLI as a one-line PL_ error with exit code 2", async () => {
    await useCache();
    let thrown: unknown;
    try {
      await runCommand(["models", "--download", "org/missing"], capture().io);
    } catch (err) {
      thrown = err;
    }
    const report = describeError(thrown);
    expect(report.exitCode).toBe(2);
    expect(report.message).toMatch(/^pattern-lens: error \[PL_MODELS_HUB_REPO_NOT_FOUND\]: hub answered 404/);
    expect(report.message.includes("\n")).toBe(false);
  });
});
