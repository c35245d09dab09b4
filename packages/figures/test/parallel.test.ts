import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodePng } from "@pattern-lens/figure-util";
import { runPool } from "@pattern-lens/runner";
import { afterEach, describe, expect, it } from "vitest";
import type { PromptOutcome, PromptTask } from "../src/_process-prompt.ts";
import { poolError } from "../src/errors.ts";
import { runFigures, unregisterAttnFigureFunc } from "../src/index.ts";
import { copyDemoInputs, DEMO_MODEL, tempDir } from "./support/data.ts";
import { fileTree } from "./support/tree.ts";

const figureFile = (rel: string) => /\/L\d+\/H\d+\//.test(rel);

const cleanup: string[] = [];
afterEach(() => {
  for (const n of cleanup.splice(0)) unregisterAttnFigureFunc(n);
});

/** The first `n` prompts of the demo as pool tasks. */
function demoTasks(save: string, n: number): PromptTask[] {
  const lines = readFileSync(join(save, DEMO_MODEL, "prompts.jsonl"), "utf8")
    .trim()
    .split("\n");
  return lines.slice(0, n).map((l, index) => {
    const p = JSON.parse(l) as { hash: string; tokens: string[] };
    const promptDir = join(save, DEMO_MODEL, "prompts", p.hash);
    return { index, hash: p.hash, tokens: p.tokens, promptDir, nLayers: 6, nHeads: 4 };
  });
}

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

  it("worker threads load a user's TypeScript module and render its figure", async () => {
    const save = copyDemoInputs();
    const mod = join(tempDir("pl-figures-mod-"), "flat.ts");
    writeFileSync(
      mod,
      `import { defineMatrixFigure } from "@pattern-lens/figure-util";
const half: number = 0.5;
export default defineMatrixFigure({ name: "ts_half", doc: "0.5 everywhere", fmt: "png", cmap: "Greys" }, (p) => ({
  data: new Float32Array(p.shape[0]! * p.shape[1]!).fill(half),
  shape: [p.shape[0]!, p.shape[1]!],
}));
`,
    );
    cleanup.push("ts_half");
    const s = await runFigures({
      savePath: save,
      model: DEMO_MODEL,
      nSamples: 2,
      figureFuncs: "ts_half",
      modules: [mod],
      jobs: 2,
      renderInMainThread: false,
    });
    expect([s.jobs, s.written, s.failed]).toEqual([2, 48, 0]);
    const hash = demoTasks(save, 1)[0]!.hash;
    const img = decodePng(readFileSync(join(save, DEMO_MODEL, "prompts", hash, "L3", "H2", "ts_half.png")));
    // Greys at 0.5: index 128 of matplotlib's table, (149, 149, 149)
    expect([...img.data.subarray(0, 4)]).toEqual([149, 149, 149, 255]);
  });

  it("starts workers beside this thread once the queued prompts would take it long enough", async () => {
    const save = copyDemoInputs();
    const mod = join(tempDir("pl-figures-mod-"), "slow.mjs");
    // 8 ms of busy work per head: a layer takes this thread >= 32 ms, two queued prompts >= 0.38 s
    writeFileSync(
      mod,
      `import { defineMatrixFigure } from "@pattern-lens/figure-util";
export default defineMatrixFigure({ name: "slow_raw", doc: "raw, slowly", fmt: "png", normalize: true, cmap: "Blues" }, (p) => {
  const until = performance.now() + 8;
  while (performance.now() < until);
  return p;
});
`,
    );
    cleanup.push("slow_raw");
    const opts = { savePath: save, model: DEMO_MODEL, nSamples: 3, figureFuncs: "slow_raw", modules: [mod] };
    const s = await runFigures({ ...opts, jobs: 2 });
    expect([s.jobs, s.written, s.failed]).toEqual([2, 72, 0]);
  });

  it("keeps a run on this thread while the queued work is below the pay-off", async () => {
    const save = copyDemoInputs();
    const tasks = demoTasks(save, 3);
    const rendered: number[] = [];
    const local = async (task: PromptTask, onLayer: () => void): Promise<PromptOutcome> => {
      for (let l = 0; l < task.nLayers; l++) onLayer();
      rendered.push(task.index);
      return { index: task.index, hash: task.hash, written: 0, skipped: 0, failed: 0, failures: [] };
    };
    const base = {
      jobs: 2,
      worker: join(import.meta.dirname, "../src/worker.ts"),
      init: {
        modules: [],
        settings: { savePath: save, modelName: DEMO_MODEL, force: false, figureNames: ["raw"] },
      },
      weight: (t: PromptTask) => t.nLayers,
      onOutcome: () => {},
      local,
      toError: poolError,
    };
    expect(await runPool({ ...base, tasks, payoffMs: Number.POSITIVE_INFINITY })).toBe(1);
    expect(rendered).toEqual([0, 1, 2]);
    // with no pay-off to wait for, a worker starts after this thread's first layer
    const outcomes: PromptOutcome[] = [];
    const threads = await runPool({ ...base, tasks, payoffMs: -1, onOutcome: (o) => outcomes.push(o) });
    expect(threads).toBe(2);
    expect(outcomes.map((o) => o.index).sort()).toEqual([0, 1, 2]);
  });
});
