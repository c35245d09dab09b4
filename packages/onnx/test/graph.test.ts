import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import {
  AttributeType,
  addGraphOutput,
  DataType,
  decodeModel,
  encodeModel,
  findNode,
  findNodesByOpType,
  type GraphProto,
  getAttributeValue,
  getNode,
  listOpTypes,
  makeAttribute,
  type NodeProto,
  opsetVersion,
  outerScopeReferences,
  pruneGraph,
  removeGraphOutputs,
  setNodeAttribute,
  setNodeOutput,
  topologicalOrder,
} from "../src/index.ts";

function node(op: string, input: string[], output: string[], name = output[0]!): NodeProto {
  return { opType: op, input, output, name, attribute: [], metadataProps: [] };
}

function graph(nodes: NodeProto[], inputs: string[], outputs: string[]): GraphProto {
  return {
    node: nodes,
    initializer: [],
    input: inputs.map((name) => ({ name, metadataProps: [] })),
    output: outputs.map((name) => ({ name, metadataProps: [] })),
    valueInfo: [],
    metadataProps: [],
  };
}

const gpt2 = () =>
  decodeModel(new Uint8Array(readFileSync(sharedPath("models/gpt2-tiny-torch/onnx/model.onnx"))));
const gqa = () =>
  decodeModel(
    new Uint8Array(readFileSync(sharedPath("models/ort-fused/tiny-random-LlamaForCausalLM-fp32/model.onnx"))),
  );

describe("queries", () => {
  it("lists op types qualified by domain", () => {
    const ops = listOpTypes(gqa().graph!);
    expect(ops).toContain("com.microsoft.GroupQueryAttention");
    expect(ops).toContain("MatMul");
    expect(ops).toEqual([...ops].sort());
  });

  it("finds nodes by name and op type; getNode throws PL_ONNX_NOT_FOUND", () => {
    const g = gpt2().graph!;
    const softmaxes = findNodesByOpType(g, "Softmax");
    expect(softmaxes.length).toBe(2);
    expect(findNode(g, softmaxes[0]!.name!)).toBe(softmaxes[0]);
    expect(() => getNode(g, "no/such/node")).toThrow(expect.objectContaining({ code: "PL_ONNX_NOT_FOUND" }));
  });

  it("reads opset versions; '' and ai.onnx are the same domain", () => {
    const m = gqa();
    expect(opsetVersion(m)).toBe(14);
    expect(opsetVersion(m, "ai.onnx")).toBe(14);
    expect(opsetVersion(m, "com.microsoft")).toBe(1);
    expect(opsetVersion(m, "ai.onnx.ml")).toBeUndefined();
  });
});

describe("topologicalOrder", () => {
  it("orders shuffled nodes, stable for ties", () => {
    const g = graph(
      [
        node("Relu", ["b"], ["c"]),
        node("Neg", ["x"], ["a"]),
        node("Add", ["a", "x"], ["b"]),
        node("Abs", ["x"], ["d"]),
      ],
      ["x"],
      ["c", "d"],
    );
    expect(topologicalOrder(g).map((n) => n.output[0])).toEqual(["a", "b", "c", "d"]);
  });

  it("keeps the real export's order valid", () => {
    const g = gpt2().graph!;
    const order = topologicalOrder(g);
    expect(order.length).toBe(g.node.length);
    const seen = new Set([...g.input.map((i) => i.name!), ...g.initializer.map((t) => t.name!)]);
    for (const n of order) {
      for (const i of n.input) if (i) expect(seen.has(i), i).toBe(true);
      for (const o of n.output) seen.add(o);
    }
  });

  it("counts subgraph outer-scope references as dependencies", () => {
    const thenBranch = graph([node("Identity", ["outer"], ["t"])], [], ["t"]);
    const elseBranch = graph([node("Neg", ["outer"], ["e"])], [], ["e"]);
    const ifNode = node("If", ["cond"], ["y"]);
    ifNode.attribute = [
      { ...makeAttribute("then_branch", thenBranch, "graph") },
      { ...makeAttribute("else_branch", elseBranch, "graph") },
    ];
    const g = graph([ifNode, node("Relu", ["x"], ["outer"])], ["x", "cond"], ["y"]);
    expect([...outerScopeReferences(thenBranch)]).toEqual(["outer"]);
    expect(topologicalOrder(g).map((n) => n.opType)).toEqual(["Relu", "If"]);
  });

  it("throws PL_ONNX_INVALID_GRAPH on a cycle", () => {
    const g = graph([node("Neg", ["b"], ["a"]), node("Neg", ["a"], ["b"])], [], ["a"]);
    expect(() => topologicalOrder(g)).toThrow(expect.objectContaining({ code: "PL_ONNX_INVALID_GRAPH" }));
  });
});

