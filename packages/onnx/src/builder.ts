/**
 * A small typed builder for ONNX graphs: inputs with symbolic dims, initializers, the operators a
 * decoder-only transformer needs, named scopes for readable node names, and serialisation to
 * ModelProto bytes.
 */
import { encodeModel } from "./codec.ts";
import { OnnxError } from "./errors.ts";
import { makeAttribute, type TensorTypeSpec, valueInfo } from "./graph.ts";
import { makeFloat32Tensor, makeInt32Tensor, makeInt64Tensor } from "./tensor.ts";
import {
  type AttributeProto,
  DataType,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from "./types.ts";

/** A value in the graph under construction: the name of a tensor. */
export type Value = string;

/** Attribute values for {@link GraphBuilder.node}; `{ float: x }` forces FLOAT for whole numbers. */
export type AttrInput =
  | number
  | readonly number[]
  | string
  | readonly string[]
  | TensorProto
  | GraphProto
  | { float: number }
  | { floats: readonly number[] };

/** Options of {@link GraphBuilder.node}. */
export interface NodeOptions {
  /** Node name; default `<scope>/<OpType>` (numbered `_1`, `_2`, ... when taken). */
  name?: string;
  /** Output names, or how many outputs to name automatically (`<node name>_output_<i>`). Default 1. */
  outputs?: number | readonly string[];
  attrs?: Record<string, AttrInput | undefined>;
  /** Operator domain, e.g. `com.microsoft`; imported at version 1 unless set in the constructor. */
  domain?: string;
}

/** Options of the {@link GraphBuilder} constructor. */
export interface GraphBuilderOptions {
  /** Graph name. Default `"main"`. */
  name?: string;
  /** Default-domain opset. Default 17 (LayerNormalization needs 17, Gelu 20). */
  opset?: number;
  /** Extra opset imports by domain. */
  opsets?: Record<string, number>;
  producerName?: string;
  producerVersion?: string;
  /** IR version written to the model. Default 8. */
  irVersion?: number;
}

/** Element types accepted where a dtype is given by name. */
export type ElemTypeName = "float32" | "float16" | "int64" | "int32" | "bool" | "uint8" | "int8" | "double";

const ELEM: Record<ElemTypeName, number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
  bool: DataType.BOOL,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  double: DataType.DOUBLE,
};

function elemType(t: ElemTypeName | number): number {
  return typeof t === "number" ? t : ELEM[t];
}

/**
 * Builds an ONNX graph op by op. Every op method returns the name of its output.
 * @example
 * const b = new GraphBuilder({ opset: 17 });
 * const x = b.input("x", "float32", ["batch", 4]);
 * const w = b.float32("w", [4, 2], new Float32Array(8).fill(0.5));
 * b.output(b.softmax(b.matMul(x, w), -1, { name: "/attn/Softmax" }), "probs");
 * const bytes = b.toBytes();
 */
export class GraphBuilder {
  readonly opset: number;
  private readonly graph: GraphProto;
  private readonly options: GraphBuilderOptions;
  private readonly opsets = new Map<string, number>();
  private readonly usedNodeNames = new Set<string>();
  private readonly usedValueNames = new Set<string>();
  private readonly constCache = new Map<string, Value>();
  private readonly scopes: string[] = [];

  constructor(options: GraphBuilderOptions = {}, graph?: GraphProto) {
    this.options = options;
    this.opset = options.opset ?? 17;
    this.opsets.set("", this.opset);
    for (const [d, v] of Object.entries(options.opsets ?? {})) this.opsets.set(d, v);
    this.graph = graph ?? {
      node: [],
      name: options.name ?? "main",
      initializer: [],
      input: [],
      output: [],
      valueInfo: [],
      metadataProps: [],
    };
    if (graph !== undefined) this.reserveNames(graph);
  }

