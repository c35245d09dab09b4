/**
 * Graphs made with @pattern-lens/onnx's GraphBuilder, run in a real ONNX Runtime session and
 * compared with values computed in JavaScript.
 */
import { decodeModel, GraphBuilder, makeFloat32Tensor } from "@pattern-lens/onnx";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

async function run(
  b: GraphBuilder,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, { dims: readonly number[]; data: number[] }>> {
  const session = await ort.InferenceSession.create(b.toBytes());
  try {
    const out = await session.run(feeds);
    const res: Record<string, { dims: readonly number[]; data: number[] }> = {};
    for (const [k, v] of Object.entries(out)) {
      res[k] = { dims: v.dims, data: Array.from(v.data as ArrayLike<number | bigint>, Number) };
    }
    return res;
  } finally {
    await session.release();
  }
}

const f32 = (dims: number[], data: number[]) => new ort.Tensor("float32", Float32Array.from(data), dims);
const i64 = (dims: number[], data: number[]) =>
  new ort.Tensor(
    "int64",
    BigInt64Array.from(data, (v) => BigInt(v)),
    dims,
  );

function close(actual: number[], expected: number[], tol = 1e-5) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(
      Math.abs(actual[i]! - expected[i]!),
      `index ${i}: ${actual[i]} vs ${expected[i]}`,
    ).toBeLessThanOrEqual(tol);
  }
}

const X = [-2, -0.5, 0.25, 1, 1.5, 3];
const erf = (x: number) => {
  // Abramowitz-Stegun 7.1.26 is too coarse; integrate the series instead (|x| <= 3 here)
  let sum = 0;
  let term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};
const geluExact = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

describe("GraphBuilder element-wise ops in ONNX Runtime", () => {
  it.each([17, 20])("opset %i: arithmetic, transcendental, gelu, where/equal/cast", async (opset) => {
    const b = new GraphBuilder({ opset });
    const x = b.input("x", "float32", ["n"]);
    const two = b.constFloat(2);
    b.output(b.add(x, two), "add");
    b.output(b.sub(x, two), "sub");
    b.output(b.mul(x, two), "mul");
    b.output(b.div(x, two), "div");
    b.output(b.pow(b.mul(x, x), b.constFloat(0.5)), "pow");
    b.output(b.sqrt(b.mul(x, x)), "sqrt");
    b.output(b.neg(x), "neg");
    b.output(b.sin(x), "sin");
    b.output(b.cos(x), "cos");
    b.output(b.tanh(x), "tanh");
    b.output(b.sigmoid(x), "sigmoid");
    b.output(b.gelu(x), "gelu");
    b.output(b.gelu(x, "tanh"), "gelu_tanh");
    const isOne = b.equal(x, b.constFloat(1));
    b.output(b.where(isOne, b.constFloat(10), x), "where");
    b.output(b.cast(x, "int64"), "cast");
    const r = await run(b, { x: f32([6], X) });
    close(
      r.add!.data,
      X.map((v) => v + 2),
    );
    close(
      r.sub!.data,
      X.map((v) => v - 2),
    );
    close(
      r.mul!.data,
      X.map((v) => v * 2),
    );
    close(
      r.div!.data,
      X.map((v) => v / 2),
    );
    close(
      r.pow!.data,
      X.map((v) => Math.abs(v)),
    );
    close(
      r.sqrt!.data,
      X.map((v) => Math.abs(v)),
    );
    close(
      r.neg!.data,
      X.map((v) => -v),
    );
    close(r.sin!.data, X.map(Math.sin));
    close(r.cos!.data, X.map(Math.cos));
    close(r.tanh!.data, X.map(Math.tanh));
    close(
      r.sigmoid!.data,
      X.map((v) => 1 / (1 + Math.exp(-v))),
    );
    close(r.gelu!.data, X.map(geluExact), 1e-5);
    close(r.gelu_tanh!.data, X.map(geluTanh), 1e-5);
    close(
      r.where!.data,
      X.map((v) => (v === 1 ? 10 : v)),
    );
    expect(r.cast!.data).toEqual([-2, 0, 0, 1, 1, 3]);
  });
});

