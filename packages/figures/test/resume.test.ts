import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type KilledChild, runTsChildAndKill } from "#test-support/child.ts";
import { runFigures } from "../src/index.ts";
import { copyDemoInputs, DEMO_MODEL } from "./support/data.ts";
import { fileTree } from "./support/tree.ts";

/** Runs a figures run in a real child process (TypeScript through jiti) and kills it with SIGKILL once `killAfter` figures are done. */
function runAndKill(options: Record<string, unknown>, killAfter: number): Promise<KilledChild> {
  const script = join(import.meta.dirname, "fixtures/run-child.ts");
  const entries = ["indexes/node", "indexes/schemas", "indexes", "figure-util", "runner", "runner/registry"];
  return runTsChildAndKill(import.meta.url, script, entries, options, killAfter);
}

const figureFile = (rel: string) => /\/L\d+\/H\d+\//.test(rel);

describe("kill -9 and resume", () => {
  it("a figures run killed with SIGKILL resumes to the same files as an uninterrupted run", async () => {
    const opts = { model: DEMO_MODEL, nSamples: 6, figureFuncs: "raw,raw_log", jobs: 1 };
    const clean = copyDemoInputs();
    const whole = await runFigures({ ...opts, savePath: clean });
    expect(whole.written).toBe(6 * 24 * 2);

    const save = copyDemoInputs();
    const { killedAt, finished } = await runAndKill({ ...opts, savePath: save }, 100);
    expect(finished).toBe(false);
    expect(killedAt).toBeGreaterThanOrEqual(100);
    expect(killedAt).toBeLessThan(whole.written);
    // what the killed run left: only whole layers (4 heads x 2 figures), plus maybe a staged layer
    const left = fileTree(save, figureFile);
    expect(left.size).toBeGreaterThan(0);
    expect(left.size % 8).toBe(0);
    for (const [rel, bytes] of left)
      expect(bytes.equals(fileTree(clean, figureFile).get(rel)!), rel).toBe(true);

    const resumed = await runFigures({ ...opts, savePath: save });
    expect(resumed.failed).toBe(0);
    expect(resumed.skipped).toBe(left.size);
    expect(resumed.written + resumed.skipped).toBe(whole.written);
    const a = fileTree(clean, figureFile);
    const b = fileTree(save, figureFile);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [rel, bytes] of a) expect(b.get(rel)?.equals(bytes), rel).toBe(true);
    // no staged folder or temp file is left behind in any prompt folder
    const prompts = join(save, DEMO_MODEL, "prompts");
    const leftovers = readdirSync(prompts).flatMap((h) =>
      readdirSync(join(prompts, h)).filter((f) => f.startsWith(".")),
    );
    expect(leftovers).toEqual([]);
  });
});
