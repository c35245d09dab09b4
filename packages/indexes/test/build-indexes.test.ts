import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildModelsIndex, buildPromptsIndex } from "../src/build-indexes.ts";
import { readJsonl } from "../src/json-file.ts";
import { ModelsIndexLineSchema, PromptMetaSchema } from "../src/schemas.ts";
import { demoDir } from "./support/reference.ts";
import { rejectsWith, useTempDir } from "./support/temp.ts";

/** A copy of the reference demo's JSON files (no npz/png) in a temp folder. */
function copyDemoJson(dest: string): void {
  cpSync(demoDir(), dest, {
    recursive: true,
    filter: (src) => !/\.(npz|png)$/.test(src) && !/[/\\]L\d+$/.test(src),
  });
}

describe("index builders", () => {
  const temp = useTempDir();

  it("buildPromptsIndex reproduces the Python prompts.jsonl lines byte for byte, sorted by hash", async () => {
    const save = join(temp(), "save");
    copyDemoJson(save);
    const original = readFileSync(join(save, "pythia-14m", "prompts.jsonl"), "utf8");
    rmSync(join(save, "pythia-14m", "prompts.jsonl"));
    const records = await buildPromptsIndex(save, "pythia-14m");
    expect(records.length).toBe(32);
    const hashes = records.map((r) => r.hash);
    expect(hashes).toEqual([...hashes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const written = readFileSync(join(save, "pythia-14m", "prompts.jsonl"), "utf8");
    expect(written.endsWith("\n")).toBe(true);
    expect(written.split("\n").sort()).toEqual(original.split("\n").sort());
    expect(await readJsonl(join(save, "pythia-14m", "prompts.jsonl"), PromptMetaSchema)).toEqual(records);
    // deterministic: a second run writes identical bytes
    await buildPromptsIndex(save, "pythia-14m");
    expect(readFileSync(join(save, "pythia-14m", "prompts.jsonl"), "utf8")).toBe(written);
  });

  it("buildModelsIndex writes one line per model folder, sorted, with sanitized_name = folder", async () => {
    const save = join(temp(), "save");
    copyDemoJson(save);
    mkdirSync(join(save, "EleutherAI-pythia-70m"));
    writeFileSync(
      join(save, "EleutherAI-pythia-70m", "model_cfg.json"),
      JSON.stringify({ model_name: "EleutherAI/pythia-70m", n_layers: 6, n_heads: 8, extra: [1] }),
    );
    mkdirSync(join(save, "not-a-model"));
    const lines = await buildModelsIndex(save);
    expect(lines.map((l) => [l.model_name, l.sanitized_name])).toEqual([
      ["EleutherAI/pythia-70m", "EleutherAI-pythia-70m"],
      ["pythia-14m", "pythia-14m"],
    ]);
    const back = await readJsonl(join(save, "models.jsonl"), ModelsIndexLineSchema);
    expect(back).toEqual(lines);
    const cfg = JSON.parse(readFileSync(join(demoDir(), "pythia-14m", "model_cfg.json"), "utf8"));
    expect(back[1]).toEqual({ ...cfg, sanitized_name: "pythia-14m" });
    expect(Object.keys(back[1]!)).toEqual([...Object.keys(cfg), "sanitized_name"]);
  });

  it("reads an old models.jsonl line without sanitized_name (the reference demo's)", async () => {
    const lines = await readJsonl(join(demoDir(), "models.jsonl"), ModelsIndexLineSchema);
    expect(lines[0]!.sanitized_name).toBe("pythia-14m");
  });

  it("reports missing folders, bad prompt.json and misplaced prompts with typed errors", async () => {
    const dir = temp();
    expect((await rejectsWith(buildModelsIndex(join(dir, "nope")))).code).toBe("PL_INDEXES_NOT_FOUND");
    expect((await rejectsWith(buildPromptsIndex(dir, "nope"))).code).toBe("PL_INDEXES_NOT_FOUND");
    mkdirSync(join(dir, "m", "prompts", "abc"), { recursive: true });
    expect(await buildPromptsIndex(dir, "m")).toEqual([]); // no prompt.json: skipped
    expect(readFileSync(join(dir, "m", "prompts.jsonl"), "utf8")).toBe("");
    writeFileSync(
      join(dir, "m", "prompts", "abc", "prompt.json"),
      '{"text": "x", "hash": "abc", "n_tokens": "1"}',
    );
    const bad = await rejectsWith(buildPromptsIndex(dir, "m"));
    expect(bad.code).toBe("PL_INDEXES_SCHEMA");
    expect(bad.message).toContain("n_tokens");
    writeFileSync(
      join(dir, "m", "prompts", "abc", "prompt.json"),
      '{"text": "x", "hash": "zzz", "n_tokens": 1, "tokens": ["x"]}',
    );
    const moved = await rejectsWith(buildPromptsIndex(dir, "m"));
    expect(moved.code).toBe("PL_INDEXES_SCHEMA");
    expect(moved.message).toContain("folder name");
  });
});