describe("GraphBuilder shape ops in ONNX Runtime", () => {
  it("gather, reshape, transpose, concat, slice, unsqueeze, squeeze, shape, expand, range, split, trilu, constant", async () => {
    const b = new GraphBuilder({ opset: 18 });
    const x = b.input("x", "float32", [2, 3]);
    const ids = b.input("ids", "int64", ["batch", "seq"]);
    const table = b.float32("table", [4, 2], [0, 1, 10, 11, 20, 21, 30, 31]);
    b.output(b.gather(table, ids), "gather");
    b.output(b.reshape(x, [3, 2]), "reshape");
    b.output(b.transpose(x, [1, 0]), "transpose");
    b.output(b.concat([x, x], 0), "concat");
    b.output(b.slice(x, [1], [3], [1]), "slice");
    b.output(b.slice(x, [2], [-100], [1], [-1]), "slice_step");
    const u = b.unsqueeze(x, [0]);
    b.output(b.shape(u), "shape");
    b.output(b.squeeze(u, [0]), "squeeze");
    b.output(b.expand(b.constFloat([1, 2]), [3, 2]), "expand");
    b.output(b.range(b.constInt64(0), b.gather(b.shape(ids), b.constInt64(1)), b.constInt64(1)), "range");
    const [s0, s1] = b.split(x, 1, [1, 2]);
    b.output(s0!, "split0");
    b.output(s1!, "split1");
    const [e0, e1, e2] = b.split(x, 1, { count: 3 });
    b.output(b.concat([e2!, e1!, e0!], 1), "split_count");
    const sq = b.constant(makeFloat32Tensor("c", [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]));
    b.output(b.trilu(sq), "tril");
    b.output(b.trilu(sq, { upper: true, k: b.constInt64(1) }), "triu1");
    const r = await run(b, { x: f32([2, 3], [1, 2, 3, 4, 5, 6]), ids: i64([1, 3], [3, 0, 2]) });
    expect(r.gather).toEqual({ dims: [1, 3, 2], data: [30, 31, 0, 1, 20, 21] });
    expect(r.reshape).toEqual({ dims: [3, 2], data: [1, 2, 3, 4, 5, 6] });
    expect(r.transpose).toEqual({ dims: [3, 2], data: [1, 4, 2, 5, 3, 6] });
    expect(r.concat).toEqual({ dims: [4, 3], data: [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6] });
    expect(r.slice).toEqual({ dims: [2, 2], data: [2, 3, 5, 6] });
    expect(r.slice_step).toEqual({ dims: [2, 3], data: [3, 2, 1, 6, 5, 4] });
    expect(r.shape).toEqual({ dims: [3], data: [1, 2, 3] });
    expect(r.squeeze).toEqual({ dims: [2, 3], data: [1, 2, 3, 4, 5, 6] });
    expect(r.expand).toEqual({ dims: [3, 2], data: [1, 2, 1, 2, 1, 2] });
    expect(r.range).toEqual({ dims: [3], data: [0, 1, 2] });
    expect(r.split0).toEqual({ dims: [2, 1], data: [1, 4] });
    expect(r.split1).toEqual({ dims: [2, 2], data: [2, 3, 5, 6] });
    expect(r.split_count).toEqual({ dims: [2, 3], data: [3, 2, 1, 6, 5, 4] });
    expect(r.tril).toEqual({ dims: [3, 3], data: [1, 0, 0, 4, 5, 0, 7, 8, 9] });
    expect(r.triu1).toEqual({ dims: [3, 3], data: [0, 2, 3, 0, 0, 6, 0, 0, 0] });
  });
});

