/**
 * Graph queries and edits: op types, node lookup, topological order, subgraph-aware outer-scope
 * references, graph outputs, dead-code elimination, attributes and opsets.
 */
import { OnnxError } from "./errors.ts";
import {
  type AttributeProto,
  AttributeType,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type TypeProto,
  type ValueInfoProto,
} from "./types.ts";

/** The op type with its domain, e.g. `Softmax` or `com.microsoft.Attention`. */
export function qualifiedOpType(node: NodeProto): string {
  const domain = node.domain ?? "";
  const op = node.opType ?? "";
  return domain === "" || domain === "ai.onnx" ? op : `${domain}.${op}`;
}

/** The subgraphs held by a node's attributes (`If` branches, `Loop`/`Scan` bodies). */
export function nodeSubgraphs(node: NodeProto): GraphProto[] {
  const out: GraphProto[] = [];
  for (const a of node.attribute) {
    if (a.g !== undefined) out.push(a.g);
    for (const g of a.graphs) out.push(g);
  }
  return out;
}

/**
 * Calls `visit` for every node of `graph` and, depth first, of its subgraphs. `parents` lists the
 * nodes whose subgraphs enclose the current node (outermost first).
 */
export function walkNodes(
  graph: GraphProto,
  visit: (node: NodeProto, graph: GraphProto, parents: readonly NodeProto[]) => void,
): void {
  const rec = (g: GraphProto, parents: NodeProto[]) => {
    for (const node of g.node) {
      visit(node, g, parents);
      const subs = nodeSubgraphs(node);
      if (subs.length > 0) {
        parents.push(node);
        for (const s of subs) rec(s, parents);
        parents.pop();
      }
    }
  };
  rec(graph, []);
}

/** Sorted, de-duplicated op types (qualified by domain) of a graph and its subgraphs. */
export function listOpTypes(graph: GraphProto): string[] {
  const set = new Set<string>();
  walkNodes(graph, (n) => set.add(qualifiedOpType(n)));
  return [...set].sort();
}

/** All nodes of a graph and its subgraphs whose qualified op type is `opType` (e.g. `Softmax`). */
export function findNodesByOpType(graph: GraphProto, opType: string): NodeProto[] {
  const out: NodeProto[] = [];
  walkNodes(graph, (n) => {
    if (qualifiedOpType(n) === opType || n.opType === opType) out.push(n);
  });
  return out;
}

/** The node named `name`, searching subgraphs too, or `undefined`. */
export function findNode(graph: GraphProto, name: string): NodeProto | undefined {
  let found: NodeProto | undefined;
  walkNodes(graph, (n) => {
    if (found === undefined && n.name === name) found = n;
  });
  return found;
}

/**
 * The node named `name`.
 * @throws {OnnxError} `PL_ONNX_NOT_FOUND` when no node has that name.
 */
export function getNode(graph: GraphProto, name: string): NodeProto {
  const node = findNode(graph, name);
  if (node === undefined) {
    throw new OnnxError("PL_ONNX_NOT_FOUND", `no node named "${name}" in graph "${graph.name ?? ""}"`);
  }
  return node;
}

/** Names defined inside `graph` itself: its inputs, initializers and node outputs. */
function definedNames(graph: GraphProto): Set<string> {
  const s = new Set<string>();
  for (const i of graph.input) if (i.name) s.add(i.name);
  for (const t of graph.initializer) if (t.name) s.add(t.name);
  for (const n of graph.node) for (const o of n.output) if (o) s.add(o);
  return s;
}

/**
 * Names a graph reads from an enclosing scope: used by its nodes (or its outputs, or nested
 * subgraphs) but not defined in it. This is what an `If`/`Loop` node implicitly depends on.
 */
export function outerScopeReferences(graph: GraphProto): Set<string> {
  const defined = definedNames(graph);
  const refs = new Set<string>();
  for (const n of graph.node) {
    for (const i of n.input) if (i && !defined.has(i)) refs.add(i);
    for (const s of nodeSubgraphs(n))
      for (const r of outerScopeReferences(s)) if (!defined.has(r)) refs.add(r);
  }
  for (const o of graph.output) if (o.name && !defined.has(o.name)) refs.add(o.name);
  return refs;
}

/** The names a node consumes: its non-empty inputs plus its subgraphs' outer-scope references. */
export function nodeDependencies(node: NodeProto): string[] {
  const deps = node.input.filter((i) => i !== "");
  for (const s of nodeSubgraphs(node)) for (const r of outerScopeReferences(s)) deps.push(r);
  return deps;
}

