import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnTsChild } from "#test-support/child.ts";
import { publishConverged } from "../src/build-indexes.ts";
import { promptHash } from "../src/prompt-hash.ts";
import { useTempDir } from "./support/temp.ts";

const temp = useTempDir();

function run(options: Record<string, unknown>): Promise<void> {
  const script = join(import.meta.dirname, "fixtures/publish-child.ts");
  const child = spawnTsChild(import.meta.url, script, [], {
    env: { PL_CHILD_OPTIONS: JSON.stringify(options) },
  });
  let err = "";
  child.stderr.on("data", (d) => {
    err += String(d);
  });
  return new Promise((resolve, reject) =>
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`child failed (${code}): ${err}`)),
    ),
  );
}

describe("publishConverged", () => {
  it("rewrites until a listing after the write matches what it wrote", async () => {
    // another writer publishes "b" while this one writes, and "c" while it rewrites
    const listings = [["a"], ["a", "b"], ["a", "b", "c"], ["a", "b", "c"]];
    const written: string[][] = [];
    const out = await publishConverged(
      async () => listings.shift() ?? [],
      async (entries) => {
        written.push(entries);
        return entries.length;
      },
    );
    expect(written).toEqual([["a"], ["a", "b"], ["a", "b", "c"]]);
    expect(out).toBe(3);
  });
});

describe("concurrent index writers", () => {
  it("lose no line: 4 processes publishing prompts and models into one folder", async () => {
    const save = temp();
    const writers = Array.from({ length: 4 }, (_, w) => ({
      save,
      // two models, each written by two processes
      model: `model-${w % 2}`,
      texts: Array.from({ length: 25 }, (_, i) => `writer ${w} prompt ${i}`),
    }));
    await Promise.all(writers.map(run));
    for (const m of [0, 1]) {
      const lines = readFileSync(join(save, `model-${m}`, "prompts.jsonl"), "utf8")
        .trim()
        .split("\n");
      const expected = writers.filter((w) => w.model === `model-${m}`).flatMap((w) => w.texts);
      expect(lines.map((l) => JSON.parse(l).hash).sort()).toEqual(expected.map(promptHash).sort());
    }
    const models = readFileSync(join(save, "models.jsonl"), "utf8").trim().split("\n");
    expect(models.map((l) => JSON.parse(l).sanitized_name)).toEqual(["model-0", "model-1"]);
  }, 60_000);
});
