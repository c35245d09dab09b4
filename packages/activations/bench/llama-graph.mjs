// Llama-shaped graphs for the activations benches, in the layout onnxruntime-genai's model builder
// exports (see shared/models/ort-fused/tiny-random-LlamaForCausalLM-fp32/model.onnx): packed QKV
// MatMul -> com.microsoft.GroupQueryAttention (do_rotary=1, cos/sin caches, seqlens_k and
// total_sequence_length from the attention mask, past_key_values.* inputs, present.* outputs),
// SimplifiedLayerNormalization / com.microsoft.SkipSimplifiedLayerNormalization (RMSNorm with the
// residual add fused), SwiGLU MLP (Sigmoid x Mul), untied lm_head. Random weights, built with
// @pattern-lens/onnx's GraphBuilder; every weight is written to `model.onnx.data` beside the model
// as it is made (a 1B-class model is past protobuf's 2 GB limit, and never sits in memory whole).
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { DataType, GraphBuilder, makeRawTensor } from "@pattern-lens/onnx";

/** Llama-3.2-1B's shape (hidden 2048, 16 layers, 32 query / 8 KV heads of 64, SwiGLU 8192, vocab 128,256). */
export const LLAMA_1B = {
  layers: 16,
  heads: 32,
  kvHeads: 8,
  headDim: 64,
  hidden: 2048,
  mlp: 8192,
  vocab: 128256,
  ctx: 2048,
  ropeTheta: 500000,
};

/** Parameters of a config (embeddings and lm_head counted separately, as the model has both). */
export function parameterCount(c) {
  const qkv = c.hidden * (c.heads + 2 * c.kvHeads) * c.headDim;
  const perLayer = qkv + c.heads * c.headDim * c.hidden + 3 * c.hidden * c.mlp + 2 * c.hidden;
  return 2 * c.vocab * c.hidden + c.layers * perLayer + c.hidden;
}

// float32 -> float16 bits (round to nearest even; the weights here are small and finite)
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function halfBits(x) {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = ((b >>> 23) & 0xff) - 127 + 15;
  const mant = b & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mant | 0x800000) >>> (1 - exp + 13);
    return sign | m;
  }
  if (exp >= 31) return sign | 0x7c00;
  let h = sign | (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return h;
}

/**
 * Writes a Llama-shaped model: `<dir>/onnx/model.onnx`, its weights in `<dir>/onnx/model.onnx.data`
 * (each tensor at a 64 KiB-aligned offset), and a Hugging Face `config.json` in `<dir>`.
 * `dtype` is the weights' and activations' type (`float32` or `float16`). Returns the paths and the
 * weight bytes.
 */
