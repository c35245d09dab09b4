/**
 * Convert a parsed llama2.c checkpoint into an ONNX graph with @pattern-lens/onnx's GraphBuilder:
 * `input_ids [batch, sequence_length]` (int64) → `logits [batch, sequence_length, vocab]`, with an
 * explicit causal Softmax per layer named `/model/layers.{l}/attn/Softmax`, RoPE on adjacent pairs
 * (2i, 2i+1) with freq = 10000^(-2i/head_size), RMSNorm (eps 1e-5), SwiGLU and grouped-query
 * attention (each KV head serves n_heads / n_kv_heads consecutive query heads, as in llama2.c).
 */
import { DataType, GraphBuilder, type ModelProto, makeRawTensor, type Value } from "@pattern-lens/onnx";
import type { Llama2cCheckpoint } from "./checkpoint.ts";

/** Options of {@link llama2cToOnnx}. */
export interface Llama2cToOnnxOptions {
  /** Default-domain opset of the graph. Default 17. */
  opset?: number;
  /** RMSNorm epsilon. Default 1e-5 (llama2.c). */
  rmsNormEps?: number;
  /** RoPE base. Default 10000 (llama2.c). */
  ropeTheta?: number;
  /** Keep the vocabulary projection and its `logits` output. Default true. */
  logits?: boolean;
  /** Also output each layer's attention probabilities as `attentions.{l}`. Default false. */
  outputAttentions?: boolean;
}

/** `[rows, cols]` row-major → `[cols, rows]`, so llama2.c's `[out, in]` matrices feed MatMul. */
function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[base + c]!;
  }
  return out;
}

/** The name of layer `l`'s attention Softmax node. */
export function llama2cSoftmaxName(layer: number): string {
  return `/model/layers.${layer}/attn/Softmax`;
}

/**
 * Builds the ONNX model of a llama2.c checkpoint. Weights are copied once (transposed for
 * MatMul); the returned model references them as `raw_data` views.
 * @example
 * const ckpt = parseLlama2cCheckpoint(await readFile("stories260K.bin"));
 * await writeFile("model.onnx", encodeModel(llama2cToOnnx(ckpt)));
 */
