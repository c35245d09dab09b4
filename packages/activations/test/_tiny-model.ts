/**
 * A tiny two-layer attention-only decoder built with @pattern-lens/onnx's GraphBuilder, in every
 * shape attention takes in real exports, plus a float64 JS forward pass of the same weights that
 * gives the reference patterns.
 */
import { GraphBuilder, type GraphProto } from "@pattern-lens/onnx";

export const V = 40;
export const D = 8;
export const H = 2;
export const DH = 4;
export const L = 2;
export const CTX = 64;

/** A tokenizer for the tiny model: one token per character (its code modulo the vocabulary). */
export const TINY_TOKENIZER = {
  encode: (t: string) => [...t].map((c) => (c.codePointAt(0) as number) % V),
  idToToken: (i: number) => `t${i}`,
  bosId: 0,
};

export type TinyVariant =
  | "softmax"
  | "attentions"
  | "mha"
  | "if"
  | "softmax-fp16"
  | "no-attention"
  | "extra-input"
  | "nan-token";

/** In the `nan-token` variant, this token's embedding is NaN, so its prompts' patterns are too. */
export const NAN_TOKEN = 7;

interface Weights {
  E: Float32Array;
  P: Float32Array;
  layers: { q: Float32Array; k: Float32Array; v: Float32Array; o: Float32Array }[];
}

function rand(seed: number, n: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296 - 0.5) * 2 * scale;
  }
  return out;
}

export function tinyWeights(nLayers = L): Weights {
  return {
    E: rand(1, V * D, 1),
    P: rand(2, CTX * D, 0.5),
    layers: Array.from({ length: nLayers }, (_, l) => ({
      q: rand(10 + l, D * D, 1),
      k: rand(20 + l, D * D, 1),
      v: rand(30 + l, D * D, 1),
      o: rand(40 + l, D * D, 0.5),
    })),
  };
}

/** The layer stack from `x`, written with `b` (node creation) and `c` (constants, outer graph). */
function layers(
  b: GraphBuilder,
  c: GraphBuilder,
  variant: TinyVariant,
  x0: string,
  blocked: string,
  mask32: string,
  prefix: string,
  nLayers = L,
): string {
  let x = x0;
  const scale = c.constFloat(1 / Math.sqrt(DH));
  const neg = c.constFloat(-1e9);
  const heads = c.constInt64([0, 0, H, DH]);
  const flat = c.constInt64([0, 0, D]);
  for (let l = 0; l < nLayers; l++) {
    const w = (k: string) => `w.${l}.${k}`;
    b.scope(`${prefix}model/layers.${l}/attn`, () => {
      const q = b.matMul(x, w("q"));
      const k = b.matMul(x, w("k"));
      const v = b.matMul(x, w("v"));
      let ctx: string;
      if (variant === "mha") {
        const [out] = b.node("MultiHeadAttention", [q, k, v, "", mask32], {
          domain: "com.microsoft",
          attrs: { num_heads: H, unidirectional: 1 },
        });
        ctx = out as string;
      } else {
        const qh = b.transpose(b.reshape(q, heads), [0, 2, 1, 3]);
        const kh = b.transpose(b.reshape(k, heads), [0, 2, 3, 1]);
        const vh = b.transpose(b.reshape(v, heads), [0, 2, 1, 3]);
        const scores = b.where(blocked, neg, b.mul(b.matMul(qh, kh), scale));
        let probs: string;
        if (variant === "softmax-fp16") {
          probs = b.cast(
            b.softmax(b.cast(scores, "float16"), -1, { name: `/${prefix}model/layers.${l}/attn/Softmax` }),
            "float32",
          );
        } else if (variant === "no-attention") {
          probs = b.sigmoid(scores);
        } else {
          probs = b.softmax(scores, -1, { name: `/${prefix}model/layers.${l}/attn/Softmax` });
        }
        if (variant === "attentions") c.output(probs, `attentions.${l}`);
        ctx = b.reshape(b.transpose(b.matMul(probs, vh), [0, 2, 1, 3]), flat);
      }
      x = b.add(x, b.matMul(ctx, w("o")));
    });
  }
  return x;
}

