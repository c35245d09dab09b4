import {
  decodeModel,
  encodeModel,
  findNodesByOpType,
  listOpTypes,
  tensorToFloat32,
} from "@pattern-lens/onnx";
import { describe, expect, it } from "vitest";
import { llama2cSoftmaxName, llama2cToOnnx, parseLlama2cCheckpoint } from "../../src/index.ts";
import { stories260k, syntheticCheckpoint } from "./_helpers.ts";

describe("llama2cToOnnx", () => {
  it("builds input_ids → logits with one named causal Softmax per layer", () => {
    const model = decodeModel(encodeModel(llama2cToOnnx(parseLlama2cCheckpoint(stories260k().checkpoint))));
    const g = model.graph!;
    expect(
      g.input.map((i) => [i.name, i.type!.tensorType!.shape!.dim.map((d) => d.dimParam ?? d.dimValue)]),
    ).toEqual([["input_ids", ["batch", "sequence_length"]]]);
    expect(g.output.map((o) => o.name)).toEqual(["logits"]);
    expect(g.output[0]!.type!.tensorType!.shape!.dim.map((d) => d.dimParam ?? d.dimValue)).toEqual([
      "batch",
      "sequence_length",
      512,
    ]);
    const softmaxes = findNodesByOpType(g, "Softmax").map((n) => n.name);
    expect(softmaxes).toEqual([0, 1, 2, 3, 4].map(llama2cSoftmaxName));
    expect(listOpTypes(g)).toEqual(
      expect.arrayContaining(["Gather", "MatMul", "Softmax", "Where", "Sigmoid", "Expand"]),
    );
    // the transposed classifier is the embedding (shared), transposed
    const init = new Map(g.initializer.map((t) => [t.name!, t]));
    const emb = tensorToFloat32(init.get("model.embed_tokens.weight")!);
    const cls = tensorToFloat32(init.get("lm_head.weight_t")!);
    expect(init.get("lm_head.weight_t")!.dims).toEqual([64, 512]);
    expect(cls[3 * 512 + 7]).toBe(emb[7 * 64 + 3]);
  });

  it("uses the unshared classifier, skips GQA repeats when n_kv_heads = n_heads, and can output attentions", () => {
    const { bytes } = syntheticCheckpoint({
      dim: 8,
      hidden: 12,
      layers: 2,
      heads: 2,
      kvHeads: 2,
      vocab: -10,
      seqLen: 6,
    });
    const ckpt = parseLlama2cCheckpoint(bytes);
    const g = llama2cToOnnx(ckpt, { outputAttentions: true }).graph!;
    expect(findNodesByOpType(g, "Expand")).toEqual([]);
    expect(g.output.map((o) => o.name)).toEqual(["logits", "attentions.0", "attentions.1"]);
    const cls = tensorToFloat32(g.initializer.find((t) => t.name === "lm_head.weight_t")!);
    expect(cls[0]).toBe(ckpt.weights.wcls[0]);
    expect(cls[1]).toBe(ckpt.weights.wcls[8]);
    const noLogits = llama2cToOnnx(ckpt, { logits: false, outputAttentions: true }).graph!;
    expect(noLogits.output.map((o) => o.name)).toEqual(["attentions.0", "attentions.1"]);
  });
});
