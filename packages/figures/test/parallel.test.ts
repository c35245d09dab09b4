import { describe, expect, it } from "vitest";
import { runFigures } from "../src/index.ts";
import { copyDemoInputs, DEMO_MODEL } from "./support/data.ts";
import { fileTree } from "./support/tree.ts";

const figureFile = (rel: string) => /\/L\d+\/H\d+\//.test(rel);

describe("parallel runner", () => {
  it("--jobs 2 writes the same files, byte for byte, as --jobs 1", async () => {
    const a = copyDemoInputs();
    const b = copyDemoInputs();
    const one = await runFigures({ savePath: a, model: DEMO_MODEL, nSamples: 2, jobs: 1 });
    const progress: number[] = [];
    const two = await runFigures({
      savePath: b,
      model: DEMO_MODEL,
      nSamples: 2,
      jobs: 2,
      renderInMainThread: false, // two worker threads render everything
      onProgress: (p) => progress.push(p.done),
    });
    expect(two.jobs).toBe(2);
    expect(one.jobs).toBe(1);
    expect({ ...two, elapsedMs: 0, jobs: 0 }).toEqual({ ...one, elapsedMs: 0, jobs: 0 });
    expect(one.failed).toBe(0);
    const ta = fileTree(a, figureFile);
    const tb = fileTree(b, figureFile);
    expect(ta.size).toBe(one.written);
    expect([...tb.keys()].sort()).toEqual([...ta.keys()].sort());
    for (const [k, v] of ta) expect(tb.get(k)?.equals(v), k).toBe(true);
    expect(progress.at(-1)).toBe(one.written);
  });
});
