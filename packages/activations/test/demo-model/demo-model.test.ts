/**
 * The hand-built demo model (@pattern-lens/models `buildDemoModel`) run through ONNX Runtime by
 * this package's capture code: patterns equal the float64 JavaScript forward pass, and each head
 * does what it was built to do.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildDemoModel,
  DEMO_CONFIG,
  type DemoModelFiles,
  demoEncode,
  demoPrompts,
  demoReferenceForward,
} from "../../../models/src/index.ts";
import { getPatterns, openPatternModel, type PatternModel } from "../../src/index.ts";

let files: DemoModelFiles;
let pm: PatternModel;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "pl-demo-model-"));
  files = await buildDemoModel(join(root, "pattern-lens-demo"));
  pm = await openPatternModel({ model: files.dir, cacheDir: join(root, "cache") });
});
afterAll(async () => {
  await pm?.close();
});

/** `p[layer][head][i][j]` accessor over a captured layer. */
function at(data: Float32Array | Float64Array, n: number, h: number, i: number, j: number): number {
  return data[(h * n + i) * n + j] as number;
}

describe("demo model in ONNX Runtime", () => {
  it("is found by the capture code: one Softmax per layer, 4 heads, context 256", () => {
    expect(pm.nLayers).toBe(DEMO_CONFIG.nLayers);
    expect(pm.nCtx).toBe(256);
    expect(pm.instrumented.plan.method).toBe("softmax");
    expect(pm.tokenizer.bosId).toBe(0);
  });

  it("tokenizes character by character, lower-cased, BOS first", async () => {
    const p = await getPatterns(pm, "Hello, World~");
    expect(p.tokenIds).toEqual([0, ...demoEncode("hello, world~")]);
    expect(p.tokens).toEqual(["h", "e", "l", "l", "o", ",", " ", "w", "o", "r", "l", "d", "<unk>"]);
    expect(p.tokenIds.at(-1)).toBe(1);
  });

  it("captures the same patterns as the float64 JavaScript forward pass", async () => {
    for (const prompt of demoPrompts().slice(0, 4)) {
      const p = await getPatterns(pm, prompt.text);
      const ref = demoReferenceForward(p.tokenIds);
      const n = p.tokenIds.length;
      for (let l = 0; l < DEMO_CONFIG.nLayers; l++) {
        const got = p.layers[l]!;
        expect([got.nHeads, got.n]).toEqual([4, n]);
        let maxErr = 0;
        for (let k = 0; k < got.data.length; k++)
          maxErr = Math.max(maxErr, Math.abs((got.data[k] as number) - (ref.patterns[l]![k] as number)));
        expect(maxErr, `layer ${l} max |ORT - reference|`).toBeLessThan(1e-4);
      }
    }
  });

  it("each head attends where it was built to", async () => {
    const seq = "thequickbrownfoxjumpsoverlazydg"; // 31 letters, some repeated: several induction targets
    const p = await getPatterns(pm, seq + seq);
    const ids = p.tokenIds;
    const n = ids.length;
    const [l0, l1] = [p.layers[0]!.data, p.layers[1]!.data];
    for (let i = 1; i < n; i++) {
      expect(at(l0, n, 0, i, i - 1), `previous-token row ${i}`).toBeGreaterThan(0.999);
      expect(at(l0, n, 1, i, 0), `sink row ${i}`).toBeGreaterThan(0.999);
      expect(at(l0, n, 2, i, i), `self row ${i}`).toBeGreaterThan(0.999);
      expect(at(l0, n, 3, i, 0), `near-uniform row ${i}`).toBeCloseTo(1 / (i + 1), 1);
      if (i >= 2) expect(at(l1, n, 3, i, i - 2), `two-back row ${i}`).toBeGreaterThan(0.999);
    }
    // induction: in the repeat (positions 32..62), token i attends to the tokens after its earlier copies
    for (let i = 32; i < n; i++) {
      const targets: number[] = [];
      for (let j = 1; j <= i; j++) if (ids[j - 1] === ids[i]) targets.push(j);
      let mass = 0;
      for (const j of targets) mass += at(l1, n, 0, i, j);
      expect(mass, `induction row ${i}`).toBeGreaterThan(0.999);
      expect(targets).toContain(i - 30);
    }
    // duplicate-token: every row's mass sits on copies of its own token
    for (let i = 1; i < n; i++) {
      let mass = 0;
      for (let j = 0; j <= i; j++) if (ids[j] === ids[i]) mass += at(l1, n, 1, i, j);
      expect(mass, `duplicate row ${i}`).toBeGreaterThan(0.999);
    }
  });

  it("predicts the repeated half from the induction head's copy (logits)", async () => {
    const seq = "qwertyuiopasdfghjklzxcvb"; // 24 distinct letters: one earlier occurrence each
    const ids = [0, ...demoEncode(seq + seq)];
    const session = await ort.InferenceSession.create(readFileSync(files.onnxFile));
    try {
      const n = ids.length;
      const i64 = (f: (i: number) => number) =>
        new ort.Tensor(
          "int64",
          BigInt64Array.from({ length: n }, (_, i) => BigInt(f(i))),
          [1, n],
        );
      const out = await session.run({
        input_ids: i64((i) => ids[i]!),
        attention_mask: i64(() => 1),
        position_ids: i64((i) => i),
      });
      const logits = out.logits!.data as Float32Array;
      const V = DEMO_CONFIG.vocabSize;
      let correct = 0;
      for (let i = 25; i < n - 1; i++) {
        let best = 0;
        for (let t = 1; t < V; t++) if (logits[i * V + t]! > logits[i * V + best]!) best = t;
        if (best === ids[i + 1]) correct++;
      }
      expect(correct).toBe(n - 26);
    } finally {
      await session.release();
    }
  });
});