/** Builds the tiny model as ONNX bytes (`nLayers` layers; default {@link L}). */
export function tinyModel(variant: TinyVariant, nLayers = L): Uint8Array {
  const wts = tinyWeights(nLayers);
  const b = new GraphBuilder({ opset: 17, opsets: { "com.microsoft": 1 } });
  const ids = b.input("input_ids", "int64", ["batch_size", "sequence_length"]);
  const mask = b.input("attention_mask", "int64", ["batch_size", "sequence_length"]);
  const pos = b.input("position_ids", "int64", ["batch_size", "sequence_length"]);
  const E = wts.E.slice();
  if (variant === "nan-token") E.fill(Number.NaN, NAN_TOKEN * D, (NAN_TOKEN + 1) * D);
  b.float32("E", [V, D], E);
  b.float32("P", [CTX, D], wts.P);
  const et = new Float32Array(D * V);
  for (let i = 0; i < V; i++) for (let d = 0; d < D; d++) et[d * V + i] = wts.E[i * D + d] as number;
  b.float32("Et", [D, V], et);
  for (const [l, lw] of wts.layers.entries())
    for (const k of ["q", "k", "v", "o"] as const) b.float32(`w.${l}.${k}`, [D, D], lw[k]);
  let x0 = b.add(b.gather("E", ids), b.gather("P", pos));
  if (variant === "extra-input") {
    const extra = b.input("token_type_weird", "float32", ["batch_size", 3]);
    x0 = b.add(x0, b.unsqueeze(b.reduceMean(extra, [1]), [2]));
  }
  const keypad = b.unsqueeze(b.equal(mask, b.constInt64(0)), [1, 2]);
  const seq = b.squeeze(b.shape(ids, 1, 2), [0]);
  const r = b.range(b.constInt64(0), seq, b.constInt64(1));
  const future = b.node("Greater", [b.unsqueeze(r, [0]), b.unsqueeze(r, [1])])[0] as string;
  const blocked = b.node("Or", [future, keypad])[0] as string;
  const mask32 = b.cast(mask, "int32");
  let hidden: string;
  if (variant === "if") {
    const cond = b.input("use_cache_branch", "bool", [1]);
    const branch = (prefix: string): GraphProto => {
      const bb = new GraphBuilder({ opset: 17 });
      const out = layers(bb, b, "softmax", x0, blocked, mask32, prefix);
      bb.output(out, `${prefix}hidden`);
      const g = bb.toModel().graph as GraphProto;
      g.name = prefix;
      return g;
    };
    const [h] = b.node("If", [cond], {
      attrs: { then_branch: branch("then/"), else_branch: branch("else/") },
    });
    hidden = h as string;
  } else {
    hidden = layers(b, b, variant === "nan-token" ? "softmax" : variant, x0, blocked, mask32, "", nLayers);
  }
  b.output(b.matMul(hidden, "Et"), "logits");
  return b.toBytes();
}

/** float64 forward pass of the tiny model for one unpadded row; returns `[H, n, n]` per layer. */
export function tinyReference(ids: readonly number[], nLayers = L): Float64Array[] {
  const w = tinyWeights(nLayers);
  const n = ids.length;
  let x = new Float64Array(n * D);
  for (let i = 0; i < n; i++)
    for (let d = 0; d < D; d++)
      x[i * D + d] = (w.E[(ids[i] as number) * D + d] as number) + (w.P[i * D + d] as number);
  const mm = (a: Float64Array, m: Float32Array) => {
    const out = new Float64Array(n * D);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < D; c++) {
        let s = 0;
        for (let d = 0; d < D; d++) s += (a[i * D + d] as number) * (m[d * D + c] as number);
        out[i * D + c] = s;
      }
    return out;
  };
  const result: Float64Array[] = [];
  for (const lw of w.layers) {
    const q = mm(x, lw.q);
    const k = mm(x, lw.k);
    const v = mm(x, lw.v);
    const probs = new Float64Array(H * n * n);
    const ctx = new Float64Array(n * D);
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < n; i++) {
        let max = -Infinity;
        const row = new Float64Array(i + 1);
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let d = 0; d < DH; d++)
            s += (q[i * D + h * DH + d] as number) * (k[j * D + h * DH + d] as number);
          row[j] = s / Math.sqrt(DH);
          max = Math.max(max, row[j] as number);
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) sum += row[j] = Math.exp((row[j] as number) - max);
        for (let j = 0; j <= i; j++) {
          const p = (row[j] as number) / sum;
          probs[(h * n + i) * n + j] = p;
          for (let d = 0; d < DH; d++)
            ctx[i * D + h * DH + d] =
              (ctx[i * D + h * DH + d] as number) + p * (v[j * D + h * DH + d] as number);
        }
      }
    }
    result.push(probs);
    const o = mm(ctx, lw.o);
    x = x.map((val, i) => val + (o[i] as number));
  }
  return result;
}
