import { DataType, type GraphProto, type ModelProto, type NodeProto } from "@pattern-lens/onnx";
import {
  consumers,
  floatAttr,
  floatTensor,
  int64Tensor,
  intAttr,
  makeNode,
  producers,
  pruneGraph,
  setIntAttr,
  subgraphs,
  untypedValue,
} from "./_graph.ts";
import { ActivationsError } from "./errors.ts";
import { rewriteMaskWheres } from "./mask-where.ts";

/** How attention probabilities are taken out of a model. */
export type CaptureMethod =
  | "attentions-output"
  | "softmax"
  | "softmax-if-merged"
  | "group-query-attention"
  | "multi-head-attention"
  | "fused-attention";

/** What {@link instrumentModel} did: one float32 `[batch, heads, query, key]` output per layer. */
export interface CapturePlan {
  method: CaptureMethod;
  /** Graph output names, in layer order. */
  outputs: string[];
  /** Heads per layer when the graph says (attributes); else learnt from the output shape. */
  nHeads?: number;
  /** Causal masking was found (`unidirectional`, GQA, decoder exports); `undefined`: unknown. */
  causal?: boolean;
  /** Extra outputs exposed with `exposeInputs` (the node inputs of fused attention), by layer. */
  exposed?: string[];
}

/** Options of {@link instrumentModel}. */
export interface InstrumentOptions {
  /** Also expose each fused-attention / GQA node's first input as an output (for tests). */
  exposeInputs?: boolean;
}

/** Bumped whenever instrumentation changes, so cached instrumented copies are rebuilt. */
export const INSTRUMENT_VERSION = 3;

const P = "pattern_lens";
const MS = "com.microsoft";

/** The layer index in a node or value name (`layers.3`, `h.3`, `block_3`, `layer3`), if any. */
export function layerIndexFromName(name: string): number | undefined {
  const m = /(?:^|[/._])(?:layers?|h|blocks?|decoder_layers?|transformer_blocks?)[._]?(\d+)(?:[/._]|$)/i.exec(
    name,
  );
  return m ? Number(m[1]) : undefined;
}

