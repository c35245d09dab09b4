/**
 * Issue 5's end-to-end check: `HF_ENDPOINT=http://127.0.0.1:PORT pattern-lens activations --model
 * org/name ...` downloads the model from a (mock) hub into the HF cache and captures patterns equal
 * to the PyTorch reference; a second run with `HF_HUB_OFFLINE=1` works from the cache alone.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { activationsPath, promptHash, toFloat32 } from "@pattern-lens/indexes";
import { readNpzFile } from "@pattern-lens/indexes/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import {
  type MockHub,
  mockFilesFromDir,
  startMockHub,
} from "../../../packages/models/test/fixtures/mock-hub.ts";
import { runCommand } from "../src/program.ts";

const REPO = "org/gpt2-tiny-torch";
let hub: MockHub;
let tmp: string;
const savedEnv = { ...process.env };

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

beforeAll(async () => {
  const dir = sharedPath("models", "gpt2-tiny-torch");
  hub = await startMockHub([
    {
      repoId: REPO,
      commits: [{ refs: ["main"], files: mockFilesFromDir(dir, (p) => !p.startsWith("reference/")) }],
    },
  ]);
  tmp = await mkdtemp(join(tmpdir(), "pl-hub-e2e-"));
});
afterAll(async () => {
  process.env = { ...savedEnv };
  await hub.close();
  await rm(tmp, { recursive: true, force: true });
});

interface RefPrompt {
  text: string;
  input_ids: number[];
}

async function expectReferencePatterns(save: string, prompts: RefPrompt[]) {
  for (const [j, p] of prompts.entries()) {
    const got = await readNpzFile(activationsPath(save, "gpt2-tiny-torch", promptHash(p.text)));
    const ref = await readNpzFile(sharedPath("models", "gpt2-tiny-torch", "reference", `prompt${j}.npz`));
    for (const layer of [0, 1]) {
      const key = `blocks.${layer}.attn.hook_pattern`;
      const a = got.get(key);
      const b = ref.get(key);
      expect(a?.shape, `${j} ${key}`).toEqual(b?.shape);
      const fa = toFloat32(a!);
      const fb = toFloat32(b!);
      let max = 0;
      for (let i = 0; i < fa.length; i++) max = Math.max(max, Math.abs(fa[i]! - fb[i]!));
      expect(max, `prompt ${j} ${key}`).toBeLessThan(1e-5);
    }
    const meta = JSON.parse(
      await readFile(join(save, "gpt2-tiny-torch", "prompts", promptHash(p.text), "prompt.json"), "utf8"),
    );
    expect(meta.token_ids).toEqual(p.input_ids);
  }
}

describe("pattern-lens activations --model org/name through a hub", () => {
  it("downloads from HF_ENDPOINT into the HF cache, then runs offline from the cache", async () => {
    const prompts = (
      await readFile(sharedPath("models", "gpt2-tiny-torch", "reference", "prompts.jsonl"), "utf8")
    )
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as RefPrompt);
    const promptsFile = join(tmp, "prompts.jsonl");
    await writeFile(promptsFile, prompts.map((p) => JSON.stringify({ text: p.text })).join("\n"));
    const hfCache = join(tmp, "hf");
    process.env.HF_ENDPOINT = hub.url;
    process.env.HF_HUB_CACHE = hfCache;
    delete process.env.HF_HUB_OFFLINE;
    delete process.env.HF_TOKEN;

    const args = (save: string) => [
      "activations",
      "--model",
      REPO,
      "--prompts",
      promptsFile,
      "--save-path",
      save,
      "--min-chars",
      "1",
      "--no-index-html",
      "--cache-dir",
      join(tmp, "pl-cache"),
    ];
    const online = capture();
    expect(await runCommand(args(join(tmp, "save-online")), online.io)).toBe(0);
    const commit = hub.commitOf(REPO, "main");
    expect(await readFile(join(hfCache, "models--org--gpt2-tiny-torch", "refs", "main"), "utf8")).toBe(
      commit,
    );
    expect(hub.requests.some((r) => r.server === "cdn" && r.method === "GET")).toBe(true);
    await expectReferencePatterns(join(tmp, "save-online"), prompts);

    process.env.HF_HUB_OFFLINE = "1";
    const n = hub.requests.length;
    const offline = capture();
    expect(await runCommand(args(join(tmp, "save-offline")), offline.io)).toBe(0);
    expect(hub.requests.length).toBe(n);
    await expectReferencePatterns(join(tmp, "save-offline"), prompts);
  });
});
