import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeModel, encodeModel, type GraphProto, type ModelProto } from "@pattern-lens/onnx";
import { describe, expect, it } from "vitest";
import { rewriteMaskWheres } from "../src/mask-where.ts";
import { createOrtSession, type HostTensor } from "../src/ort.ts";
import { gpt2TinyDir, gpt2TinyPrompts, tempDir } from "./_helpers.ts";
import { tinyModel } from "./_tiny-model.ts";

/** The model with every Softmax output exposed, optionally after the rewrite; returns its file. */
function withSoftmaxOutputs(
  bytes: Uint8Array,
  rewrite: boolean,
): { path: string; outs: string[]; n: number } {
  const model = decodeModel(bytes) as ModelProto;
  const g = model.graph as GraphProto;
  const soft = g.node.filter((n) => n.opType === "Softmax");
  const n = rewrite ? rewriteMaskWheres(g, soft) : 0;
  const outs = soft.map((s) => s.output[0] as string);
  g.output.push(...outs.map((name) => ({ name, metadataProps: [] })));
  const path = join(tempDir(), "m.onnx");
  writeFileSync(path, encodeModel(model));
  return { path, outs, n };
}

async function softmaxOutputs(path: string, outs: string[], ids: number[]): Promise<HostTensor[]> {
  const s = await createOrtSession(path, { worker: false });
  try {
    const i64 = (xs: number[]): HostTensor => ({
      type: "int64",
      dims: [1, xs.length],
      data: BigInt64Array.from(xs, (x) => BigInt(x)),
    });
    const feeds: Record<string, HostTensor> = {};
    for (const m of s.inputs) {
      if (m.name === "input_ids") feeds[m.name] = i64(ids);
      else if (m.name === "attention_mask") feeds[m.name] = i64(ids.map(() => 1));
      else if (m.name === "position_ids") feeds[m.name] = i64(ids.map((_, i) => i));
    }
    const r = await s.run(feeds, outs);
    return outs.map((o) => r[o] as HostTensor);
  } finally {
    await s.dispose();
  }
}

const bytesOf = (t: HostTensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

describe("rewriteMaskWheres: the causal-mask Where as a multiply and an add, same bits", () => {
  it("gpt2-tiny-torch (PyTorch's Where(keep, scores, min)): 2 rewritten, probabilities identical bit for bit", async () => {
    const bytes = new Uint8Array(readFileSync(join(gpt2TinyDir(), "onnx", "model.onnx")));
    const before = withSoftmaxOutputs(bytes, false);
    const after = withSoftmaxOutputs(bytes, true);
    expect(after.n).toBe(2);
    for (const r of gpt2TinyPrompts()) {
      const [a, b] = [
        await softmaxOutputs(before.path, before.outs, r.input_ids),
        await softmaxOutputs(after.path, after.outs, r.input_ids),
      ];
      expect(a).toHaveLength(2);
      for (const [l, t] of a.entries()) {
        expect(t.dims).toEqual(b[l]?.dims);
        expect(bytesOf(b[l] as HostTensor).equals(bytesOf(t))).toBe(true);
      }
    }
  });

  it("a builder graph with Where(masked, -1e9, scores): 4 rewritten, identical bit for bit", async () => {
    const bytes = tinyModel("softmax", 4);
    const before = withSoftmaxOutputs(bytes, false);
    const after = withSoftmaxOutputs(bytes, true);
    expect(after.n).toBe(4);
    const g = decodeModel(readFileSync(after.path)).graph as GraphProto;
    expect(g.node.filter((n) => n.opType === "Where")).toHaveLength(4); // the small fills
    expect(g.node.filter((n) => n.opType === "Not")).toHaveLength(4);
    const ids = [0, 5, 17, 3, 9, 33, 1, 12, 8, 8, 2];
    const [a, b] = [
      await softmaxOutputs(before.path, before.outs, ids),
      await softmaxOutputs(after.path, after.outs, ids),
    ];
    for (const [l, t] of a.entries()) expect(bytesOf(b[l] as HostTensor).equals(bytesOf(t))).toBe(true);
    // masked entries are exact zeros, kept rows sum to 1
    const p = b[0]?.data as Float32Array;
    expect(p[1]).toBe(0);
    expect((p[11] as number) + (p[12] as number)).toBeCloseTo(1, 6);
  });

  it("leaves a Where that does not feed an attention Softmax alone", () => {
    const model = decodeModel(tinyModel("no-attention", 3)) as ModelProto;
    const g = model.graph as GraphProto;
    const wheres = g.node.filter((n) => n.opType === "Where").length;
    expect(
      rewriteMaskWheres(
        g,
        g.node.filter((n) => n.opType === "Softmax"),
      ),
    ).toBe(0);
    expect(g.node.filter((n) => n.opType === "Where")).toHaveLength(wheres);
  });
});