/** Map from each value name to the node of `graph` (not its subgraphs) that produces it. */
export function producers(graph: GraphProto): Map<string, NodeProto> {
  const m = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) if (o) m.set(o, n);
  return m;
}

/** Map from each value name to the nodes of `graph` that consume it (subgraph references included). */
export function consumers(graph: GraphProto): Map<string, NodeProto[]> {
  const m = new Map<string, NodeProto[]>();
  for (const n of graph.node) {
    for (const d of new Set(nodeDependencies(n))) {
      const list = m.get(d);
      if (list === undefined) m.set(d, [n]);
      else list.push(n);
    }
  }
  return m;
}

/**
 * The nodes of `graph` in a topological order (stable: ties keep file order). Names from graph
 * inputs, initializers or an enclosing scope count as available.
 * @throws {OnnxError} `PL_ONNX_INVALID_GRAPH` when the nodes form a cycle.
 */
export function topologicalOrder(graph: GraphProto): NodeProto[] {
  const prod = producers(graph);
  const nodes = graph.node;
  const index = new Map<NodeProto, number>();
  for (let i = 0; i < nodes.length; i++) index.set(nodes[i]!, i);
  const pending = new Array<number>(nodes.length).fill(0);
  const dependents: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    const seen = new Set<number>();
    for (const d of nodeDependencies(n)) {
      const p = prod.get(d);
      if (p === undefined) continue;
      const j = index.get(p)!;
      if (j === i || seen.has(j)) continue;
      seen.add(j);
      pending[i]!++;
      dependents[j]!.push(i);
    }
  });
  // a binary heap keyed by original index keeps the order stable
  const heap: number[] = [];
  const push = (v: number) => {
    heap.push(v);
    let c = heap.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (heap[p]! <= v) break;
      heap[c] = heap[p]!;
      c = p;
    }
    heap[c] = v;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let c = 0;
      for (;;) {
        let m = 2 * c + 1;
        if (m >= heap.length) break;
        if (m + 1 < heap.length && heap[m + 1]! < heap[m]!) m++;
        if (heap[m]! >= last) break;
        heap[c] = heap[m]!;
        c = m;
      }
      heap[c] = last;
    }
    return top;
  };
  pending.forEach((p, i) => {
    if (p === 0) push(i);
  });
  const order: NodeProto[] = [];
  while (heap.length > 0) {
    const i = pop();
    order.push(nodes[i]!);
    for (const j of dependents[i]!) if (--pending[j]! === 0) push(j);
  }
  if (order.length !== nodes.length) {
    const stuck = nodes.filter((_, i) => pending[i]! > 0).map((n) => n.name ?? n.opType);
    throw new OnnxError(
      "PL_ONNX_INVALID_GRAPH",
      `graph "${graph.name ?? ""}" has a cycle through ${stuck.slice(0, 5).join(", ")}${stuck.length > 5 ? ", ..." : ""}`,
    );
  }
  return order;
}

/** A tensor type: element type (a DataType value) and optional shape (number, symbol or unknown). */
export interface TensorTypeSpec {
  elemType: number;
  shape?: readonly (number | string | null)[];
}

/** Makes a tensor `TypeProto`. A `null` dimension is unknown; a string is a symbolic `dim_param`. */
export function tensorType(spec: TensorTypeSpec): TypeProto {
  const t: TypeProto = { tensorType: { elemType: spec.elemType } };
  if (spec.shape !== undefined) {
    t.tensorType!.shape = {
      dim: spec.shape.map((d) =>
        d === null ? {} : typeof d === "number" ? { dimValue: d } : { dimParam: d },
      ),
    };
  }
  return t;
}

/** Makes a `ValueInfoProto`; without `type` the value is untyped (ONNX Runtime infers outputs). */
export function valueInfo(name: string, type?: TensorTypeSpec): ValueInfoProto {
  const v: ValueInfoProto = { name, metadataProps: [] };
  if (type !== undefined) v.type = tensorType(type);
  return v;
}

/**
 * Appends `name` to the graph outputs unless it is already one. Without `type` the output is
 * untyped, which ONNX Runtime accepts (it infers the type). Returns the output entry.
 * @example addGraphOutput(model.graph!, "/model/layers.0/attn/Softmax_output_0")
 */
export function addGraphOutput(graph: GraphProto, name: string, type?: TensorTypeSpec): ValueInfoProto {
  const existing = graph.output.find((o) => o.name === name);
  if (existing !== undefined) return existing;
  const v = valueInfo(name, type);
  graph.output.push(v);
  return v;
}

/**
 * Removes graph outputs by name (or by predicate). Returns the names removed. Follow with
 * {@link pruneGraph} to drop the nodes only they needed.
 */