/** Sorts items by the layer index in their names when every item has a distinct one; else keeps graph order. */
function orderByLayer<T>(items: T[], nameOf: (t: T) => string): T[] {
  const idx = items.map((t) => layerIndexFromName(nameOf(t)));
  if (idx.some((i) => i === undefined) || new Set(idx).size !== idx.length) return items;
  return items
    .map((t, i) => ({ t, k: idx[i] as number }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.t);
}

const PASS_THROUGH = new Set(["Cast", "Dropout", "Identity", "Where"]);

/**
 * True for a Softmax whose output (through Cast/Dropout/Identity/Where) is the left operand of a
 * MatMul: probabilities times values. Softmax over logits or routers feeds no such MatMul.
 */
function isAttentionSoftmax(node: NodeProto, cons: Map<string, NodeProto[]>): boolean {
  const seen = new Set<string>();
  const stack = [node.output[0] ?? ""];
  while (stack.length > 0) {
    const v = stack.pop() as string;
    if (seen.has(v)) continue;
    seen.add(v);
    for (const c of cons.get(v) ?? []) {
      if ((c.opType === "MatMul" || c.opType === "FusedMatMul") && c.input[0] === v) return true;
      if (PASS_THROUGH.has(c.opType ?? "")) stack.push(...c.output.slice(0, 1));
    }
  }
  return false;
}

function attentionSoftmaxes(g: GraphProto): NodeProto[] {
  const cons = consumers(g);
  return orderByLayer(
    g.node.filter((n) => n.opType === "Softmax" && (n.domain ?? "") === "" && isAttentionSoftmax(n, cons)),
    (n) => `${n.name ?? ""}/${n.output[0] ?? ""}`,
  );
}

function opTypes(g: GraphProto, acc = new Set<string>()): Set<string> {
  for (const n of g.node) {
    acc.add(n.domain && n.domain !== "ai.onnx" ? `${n.domain}.${n.opType}` : (n.opType ?? "?"));
    for (const s of subgraphs(n)) opTypes(s, acc);
  }
  return acc;
}

function opsetVersion(model: ModelProto): number {
  return Number(
    model.opsetImport.find((o) => (o.domain ?? "") === "" || o.domain === "ai.onnx")?.version ?? 13,
  );
}

/** The float element type of a value (from value_info / inputs), else the model's main float type. */
function floatTypeOf(g: GraphProto, value: string): number {
  const vi = [...g.valueInfo, ...g.input, ...g.output].find((v) => v.name === value);
  const t = vi?.type?.tensorType?.elemType;
  if (t === DataType.FLOAT || t === DataType.FLOAT16 || t === DataType.BFLOAT16) return t;
  let f16 = 0;
  let f32 = 0;
  for (const init of g.initializer) {
    if (init.dataType === DataType.FLOAT16) f16++;
    else if (init.dataType === DataType.FLOAT) f32++;
  }
  return f16 > f32 ? DataType.FLOAT16 : DataType.FLOAT;
}

/** Adds `Cast(to=FLOAT)` of `value` as graph output `pattern_lens.attn.{layer}`; returns its name. */
function exposeFloat(g: GraphProto, value: string, layer: number): string {
  const out = `${P}.attn.${layer}`;
  g.node.push(makeNode("Cast", [value], [out], `${P}/cast_${layer}`, { to: { int: DataType.FLOAT } }));
  return out;
}

function softmaxLast(g: GraphProto, value: string, layer: number, opset: number): string {
  const out = `${P}/softmax_${layer}`;
  // opset < 13 Softmax flattens from `axis`; axis 3 of a rank-4 input is the same as the last axis
  g.node.push(
    makeNode("Softmax", [value], [out], `${P}/softmax_${layer}`, { axis: { int: opset < 13 ? 3 : -1 } }),
  );
  return out;
}

/**
 * Rebuilds softmax(Q Kᵀ·scale + mask) of a `com.microsoft.Attention` node from its input and
 * packed QKV weights, with plain ONNX ops (opset 11 or newer), and returns the probabilities.
 */
function fusedAttentionProbs(g: GraphProto, node: NodeProto, layer: number): string {
  const nHeads = intAttr(node, "num_heads") ?? 1;
  const causal = (intAttr(node, "unidirectional") ?? 0) === 1;
  const sizes = node.attribute.find((a) => a.name === "qkv_hidden_sizes")?.ints.map(Number);
  const [x, w, b, mask] = [
    node.input[0] ?? "",
    node.input[1] ?? "",
    node.input[2] ?? "",
    node.input[3] ?? "",
  ];
  if ((node.input[5] ?? "") !== "" || (node.input[6] ?? "") !== "") {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_NO_ATTENTION",
      `fused Attention node ${node.name}: attention bias inputs are not supported by pattern-lens yet.`,
    );
  }
  const q = `${P}/L${layer}`;
  const nodes: NodeProto[] = [];
  const c = (name: string, values: number[]) => {
    g.initializer.push(int64Tensor(`${q}/${name}`, values));
    return `${q}/${name}`;
  };
  const nm = (s: string) => `${q}/${s}`;
  const hidden = sizes?.[0];
  // Q and K hidden sizes: from the attribute, else a third of the packed weight's columns (Shape/Div at run time)
  let qStart: string;
  let qEnd: string;
  let kEnd: string;
  if (sizes && sizes.length === 3) {
    qStart = c("q_start", [0]);
    qEnd = c("q_end", [sizes[0] ?? 0]);
    kEnd = c("k_end", [(sizes[0] ?? 0) + (sizes[1] ?? 0)]);
  } else {
    qStart = c("q_start", [0]);
    nodes.push(makeNode("Shape", [b], [nm("b_shape")], nm("b_shape")));
    nodes.push(makeNode("Div", [nm("b_shape"), c("three", [3])], [nm("h")], nm("h")));
    qEnd = nm("h");
    nodes.push(makeNode("Add", [nm("h"), nm("h")], [nm("h2")], nm("h2")));
    kEnd = nm("h2");
  }
  void hidden;
  const ax1 = c("axis1", [1]);
  const ax0 = c("axis0", [0]);
  nodes.push(makeNode("Slice", [w, qStart, qEnd, ax1], [nm("wq")], nm("wq")));
  nodes.push(makeNode("Slice", [w, qEnd, kEnd, ax1], [nm("wk")], nm("wk")));
  nodes.push(makeNode("Slice", [b, qStart, qEnd, ax0], [nm("bq")], nm("bq")));
  nodes.push(makeNode("Slice", [b, qEnd, kEnd, ax0], [nm("bk")], nm("bk")));
  const heads = c("heads_shape", [0, 0, nHeads, -1]);
  for (const t of ["q", "k"]) {
    nodes.push(makeNode("MatMul", [x, nm(`w${t}`)], [nm(`${t}_mm`)], nm(`${t}_mm`)));
    nodes.push(makeNode("Add", [nm(`${t}_mm`), nm(`b${t}`)], [nm(`${t}_b`)], nm(`${t}_b`)));
    nodes.push(makeNode("Reshape", [nm(`${t}_b`), heads], [nm(`${t}_h`)], nm(`${t}_h`)));
  }
  nodes.push(makeNode("Transpose", [nm("q_h")], [nm("q_t")], nm("q_t"), { perm: { ints: [0, 2, 1, 3] } }));
  nodes.push(makeNode("Transpose", [nm("k_h")], [nm("k_t")], nm("k_t"), { perm: { ints: [0, 2, 3, 1] } }));
  nodes.push(makeNode("MatMul", [nm("q_t"), nm("k_t")], [nm("qk")], nm("qk")));
  // scale: the attribute, else 1/sqrt(head size) with head size from Q's shape
  const scaleAttr = floatAttr(node, "scale");
  if (scaleAttr !== undefined && scaleAttr !== 0) {
    g.initializer.push(floatTensor(nm("scale"), [scaleAttr], []));
  } else {
    nodes.push(makeNode("Shape", [nm("q_h")], [nm("q_shape")], nm("q_shape")));
    nodes.push(
      makeNode("Gather", [nm("q_shape"), c("three_s", [3])], [nm("dh_i")], nm("dh_i"), { axis: { int: 0 } }),
    );
    nodes.push(makeNode("Cast", [nm("dh_i")], [nm("dh_f")], nm("dh_f"), { to: { int: DataType.FLOAT } }));
    nodes.push(makeNode("Sqrt", [nm("dh_f")], [nm("sqrt_dh")], nm("sqrt_dh")));
    nodes.push(makeNode("Reciprocal", [nm("sqrt_dh")], [nm("scale")], nm("scale")));
  }
  nodes.push(makeNode("Mul", [nm("qk"), nm("scale")], [nm("scores")], nm("scores")));
  // allowed[b, 1, q, k] = causal(q >= k) and key not padding
  let allowed: string | undefined;
  if (causal) {
    nodes.push(makeNode("Shape", [x], [nm("x_shape")], nm("x_shape")));
    nodes.push(
      makeNode("Gather", [nm("x_shape"), c("one_s", [1])], [nm("seq")], nm("seq"), { axis: { int: 0 } }),
    );
    g.initializer.push(int64Tensor(nm("zero"), [0], []), int64Tensor(nm("one"), [1], []));
    nodes.push(makeNode("Reshape", [nm("seq"), c("scalar_shape", [])], [nm("seq_s")], nm("seq_s")));
    nodes.push(makeNode("Range", [nm("zero"), nm("seq_s"), nm("one")], [nm("range")], nm("range")));
    nodes.push(makeNode("Reshape", [nm("range"), c("col", [-1, 1])], [nm("qi")], nm("qi")));
    nodes.push(makeNode("Reshape", [nm("range"), c("row", [1, -1])], [nm("kj")], nm("kj")));
    nodes.push(makeNode("Greater", [nm("kj"), nm("qi")], [nm("future")], nm("future")));
    nodes.push(makeNode("Not", [nm("future")], [nm("causal")], nm("causal")));
    allowed = nm("causal");
  }
  if (mask !== "") {
    nodes.push(makeNode("Cast", [mask], [nm("mask_b")], nm("mask_b"), { to: { int: DataType.BOOL } }));
    nodes.push(
      makeNode("Reshape", [nm("mask_b"), c("mask_shape", [0, 1, 1, -1])], [nm("mask_4d")], nm("mask_4d")),
    );
    if (allowed) {
      nodes.push(makeNode("And", [allowed, nm("mask_4d")], [nm("allowed")], nm("allowed")));
      allowed = nm("allowed");
    } else allowed = nm("mask_4d");
  }
  let scores = nm("scores");
  if (allowed) {
    const fill = floatAttr(node, "mask_filter_value") ?? -10000;
    g.initializer.push(floatTensor(nm("fill"), [Math.max(fill, -3.4028234663852886e38)], []));
    nodes.push(makeNode("Where", [allowed, nm("scores"), nm("fill")], [nm("masked")], nm("masked")));
    scores = nm("masked");
  }
  g.node.push(...nodes);
  return scores;
}