export function writeLlamaModel(dir, cfg, { dtype = "float32", seed = 1234 } = {}) {
  const c = { ropeTheta: 10000, ...cfg };
  const { layers: L, heads: H, kvHeads: KV, headDim: DH, hidden: D, mlp: M, vocab: V, ctx: CTX } = c;
  const modelPath = join(dir, "onnx", "model.onnx");
  const dataName = "model.onnx.data";
  mkdirSync(dirname(modelPath), { recursive: true });
  const fd = openSync(join(dirname(modelPath), dataName), "w");
  const ALIGN = 65536;
  const itemBytes = dtype === "float16" ? 2 : 4;
  const dataType = dtype === "float16" ? DataType.FLOAT16 : DataType.FLOAT;
  let offset = 0;
  let s = seed >>> 0 || 1;
  // tables of 65,536 uniform values in [-a, a) (std = a / sqrt 3) as the stored type, indexed by a xorshift32
  const unit = Float32Array.from({ length: 65536 }, (_, i) => (i + 0.5) / 32768 - 1);
  const tables = new Map();
  const tableFor = (std) => {
    let t = tables.get(std);
    if (t === undefined) {
      const a = std * Math.sqrt(3);
      t = dtype === "float16" ? Uint16Array.from(unit, (u) => halfBits(u * a)) : unit.map((u) => u * a);
      tables.set(std, t);
    }
    return t;
  };
  const CHUNK = 1 << 22;

  /** Writes an initializer of `dims` to the data file: `kind` "rand" (uniform, std `std`), "ones", or a Float32Array. */
  const weight = (b, name, dims, kind, std = 0.02) => {
    const n = dims.reduce((a, x) => a * x, 1);
    const pad = (ALIGN - (offset % ALIGN)) % ALIGN;
    if (pad) writeSync(fd, new Uint8Array(pad), 0, pad, offset);
    offset += pad;
    const start = offset;
    const table = tableFor(std);
    for (let i0 = 0; i0 < n; i0 += CHUNK) {
      const m = Math.min(CHUNK, n - i0);
      const buf = dtype === "float16" ? new Uint16Array(m) : new Float32Array(m);
      if (kind === "rand") {
        for (let i = 0; i < m; i++) {
          s ^= s << 13;
          s ^= s >>> 17;
          s ^= s << 5;
          buf[i] = table[(s >>> 7) & 0xffff];
        }
      } else {
        for (let i = 0; i < m; i++) {
          const x = kind === "ones" ? 1 : kind[i0 + i];
          buf[i] = dtype === "float16" ? halfBits(x) : x;
        }
      }
      const bytes = new Uint8Array(buf.buffer);
      writeSync(fd, bytes, 0, bytes.length, offset);
      offset += bytes.length;
    }
    const t = makeRawTensor(name, dataType, dims, new Uint8Array(0));
    delete t.rawData;
    t.dataLocation = 1;
    t.externalData = [
      { key: "location", value: dataName },
      { key: "offset", value: String(start) },
      { key: "length", value: String(n * itemBytes) },
    ];
    return b.initializer(t);
  };

  const b = new GraphBuilder({ opset: 14, opsets: { "com.microsoft": 1 } });
  const ids = b.input("input_ids", "int64", ["batch_size", "sequence_length"]);
  const mask = b.input("attention_mask", "int64", ["batch_size", "total_sequence_length"]);
  const past = [];
  for (let l = 0; l < L; l++)
    past.push(
      ["key", "value"].map((kv) =>
        b.input(`past_key_values.${l}.${kv}`, dtype, ["batch_size", KV, "past_sequence_length", DH]),
      ),
    );
  // attention-mask reformat, as the genai builder writes it: seqlens_k = sum(mask) - 1 (int32),
  // total_sequence_length = mask.shape[1] (int32 scalar)
  const [seqlensK, totalLen] = b.scope("model/attn_mask_reformat/attn_mask_subgraph", () => {
    const one = b.constInt64([1]);
    const sum = b.node("ReduceSum", [mask, one], { attrs: { keepdims: 0 } })[0];
    const seqlens = b.cast(b.sub(sum, one), "int32");
    const total = b.cast(b.gather(b.shape(mask), b.constInt64(1)), "int32");
    return [seqlens, total];
  });
  // rotary caches [ctx, headDim/2]; Llama 3's frequency scaling is left out
  const half = DH / 2;
  const cos = new Float32Array(CTX * half);
  const sin = new Float32Array(CTX * half);
  for (let p = 0; p < CTX; p++)
    for (let i = 0; i < half; i++) {
      const a = p / c.ropeTheta ** ((2 * i) / DH);
      cos[p * half + i] = Math.cos(a);
      sin[p * half + i] = Math.sin(a);
    }
  weight(b, "model.embed_tokens.weight", [V, D], "rand");
  const cosCache = weight(b, "cos_cache", [CTX, half], cos);
  const sinCache = weight(b, "sin_cache", [CTX, half], sin);
  let x = b.scope("model/embed_tokens", () => b.gather("model.embed_tokens.weight", ids));
  let residual;
  const eps = { float: 1e-5 };
  /** RMSNorm of x (+ the residual when there is one): [normed, new residual]. */
  const norm = (scope, w) =>
    b.scope(scope, () => {
      if (residual === undefined) {
        const out = b.node("SimplifiedLayerNormalization", [x, w], {
          attrs: { axis: -1, epsilon: eps, stash_type: 1 },
        })[0];
        return [out, x];
      }
      const [out, , , sum] = b.node("SkipSimplifiedLayerNormalization", [residual, x, w], {
        domain: "com.microsoft",
        outputs: 4,
        attrs: { epsilon: eps },
      });
      return [out, sum];
    });
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}`;
    const lnIn = weight(b, `${p}.input_layernorm.weight`, [D], "ones");
    const wqkv = weight(b, `${p}.attn.qkv_proj.MatMul.weight`, [D, (H + 2 * KV) * DH], "rand");
    const wo = weight(b, `${p}.attn.o_proj.MatMul.weight`, [H * DH, D], "rand");
    const lnPost = weight(b, `${p}.post_attention_layernorm.weight`, [D], "ones");
    const wg = weight(b, `${p}.mlp.gate_proj.MatMul.weight`, [D, M], "rand");
    const wu = weight(b, `${p}.mlp.up_proj.MatMul.weight`, [D, M], "rand");
    const wd = weight(b, `${p}.mlp.down_proj.MatMul.weight`, [M, D], "rand");
    let h;
    [h, residual] = norm(`model/layers.${l}/input_layernorm`, lnIn);
    x = b.scope(`model/layers.${l}/attn`, () => {
      const qkv = b.scope("qkv_proj", () => b.matMul(h, wqkv));
      const [attn] = b.node(
        "GroupQueryAttention",
        [qkv, "", "", past[l][0], past[l][1], seqlensK, totalLen, cosCache, sinCache],
        {
          domain: "com.microsoft",
          outputs: [
            `/model/layers.${l}/attn/GroupQueryAttention/output_0`,
            `present.${l}.key`,
            `present.${l}.value`,
          ],
          attrs: {
            num_heads: H,
            kv_num_heads: KV,
            scale: { float: 1 / Math.sqrt(DH) },
            do_rotary: 1,
            rotary_interleaved: 0,
          },
        },
      );
      return b.scope("o_proj", () => b.matMul(attn, wo));
    });
    [h, residual] = norm(`model/layers.${l}/post_attention_layernorm`, lnPost);
    x = b.scope(`model/layers.${l}/mlp`, () => {
      const g = b.scope("gate_proj", () => b.matMul(h, wg));
      const u = b.scope("up_proj", () => b.matMul(h, wu));
      const act = b.scope("act_fn", () => b.mul(g, b.sigmoid(g)));
      return b.scope("down_proj", () => b.matMul(b.mul(act, u), wd));
    });
  }
  const lnF = weight(b, `model.layers.${L}.final_norm_layernorm.weight`, [D], "ones");
  const [hf] = norm(`model/layers.${L}/final_norm_layernorm`, lnF);
  const lmHead = weight(b, "lm_head.MatMul.weight", [D, V], "rand");
  b.output(
    b.scope("lm_head", () => b.matMul(hf, lmHead)),
    "logits",
  );
  for (let l = 0; l < L; l++) for (const kv of ["key", "value"]) b.output(`present.${l}.${kv}`);
  closeSync(fd);
  writeFileSync(modelPath, b.toBytes());
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      model_type: "llama",
      architectures: ["LlamaForCausalLM"],
      hidden_size: D,
      intermediate_size: M,
      num_hidden_layers: L,
      num_attention_heads: H,
      num_key_value_heads: KV,
      head_dim: DH,
      max_position_embeddings: CTX,
      vocab_size: V,
      rope_theta: c.ropeTheta,
      rms_norm_eps: 1e-5,
      hidden_act: "silu",
      torch_dtype: dtype,
      bos_token_id: 1,
      eos_token_id: 2,
    }),
  );
  return { modelPath, dataBytes: offset };
}