describe("outputs and pruning", () => {
  it("exposes a Softmax output untyped, drops logits, and prunes what only logits needed", () => {
    const m = gpt2();
    const g = m.graph!;
    const sm = findNodesByOpType(g, "Softmax");
    const before = g.node.length;
    for (const n of sm) addGraphOutput(g, n.output[0]!);
    addGraphOutput(g, sm[0]!.output[0]!); // twice is once
    expect(g.output.filter((o) => o.name === sm[0]!.output[0]).length).toBe(1);
    const removed = removeGraphOutputs(g, (o) => !sm.some((n) => n.output[0] === o.name));
    expect(removed).toContain("logits");
    const res = pruneGraph(g, { removeUnusedInputs: true });
    expect(res.removedNodes).toBeGreaterThan(0);
    expect(g.node.length).toBe(before - res.removedNodes);
    // the final norm and lm head (MatMul consuming the last LayerNorm) are gone; the softmaxes stay
    expect(findNodesByOpType(g, "Softmax").length).toBe(2);
    const names = new Set(g.node.flatMap((n) => n.output));
    for (const o of g.output) expect(names.has(o.name!)).toBe(true);
    // every node left feeds an output
    const consumed = new Set([...g.node.flatMap((n) => n.input), ...g.output.map((o) => o.name!)]);
    for (const n of g.node) expect(n.output.some((o) => consumed.has(o))).toBe(true);
    // the edited model still encodes and decodes to the same structure
    const again = decodeModel(encodeModel(m));
    expect(again.graph!.node.length).toBe(g.node.length);
    expect(again.graph!.output.map((o) => o.name)).toEqual(g.output.map((o) => o.name));
  });

  it("keeps nodes an If branch reads from the outer scope", () => {
    const thenBranch = graph([node("Identity", ["outer"], ["t"])], [], ["t"]);
    const elseBranch = graph([node("Identity", ["outer"], ["e"])], [], ["e"]);
    const ifNode = node("If", ["cond"], ["y"]);
    ifNode.attribute = [makeAttribute("then_branch", thenBranch), makeAttribute("else_branch", elseBranch)];
    const g = graph(
      [node("Relu", ["x"], ["outer"]), node("Neg", ["x"], ["dead"]), ifNode],
      ["x", "cond", "unused"],
      ["y"],
    );
    const res = pruneGraph(g, { removeUnusedInputs: true });
    expect(g.node.map((n) => n.opType)).toEqual(["Relu", "If"]);
    expect(res).toEqual({ removedNodes: 1, removedInitializers: 0, removedInputs: ["unused"] });
  });

  it("adds typed outputs with symbolic dims", () => {
    const g = graph([], [], []);
    const v = addGraphOutput(g, "p", { elemType: DataType.FLOAT, shape: ["batch", 8, null] });
    expect(v.type!.tensorType!.shape!.dim).toEqual([{ dimParam: "batch" }, { dimValue: 8 }, {}]);
  });
});

