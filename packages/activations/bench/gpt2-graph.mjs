// The GPT-2-small-shaped graph of the activations benches (12 layers, 12 heads, d_model 768,
// d_mlp 3072, GPT-2 vocabulary 50257, random weights), built with @pattern-lens/onnx's GraphBuilder.
import { GraphBuilder } from "@pattern-lens/onnx";

export const L = 12;
export const H = 12;
export const D = 768;
export const DH = 64;
export const MLP = 3072;
export const V = 50257;
export const CTX = 1024;

let seed = 42;
export function randn(n, std) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // sum of 4 uniforms: cheap, roughly normal
    let s = 0;
    for (let k = 0; k < 4; k++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      s += seed / 4294967296 - 0.5;
    }
    out[i] = s * std * 1.732;
  }
  return out;
}
export const ones = (n) => new Float32Array(n).fill(1);

/** GPT-2 small: pre-LN blocks, explicit causal softmax attention, erf GELU MLP, final LN, lm head. */
export function buildGpt2Small(ctx = CTX) {
  const b = new GraphBuilder({ opset: 17 });
  const ids = b.input("input_ids", "int64", ["batch_size", "sequence_length"]);
  const mask = b.input("attention_mask", "int64", ["batch_size", "sequence_length"]);
  const pos = b.input("position_ids", "int64", ["batch_size", "sequence_length"]);
  b.float32("wte", [V, D], randn(V * D, 0.02));
  b.float32("wpe", [ctx, D], randn(ctx * D, 0.01));
  let x = b.add(b.gather("wte", ids), b.gather("wpe", pos));
  const keypad = b.unsqueeze(b.equal(mask, b.constInt64(0)), [1, 2]);
  const seq = b.squeeze(b.shape(ids, 1, 2), [0]);
  const r = b.range(b.constInt64(0), seq, b.constInt64(1));
  const future = b.node("Greater", [b.unsqueeze(r, [0]), b.unsqueeze(r, [1])])[0];
  const blocked = b.node("Or", [future, keypad])[0];
  const neg = b.constFloat(-3.4028234663852886e38);
  const scale = b.constFloat(1 / Math.sqrt(DH));
  for (let l = 0; l < L; l++) {
    const p = `h.${l}`;
    b.float32(`${p}.ln_1.g`, [D], ones(D));
    b.float32(`${p}.ln_1.b`, [D], new Float32Array(D));
    b.float32(`${p}.attn.c_attn.w`, [D, 3 * D], randn(D * 3 * D, 0.02));
    b.float32(`${p}.attn.c_attn.b`, [3 * D], new Float32Array(3 * D));
    b.float32(`${p}.attn.c_proj.w`, [D, D], randn(D * D, 0.02));
    b.float32(`${p}.attn.c_proj.b`, [D], new Float32Array(D));
    b.float32(`${p}.ln_2.g`, [D], ones(D));
    b.float32(`${p}.ln_2.b`, [D], new Float32Array(D));
    b.float32(`${p}.mlp.c_fc.w`, [D, MLP], randn(D * MLP, 0.02));
    b.float32(`${p}.mlp.c_fc.b`, [MLP], new Float32Array(MLP));
    b.float32(`${p}.mlp.c_proj.w`, [MLP, D], randn(MLP * D, 0.02));
    b.float32(`${p}.mlp.c_proj.b`, [D], new Float32Array(D));
    b.scope(`transformer/h.${l}`, () => {
      const h = b.layerNorm(x, `${p}.ln_1.g`, `${p}.ln_1.b`);
      const qkv = b.add(b.matMul(h, `${p}.attn.c_attn.w`), `${p}.attn.c_attn.b`);
      const [q, k, v] = b.split(qkv, -1, [D, D, D]);
      const heads = (t, perm) => b.transpose(b.reshape(t, [0, 0, H, DH]), perm);
      const scores = b.mul(b.matMul(heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1])), scale);
      const probs = b.softmax(b.where(blocked, neg, scores), -1, {
        name: `/transformer/h.${l}/attn/Softmax`,
      });
      const ctx = b.reshape(b.transpose(b.matMul(probs, heads(v, [0, 2, 1, 3])), [0, 2, 1, 3]), [0, 0, D]);
      x = b.add(x, b.add(b.matMul(ctx, `${p}.attn.c_proj.w`), `${p}.attn.c_proj.b`));
      const h2 = b.layerNorm(x, `${p}.ln_2.g`, `${p}.ln_2.b`);
      const f = b.add(b.matMul(h2, `${p}.mlp.c_fc.w`), `${p}.mlp.c_fc.b`);
      const gelu = b.mul(
        b.mul(f, b.constFloat(0.5)),
        b.add(b.constFloat(1), b.node("Erf", [b.mul(f, b.constFloat(Math.SQRT1_2))])[0]),
      );
      x = b.add(x, b.add(b.matMul(gelu, `${p}.mlp.c_proj.w`), `${p}.mlp.c_proj.b`));
    });
  }
  b.float32("ln_f.g", [D], ones(D));
  b.float32("ln_f.b", [D], new Float32Array(D));
  b.float32("lm_head", [D, V], randn(D * V, 0.02));
  b.output(b.matMul(b.layerNorm(x, "ln_f.g", "ln_f.b"), "lm_head"), "logits");
  return b.toBytes();
}
