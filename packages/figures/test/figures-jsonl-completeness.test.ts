import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { shardOfHash } from "@pattern-lens/indexes";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { registerAttnFigureFunc, runFigures, unregisterAttnFigureFunc } from "../src/index.ts";
import { copyDemoInputs, DEMO_MODEL } from "./support/data.ts";

const dirs: string[] = [];
const names: string[] = [];
afterEach(() => {
  for (const n of names.splice(0)) unregisterAttnFigureFunc(n);
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function demo(): string {
  const d = copyDemoInputs();
  dirs.push(d);
  return d;
}

/** figures.jsonl as name → line. */
function index(save: string): Map<string, Record<string, unknown>> {
  const lines = readFileSync(join(save, "figures.jsonl"), "utf8").trim().split("\n");
  return new Map(lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((l) => [String(l.name), l]));
}

/** A tiny figure (one grey pixel per key) that throws where `fails(layer, head)` says. */
function register(name: string, fails: (layer: number, head: number) => boolean): void {
  names.push(name);
  registerAttnFigureFunc({
    name,
    fmt: "svg",
    render: (_p, ctx) => {
      if (fails(ctx.layer, ctx.head)) throw new Error(`${name} fails here`);
      return new TextEncoder().encode(
        `<svg xmlns="http://www.w3.org/2000/svg"><title>${ctx.layer}.${ctx.head}</title></svg>`,
      );
    },
  });
}

describe("figures.jsonl lists what has files", () => {
  it("--figure-funcs 'attn_*' registers only the selected functions", async () => {
    const save = demo();
    const s = await runFigures({
      savePath: save,
      model: DEMO_MODEL,
      figureFuncs: "attn_*",
      nSamples: 2,
      jobs: 1,
    });
    expect(s.failed).toBe(0);
    const idx = index(save);
    expect([...idx.keys()]).toEqual(["attn_by_distance", "attn_received"]);
    // two of the prompts, and no earlier run: not complete yet
    for (const l of idx.values()) expect(l.complete).toBe(false);
  });

  it("leaves out a function that failed on every head, and marks one that failed on some heads", async () => {
    const save = demo();
    register("fails_everywhere", () => true);
    register("fails_layer0", (layer) => layer === 0);
    const s = await runFigures({
      savePath: save,
      model: DEMO_MODEL,
      figureFuncs: "fails_*",
      nSamples: 2,
      jobs: 1,
    });
    expect([s.written, s.failed]).toEqual([2 * 5 * 4, 2 * 6 * 4 + 2 * 4]);
    const idx = index(save);
    expect([...idx.keys()]).toEqual(["fails_layer0"]);
    expect(idx.get("fails_layer0")?.complete).toBe(false);
  });

  it("a run on some prompts is complete only once a run covered them all; other lines stay", async () => {
    const save = demo();
    register("tiny", () => false);
    const run = (nSamples?: number) =>
      runFigures({
        savePath: save,
        model: DEMO_MODEL,
        figureFuncs: "tiny",
        jobs: 1,
        ...(nSamples ? { nSamples } : {}),
      });
    await run(2);
    expect(index(save).get("tiny")?.complete).toBe(false);
    await run();
    expect(index(save).get("tiny")?.complete).toBeUndefined();
    await run(2); // the earlier full run's files are still there
    expect(index(save).get("tiny")?.complete).toBeUndefined();
    // a later run of other functions keeps tiny's line as it was (registered, complete)
    await runFigures({ savePath: save, model: DEMO_MODEL, figureFuncs: "raw", nSamples: 1, jobs: 1 });
    const idx = index(save);
    expect(idx.get("tiny")).toMatchObject({ name: "tiny", figure_save_fmt: "svg" });
    expect(idx.get("tiny")?.registered).toBeUndefined();
    expect(idx.get("tiny")?.complete).toBeUndefined();
    expect(idx.get("raw")?.complete).toBe(false);
  });

  it("a shard given its own prompts (as `run --shard` passes them) is complete, not a sample", async () => {
    const save = demo();
    register("tiny", () => false);
    const hashes = readFileSync(join(save, DEMO_MODEL, "prompts.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { hash: string }).hash);
    const shard = { index: 1, count: 3 };
    const own = hashes.filter((h) => shardOfHash(h, 3) === 1);
    const run = (promptHashes: string[]) =>
      runFigures({ savePath: save, model: DEMO_MODEL, figureFuncs: "tiny", jobs: 1, shard, promptHashes });
    await run(own.slice(1)); // one prompt of the shard short: a sample
    expect(index(save).get("tiny")?.complete).toBe(false);
    await run(own);
    expect(index(save).get("tiny")?.complete).toBeUndefined();
  });
});
