import { describe, expect, it } from "vitest";
import {
  AttributeType,
  DataType,
  decodeModel,
  GraphBuilder,
  getAttributeValue,
  makeFloat32Tensor,
  OnnxError,
  opsetVersion,
  tensorToFloat32,
  tensorToNumbers,
} from "../src/index.ts";

describe("GraphBuilder", () => {
  it("names nodes by scope and op type, numbering repeats, and outputs `<node>_output_<i>`", () => {
    const b = new GraphBuilder();
    const x = b.input("x", "float32", ["batch", "seq", 4]);
    const y = b.scope("model/layers.3", () => b.scope("attn", () => b.softmax(b.softmax(x))));
    expect(y).toBe("/model/layers.3/attn/Softmax_1_output_0");
    const m = b.toModel();
    expect(m.graph!.node.map((n) => n.name)).toEqual([
      "/model/layers.3/attn/Softmax",
      "/model/layers.3/attn/Softmax_1",
    ]);
    expect(m.graph!.node[0]!.attribute[0]).toMatchObject({ name: "axis", type: AttributeType.INT, i: -1 });
  });

  it("records symbolic input dims and typed outputs, and serialises a decodable model", () => {
    const b = new GraphBuilder({ opset: 18, name: "g" });
    const x = b.input("input_ids", "int64", ["batch", "sequence_length"]);
    b.output(b.cast(x, "float32"), "y", { elemType: "float32", shape: ["batch", "sequence_length"] });
    const m = decodeModel(b.toBytes());
    expect(m.irVersion).toBe(8);
    expect(opsetVersion(m)).toBe(18);
    expect(m.graph!.name).toBe("g");
    const dims = m.graph!.input[0]!.type!.tensorType!.shape!.dim;
    expect(dims).toEqual([{ dimParam: "batch" }, { dimParam: "sequence_length" }]);
    expect(m.graph!.input[0]!.type!.tensorType!.elemType).toBe(DataType.INT64);
    // renaming output goes through an Identity
    expect(m.graph!.node.map((n) => n.opType)).toEqual(["Cast", "Identity"]);
    expect(m.graph!.output[0]!.name).toBe("y");
    expect(getAttributeValue(m.graph!.node[0]!, "to")).toBe(DataType.FLOAT);
  });

  it("shares identical small constants and stores initializers losslessly", () => {
    const b = new GraphBuilder();
    const a = b.constInt64([0, 0, -1]);
    expect(b.constInt64([0, 0, -1])).toBe(a);
    expect(b.constInt64([0, 0, 2])).not.toBe(a);
    expect(b.constFloat(0.5)).toBe(b.constFloat(0.5));
    const w = new Float32Array([1.5, -2, 3.25, Math.PI]);
    b.float32("w", [2, 2], w);
    const m = decodeModel(b.toBytes());
    const init = new Map(m.graph!.initializer.map((t) => [t.name!, t]));
    expect(tensorToNumbers(init.get(a)!)).toEqual([0, 0, -1]);
    expect(init.get(a)!.dims).toEqual([3]);
    expect(tensorToFloat32(init.get("w")!)).toEqual(w);
  });

  it("uses attributes or inputs for axes depending on the opset", () => {
    const old = new GraphBuilder({ opset: 12 });
    old.unsqueeze(old.input("x", "float32", [2]), [0]);
    expect(old.toModel().graph!.node[0]!.attribute[0]).toMatchObject({ name: "axes", ints: [0] });
    const newer = new GraphBuilder({ opset: 18 });
    newer.reduceMean(newer.input("x", "float32", [2]), [-1]);
    const n = newer.toModel().graph!.node[0]!;
    expect(n.input.length).toBe(2);
    expect(n.attribute.map((a) => a.name)).toEqual(["keepdims"]);
  });

  it("makes float attributes from whole numbers when asked", () => {
    const b = new GraphBuilder();
    const x = b.input("x", "float32", [2]);
    b.layerNorm(x, b.constFloat([1, 1]), undefined, { epsilon: 1 });
    const eps = b.toModel().graph!.node[0]!.attribute.find((a) => a.name === "epsilon")!;
    expect(eps.type).toBe(AttributeType.FLOAT);
    expect(eps.f).toBe(1);
  });

  it("imports a custom domain at version 1 when a node uses it", () => {
    const b = new GraphBuilder();
    b.node("FastGelu", [b.input("x", "float32", [2])], { domain: "com.microsoft" });
    expect(b.toModel().opsetImport).toEqual([
      { domain: "", version: 17 },
      { domain: "com.microsoft", version: 1 },
    ]);
  });

  it("rejects duplicate value and node names with PL_ONNX_INVALID_GRAPH", () => {
    const b = new GraphBuilder();
    b.input("x", "float32", [1]);
    const err = (() => {
      try {
        b.input("x", "float32", [1]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(OnnxError);
    expect((err as OnnxError).code).toBe("PL_ONNX_INVALID_GRAPH");
    b.node("Neg", ["x"], { name: "n" });
    expect(() => b.node("Neg", ["x"], { name: "n" })).toThrow(/already used/);
    expect(() => b.float32("bad", [3], [1, 2])).toThrow(
      expect.objectContaining({ code: "PL_ONNX_INVALID_GRAPH" }),
    );
  });

  it("extends an existing graph without clashing with its names, subgraphs included", () => {
    const base = new GraphBuilder();
    const x = base.input("x", "float32", [2]);
    const y = base.neg(x);
    base.output(y);
    const model = base.toModel();
    const inner = new GraphBuilder();
    inner.output(inner.neg(inner.constFloat(1)));
    model.graph!.node.push({
      input: ["c"],
      output: ["if_out"],
      name: "/If",
      opType: "If",
      attribute: [],
      metadataProps: [],
    });
    model.graph!.node[1]!.attribute.push({
      name: "then_branch",
      type: AttributeType.GRAPH,
      g: inner.toModel().graph!,
      floats: [],
      ints: [],
      strings: [],
      tensors: [],
      graphs: [],
      typeProtos: [],
    });
    const b = GraphBuilder.extend(model.graph!, 17);
    const z = b.neg(y); // "/Neg" is taken in the main graph, "/Neg_1"... by nothing
    expect(z).toBe("/Neg_1_output_0");
    const c = b.constFloat(1); // "/const/float_0" is taken inside the then-branch
    expect(c).not.toBe("/const/float_0");
    b.output(b.add(z, c));
    expect(model.graph!.node.length).toBe(4);
    expect(model.graph!.output.map((o) => o.name)).toEqual([y, "/Add_output_0"]);
  });

  it("Constant nodes carry a tensor attribute", () => {
    const b = new GraphBuilder();
    b.constant(makeFloat32Tensor("c", [2], [1, 2]));
    const a = b.toModel().graph!.node[0]!.attribute[0]!;
    expect(a.name).toBe("value");
    expect(a.type).toBe(AttributeType.TENSOR);
    expect([...tensorToFloat32(a.t!)]).toEqual([1, 2]);
  });
});
