/**
 * Small, private graph-editing helpers over the plain ONNX message objects of @pattern-lens/onnx:
 * making nodes and constants, finding producers and consumers, and pruning to a set of outputs
 * (through `If` subgraphs).
 */
import {
  type AttributeProto,
  AttributeType,
  DataType,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from "@pattern-lens/onnx";

/** Attribute values accepted by {@link makeNode}. Integers are INT, other numbers FLOAT. */
export type AttrValue = { int: number } | { float: number } | { ints: number[] } | { graph: GraphProto };

function attr(name: string, v: AttrValue): AttributeProto {
  const a: AttributeProto = {
    name,
    floats: [],
    ints: [],
    strings: [],
    tensors: [],
    graphs: [],
    typeProtos: [],
  };
  if ("int" in v) {
    a.type = AttributeType.INT;
    a.i = v.int;
  } else if ("float" in v) {
    a.type = AttributeType.FLOAT;
    a.f = v.float;
  } else if ("ints" in v) {
    a.type = AttributeType.INTS;
    a.ints = v.ints;
  } else {
    a.type = AttributeType.GRAPH;
    a.g = v.graph;
  }
  return a;
}

/** A new node. */
export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attrs: Record<string, AttrValue> = {},
  domain?: string,
): NodeProto {
  const n: NodeProto = {
    input: inputs,
    output: outputs,
    name,
    opType,
    attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)),
    metadataProps: [],
  };
  if (domain !== undefined) n.domain = domain;
  return n;
}

function emptyTensor(name: string, dims: number[], dataType: number): TensorProto {
  return {
    name,
    dims,
    dataType,
    floatData: new Float32Array(0),
    int32Data: new Int32Array(0),
    stringData: [],
    int64Data: new BigInt64Array(0),
    externalData: [],
    doubleData: new Float64Array(0),
    uint64Data: new BigUint64Array(0),
    metadataProps: [],
  };
}

/** An int64 initializer. */
export function int64Tensor(name: string, values: number[], dims: number[] = [values.length]): TensorProto {
  const t = emptyTensor(name, dims, DataType.INT64);
  t.int64Data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return t;
}

/** A float32 initializer. */
export function floatTensor(name: string, values: number[], dims: number[] = [values.length]): TensorProto {
  const t = emptyTensor(name, dims, DataType.FLOAT);
  t.floatData = Float32Array.from(values);
  return t;
}

/** A graph output without a type: ONNX Runtime infers it. */
export function untypedValue(name: string): ValueInfoProto {
  return { name, metadataProps: [] };
}

/** Reads an attribute's INT value. */
export function intAttr(node: NodeProto, name: string): number | undefined {
  const a = node.attribute.find((x) => x.name === name);
  return a?.i === undefined ? undefined : Number(a.i);
}

/** Reads an attribute's FLOAT value. */
export function floatAttr(node: NodeProto, name: string): number | undefined {
  return node.attribute.find((x) => x.name === name)?.f;
}

/** Sets (or replaces) an INT attribute. */
export function setIntAttr(node: NodeProto, name: string, value: number): void {
  node.attribute = node.attribute.filter((a) => a.name !== name);
  node.attribute.push(attr(name, { int: value }));
}

/** Subgraphs held by a node's attributes (`If` branches, `Loop`/`Scan` bodies). */
export function subgraphs(node: NodeProto): GraphProto[] {
  const out: GraphProto[] = [];
  for (const a of node.attribute) {
    if (a.g) out.push(a.g);
    out.push(...a.graphs);
  }
  return out;
}

/** Names a graph reads from its enclosing scope: consumed inside, produced nowhere inside. */
export function freeVariables(graph: GraphProto): Set<string> {
  const produced = new Set<string>([
    ...graph.input.map((v) => v.name ?? ""),
    ...graph.initializer.map((t) => t.name ?? ""),
  ]);
  const free = new Set<string>();
  for (const n of graph.node) {
    for (const i of nodeInputs(n)) if (i !== "" && !produced.has(i)) free.add(i);
    for (const o of n.output) produced.add(o);
  }
  return free;
}

/** Every name a node reads: its inputs plus the free variables of its subgraphs. */
export function nodeInputs(node: NodeProto): string[] {
  const subs = subgraphs(node);
  if (subs.length === 0) return node.input;
  const all = new Set(node.input);
  for (const g of subs) for (const f of freeVariables(g)) all.add(f);
  return [...all];
}

/** Map from value name to the node producing it. */
export function producers(graph: GraphProto): Map<string, NodeProto> {
  const m = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) if (o !== "") m.set(o, n);
  return m;
}

/** Map from value name to the nodes reading it (directly). */
export function consumers(graph: GraphProto): Map<string, NodeProto[]> {
  const m = new Map<string, NodeProto[]>();
  for (const n of graph.node) {
    for (const i of n.input) {
      if (i === "") continue;
      const list = m.get(i);
      if (list) list.push(n);
      else m.set(i, [n]);
    }
  }
  return m;
}

/**
 * Keeps only the nodes the graph's outputs depend on (in order), then the initializers they
 * read. Graph inputs nothing reads are dropped when `dropInputs` (the main graph), so the session
 * does not ask for them. Subgraphs of kept nodes are pruned to their own outputs too.
 */
export function pruneGraph(graph: GraphProto, dropInputs: boolean): void {
  const needed = new Set(graph.output.map((o) => o.name ?? ""));
  const keep: NodeProto[] = [];
  for (let i = graph.node.length - 1; i >= 0; i--) {
    const n = graph.node[i] as NodeProto;
    if (!n.output.some((o) => needed.has(o))) continue;
    for (const g of subgraphs(n)) pruneGraph(g, false);
    for (const inp of nodeInputs(n)) needed.add(inp);
    keep.push(n);
  }
  keep.reverse();
  graph.node = keep;
  graph.initializer = graph.initializer.filter((t) => needed.has(t.name ?? ""));
  if (dropInputs) graph.input = graph.input.filter((v) => needed.has(v.name ?? ""));
}