describe("attributes", () => {
  it("sets qk_output=2 on GroupQueryAttention and survives a round trip", () => {
    const m = gqa();
    const node0 = findNodesByOpType(m.graph!, "com.microsoft.GroupQueryAttention")[0]!;
    setNodeAttribute(node0, makeAttribute("qk_output", 2));
    const back = decodeModel(encodeModel(m));
    const n = findNode(back.graph!, node0.name!)!;
    expect(getAttributeValue(n, "qk_output")).toBe(2);
    expect(n.attribute.find((a) => a.name === "qk_output")!.type).toBe(AttributeType.INT);
    setNodeAttribute(n, makeAttribute("qk_output", 0));
    expect(n.attribute.filter((a) => a.name === "qk_output").length).toBe(1);
  });

  it("makes float, string and list attributes", () => {
    expect(makeAttribute("epsilon", 1e-5).type).toBe(AttributeType.FLOAT);
    expect(makeAttribute("alpha", 1, "float").f).toBe(1);
    expect(makeAttribute("perm", [0, 2, 1, 3]).ints).toEqual([0, 2, 1, 3]);
    expect(makeAttribute("scales", [0.5, 1], "floats").floats).toEqual([0.5, 1]);
    const s = makeAttribute("mode", "constant");
    expect(getAttributeValue({ ...node("Pad", [], []), attribute: [s] }, "mode")).toBe("constant");
  });
});

describe("setNodeOutput", () => {
  it("pads skipped optional outputs with empty names", () => {
    const n = node("GroupQueryAttention", ["q"], ["out", "present_k", "present_v"]);
    setNodeOutput(n, 3, "probs");
    expect(n.output).toEqual(["out", "present_k", "present_v", "probs"]);
    const m = node("MultiHeadAttention", ["q"], ["out"]);
    setNodeOutput(m, 3, "scores");
    expect(m.output).toEqual(["out", "", "", "scores"]);
  });
});

describe("pruneGraph through If branches", () => {
  it("cuts If outputs nothing needs from the node and both branches, and prunes inside", () => {
    const branch = (op: string) =>
      graph(
        [
          node(op, ["x"], [`${op}_cheap`]),
          node("MatMul", ["x", "big"], [`${op}_mm`]),
          node("Relu", [`${op}_mm`], [`${op}_costly`]),
        ],
        [],
        [`${op}_cheap`, `${op}_costly`],
      );
    const ifNode = node("If", ["cond"], ["cheap", "costly"]);
    ifNode.attribute = [
      makeAttribute("then_branch", branch("Neg")),
      makeAttribute("else_branch", branch("Abs")),
    ];
    const g = graph(
      [ifNode, node("Sigmoid", ["costly"], ["logits"])],
      ["x", "cond", "big"],
      ["cheap", "logits"],
    );
    removeGraphOutputs(g, ["logits"]);
    const res = pruneGraph(g, { removeUnusedInputs: true });
    expect(ifNode.output).toEqual(["cheap"]);
    const thenB = ifNode.attribute[0]!.g!;
    expect(thenB.output.map((o) => o.name)).toEqual(["Neg_cheap"]);
    expect(thenB.node.map((n) => n.opType)).toEqual(["Neg"]);
    expect(ifNode.attribute[1]!.g!.node.map((n) => n.opType)).toEqual(["Abs"]);
    expect(g.node.map((n) => n.opType)).toEqual(["If"]);
    expect(res.removedNodes).toBe(1 + 4);
    expect(res.removedInputs).toEqual(["big"]);
  });

  it("keeps If outputs when asked not to prune them", () => {
    const b = graph([node("Neg", ["x"], ["a"]), node("Abs", ["x"], ["b"])], [], ["a", "b"]);
    const ifNode = node("If", ["cond"], ["a_out", "b_out"]);
    ifNode.attribute = [makeAttribute("then_branch", b), makeAttribute("else_branch", structuredClone(b))];
    const g = graph([ifNode], ["x", "cond"], ["a_out"]);
    pruneGraph(g, { pruneIfOutputs: false });
    expect(ifNode.output).toEqual(["a_out", "b_out"]);
  });
});
