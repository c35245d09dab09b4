import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeModel, type GraphProto, type TensorProto } from "@pattern-lens/onnx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { openPatternModel, type PatternModel, runPatternBatch } from "../src/index.ts";
import { expectLayerByLayerLikeWhole, maxAbsDiff, referenceAttention, tempDir } from "./_helpers.ts";

const SRC = () => sharedPath("models", "ort-fused", "tiny-random-LlamaForCausalLM-fp32");

function ext(t: TensorProto, key: string): number {
  return Number(t.externalData.find((e) => e.key === key)?.value ?? 0);
}

/** Copies the graph-only Llama into a temp folder and synthesises `model.onnx.data` (seeded uniform [-0.5, 0.5)). */
function synthesise(): { dir: string; graph: GraphProto; data: Float32Array } {
  const dir = tempDir("pl-gqa-");
  copyFileSync(join(SRC(), "model.onnx"), join(dir, "model.onnx"));
  for (const f of ["tokenizer.json", "tokenizer_config.json"]) copyFileSync(join(SRC(), f), join(dir, f));
  const graph = decodeModel(new Uint8Array(readFileSync(join(dir, "model.onnx")))).graph as GraphProto;
  let size = 0;
  for (const t of graph.initializer)
    if (t.externalData.length > 0) size = Math.max(size, ext(t, "offset") + ext(t, "length"));
  const data = new Float32Array(size / 4);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s / 4294967296 - 0.5) * 1;
  }
  writeFileSync(join(dir, "model.onnx.data"), new Uint8Array(data.buffer));
  return { dir, graph, data };
}

function tensorOf(
  graph: GraphProto,
  data: Float32Array,
  name: string,
): { dims: number[]; values: Float32Array } {
  const t = graph.initializer.find((x) => x.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  const off = ext(t, "offset") / 4;
  return { dims: t.dims.map(Number), values: data.subarray(off, off + ext(t, "length") / 4) };
}

/** Non-interleaved rotary (rotate-half) of `x [n, nHeads*dh]` at positions 0..n-1. */
function rotary(
  x: Float64Array,
  n: number,
  nHeads: number,
  dh: number,
  cos: Float32Array,
  sin: Float32Array,
): Float64Array {
  const half = dh / 2;
  const out = new Float64Array(x.length);
  for (let p = 0; p < n; p++) {
    for (let h = 0; h < nHeads; h++) {
      const base = p * nHeads * dh + h * dh;
      for (let i = 0; i < half; i++) {
        const c = cos[p * half + i] as number;
        const sn = sin[p * half + i] as number;
        const a = x[base + i] as number;
        const b = x[base + i + half] as number;
        out[base + i] = a * c - b * sn;
        out[base + i + half] = b * c + a * sn;
      }
    }
  }
  return out;
}

describe("com.microsoft.GroupQueryAttention (onnxruntime-genai Llama, synthesised weights)", () => {
  let pm: PatternModel;
  let syn: ReturnType<typeof synthesise>;
  beforeAll(async () => {
    syn = synthesise();
    pm = await openPatternModel({
      model: join(syn.dir, "model.onnx"),
      cacheDir: tempDir(),
      exposeInputs: true,
    });
  });
  afterAll(async () => pm?.close());

  it("reads qk_output=2 probabilities equal to a JS reference (rotary + causal softmax) from the packed QKV input", async () => {
    expect(pm.instrumented.plan.method).toBe("group-query-attention");
    expect(pm.nLayers).toBe(2);
    const ids = [1, 15043, 3186, 29871, 243, 162, 156, 133];
    const n = ids.length;
    const [res] = await runPatternBatch(pm, [ids]);
    const cos = tensorOf(syn.graph, syn.data, "cos_cache");
    const sin = tensorOf(syn.graph, syn.data, "sin_cache");
    expect(cos.dims[1]).toBe(8);
    const nodes = syn.graph.node.filter((x) => x.opType === "GroupQueryAttention");
    for (const [l] of nodes.entries()) {
      const qkv = res?.exposed?.[l];
      if (!qkv) throw new Error("GQA input not exposed");
      expect(qkv.dims).toEqual([1, n, 48]);
      const flat = qkv.data as Float32Array;
      const q = new Float64Array(n * 16);
      const k = new Float64Array(n * 16);
      for (let i = 0; i < n; i++) {
        for (let d = 0; d < 16; d++) {
          q[i * 16 + d] = flat[i * 48 + d] as number;
          k[i * 16 + d] = flat[i * 48 + 16 + d] as number;
        }
      }
      const want = referenceAttention(
        rotary(q, n, 1, 16, cos.values, sin.values),
        rotary(k, n, 1, 16, cos.values, sin.values),
        n,
        1,
        16,
        0.25,
      );
      expect(maxAbsDiff(want, res?.layers[l]?.data ?? [])).toBeLessThan(1e-5);
    }
  });

  it("saves patterns per query head and matches single prompts in a right-padded batch", async () => {
    const rows = [
      [1, 15043, 3186, 29871, 243, 162],
      [1, 15043],
      [1, 400, 500, 600],
    ];
    const batched = await runPatternBatch(pm, rows);
    for (const [i, row] of rows.entries()) {
      const [single] = await runPatternBatch(pm, [row]);
      for (let l = 0; l < 2; l++) {
        expect(batched[i]?.layers[l]?.nHeads).toBe(1);
        expect(
          maxAbsDiff(batched[i]?.layers[l]?.data ?? [], single?.layers[l]?.data ?? []),
        ).toBeLessThanOrEqual(1e-6);
      }
    }
  });
  it("runs layer by layer (GroupQueryAttention (external data)): each layer the same bits as the whole-model run", async () => {
    await expectLayerByLayerLikeWhole(pm, [1, 15043, 3186, 29871, 243, 162, 156, 133]);
  });
});