/**
 * Edits a decoded model so its only outputs are every layer's attention probabilities
 * (`pattern_lens.attn.{layer}`, float32, `[batch, heads, query, key]`), and prunes every node
 * they do not depend on (final norm, vocabulary projection, present key/values).
 * Methods, in order of preference: `attentions.{i}` graph outputs; GroupQueryAttention
 * (`qk_output=2`); MultiHeadAttention (scores output + softmax); fused Attention (recomputed from
 * its input and packed weights); explicit attention Softmax nodes (also inside `If` branches).
 * @throws {ActivationsError} `PL_ACTIVATIONS_MODEL_NO_ATTENTION` listing the op types when none is found.
 */
export function instrumentModel(model: ModelProto, opts: InstrumentOptions = {}): CapturePlan {
  const g = model.graph;
  if (!g) throw new ActivationsError("PL_ACTIVATIONS_MODEL_INVALID", "the ONNX file has no graph.");
  const opset = opsetVersion(model);
  const layerOutputs: string[] = [];
  const exposed: string[] = [];
  let method: CaptureMethod | undefined;
  let nHeads: number | undefined;
  let causal: boolean | undefined;

  const attnOutputs = orderByLayer(
    g.output.filter((o) => /(^|\.)attentions?(\.\d+)?$/.test(o.name ?? "")),
    (o) => (o.name ?? "").replace(/attentions?\.(\d+)/, "layers.$1."),
  );
  const nodesOf = (op: string) => g.node.filter((n) => n.opType === op && n.domain === MS);
  const gqa = orderByLayer(nodesOf("GroupQueryAttention"), (n) => n.name ?? "");
  const mha = orderByLayer(nodesOf("MultiHeadAttention"), (n) => n.name ?? "");
  const fused = orderByLayer(nodesOf("Attention"), (n) => n.name ?? "");

  if (attnOutputs.length > 0) {
    method = "attentions-output";
    rewriteMaskWheres(g, attentionSoftmaxes(g));
    for (const [i, o] of attnOutputs.entries()) layerOutputs.push(exposeFloat(g, o.name ?? "", i));
  } else if (gqa.length > 0) {
    method = "group-query-attention";
    causal = true;
    gqa.forEach((n, i) => {
      setIntAttr(n, "qk_output", 2);
      while (n.output.length < 3) n.output.push("");
      const probs = `${P}/gqa_probs_${i}`;
      n.output[3] = probs;
      nHeads = intAttr(n, "num_heads");
      layerOutputs.push(exposeFloat(g, probs, i));
      if (opts.exposeInputs) exposed.push(n.input[0] ?? "");
    });
  } else if (mha.length > 0) {
    method = "multi-head-attention";
    mha.forEach((n, i) => {
      while (n.output.length < 3) n.output.push("");
      const scores = `${P}/mha_scores_${i}`;
      n.output[3] = scores;
      // the scores output has its own type constraint, which ONNX Runtime cannot infer: declare it
      g.valueInfo.push({
        name: scores,
        type: { tensorType: { elemType: floatTypeOf(g, n.input[0] ?? "") } },
        metadataProps: [],
      });
      nHeads = intAttr(n, "num_heads");
      if (intAttr(n, "unidirectional") === 1) causal = true;
      layerOutputs.push(exposeFloat(g, softmaxLast(g, scores, i, opset), i));
    });
  } else if (fused.length > 0) {
    method = "fused-attention";
    fused.forEach((n, i) => {
      nHeads = intAttr(n, "num_heads");
      causal = (intAttr(n, "unidirectional") ?? 0) === 1;
      const scores = fusedAttentionProbs(g, n, i);
      layerOutputs.push(exposeFloat(g, softmaxLast(g, scores, i, opset), i));
      if (opts.exposeInputs) exposed.push(n.input[0] ?? "");
    });
  } else {
    const soft = attentionSoftmaxes(g);
    if (soft.length > 0) {
      method = "softmax";
      rewriteMaskWheres(g, soft);
      for (const [i, n] of soft.entries()) layerOutputs.push(exposeFloat(g, n.output[0] ?? "", i));
    } else {
      const ifs = g.node.filter(
        (n) => n.opType === "If" && subgraphs(n).some((s) => attentionSoftmaxes(s).length > 0),
      );
      if (ifs.length > 0) {
        method = "softmax-if-merged";
        instrumentIf(ifs[0] as NodeProto, g, layerOutputs);
      }
    }
  }
  if (method === undefined) {
    const ops = [...opTypes(g)].sort().join(", ");
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_NO_ATTENTION",
      `no attention found in the model: no attentions outputs, no GroupQueryAttention/MultiHeadAttention/Attention node, no Softmax feeding a MatMul. Op types in the graph: ${ops}. Export the model with explicit attention (e.g. optimum without attention fusion).`,
    );
  }
  g.output = [...layerOutputs, ...exposed].map(untypedValue);
  pruneGraph(g, true);
  const plan: CapturePlan = { method, outputs: layerOutputs };
  if (nHeads !== undefined) plan.nHeads = nHeads;
  if (causal !== undefined) plan.causal = causal;
  if (exposed.length > 0) plan.exposed = exposed;
  return plan;
}

