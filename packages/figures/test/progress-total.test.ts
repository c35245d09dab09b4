// The progress a caller sees ends at its total, and the summary adds up to the same total, also
// when a prompt is skipped (its figures counted as not made) and when everything is already done.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type RunProgress, runFigures } from "../src/index.ts";
import { copyDemoInputs, DEMO_MODEL } from "./support/data.ts";

const save = copyDemoInputs();
afterAll(() => rmSync(save, { recursive: true, force: true }));

async function run(): Promise<{ last: RunProgress; summary: Awaited<ReturnType<typeof runFigures>> }> {
  const seen: RunProgress[] = [];
  const summary = await runFigures({
    savePath: save,
    model: DEMO_MODEL,
    figureFuncs: "raw",
    jobs: 1,
    nSamples: 4,
    onProgress: (p) => seen.push({ ...p }),
  });
  expect(seen.length).toBeGreaterThan(0);
  return { last: seen[seen.length - 1]!, summary };
}

describe("progress total", () => {
  it("ends at the total with a skipped prompt, and again when everything is already done", async () => {
    const hashes = readFileSync(join(save, DEMO_MODEL, "prompts.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { hash: string }).hash);
    // a damaged archive: that prompt is skipped with a reason, its figures not made
    writeFileSync(join(save, DEMO_MODEL, "prompts", hashes[1]!, "activations.npz"), "not a zip file");

    const first = await run();
    const perPrompt = 6 * 4; // 6 layers x 4 heads x 1 figure
    expect(first.summary.total).toBe(4 * perPrompt);
    expect(first.summary.promptsSkipped.map((s) => s.hash)).toEqual([hashes[1]]);
    expect(first.summary.written).toBe(3 * perPrompt);
    expect(first.last.done).toBe(first.summary.total);
    expect(first.last.total).toBe(first.summary.total);
    const s = first.summary;
    expect(s.written + s.skipped + s.failed + s.promptsSkipped.length * perPrompt).toBe(s.total);

    const again = await run();
    expect(again.summary.written).toBe(0);
    expect(again.summary.skipped).toBe(3 * perPrompt);
    expect(again.last.done).toBe(again.summary.total);
  });
});