describe("GraphBuilder norms, reductions and attention in ONNX Runtime", () => {
  it.each([17, 18])("opset %i: reduceMean, layerNorm, rmsNorm, softmax, matMul", async (opset) => {
    const b = new GraphBuilder({ opset });
    const x = b.input("x", "float32", ["rows", 4]);
    const w = b.float32("w", [4], [1, 2, 0.5, -1]);
    const bias = b.float32("bias", [4], [0, 0.1, 0, 0]);
    b.output(b.reduceMean(x, [-1]), "mean");
    b.output(b.reduceMean(x, [1], false), "mean_flat");
    b.output(b.layerNorm(x, w, bias, { epsilon: 1e-5 }), "ln");
    b.output(b.rmsNorm(x, w, 1e-5), "rms");
    b.output(b.softmax(x, -1, { name: "/model/layers.0/attn/Softmax" }), "sm");
    b.output(b.matMul(x, b.float32("m", [4, 1], [1, 1, 1, 1])), "mm");
    const rows = [
      [1, 2, 3, 4],
      [-1, 0.5, 2, 0],
    ];
    const r = await run(b, { x: f32([2, 4], rows.flat()) });
    const mean = rows.map((row) => row.reduce((a, c) => a + c) / 4);
    expect(r.mean!.dims).toEqual([2, 1]);
    close(r.mean!.data, mean);
    expect(r.mean_flat!.dims).toEqual([2]);
    const wv = [1, 2, 0.5, -1];
    const bv = [0, 0.1, 0, 0];
    const ln = rows.flatMap((row, i) => {
      const v = row.reduce((a, c) => a + (c - mean[i]!) ** 2, 0) / 4;
      return row.map((c, j) => ((c - mean[i]!) / Math.sqrt(v + 1e-5)) * wv[j]! + bv[j]!);
    });
    close(r.ln!.data, ln, 1e-5);
    const rms = rows.flatMap((row) => {
      const ms = row.reduce((a, c) => a + c * c, 0) / 4;
      return row.map((c, j) => (c / Math.sqrt(ms + 1e-5)) * wv[j]!);
    });
    close(r.rms!.data, rms, 1e-5);
    const sm = rows.flatMap((row) => {
      const m = Math.max(...row);
      const e = row.map((c) => Math.exp(c - m));
      const s = e.reduce((a, c) => a + c);
      return e.map((c) => c / s);
    });
    close(r.sm!.data, sm, 1e-6);
    close(r.mm!.data, [10, 1.5]);
    const model = decodeModel(b.toBytes());
    expect(model.graph!.node.some((n) => n.name === "/model/layers.0/attn/Softmax")).toBe(true);
    expect(model.opsetImport).toEqual([{ domain: "", version: opset }]);
  });

  it("a causal self-attention head with symbolic dims matches a JS reference for two lengths", async () => {
    const d = 4;
    const b = new GraphBuilder({ opset: 17 });
    const x = b.input("x", "float32", ["batch", "seq", d]);
    const wq = b.float32(
      "wq",
      [d, d],
      [0.1, -0.2, 0.3, 0.05, 0.2, 0.1, -0.1, 0.3, -0.3, 0.2, 0.1, 0.1, 0.05, 0.1, 0.2, -0.2],
    );
    const wk = b.float32(
      "wk",
      [d, d],
      [0.3, 0.1, -0.2, 0.1, -0.1, 0.2, 0.2, 0.05, 0.1, -0.3, 0.1, 0.2, 0.2, 0.1, -0.1, 0.1],
    );
    const maxLen = 8;
    const mask = new Float32Array(maxLen * maxLen);
    for (let i = 0; i < maxLen; i++) for (let j = 0; j < maxLen; j++) mask[i * maxLen + j] = j <= i ? 1 : 0;
    const probs = b.scope("model/layers.0/attn", () => {
      const q = b.matMul(x, wq);
      const k = b.matMul(x, wk);
      const scores = b.mul(b.matMul(q, b.transpose(k, [0, 2, 1])), b.constFloat(1 / Math.sqrt(d)));
      const seq = b.slice(b.shape(x), [1], [2]);
      const m = b.slice(b.slice(b.float32("mask", [maxLen, maxLen], mask), [0], seq, [0]), [0], seq, [1]);
      const allowed = b.cast(m, "bool");
      const masked = b.where(allowed, scores, b.constFloat(Number.NEGATIVE_INFINITY));
      return b.softmax(masked, -1);
    });
    b.output(probs, "probs");
    const model = decodeModel(b.toBytes());
    expect(model.graph!.node.find((n) => n.opType === "Softmax")!.name).toBe("/model/layers.0/attn/Softmax");
    for (const n of [3, 5]) {
      const xs = Array.from({ length: n * d }, (_, i) => Math.sin(i * 0.7));
      const r = await run(b, { x: f32([1, n, d], xs) });
      const mat = (a: number[], w: number[]) =>
        Array.from({ length: n * d }, (_, idx) => {
          const i = Math.floor(idx / d);
          const j = idx % d;
          let s = 0;
          for (let t = 0; t < d; t++) s += a[i * d + t]! * w[t * d + j]!;
          return s;
        });
      const q = mat(
        xs,
        [0.1, -0.2, 0.3, 0.05, 0.2, 0.1, -0.1, 0.3, -0.3, 0.2, 0.1, 0.1, 0.05, 0.1, 0.2, -0.2],
      );
      const k = mat(
        xs,
        [0.3, 0.1, -0.2, 0.1, -0.1, 0.2, 0.2, 0.05, 0.1, -0.3, 0.1, 0.2, 0.2, 0.1, -0.1, 0.1],
      );
      const expected: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = Array.from({ length: n }, (_, j) => {
          if (j > i) return Number.NEGATIVE_INFINITY;
          let acc = 0;
          for (let t = 0; t < d; t++) acc += q[i * d + t]! * k[j * d + t]!;
          return acc / Math.sqrt(d);
        });
        const m = Math.max(...s);
        const e = s.map((v) => Math.exp(v - m));
        const z = e.reduce((a, c) => a + c);
        expected.push(...e.map((v) => v / z));
      }
      expect(r.probs!.dims).toEqual([1, n, n]);
      close(r.probs!.data, expected, 1e-6);
      // masked entries are exactly zero
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(r.probs!.data[i * n + j]).toBe(0);
    }
  });
});
