/**
 * The demo model as an ONNX graph, built with `@pattern-lens/onnx`'s GraphBuilder: GPT-2 layout
 * (token + learned position embeddings, attention blocks with residual adds, one explicit Softmax
 * per layer named `/transformer/h.{l}/attn/Softmax`, scores scaled by 1/sqrt(d_head)), without
 * MLPs or layer norms, which the hand-set circuits do not need.
 */
import { GraphBuilder } from "@pattern-lens/onnx";
import { DEMO_CONFIG, type DemoWeights, demoWeights } from "./weights.ts";

/** The name of layer `l`'s attention Softmax node. */
export function demoSoftmaxName(layer: number): string {
  return `/transformer/h.${layer}/attn/Softmax`;
}

/**
 * Builds the demo model as ONNX bytes (opset 17). Inputs `input_ids`, `attention_mask`,
 * `position_ids` (int64, `[batch, sequence_length]`); output `logits` `[batch, sequence_length, vocab]`.
 * @example
 * writeFileSync("model.onnx", demoModelOnnx());
 */
export function demoModelOnnx(weights: DemoWeights = demoWeights()): Uint8Array {
  const { nHeads, dHead, dModel, nCtx, vocabSize } = DEMO_CONFIG;
  const b = new GraphBuilder({ opset: 17, producerName: "pattern-lens-demo" });
  const ids = b.input("input_ids", "int64", ["batch_size", "sequence_length"]);
  const mask = b.input("attention_mask", "int64", ["batch_size", "sequence_length"]);
  const pos = b.input("position_ids", "int64", ["batch_size", "sequence_length"]);
  const wte = b.float32("transformer.wte.weight", [vocabSize, dModel], weights.wte);
  const wpe = b.float32("transformer.wpe.weight", [nCtx, dModel], weights.wpe);
  let x = b.scope("transformer", () => b.add(b.gather(wte, ids), b.gather(wpe, pos)));

  // blocked[b, 1, q, k]: a future key or a padding key
  const blocked = b.scope("transformer/mask", () => {
    const keyPad = b.unsqueeze(b.equal(mask, b.constInt64(0)), [1, 2]);
    const seq = b.squeeze(b.shape(ids, 1, 2), [0]);
    const r = b.range(b.constInt64(0), seq, b.constInt64(1));
    const future = b.node("Greater", [b.unsqueeze(r, [0]), b.unsqueeze(r, [1])])[0] as string;
    return b.node("Or", [future, keyPad])[0] as string;
  });
  const scale = b.constFloat(1 / Math.sqrt(dHead));
  const negInf = b.constFloat(-1e9);
  const headShape = [0, 0, nHeads, dHead];

  weights.layers.forEach((lw, l) => {
    const wq = b.float32(`transformer.h.${l}.attn.q.weight`, [dModel, dModel], lw.q);
    const wk = b.float32(`transformer.h.${l}.attn.k.weight`, [dModel, dModel], lw.k);
    const wv = b.float32(`transformer.h.${l}.attn.v.weight`, [dModel, dModel], lw.v);
    const wo = b.float32(`transformer.h.${l}.attn.c_proj.weight`, [dModel, dModel], lw.o);
    x = b.scope(`transformer/h.${l}/attn`, () => {
      const qh = b.transpose(b.reshape(b.matMul(x, wq), headShape), [0, 2, 1, 3]);
      const kh = b.transpose(b.reshape(b.matMul(x, wk), headShape), [0, 2, 3, 1]);
      const vh = b.transpose(b.reshape(b.matMul(x, wv), headShape), [0, 2, 1, 3]);
      const scores = b.where(blocked, negInf, b.mul(b.matMul(qh, kh), scale));
      const probs = b.softmax(scores, -1, { name: demoSoftmaxName(l) });
      const merged = b.reshape(b.transpose(b.matMul(probs, vh), [0, 2, 1, 3]), [0, 0, dModel]);
      return b.add(x, b.matMul(merged, wo));
    });
  });
  const unembed = b.float32("lm_head.weight", [dModel, vocabSize], weights.unembed);
  b.output(b.matMul(x, unembed), "logits", {
    elemType: "float32",
    shape: ["batch_size", "sequence_length", vocabSize],
  });
  return b.toBytes();
}