  /**
   * A builder that appends to an existing graph (a decoded model's, or an `If` branch): new nodes
   * go after the existing ones and their names never clash with names already used anywhere in
   * the graph or its subgraphs. `opset` should be the model's (see `opsetVersion`). Nodes in a
   * non-default domain need that domain imported by the model.
   * @example
   * const b = GraphBuilder.extend(model.graph!, opsetVersion(model) ?? 17);
   * const probs = b.softmax(scores, -1, { name: "/pl/layer0/Softmax" });
   * b.output(probs);
   */
  static extend(graph: GraphProto, opset: number): GraphBuilder {
    return new GraphBuilder({ opset }, graph);
  }

  private reserveNames(graph: GraphProto): void {
    for (const v of [...graph.input, ...graph.output, ...graph.valueInfo])
      if (v.name) this.usedValueNames.add(v.name);
    for (const t of graph.initializer) if (t.name) this.usedValueNames.add(t.name);
    for (const n of graph.node) {
      if (n.name) this.usedNodeNames.add(n.name);
      for (const o of n.output) if (o) this.usedValueNames.add(o);
      for (const a of n.attribute) {
        if (a.g !== undefined) this.reserveNames(a.g);
        for (const g of a.graphs) this.reserveNames(g);
      }
    }
  }

  // ------------------------------------------------------------ structure

