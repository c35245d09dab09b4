import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type KilledChild, runTsChildAndKill } from "#test-support/child.ts";
import { sharedPath } from "#test-support/shared.ts";
import { activationsMain } from "../src/index.ts";
import { gpt2TinyDir, tempDir } from "./_helpers.ts";

function tree(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) tree(p, base, out);
    else out.set(p.slice(base.length + 1), readFileSync(p).toString("base64"));
  }
  return out;
}

/** Runs the activations pipeline in a real child process (TypeScript through jiti, workspace sources aliased). */
function runChild(options: Record<string, unknown>, killAfter: number): Promise<KilledChild> {
  const script = join(import.meta.dirname, "fixtures/run-child.ts");
  return runTsChildAndKill(
    import.meta.url,
    script,
    ["indexes/node", "indexes/schemas", "indexes", "onnx/node", "onnx"],
    options,
    killAfter,
  );
}

describe("kill -9 and resume", () => {
  it("a run killed with SIGKILL resumes to the same files as an uninterrupted run", async () => {
    const cacheDir = tempDir();
    const base = {
      model: gpt2TinyDir(),
      prompts: sharedPath("prompts", "pile_5.jsonl"),
      minChars: 50,
      maxChars: 300,
      batchSize: 1,
      cacheDir,
    };
    const full = tempDir();
    const whole = await activationsMain({ ...base, savePath: full });
    expect(whole.computed).toBeGreaterThan(6);

    const killed = tempDir();
    const r = await runChild({ ...base, savePath: killed }, 3);
    expect(r.finished).toBe(false);
    expect(r.killedAt).toBeGreaterThanOrEqual(3);
    expect(r.killedAt).toBeLessThan(r.total);

    const resumed = await activationsMain({ ...base, savePath: killed });
    expect(resumed.skipped).toBeGreaterThanOrEqual(3);
    const { hashes: _h, ...counts } = resumed;
    expect(resumed.skipped + resumed.computed, JSON.stringify(counts)).toBe(whole.computed);
    const a = tree(full);
    const b = tree(killed);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, v] of a) expect(b.get(k), k).toBe(v);
  }, 240_000);
});