/**
 * A merged decoder keeps its two paths (with and without past) as `If` branches. Both branches
 * get the Softmax outputs as branch outputs in layer order; the `If` node's outputs become those.
 */
function instrumentIf(node: NodeProto, g: GraphProto, layerOutputs: string[]): void {
  const branches = node.attribute.filter(
    (a) => a.g && (a.name === "then_branch" || a.name === "else_branch"),
  );
  const perBranch = branches.map((a) => attentionSoftmaxes(a.g as GraphProto));
  const n = Math.min(...perBranch.map((s) => s.length));
  if (perBranch.some((s) => s.length !== n) || n === 0) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_NO_ATTENTION",
      `the merged decoder's If branches have different numbers of attention Softmax nodes (${perBranch.map((s) => s.length).join(" vs ")}); use the non-merged decoder_model.onnx.`,
    );
  }
  branches.forEach((a, bi) => {
    const sg = a.g as GraphProto;
    sg.output = (perBranch[bi] as NodeProto[]).map((s) => untypedValue(s.output[0] ?? ""));
  });
  node.output = Array.from({ length: n }, (_, i) => `${P}/if_probs_${i}`);
  for (let i = 0; i < n; i++) layerOutputs.push(exposeFloat(g, node.output[i] ?? "", i));
  void producers;
}