  /** Runs `fn` with node names prefixed by `name` (`/model/layers.0/attn/...`). Scopes nest. */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name.replace(/^\/+|\/+$/g, ""));
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  private claimValue(name: string): string {
    if (this.usedValueNames.has(name)) {
      throw new OnnxError("PL_ONNX_INVALID_GRAPH", `value name "${name}" is already used in this graph`);
    }
    this.usedValueNames.add(name);
    return name;
  }

  /** Declares a graph input. Strings in `shape` are symbolic dims (`dim_param`); `null` is unknown. */
  input(name: string, type: ElemTypeName | number, shape: readonly (number | string | null)[]): Value {
    this.claimValue(name);
    this.graph.input.push(valueInfo(name, { elemType: elemType(type), shape }));
    return name;
  }

  /**
   * Declares `value` a graph output, named `name` (an Identity node renames it when the names
   * differ). Without `type` the output is untyped and ONNX Runtime infers it.
   */
  output(
    value: Value,
    name: string = value,
    type?: { elemType: ElemTypeName | number; shape?: readonly (number | string | null)[] },
  ): Value {
    let v = value;
    if (name !== value) v = this.node("Identity", [value], { outputs: [name] })[0]!;
    const spec: TensorTypeSpec | undefined =
      type === undefined
        ? undefined
        : type.shape === undefined
          ? { elemType: elemType(type.elemType) }
          : { elemType: elemType(type.elemType), shape: type.shape };
    this.graph.output.push(valueInfo(v, spec));
    return v;
  }

  /** Adds a tensor as an initializer; its `name` is the value name. */
  initializer(tensor: TensorProto): Value {
    const name = tensor.name ?? "";
    if (name === "") throw new OnnxError("PL_ONNX_INVALID_GRAPH", "an initializer needs a name");
    this.claimValue(name);
    this.graph.initializer.push(tensor);
    return name;
  }

  /** A float32 initializer (a Float32Array is stored without copying). */
  float32(name: string, dims: readonly number[], values: Float32Array | readonly number[]): Value {
    return this.initializer(makeFloat32Tensor(name, dims, values));
  }

  /** An int64 initializer. */
  int64(name: string, dims: readonly number[], values: BigInt64Array | readonly (number | bigint)[]): Value {
    return this.initializer(makeInt64Tensor(name, dims, values));
  }

  /** An int32 initializer. */
  int32(name: string, dims: readonly number[], values: Int32Array | readonly number[]): Value {
    return this.initializer(makeInt32Tensor(name, dims, values));
  }

  private cached(
    kind: string,
    dims: readonly number[],
    values: readonly number[],
    make: (name: string) => Value,
  ): Value {
    const key = `${kind}|${dims.join(",")}|${values.join(",")}`;
    const hit = this.constCache.get(key);
    if (hit !== undefined) return hit;
    let i = this.constCache.size;
    let name = `/const/${kind}_${i}`;
    while (this.usedValueNames.has(name)) name = `/const/${kind}_${++i}`;
    const v = make(name);
    this.constCache.set(key, v);
    return v;
  }

  /** A small int64 constant (an initializer shared by identical requests). A number is a scalar. */
  constInt64(values: number | readonly number[]): Value {
    const arr = typeof values === "number" ? [values] : values;
    const dims = typeof values === "number" ? [] : [arr.length];
    return this.cached("int64", dims, arr, (n) => this.int64(n, dims, arr));
  }

  /** A small float32 constant (shared by identical requests). A number is a scalar. */
  constFloat(values: number | readonly number[]): Value {
    const arr = typeof values === "number" ? [values] : values;
    const dims = typeof values === "number" ? [] : [arr.length];
    return this.cached("float", dims, arr, (n) => this.float32(n, dims, arr));
  }

  /**
   * Adds a node and returns its output names. Use `""` for an omitted optional input.
   * @throws {OnnxError} `PL_ONNX_INVALID_GRAPH` when a name is taken.
   */
  node(opType: string, inputs: readonly Value[], options: NodeOptions = {}): Value[] {
    const prefix = this.scopes.length > 0 ? `/${this.scopes.join("/")}/` : "/";
    let name = options.name ?? `${prefix}${opType}`;
    if (this.usedNodeNames.has(name)) {
      if (options.name !== undefined) {
        throw new OnnxError("PL_ONNX_INVALID_GRAPH", `node name "${name}" is already used in this graph`);
      }
      let k = 1;
      while (this.usedNodeNames.has(`${name}_${k}`)) k++;
      name = `${name}_${k}`;
    }
    this.usedNodeNames.add(name);
    const outs = options.outputs ?? 1;
    const outputs =
      typeof outs === "number"
        ? Array.from({ length: outs }, (_, i) => this.claimValue(`${name}_output_${i}`))
        : outs.map((o) => this.claimValue(o));
    const attribute: AttributeProto[] = [];
    for (const [k, v] of Object.entries(options.attrs ?? {})) {
      if (v === undefined) continue;
      if (typeof v === "object" && "float" in v) attribute.push(makeAttribute(k, v.float, "float"));
      else if (typeof v === "object" && "floats" in v) attribute.push(makeAttribute(k, v.floats, "floats"));
      else attribute.push(makeAttribute(k, v as Parameters<typeof makeAttribute>[1]));
    }
    const node: NodeProto = {
      input: [...inputs],
      output: outputs,
      name,
      opType,
      attribute,
      metadataProps: [],
    };
    if (options.domain !== undefined && options.domain !== "") {
      node.domain = options.domain;
      if (!this.opsets.has(options.domain)) this.opsets.set(options.domain, 1);
    }
    this.graph.node.push(node);
    return outputs;
  }

  private op(opType: string, inputs: readonly Value[], attrs?: NodeOptions["attrs"], name?: string): Value {
    const options: NodeOptions = {};
    if (attrs !== undefined) options.attrs = attrs;
    if (name !== undefined) options.name = name;
    return this.node(opType, inputs, options)[0]!;
  }

  // ------------------------------------------------------------ element-wise

  add(a: Value, b: Value, name?: string): Value {
    return this.op("Add", [a, b], undefined, name);
  }
  sub(a: Value, b: Value, name?: string): Value {
    return this.op("Sub", [a, b], undefined, name);
  }
  mul(a: Value, b: Value, name?: string): Value {
    return this.op("Mul", [a, b], undefined, name);
  }
  div(a: Value, b: Value, name?: string): Value {
    return this.op("Div", [a, b], undefined, name);
  }
  pow(a: Value, b: Value, name?: string): Value {
    return this.op("Pow", [a, b], undefined, name);
  }
  sqrt(x: Value, name?: string): Value {
    return this.op("Sqrt", [x], undefined, name);
  }
  neg(x: Value, name?: string): Value {
    return this.op("Neg", [x], undefined, name);
  }
  sin(x: Value, name?: string): Value {
    return this.op("Sin", [x], undefined, name);
  }
  cos(x: Value, name?: string): Value {
    return this.op("Cos", [x], undefined, name);
  }
  tanh(x: Value, name?: string): Value {
    return this.op("Tanh", [x], undefined, name);
  }
  sigmoid(x: Value, name?: string): Value {
    return this.op("Sigmoid", [x], undefined, name);
  }
  equal(a: Value, b: Value, name?: string): Value {
    return this.op("Equal", [a, b], undefined, name);
  }
  /** `where(cond, a, b)`: `a` where `cond` is true, else `b`. */
  where(cond: Value, a: Value, b: Value, name?: string): Value {
    return this.op("Where", [cond, a, b], undefined, name);
  }
  /** Casts to an element type. */
  cast(x: Value, to: ElemTypeName | number, name?: string): Value {
    return this.op("Cast", [x], { to: elemType(to) }, name);
  }

  /**
   * GELU. `approximate: "tanh"` is GPT-2's `gelu_new`. Uses the Gelu op at opset 20+, else the
   * formula from primitive ops.
   */
  gelu(x: Value, approximate: "none" | "tanh" = "none", name?: string): Value {
    if (this.opset >= 20) return this.op("Gelu", [x], { approximate }, name);
    const half = this.mul(x, this.constFloat(0.5));
    let inner: Value;
    if (approximate === "tanh") {
      const x3 = this.mul(this.mul(x, x), x);
      const poly = this.add(x, this.mul(x3, this.constFloat(0.044715)));
      inner = this.tanh(this.mul(poly, this.constFloat(Math.sqrt(2 / Math.PI))));
    } else {
      inner = this.op("Erf", [this.mul(x, this.constFloat(Math.SQRT1_2))]);
    }
    return this.mul(half, this.add(inner, this.constFloat(1)), name);
  }

  // ------------------------------------------------------------ linear algebra and reductions

  matMul(a: Value, b: Value, name?: string): Value {
    return this.op("MatMul", [a, b], undefined, name);
  }

  /** Mean over `axes` (attribute before opset 18, input from 18). */
  reduceMean(x: Value, axes: readonly number[], keepdims = true, name?: string): Value {
    if (this.opset >= 18)
      return this.op("ReduceMean", [x, this.constInt64(axes)], { keepdims: keepdims ? 1 : 0 }, name);
    return this.op("ReduceMean", [x], { axes, keepdims: keepdims ? 1 : 0 }, name);
  }

  softmax(x: Value, axis = -1, options: { name?: string } = {}): Value {
    return this.op("Softmax", [x], { axis }, options.name);
  }

  /** LayerNormalization (opset 17+) over the last axis by default. */
  layerNorm(
    x: Value,
    scale: Value,
    bias?: Value,
    options: { axis?: number; epsilon?: number; name?: string } = {},
  ): Value {
    const inputs = bias === undefined ? [x, scale] : [x, scale, bias];
    return this.op(
      "LayerNormalization",
      inputs,
      { axis: options.axis ?? -1, epsilon: { float: options.epsilon ?? 1e-5 } },
      options.name,
    );
  }

  /** RMSNorm from primitives: `x / sqrt(mean(x²) + eps) * weight` over the last axis. */
  rmsNorm(x: Value, weight: Value, epsilon = 1e-5): Value {
    const ms = this.reduceMean(this.mul(x, x), [-1]);
    const denom = this.sqrt(this.add(ms, this.constFloat(epsilon)));
    return this.mul(this.div(x, denom), weight);
  }

  // ------------------------------------------------------------ shape and indexing

  gather(data: Value, indices: Value, axis = 0, name?: string): Value {
    return this.op("Gather", [data, indices], { axis }, name);
  }
  /** Reshape to a constant shape (numbers; 0 copies, -1 infers) or a shape tensor. */
  reshape(x: Value, shape: Value | readonly number[], name?: string): Value {
    return this.op(
      "Reshape",
      [x, typeof shape === "string" ? shape : this.constInt64(shape)],
      undefined,
      name,
    );
  }
  transpose(x: Value, perm: readonly number[], name?: string): Value {
    return this.op("Transpose", [x], { perm }, name);
  }
  concat(xs: readonly Value[], axis: number, name?: string): Value {
    return this.op("Concat", xs, { axis }, name);
  }
  /** Slice with constant (numbers) or tensor bounds. */
  slice(
    x: Value,
    starts: Value | readonly number[],
    ends: Value | readonly number[],
    axes?: Value | readonly number[],
    steps?: Value | readonly number[],
    name?: string,
  ): Value {
    const t = (v: Value | readonly number[]) => (typeof v === "string" ? v : this.constInt64(v));
    const inputs = [x, t(starts), t(ends)];
    if (axes !== undefined) inputs.push(t(axes));
    if (steps !== undefined) {
      if (axes === undefined) inputs.push("");
      inputs.push(t(steps));
    }
    return this.op("Slice", inputs, undefined, name);
  }
  /** Unsqueeze (axes attribute before opset 13, input from 13). */
  unsqueeze(x: Value, axes: readonly number[], name?: string): Value {
    if (this.opset >= 13) return this.op("Unsqueeze", [x, this.constInt64(axes)], undefined, name);
    return this.op("Unsqueeze", [x], { axes }, name);
  }
  /** Squeeze (axes attribute before opset 13, input from 13). */
  squeeze(x: Value, axes: readonly number[], name?: string): Value {
    if (this.opset >= 13) return this.op("Squeeze", [x, this.constInt64(axes)], undefined, name);
    return this.op("Squeeze", [x], { axes }, name);
  }
  /** The shape of `x` as int64 (optionally `[start, end)`, opset 15+). */
  shape(x: Value, start?: number, end?: number, name?: string): Value {
    return this.op("Shape", [x], { start, end }, name);
  }
  expand(x: Value, shape: Value | readonly number[], name?: string): Value {
    return this.op(
      "Expand",
      [x, typeof shape === "string" ? shape : this.constInt64(shape)],
      undefined,
      name,
    );
  }
  /** Range(start, limit, delta) over scalar tensors. */
  range(start: Value, limit: Value, delta: Value, name?: string): Value {
    return this.op("Range", [start, limit, delta], undefined, name);
  }
  /** Trilu: the lower (default) or upper triangle, diagonal offset `k`. */
  trilu(x: Value, options: { upper?: boolean; k?: Value; name?: string } = {}): Value {
    const inputs = options.k === undefined ? [x] : [x, options.k];
    return this.op("Trilu", inputs, { upper: options.upper === true ? 1 : 0 }, options.name);
  }
  /** Split along `axis` into the given sizes (opset 13+) or `count` equal parts (opset 18+ style). */
  split(x: Value, axis: number, sizes: readonly number[] | { count: number }, name?: string): Value[] {
    const opts: NodeOptions = {};
    if (name !== undefined) opts.name = name;
    if (Array.isArray(sizes)) {
      const n = sizes.length;
      opts.outputs = n;
      if (this.opset >= 13)
        return this.node("Split", [x, this.constInt64(sizes as number[])], { ...opts, attrs: { axis } });
      return this.node("Split", [x], { ...opts, attrs: { axis, split: sizes as number[] } });
    }
    const { count } = sizes as { count: number };
    opts.outputs = count;
    if (this.opset >= 18) return this.node("Split", [x], { ...opts, attrs: { axis, num_outputs: count } });
    return this.node("Split", [x], { ...opts, attrs: { axis } });
  }
  /** A Constant node holding `tensor`. */
  constant(tensor: TensorProto, name?: string): Value {
    return this.op("Constant", [], { value: tensor }, name);
  }

  // ------------------------------------------------------------ output

  /**
   * The model built so far (the builder keeps building into the same graph). For a builder from
   * {@link GraphBuilder.extend}, edit and encode the original model instead.
   */
  toModel(): ModelProto {
    const opsetImport = [...this.opsets].map(([domain, version]) => ({ domain, version }));
    const model: ModelProto = {
      irVersion: this.options.irVersion ?? 8,
      opsetImport,
      producerName: this.options.producerName ?? "@pattern-lens/onnx",
      graph: this.graph,
      metadataProps: [],
      functions: [],
    };
    if (this.options.producerVersion !== undefined) model.producerVersion = this.options.producerVersion;
    return model;
  }

  /** Serialises the model to ModelProto bytes. */
  toBytes(): Uint8Array {
    return encodeModel(this.toModel());
  }
}
