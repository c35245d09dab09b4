import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSavedPrompts } from "../src/saved-prompts.ts";
import { demoDir } from "./support/reference.ts";
import { rejectsWith, useTempDir } from "./support/temp.ts";

const MODEL = "pythia-14m";

/** A copy of the reference demo's JSON files (no npz/png) in a temp folder. */
function copyDemoJson(dest: string): void {
  cpSync(demoDir(), dest, {
    recursive: true,
    filter: (src) => !/\.(npz|png)$/.test(src) && !/[/\\]L\d+$/.test(src),
  });
}

const hashesOf = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { hash: string }).hash);

describe("readSavedPrompts", () => {
  const temp = useTempDir();

  it("gives prompts.jsonl's lines in their order when it lists every saved prompt", async () => {
    const save = join(temp(), "save");
    copyDemoJson(save);
    const index = join(save, MODEL, "prompts.jsonl");
    const got = await readSavedPrompts(save, MODEL);
    expect(got.map((p) => p.hash)).toEqual(hashesOf(index));
    expect(got.length).toBe(32);
  });

  it("adds, sorted by hash, saved prompts that an index rebuilt by another writer does not list yet", async () => {
    const save = join(temp(), "save");
    copyDemoJson(save);
    const index = join(save, MODEL, "prompts.jsonl");
    const all = readFileSync(index, "utf8").split("\n").filter(Boolean);
    // the index of a writer that listed the folders before three prompts were saved
    const dropped = [all[3]!, all[0]!, all[20]!].map((l) => (JSON.parse(l) as { hash: string }).hash);
    writeFileSync(index, `${all.filter((_, i) => i !== 0 && i !== 3 && i !== 20).join("\n")}\n`);
    // a prompt folder still being written (no prompt.json yet), and one with a damaged prompt.json
    mkdirSync(join(save, MODEL, "prompts", "AAAAnotSavedYet"));
    mkdirSync(join(save, MODEL, "prompts", "AAAAdamaged"));
    writeFileSync(join(save, MODEL, "prompts", "AAAAdamaged", "prompt.json"), "{");
    const got = await readSavedPrompts(save, MODEL);
    expect(got.length).toBe(32);
    expect(got.slice(0, 29).map((p) => p.hash)).toEqual(hashesOf(index));
    expect(got.slice(29).map((p) => p.hash)).toEqual([...dropped].sort());
    const first = JSON.parse(all[0]!) as Record<string, unknown>;
    expect(got.find((p) => p.hash === first.hash)).toEqual(first);
  });

  it("needs prompts.jsonl: PL_INDEXES_NOT_FOUND without it", async () => {
    const save = join(temp(), "save");
    mkdirSync(join(save, MODEL, "prompts"), { recursive: true });
    expect((await rejectsWith(readSavedPrompts(save, MODEL))).code).toBe("PL_INDEXES_NOT_FOUND");
  });
});