export function removeGraphOutputs(
  graph: GraphProto,
  which: Iterable<string> | ((output: ValueInfoProto) => boolean),
): string[] {
  const pred =
    typeof which === "function"
      ? which
      : (
          (set: Set<string>) => (o: ValueInfoProto) =>
            set.has(o.name ?? "")
        )(new Set(which));
  const removed: string[] = [];
  graph.output = graph.output.filter((o) => {
    if (pred(o)) {
      removed.push(o.name ?? "");
      return false;
    }
    return true;
  });
  return removed;
}

/** What {@link pruneGraph} removed. */
export interface PruneResult {
  removedNodes: number;
  removedInitializers: number;
  removedInputs: string[];
}

/** Options of {@link pruneGraph}. */
export interface PruneOptions {
  /** Also drop graph inputs nothing reads (the model then no longer asks for them). Default false. */
  removeUnusedInputs?: boolean;
  /**
   * Also cut the outputs of `If` nodes that nothing needs, from the node and from both branches,
   * and prune inside the branches (merged decoders compute logits inside them). Default true.
   */
  pruneIfOutputs?: boolean;
}

function pruneIfNode(node: NodeProto, needed: Set<string>): number {
  const thenB = node.attribute.find((a) => a.name === "then_branch")?.g;
  const elseB = node.attribute.find((a) => a.name === "else_branch")?.g;
  if (thenB === undefined || elseB === undefined) return 0;
  if (thenB.output.length !== node.output.length || elseB.output.length !== node.output.length) return 0;
  let removed = 0;
  for (let i = node.output.length - 1; i >= 0; i--) {
    if (needed.has(node.output[i]!)) continue;
    node.output.splice(i, 1);
    thenB.output.splice(i, 1);
    elseB.output.splice(i, 1);
  }
  for (const b of [thenB, elseB]) removed += pruneGraph(b, { pruneIfOutputs: true }).removedNodes;
  return removed;
}

/**
 * Dead-code elimination: removes the nodes of `graph` whose results no graph output needs
 * (directly, or through a subgraph's outer-scope reference), then the initializers and
 * `value_info` entries nothing uses any more. `If` outputs nothing needs are cut from the node and
 * its branches, which are pruned in turn; other subgraphs (`Loop`, `Scan`) are kept whole.
 * `removedNodes` counts nodes removed in branches too.
 */
export function pruneGraph(graph: GraphProto, options: PruneOptions = {}): PruneResult {
  const pruneIf = options.pruneIfOutputs !== false;
  const needed = new Set<string>();
  for (const o of graph.output) if (o.name) needed.add(o.name);
  const keep = new Set<NodeProto>();
  let removedInBranches = 0;
  // reverse topological order: when a node is visited, every consumer of its outputs has been
  const order = topologicalOrder(graph);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    if (!node.output.some((o) => o !== "" && needed.has(o))) continue;
    if (pruneIf && node.opType === "If" && (node.domain ?? "") === "") {
      removedInBranches += pruneIfNode(node, needed);
    }
    keep.add(node);
    for (const d of nodeDependencies(node)) needed.add(d);
  }
  const before = graph.node.length;
  graph.node = graph.node.filter((n) => keep.has(n));
  const initBefore = graph.initializer.length;
  graph.initializer = graph.initializer.filter((t) => needed.has(t.name ?? ""));
  const live = new Set<string>(needed);
  for (const n of graph.node) for (const o of n.output) live.add(o);
  graph.valueInfo = graph.valueInfo.filter((v) => live.has(v.name ?? ""));
  const removedInputs: string[] = [];
  if (options.removeUnusedInputs === true) {
    graph.input = graph.input.filter((i) => {
      const used = needed.has(i.name ?? "");
      if (!used) removedInputs.push(i.name ?? "");
      return used;
    });
  }
  return {
    removedNodes: before - graph.node.length + removedInBranches,
    removedInitializers: initBefore - graph.initializer.length,
    removedInputs,
  };
}

/** A JavaScript view of an attribute's value. */
export type AttributeValue =
  | number
  | number[]
  | string
  | string[]
  | TensorProto
  | TensorProto[]
  | GraphProto
  | GraphProto[]
  | TypeProto
  | TypeProto[]
  | undefined;

const utf8 = new TextDecoder();
const utf8Enc = new TextEncoder();

/** The attribute named `name` of `node`, or `undefined`. */
export function getAttribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