export function llama2cToOnnx(checkpoint: Llama2cCheckpoint, options: Llama2cToOnnxOptions = {}): ModelProto {
  const { config: c, weights: w } = checkpoint;
  const eps = options.rmsNormEps ?? 1e-5;
  const theta = options.ropeTheta ?? 10000;
  const D = c.dim;
  const H = c.nHeads;
  const KV = c.nKvHeads;
  const hs = c.headSize;
  const half = hs / 2;
  const kvDim = KV * hs;
  const F = c.hiddenDim;
  const rep = H / KV;
  const b = new GraphBuilder({
    opset: options.opset ?? 17,
    name: "llama2c",
    producerName: "pattern-lens llama2c",
  });

  const ids = b.input("input_ids", "int64", ["batch", "sequence_length"]);
  const embed = b.float32("model.embed_tokens.weight", [c.vocabSize, D], w.tokenEmbedding);
  let x = b.scope("model/embed_tokens", () => b.gather(embed, ids));

  // RoPE tables [seq_len, head_size/2] in float32, computed as llama2.c does (powf, cosf, sinf)
  const cosTable = new Float32Array(c.seqLen * half);
  const sinTable = new Float32Array(c.seqLen * half);
  for (let i = 0; i < half; i++) {
    const freq = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / hs)));
    for (let p = 0; p < c.seqLen; p++) {
      const val = Math.fround(p * freq);
      cosTable[p * half + i] = Math.cos(val);
      sinTable[p * half + i] = Math.sin(val);
    }
  }
  // causal mask [seq_len, seq_len]: true where key <= query
  const maskBytes = new Uint8Array(c.seqLen * c.seqLen);
  for (let i = 0; i < c.seqLen; i++) for (let j = 0; j <= i; j++) maskBytes[i * c.seqLen + j] = 1;

  const { cos, sin, mask } = b.scope("model/rotary", () => {
    const seq = b.slice(b.shape(ids), [1], [2]);
    const cosAll = b.float32("model.rotary.cos", [c.seqLen, half], cosTable);
    const sinAll = b.float32("model.rotary.sin", [c.seqLen, half], sinTable);
    const maskAll = b.initializer(
      makeRawTensor("model.causal_mask", DataType.BOOL, [c.seqLen, c.seqLen], maskBytes),
    );
    // [T, half] → [1, T, 1, half, 1] to broadcast over [B, T, heads, half, 1]
    const shape5 = [1, -1, 1, half, 1];
    return {
      cos: b.reshape(b.slice(cosAll, [0], seq, [0]), shape5),
      sin: b.reshape(b.slice(sinAll, [0], seq, [0]), shape5),
      mask: b.slice(maskAll, [0, 0], b.concat([seq, seq], 0), [0, 1]),
    };
  });
  const negInf = b.constFloat(Number.NEGATIVE_INFINITY);
  const scale = b.constFloat(1 / Math.sqrt(hs));

  const rope = (t: Value, heads: number): Value => {
    const pairs = b.reshape(t, [0, 0, heads, half, 2]);
    const [even, odd] = b.split(pairs, -1, [1, 1]);
    const outEven = b.sub(b.mul(even!, cos), b.mul(odd!, sin));
    const outOdd = b.add(b.mul(even!, sin), b.mul(odd!, cos));
    return b.reshape(b.concat([outEven, outOdd], -1), [0, 0, heads, hs]);
  };
  const repeatKv = (t: Value, lastTwo: [number, number]): Value => {
    // [B, KV, a, b] → [B, KV, rep, a, b] → [B, H, a, b]; query head h reads KV head floor(h / rep)
    if (rep === 1) return t;
    const expanded = b.expand(b.unsqueeze(t, [2]), [1, 1, rep, 1, 1]);
    return b.reshape(expanded, [0, H, lastTwo[0], lastTwo[1]]);
  };
  const rmsNorm = (t: Value, weight: Float32Array, name: string): Value =>
    b.rmsNorm(t, b.float32(name, [D], weight), eps);
  const layerSlice = (arr: Float32Array, l: number, size: number) => arr.subarray(l * size, (l + 1) * size);

  const attentions: Value[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    const p = `model.layers.${l}`;
    x = b.scope(`model/layers.${l}`, () => {
      const h = b.scope("input_layernorm", () =>
        rmsNorm(x, layerSlice(w.rmsAtt, l, D), `${p}.input_layernorm.weight`),
      );
      const attnOut = b.scope("attn", () => {
        const wq = b.float32(
          `${p}.attn.q_proj.weight_t`,
          [D, D],
          transpose2d(layerSlice(w.wq, l, D * D), D, D),
        );
        const wk = b.float32(
          `${p}.attn.k_proj.weight_t`,
          [D, kvDim],
          transpose2d(layerSlice(w.wk, l, kvDim * D), kvDim, D),
        );
        const wv = b.float32(
          `${p}.attn.v_proj.weight_t`,
          [D, kvDim],
          transpose2d(layerSlice(w.wv, l, kvDim * D), kvDim, D),
        );
        const wo = b.float32(
          `${p}.attn.o_proj.weight_t`,
          [D, D],
          transpose2d(layerSlice(w.wo, l, D * D), D, D),
        );
        const q = rope(b.reshape(b.matMul(h, wq), [0, 0, H, hs]), H);
        const k = rope(b.reshape(b.matMul(h, wk), [0, 0, KV, hs]), KV);
        const v = b.reshape(b.matMul(h, wv), [0, 0, KV, hs]);
        const qh = b.transpose(q, [0, 2, 1, 3]); // [B, H, T, hs]
        const kh = repeatKv(b.transpose(k, [0, 2, 3, 1]), [hs, -1]); // [B, H, hs, T]
        const vh = repeatKv(b.transpose(v, [0, 2, 1, 3]), [-1, hs]); // [B, H, T, hs]
        const scores = b.mul(b.matMul(qh, kh), scale);
        const masked = b.where(mask, scores, negInf);
        const probs = b.softmax(masked, -1, { name: llama2cSoftmaxName(l) });
        attentions.push(probs);
        const ctx = b.reshape(b.transpose(b.matMul(probs, vh), [0, 2, 1, 3]), [0, 0, D]);
        return b.matMul(ctx, wo);
      });
      const x1 = b.add(x, attnOut);
      const h2 = b.scope("post_attention_layernorm", () =>
        rmsNorm(x1, layerSlice(w.rmsFfn, l, D), `${p}.post_attention_layernorm.weight`),
      );
      const ffn = b.scope("mlp", () => {
        const w1 = b.float32(
          `${p}.mlp.gate_proj.weight_t`,
          [D, F],
          transpose2d(layerSlice(w.w1, l, F * D), F, D),
        );
        const w3 = b.float32(
          `${p}.mlp.up_proj.weight_t`,
          [D, F],
          transpose2d(layerSlice(w.w3, l, F * D), F, D),
        );
        const w2 = b.float32(
          `${p}.mlp.down_proj.weight_t`,
          [F, D],
          transpose2d(layerSlice(w.w2, l, D * F), D, F),
        );
        const gate = b.matMul(h2, w1);
        const silu = b.mul(gate, b.sigmoid(gate));
        return b.matMul(b.mul(silu, b.matMul(h2, w3)), w2);
      });
      return b.add(x1, ffn);
    });
  }
  if (options.logits !== false) {
    const logits = b.scope("model", () => {
      const normed = b.scope("norm", () => rmsNorm(x, w.rmsFinal, "model.norm.weight"));
      const wcls = b.float32("lm_head.weight_t", [D, c.vocabSize], transpose2d(w.wcls, c.vocabSize, D));
      return b.scope("lm_head", () => b.matMul(normed, wcls));
    });
    b.output(logits, "logits", { elemType: "float32", shape: ["batch", "sequence_length", c.vocabSize] });
  }
  if (options.outputAttentions === true) {
    attentions.forEach((a, l) => {
      b.output(a, `attentions.${l}`, {
        elemType: "float32",
        shape: ["batch", H, "sequence_length", "sequence_length"],
      });
    });
  }
  return b.toModel();
}
