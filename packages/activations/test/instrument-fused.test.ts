import { readFileSync } from "node:fs";
import { decodeModel, type GraphProto, tensorToFloat32 } from "@pattern-lens/onnx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { openPatternModel, type PatternModel, runPatternBatch } from "../src/index.ts";
import {
  expectLayerByLayerLikeWhole,
  matmulCols,
  maxAbsDiff,
  referenceAttention,
  tempDir,
} from "./_helpers.ts";

const MODEL = () => sharedPath("models", "ort-fused", "tiny-random-gpt2-fp32", "past.onnx");

function init(g: GraphProto, name: string): Float32Array {
  const t = g.initializer.find((x) => x.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  return tensorToFloat32(t);
}

describe("fused com.microsoft.Attention (ONNX Runtime optimizer GPT-2)", () => {
  let pm: PatternModel;
  let graph: GraphProto;
  beforeAll(async () => {
    pm = await openPatternModel({
      model: MODEL(),
      cacheDir: tempDir(),
      exposeInputs: true,
      tokenizer: { encode: () => [], idToToken: String, bosId: 98 },
    });
    graph = decodeModel(new Uint8Array(readFileSync(MODEL()))).graph as GraphProto;
  });
  afterAll(async () => pm?.close());

  it("recomputes softmax(QKᵀ/√d + causal mask) equal to a JS reference from the node input and packed weights", async () => {
    expect(pm.instrumented.plan.method).toBe("fused-attention");
    expect(pm.instrumented.plan.nHeads).toBe(4);
    expect(pm.nLayers).toBe(5);
    const ids = [98, 5, 600, 7, 42, 999, 3];
    const n = ids.length;
    const [res] = await runPatternBatch(pm, [ids]);
    const nodes = graph.node.filter((x) => x.opType === "Attention");
    for (const [l, node] of nodes.entries()) {
      const x = res?.exposed?.[l];
      if (!x) throw new Error("input not exposed");
      expect(x.dims).toEqual([1, n, 32]);
      const w = init(graph, node.input[1] ?? "");
      const b = init(graph, node.input[2] ?? "");
      const q = matmulCols(x.data as Float32Array, n, 32, w, 96, 0, 32, b);
      const k = matmulCols(x.data as Float32Array, n, 32, w, 96, 32, 64, b);
      const want = referenceAttention(q, k, n, 4, 8, 1 / Math.sqrt(8));
      const got = res?.layers[l];
      expect(got?.nHeads).toBe(4);
      expect(maxAbsDiff(want, got?.data ?? [])).toBeLessThan(1e-5);
    }
  });

  it("gives right-padded batches equal to single prompts (int32 inputs, key padding mask)", async () => {
    const rows = [
      [98, 5, 6, 7, 8],
      [98, 9],
      [98, 11, 12],
    ];
    const batched = await runPatternBatch(pm, rows);
    for (const [i, row] of rows.entries()) {
      const [single] = await runPatternBatch(pm, [row]);
      for (let l = 0; l < 5; l++)
        expect(
          maxAbsDiff(batched[i]?.layers[l]?.data ?? [], single?.layers[l]?.data ?? []),
        ).toBeLessThanOrEqual(1e-6);
    }
  });

  it("prunes the logits and present outputs: the instrumented graph returns only patterns (and exposed inputs)", () => {
    const names = pm.session.outputs.map((o) => o.name);
    expect(names.filter((x) => x.startsWith("pattern_lens.attn."))).toHaveLength(5);
    expect(names).not.toContain("logits");
    expect(names.some((x) => x.startsWith("present"))).toBe(false);
  });
  it("runs layer by layer (fused Attention): each layer the same bits as the whole-model run", async () => {
    await expectLayerByLayerLikeWhole(pm, [98, 5, 600, 7, 42, 999, 3]);
  });
});
