import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promptHash, promptJsonPath, shardOfHash } from "@pattern-lens/indexes";
import { promptClaimPath, tryClaim } from "@pattern-lens/indexes/node";
import { describe, expect, it } from "vitest";
import { activationsMain } from "../src/index.ts";
import { gpt2TinyDir, gpt2TinyPrompts, tempDir } from "./_helpers.ts";

const MODEL = "gpt2-tiny-torch";

function promptsFile(): string {
  const p = join(tempDir(), "prompts.jsonl");
  writeFileSync(
    p,
    `${gpt2TinyPrompts()
      .map((r) => JSON.stringify({ text: r.text }))
      .join("\n")}\n`,
  );
  return p;
}

/** Every file under `dir` (relative path -> bytes). */
function tree(dir: string, base = dir, out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) tree(p, base, out);
    else out.set(p.slice(base.length + 1), readFileSync(p));
  }
  return out;
}

describe("activations shards and claims", () => {
  const cacheDir = tempDir();
  const base = { model: gpt2TinyDir(), minChars: 1, cacheDir, batchSize: 2 };

  it("shards 0/2 and 1/2 into one folder save the same files as one run", async () => {
    const prompts = promptsFile();
    const whole = tempDir();
    const all = await activationsMain({ ...base, prompts, savePath: whole });
    const save = tempDir();
    const parts = [];
    for (const index of [1, 0]) {
      parts.push(await activationsMain({ ...base, prompts, savePath: save, shard: { index, count: 2 } }));
    }
    const texts = gpt2TinyPrompts().map((r) => r.text);
    expect(parts.map((p) => p.total)).toEqual(
      [1, 0].map((k) => texts.filter((t) => shardOfHash(promptHash(t), 2) === k).length),
    );
    expect(parts[0]!.computed + parts[1]!.computed).toBe(all.computed);
    const a = tree(whole);
    const b = tree(save);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, v] of a) expect(b.get(k)?.equals(v), k).toBe(true);
  });

  it("leaves a prompt another live process has claimed to it, and computes it once released", async () => {
    const prompts = promptsFile();
    const save = tempDir();
    const hash = promptHash(gpt2TinyPrompts()[0]!.text);
    // this test process stands for the other writer: its claim is live
    const claim = await tryClaim(promptClaimPath(save, MODEL, hash, "activations"));
    const first = await activationsMain({ ...base, prompts, savePath: save });
    expect(first.leftToOthers).toBe(1);
    expect(first.computed).toBe(first.total - 1);
    expect(existsSync(promptJsonPath(save, MODEL, hash))).toBe(false);
    await claim?.release();
    const second = await activationsMain({ ...base, prompts, savePath: save });
    expect([second.computed, second.leftToOthers, second.skipped]).toEqual([1, 0, first.total - 1]);
    expect(existsSync(promptClaimPath(save, MODEL, hash, "activations"))).toBe(false);
  });
});
