/**
 * `--shard K/N` and the Slurm environment on the real CLI: two shards of `run` on one data folder,
 * then `index`, give what one `run` gives (the same prompts, npz bytes, index lines and
 * head_metrics.jsonl); each shard computes only its own prompts and says which shard it runs.
 * Real ONNX Runtime on the embedded demo model; the CLI through runCommand.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shardOfHash } from "@pattern-lens/indexes";
import { buildDemoModel, DEMO_MODEL_NAME } from "@pattern-lens/models";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../src/program.ts";
import { capture } from "./support/capture.ts";

const root = mkdtempSync(join(tmpdir(), "pl-cli-shard-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let modelDir = "";
let prompts = "";
const cache = join(root, "cache");
const TEXTS = [
  "the cat sat on the mat",
  "red green red green",
  "a b c a b c",
  "one two three one two three",
  "hello world hello",
  "abc abc abc",
  "to be or not to be",
  "x y z x y z x",
];

beforeAll(async () => {
  modelDir = (await buildDemoModel(join(root, DEMO_MODEL_NAME))).dir;
  prompts = join(root, "prompts.jsonl");
  writeFileSync(prompts, TEXTS.map((text) => `${JSON.stringify({ text })}\n`).join(""));
});

const run = (save: string, ...extra: string[]) => [
  "run",
  "--model",
  modelDir,
  "--prompts",
  prompts,
  "--save-path",
  save,
  "--min-chars",
  "1",
  "--cache-dir",
  cache,
  "--figure-funcs",
  "raw",
  "--jobs",
  "1",
  "--no-index-html",
  ...extra,
];

const promptFolders = (save: string) =>
  readdirSync(join(save, DEMO_MODEL_NAME, "prompts"))
    .filter((h) => existsSync(join(save, DEMO_MODEL_NAME, "prompts", h, "activations.npz")))
    .sort();
const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean).sort();

describe("--shard and SLURM_ARRAY_TASK_* on the CLI", () => {
  it("two shards then `index` equal one run; each shard computes only its own prompts", async () => {
    const single = join(root, "single");
    expect(await runCommand(run(single), capture().io)).toBe(0);
    const all = promptFolders(single);
    expect(all.length).toBe(TEXTS.length);

    const sharded = join(root, "sharded");
    const c0 = capture();
    expect(await runCommand(run(sharded, "--shard", "0/2"), c0.io)).toBe(0);
    expect(c0.text()).toContain("shard 0/2 (--shard)");
    const first = promptFolders(sharded);
    expect(first).toEqual(all.filter((h) => shardOfHash(h, 2) === 0));
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(all.length);

    const saved = { id: process.env.SLURM_ARRAY_TASK_ID, count: process.env.SLURM_ARRAY_TASK_COUNT };
    process.env.SLURM_ARRAY_TASK_ID = "1";
    process.env.SLURM_ARRAY_TASK_COUNT = "2";
    const c1 = capture();
    try {
      expect(await runCommand(run(sharded), c1.io)).toBe(0);
    } finally {
      if (saved.id === undefined) delete process.env.SLURM_ARRAY_TASK_ID;
      else process.env.SLURM_ARRAY_TASK_ID = saved.id;
      if (saved.count === undefined) delete process.env.SLURM_ARRAY_TASK_COUNT;
      else process.env.SLURM_ARRAY_TASK_COUNT = saved.count;
    }
    expect(c1.text()).toContain("shard 1/2 (SLURM_ARRAY_TASK_ID=1");

    const ci = capture();
    expect(await runCommand(["index", "--save-path", sharded], ci.io)).toBe(0);
    expect(ci.text()).toContain(`index: ${DEMO_MODEL_NAME}: ${TEXTS.length} prompts`);

    expect(promptFolders(sharded)).toEqual(all);
    for (const h of all) {
      const p = (save: string) => join(save, DEMO_MODEL_NAME, "prompts", h, "activations.npz");
      expect(readFileSync(p(sharded)).equals(readFileSync(p(single))), h).toBe(true);
      const fig = (save: string) => join(save, DEMO_MODEL_NAME, "prompts", h, "L1", "H0", "raw.png");
      expect(readFileSync(fig(sharded)).equals(readFileSync(fig(single))), h).toBe(true);
    }
    expect(lines(join(sharded, DEMO_MODEL_NAME, "prompts.jsonl"))).toEqual(
      lines(join(single, DEMO_MODEL_NAME, "prompts.jsonl")),
    );
    expect(readFileSync(join(sharded, DEMO_MODEL_NAME, "head_metrics.jsonl"), "utf8")).toBe(
      readFileSync(join(single, DEMO_MODEL_NAME, "head_metrics.jsonl"), "utf8"),
    );
    const names = (save: string) =>
      lines(join(save, "figures.jsonl")).map((l) => (JSON.parse(l) as { name: string }).name);
    expect(names(sharded)).toEqual(names(single));
  });

  it("a bad --shard is a user error (PL_INDEXES_SHARD_INVALID) before any work", async () => {
    const c = capture();
    const save = join(root, "bad");
    // runCommand throws user errors; runMain turns every PL_ code into one line and exit 2
    await expect(runCommand(run(save, "--shard", "2/2"), c.io)).rejects.toMatchObject({
      code: "PL_INDEXES_SHARD_INVALID",
    });
    expect(existsSync(join(save, DEMO_MODEL_NAME, "prompts"))).toBe(false);
  });
});
