import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import {
  aggregateHeadMetrics,
  decodePromptValues,
  encodePromptValues,
  type PromptValues,
} from "../src/index.ts";
import { mergeHeadMetrics, runMetrics } from "../src/node.ts";

const MODEL = "pythia-14m";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The Python-written demo (32 prompts) in a writable temp folder. */
function demoCopy(): string {
  const src = sharedPath("reference", "pattern-lens-demo");
  const dst = mkdtempSync(join(tmpdir(), "pl-merge-"));
  dirs.push(dst);
  mkdirSync(join(dst, MODEL, "prompts"), { recursive: true });
  for (const f of ["model_cfg.json", "prompts.jsonl"]) copyFileSync(join(src, MODEL, f), join(dst, MODEL, f));
  for (const h of readdirSync(join(src, MODEL, "prompts"))) {
    mkdirSync(join(dst, MODEL, "prompts", h));
    for (const f of ["prompt.json", "activations.npz"]) {
      copyFileSync(join(src, MODEL, "prompts", h, f), join(dst, MODEL, "prompts", h, f));
    }
  }
  return dst;
}

const headMetrics = (save: string) => readFileSync(join(save, MODEL, "head_metrics.jsonl"), "utf8");

describe("metrics over shards", () => {
  const single = demoCopy();
  let expected = "";

  it("3 shards, in any order, write head_metrics.jsonl byte for byte as one run", async () => {
    const whole = await runMetrics({ savePath: single, model: MODEL, jobs: 1 });
    expect(whole.prompts).toBe(32);
    expected = headMetrics(single);
    const save = demoCopy();
    const scored: number[] = [];
    for (const index of [2, 0, 1]) {
      const s = await runMetrics({
        savePath: save,
        model: MODEL,
        jobs: index === 0 ? 2 : 1,
        shard: { index, count: 3 },
      });
      scored.push(s.prompts);
      expect(s.promptsMerged).toBe(scored.reduce((a, b) => a + b, 0));
    }
    expect(scored.reduce((a, b) => a + b, 0)).toBe(32);
    expect(Math.min(...scored)).toBeGreaterThan(4);
    expect(headMetrics(save)).toBe(expected);
    // the merge step alone gives the same bytes again
    rmSync(join(save, MODEL, "head_metrics.jsonl"));
    const merged = await mergeHeadMetrics({ savePath: save, model: MODEL });
    expect(merged?.prompts).toBe(32);
    expect(merged?.notScored).toEqual([]);
    expect(headMetrics(save)).toBe(expected);
  });

  it("leaves out values older than their patterns, and refuses prompts scored differently", async () => {
    const save = demoCopy();
    await runMetrics({ savePath: save, model: MODEL, jobs: 1 });
    const hashes = readdirSync(join(save, MODEL, "prompts")).sort();
    const h0 = hashes[0] as string;
    const later = new Date(Date.now() + 5000);
    utimesSync(join(save, MODEL, "prompts", h0, "activations.npz"), later, later);
    const m = await mergeHeadMetrics({ savePath: save, model: MODEL });
    expect(m?.notScored).toEqual([h0]);
    expect(m?.prompts).toBe(31);

    const h1 = hashes[1] as string;
    await runMetrics({
      savePath: save,
      model: MODEL,
      jobs: 1,
      excludeBos: true,
      shard: { index: 0, count: 1 },
    });
    const f = join(save, MODEL, "prompts", h1, "head_metrics.json");
    const stored = JSON.parse(readFileSync(f, "utf8"));
    writeFileSync(f, JSON.stringify({ ...stored, exclude_bos: false }));
    await expect(mergeHeadMetrics({ savePath: save, model: MODEL })).rejects.toMatchObject({
      code: "PL_METRICS_MIXED",
    });
  });

  it("writes nothing where no prompt has saved values (a Python folder keeps its head_metrics.jsonl)", async () => {
    const save = demoCopy();
    writeFileSync(join(save, MODEL, "head_metrics.jsonl"), "kept\n");
    expect(await mergeHeadMetrics({ savePath: save, model: MODEL })).toBeUndefined();
    expect(headMetrics(save)).toBe("kept\n");
  });
});

describe("per-prompt values", () => {
  const metrics = ["a", "b"];
  const options = { excludeBos: false, excludeCurrentToken: true };

  it("round-trip through JSON bit for bit, NaN and infinities included", () => {
    const values = new Float64Array([
      0.1 + 0.2,
      Number.NaN,
      1e-310,
      Number.POSITIVE_INFINITY,
      -0.5,
      Number.NEGATIVE_INFINITY,
      1 / 3,
      2 ** -1074,
    ]);
    const p: PromptValues = { hash: "XUFAKrxLKna5cZ2REBfFkg", nLayers: 2, nHeads: 2, values };
    const stored = JSON.parse(JSON.stringify(encodePromptValues(p, metrics, options)));
    expect(stored.values.a).toEqual([
      [0.30000000000000004, 1e-310],
      [-0.5, 1 / 3],
    ]);
    const back = decodePromptValues(stored, metrics);
    expect(Buffer.from(back.values.buffer).equals(Buffer.from(values.buffer))).toBe(true);
  });

  it("aggregate to the same bits in any input order", () => {
    const prompts: PromptValues[] = Array.from({ length: 40 }, (_, i) => ({
      hash: `h${String(i).padStart(3, "0")}`,
      nLayers: 1,
      nHeads: 1,
      values: new Float64Array([Math.sin(i) * 10 ** (i % 7), i % 5 === 0 ? Number.NaN : 1 / (i + 1)]),
    }));
    const a = aggregateHeadMetrics(prompts, metrics, options).records;
    const shuffled = [...prompts].reverse();
    expect(aggregateHeadMetrics(shuffled, metrics, options).records).toEqual(a);
    expect(a[1]).toMatchObject({ metric: "b", count: 32, excluded: 8 });
  });
});