/** The value of an attribute according to its `type` (strings decoded as UTF-8). */
export function attributeValue(attr: AttributeProto): AttributeValue {
  switch (attr.type) {
    case AttributeType.FLOAT:
      return attr.f ?? 0;
    case AttributeType.INT:
      return attr.i ?? 0;
    case AttributeType.STRING:
      return utf8.decode(attr.s ?? new Uint8Array());
    case AttributeType.TENSOR:
      return attr.t;
    case AttributeType.GRAPH:
      return attr.g;
    case AttributeType.TYPE_PROTO:
      return attr.tp;
    case AttributeType.FLOATS:
      return attr.floats;
    case AttributeType.INTS:
      return attr.ints;
    case AttributeType.STRINGS:
      return attr.strings.map((s) => utf8.decode(s));
    case AttributeType.TENSORS:
      return attr.tensors;
    case AttributeType.GRAPHS:
      return attr.graphs;
    case AttributeType.TYPE_PROTOS:
      return attr.typeProtos;
    default:
      return undefined;
  }
}

/** The value of `node`'s attribute `name`, or `fallback` when the node does not set it. */
export function getAttributeValue(node: NodeProto, name: string, fallback?: AttributeValue): AttributeValue {
  const a = getAttribute(node, name);
  return a === undefined ? fallback : attributeValue(a);
}

function emptyAttribute(name: string, type: number): AttributeProto {
  return { name, type, floats: [], ints: [], strings: [], tensors: [], graphs: [], typeProtos: [] };
}

/** Makes an attribute from a value; `kind` picks the ONNX type where a number could be either. */
export function makeAttribute(
  name: string,
  value: number | readonly number[] | string | readonly string[] | TensorProto | GraphProto,
  kind?: "int" | "float" | "ints" | "floats" | "tensor" | "graph",
): AttributeProto {
  if (typeof value === "number") {
    const isFloat = kind === "float" || (kind === undefined && !Number.isInteger(value));
    const a = emptyAttribute(name, isFloat ? AttributeType.FLOAT : AttributeType.INT);
    if (isFloat) a.f = value;
    else a.i = value;
    return a;
  }
  if (typeof value === "string") {
    const a = emptyAttribute(name, AttributeType.STRING);
    a.s = utf8Enc.encode(value);
    return a;
  }
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === "string")) {
      const a = emptyAttribute(name, AttributeType.STRINGS);
      a.strings = (value as string[]).map((s) => utf8Enc.encode(s));
      return a;
    }
    const nums = value as number[];
    const isFloat = kind === "floats" || (kind === undefined && nums.some((v) => !Number.isInteger(v)));
    const a = emptyAttribute(name, isFloat ? AttributeType.FLOATS : AttributeType.INTS);
    if (isFloat) a.floats = [...nums];
    else a.ints = [...nums];
    return a;
  }
  if (kind === "graph" || "node" in (value as object)) {
    const a = emptyAttribute(name, AttributeType.GRAPH);
    a.g = value as GraphProto;
    return a;
  }
  const a = emptyAttribute(name, AttributeType.TENSOR);
  a.t = value as TensorProto;
  return a;
}

/**
 * Sets (or replaces) an attribute of `node`.
 * @example setNodeAttribute(gqaNode, makeAttribute("qk_output", 2))
 */
export function setNodeAttribute(node: NodeProto, attr: AttributeProto): void {
  const i = node.attribute.findIndex((a) => a.name === attr.name);
  if (i >= 0) node.attribute[i] = attr;
  else node.attribute.push(attr);
}

/**
 * Sets output `index` of `node` to `name`, padding skipped optional outputs with `""` (e.g. the
 * 4th output of GroupQueryAttention or MultiHeadAttention).
 */
export function setNodeOutput(node: NodeProto, index: number, name: string): void {
  while (node.output.length < index) node.output.push("");
  node.output[index] = name;
}

/** Removes an attribute from `node`; returns whether it was there. */
export function removeNodeAttribute(node: NodeProto, name: string): boolean {
  const i = node.attribute.findIndex((a) => a.name === name);
  if (i < 0) return false;
  node.attribute.splice(i, 1);
  return true;
}

/**
 * The opset version the model imports for `domain` (`""` and `"ai.onnx"` are the same domain),
 * or `undefined` when it does not import it.
 */
export function opsetVersion(model: ModelProto, domain = ""): number | undefined {
  const norm = (d: string | undefined) => (d === undefined || d === "ai.onnx" ? "" : d);
  const want = norm(domain);
  return model.opsetImport.find((o) => norm(o.domain) === want)?.version;
}

/** The graph of a model. @throws {OnnxError} `PL_ONNX_INVALID_GRAPH` when the model has none. */
export function modelGraph(model: ModelProto): GraphProto {
  if (model.graph === undefined) {
    throw new OnnxError("PL_ONNX_INVALID_GRAPH", "the model has no graph; is this an ONNX model file?");
  }
  return model.graph;
}
