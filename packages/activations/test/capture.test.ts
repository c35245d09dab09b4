import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPatterns, openPatternModel, type PatternModel, runPatternBatch } from "../src/index.ts";
import {
  gpt2TinyDir,
  gpt2TinyPrompts,
  gpt2TinyReference,
  maxAbsDiff,
  tempDir,
  toFloat32,
} from "./_helpers.ts";

describe("getPatterns on gpt2-tiny-torch (a real PyTorch export, explicit Softmax)", () => {
  let pm: PatternModel;
  beforeAll(async () => {
    pm = await openPatternModel({ model: gpt2TinyDir(), cacheDir: tempDir() });
  });
  afterAll(async () => pm?.close());

  it("finds the two attention Softmax nodes in layer order", () => {
    expect(pm.instrumented.plan.method).toBe("softmax");
    expect(pm.nLayers).toBe(2);
    expect(pm.nCtx).toBe(256);
  });

  it("matches the PyTorch eager patterns within 1e-5 with the reference token ids", async () => {
    for (const [j, ref] of gpt2TinyPrompts().entries()) {
      const p = await getPatterns(pm, ref.text);
      expect(p.tokenIds).toEqual(ref.input_ids);
      expect(p.tokens).toEqual(ref.tokens);
      const npz = gpt2TinyReference(j);
      for (const [l, layer] of p.layers.entries()) {
        const want = npz.get(`blocks.${l}.attn.hook_pattern`);
        if (!want) throw new Error(`reference lacks layer ${l}`);
        expect(want.shape).toEqual([1, layer.nHeads, layer.n, layer.n]);
        expect(maxAbsDiff(toFloat32(want), layer.data)).toBeLessThan(1e-5);
      }
    }
  });

  it("gives batched (right-padded) results equal to single-prompt results, atol 0", async () => {
    const rows = gpt2TinyPrompts().map((r) => r.input_ids);
    const batched = await runPatternBatch(pm, rows);
    for (const [j, row] of rows.entries()) {
      const [single] = await runPatternBatch(pm, [row]);
      for (let l = 0; l < pm.nLayers; l++) {
        expect(maxAbsDiff(batched[j]?.layers[l]?.data ?? [], single?.layers[l]?.data ?? [])).toBe(0);
      }
    }
  });

  it("cuts a prompt longer than the context and says so", async () => {
    const p = await getPatterns(pm, "word ".repeat(400));
    expect(p.truncated).toBe(true);
    expect(p.tokenIds.length).toBe(256);
    expect(p.tokens.length).toBe(255);
    expect(p.layers[0]?.n).toBe(256);
  });

  it("without BOS feeds only the text's tokens", async () => {
    const ref = gpt2TinyPrompts()[0];
    const p = await getPatterns(pm, ref?.text ?? "", { prependBos: false });
    expect(p.tokenIds).toEqual(ref?.input_ids.slice(1));
  });
});
