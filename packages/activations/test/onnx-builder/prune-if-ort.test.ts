/**
 * A merged-decoder-like graph (the work inside an `If`) pruned by @pattern-lens/onnx's pruneGraph
 * still runs in ONNX Runtime and gives the same values for the outputs kept.
 */
import { decodeModel, encodeModel, GraphBuilder, pruneGraph, removeGraphOutputs } from "@pattern-lens/onnx";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

function branch(sign: number): ReturnType<GraphBuilder["toModel"]>["graph"] & object {
  const b = new GraphBuilder({ name: sign > 0 ? "then" : "else" });
  // reads `x` and `w` from the outer scope
  const probs = b.softmax(b.mul("x", b.constFloat(sign)), -1, { name: "/branch/Softmax" });
  const logits = b.matMul("x", "w");
  b.output(probs, `probs_${sign > 0 ? "t" : "e"}`, { elemType: "float32" });
  b.output(logits, `logits_${sign > 0 ? "t" : "e"}`, { elemType: "float32" });
  return b.toModel().graph!;
}

describe("pruneGraph on If in ONNX Runtime", () => {
  it("drops the unneeded branch output and still computes the kept one", async () => {
    const b = new GraphBuilder({ opset: 17 });
    const x = b.input("x", "float32", [2, 4]);
    const cond = b.input("use_cache_branch", "bool", [1]);
    b.float32("w", [4, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]);
    const [probs, logits] = b.node("If", [cond], {
      outputs: ["probs", "logits"],
      attrs: { then_branch: branch(1), else_branch: branch(-1) },
    });
    b.output(probs!);
    b.output(logits!);
    expect(x).toBe("x");
    const model = decodeModel(b.toBytes());
    const full = await ort.InferenceSession.create(encodeModel(model));
    removeGraphOutputs(model.graph!, ["logits"]);
    const res = pruneGraph(model.graph!, { removeUnusedInputs: true });
    expect(res.removedNodes).toBe(4); // MatMul + the renaming Identity, in each branch
    expect(res.removedInitializers).toBe(1); // w
    const ifNode = model.graph!.node.find((n) => n.opType === "If")!;
    expect(ifNode.output).toEqual(["probs"]);
    const pruned = await ort.InferenceSession.create(encodeModel(model));
    expect(pruned.outputNames).toEqual(["probs"]);
    const xs = new ort.Tensor("float32", Float32Array.from([1, 2, 3, 4, 0, 0, 1, -1]), [2, 4]);
    for (const c of [true, false]) {
      const feeds = { x: xs, use_cache_branch: new ort.Tensor("bool", Uint8Array.from([c ? 1 : 0]), [1]) };
      const a = (await full.run(feeds)).probs!.data as Float32Array;
      const p = (await pruned.run(feeds)).probs!.data as Float32Array;
      expect(p).toEqual(a);
    }
    await full.release();
    await pruned.release();
  });
});
