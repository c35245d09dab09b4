/**
 * Splits an instrumented model into one ONNX model per layer, so a long prompt can be run layer by
 * layer and each layer's pattern written (and freed) before the next is computed. Segment `l` holds
 * the nodes that layer `l`'s pattern needs and no earlier segment computed; what it reads from
 * earlier segments (the residual stream, the previous layer's pattern for its value product, masks)
 * becomes its inputs, and those segments return it as extra outputs ("carries").
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  DataType,
  decodeModel,
  encodeModel,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  tensorType,
  type ValueInfoProto,
} from "@pattern-lens/onnx";
import { consumers, nodeInputs, producers, subgraphs, untypedValue } from "./_graph.ts";
import { readBytes } from "./_read-bytes.ts";
import { ActivationsError } from "./errors.ts";
import type { InstrumentedModel } from "./instrumented-cache.ts";
import { type SegmentGraph, type SharedRun, sharedTemplates } from "./layer-template.ts";
import { createOrtSession } from "./ort.ts";

/** Bumped when the splitting changes, so cached segments are rebuilt. */
const SEGMENTS_VERSION = 3;

/** One layer's model: its file, what it reads and what it returns. */
export interface LayerSegment {
  /** The segment's `.onnx` (external data, if any, stays in the instrumented model's data folder). */
  path: string;
  /** The original graph inputs it reads (`input_ids`, `attention_mask`, ...). */
  graphInputs: string[];
  /** Values it reads from earlier segments. */
  carriesIn: string[];
  /** Its pattern output (the instrumented model's output for this layer). */
  pattern: string;
  /** Values it returns for later segments (may include `pattern`). */
  carriesOut: string[];
  /**
   * Set when the layer runs on a model shared with the layers of the same structure (its
   * weights fed as inputs); `path` is then its own model, kept for reference.
   */
  shared?: SharedRun;
}

/** The split plan, in layer order. */
export interface LayerSegments {
  segments: LayerSegment[];
}

/** How the nodes of a graph divide into layers: `undefined` when they do not (see {@link splitPlan}). */
interface Split {
  /** Node indices (graph order) per segment. */
  nodes: number[][];
  /** Per segment: names read from outside the segment that are neither initializers nor graph inputs. */
  carriesIn: string[][];
  /** Per segment: names it produces that later segments read. */
  carriesOut: string[][];
  /** Per segment: graph inputs read. */
  graphInputs: string[][];
  /** Per segment: initializers read. */
  initializers: string[][];
}

/**
 * Assigns every node to the first layer whose pattern needs it. Returns `undefined` when a layer's
 * pattern does not come from its own segment (one node producing several layers' patterns) or a
 * node holds subgraphs (the `If` of a merged decoder): such graphs cannot be split usefully.
 */
export function splitPlan(g: GraphProto, outputs: readonly string[]): Split | undefined {
  const prod = producers(g);
  const index = new Map<NodeProto, number>(g.node.map((n, i) => [n, i]));
  const segOf = new Map<NodeProto, number>();
  outputs.forEach((out, l) => {
    const stack = [out];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      const node = prod.get(name);
      if (node === undefined || segOf.has(node)) continue;
      segOf.set(node, l);
      stack.push(...nodeInputs(node));
    }
  });
  for (const [l, out] of outputs.entries()) {
    const node = prod.get(out);
    if (node === undefined || segOf.get(node) !== l) return undefined;
  }
  pullPatternConsumers(g, outputs, prod, segOf);
  // a node with subgraphs (the If of a merged decoder) computes its branches whole, all layers in
  // one segment: splitting would hold every pattern at once anyway
  for (const node of segOf.keys()) if (subgraphs(node).length > 0) return undefined;
  const inits = new Set(g.initializer.map((t) => t.name ?? ""));
  const ins = new Set(g.input.map((v) => v.name ?? ""));
  const L = outputs.length;
  const nodes: number[][] = Array.from({ length: L }, () => []);
  for (const [node, l] of segOf) nodes[l]?.push(index.get(node) as number);
  for (const list of nodes) list.sort((a, b) => a - b);
  const producedIn = new Map<string, number>();
  for (const [node, l] of segOf) for (const o of node.output) if (o !== "") producedIn.set(o, l);
  const carriesIn: string[][] = [];
  const graphInputs: string[][] = [];
  const initializers: string[][] = [];
  const carriesOut: Set<string>[] = Array.from({ length: L }, () => new Set<string>());
  for (let l = 0; l < L; l++) {
    const reads = new Set<string>();
    for (const i of nodes[l] ?? []) for (const name of nodeInputs(g.node[i] as NodeProto)) reads.add(name);
    const cin: string[] = [];
    const gin: string[] = [];
    const ini: string[] = [];
    for (const name of reads) {
      if (name === "") continue;
      const from = producedIn.get(name);
      if (from === l) continue;
      if (from !== undefined) {
        cin.push(name);
        carriesOut[from]?.add(name);
      } else if (inits.has(name)) ini.push(name);
      else if (ins.has(name)) gin.push(name);
      else return undefined; // read but produced nowhere: not a well-formed graph
    }
    carriesIn.push(cin);
    graphInputs.push(gin);
    initializers.push(ini);
  }
  return { nodes, carriesIn, carriesOut: carriesOut.map((s) => [...s]), graphInputs, initializers };
}

/** Ops whose output has the shape of their first input (a pattern stays a pattern through them). */
const PASS_THROUGH = new Set(["Cast", "Dropout", "Identity", "Where"]);

/**
 * Moves the nodes that read a layer's probabilities (the product with the values, and any Cast,
 * Dropout or Where on the way) from later segments into the layer's own, with what else they read
 * that only later segments compute (the values' reshape and transpose), unless that includes a
 * pattern. Assigned by need alone, they sit in the next layer's segment, and
 * the `[heads, n, n]` probabilities would be passed between segments (copied into the next
 * segment's run while the writer still holds them); moved, what passes is their `[heads, n, d]`
 * product. Never moves a node that produces a pattern.
 */
function pullPatternConsumers(
  g: GraphProto,
  outputs: readonly string[],
  prod: Map<string, NodeProto>,
  segOf: Map<NodeProto, number>,
): void {
  const cons = consumers(g);
  const inits = new Set(g.initializer.map((t) => t.name ?? ""));
  const patternNodes = new Set(outputs.map((o) => prod.get(o)));
  /**
   * `node` and those of its ancestors a later segment than `l` computes (what it reads that is
   * not ready by `l`, e.g. the values' reshape), or `undefined` when that includes a pattern.
   */
  const withLateAncestors = (node: NodeProto, l: number): NodeProto[] | undefined => {
    const found = new Set<NodeProto>();
    const stack = [node];
    while (stack.length > 0) {
      const n = stack.pop() as NodeProto;
      if (found.has(n)) continue;
      if (patternNodes.has(n)) return undefined;
      found.add(n);
      for (const i of nodeInputs(n)) {
        const p = i === "" || inits.has(i) ? undefined : prod.get(i);
        const s = p === undefined ? undefined : segOf.get(p);
        if (p !== undefined && s !== undefined && s > l) stack.push(p);
      }
    }
    return [...found];
  };
  outputs.forEach((out, l) => {
    // the pattern and what it is a cast or copy of: the probabilities themselves
    const like: string[] = [out];
    for (let p = prod.get(out); p && (p.opType === "Cast" || p.opType === "Identity"); ) {
      const x = p.input[0] ?? "";
      like.push(x);
      p = prod.get(x);
    }
    const seen = new Set<string>();
    while (like.length > 0) {
      const v = like.pop() as string;
      if (seen.has(v)) continue;
      seen.add(v);
      for (const c of cons.get(v) ?? []) {
        const s = segOf.get(c);
        if (s === undefined || s <= l) continue;
        const moved = withLateAncestors(c, l);
        if (moved === undefined) continue;
        for (const n of moved) segOf.set(n, l);
        if (PASS_THROUGH.has(c.opType ?? "")) like.push(c.output[0] ?? "");
      }
    }
  });
}

/** ONNX element type of an ONNX Runtime type name. */
const ELEM_TYPE: Record<string, number> = {
  float32: DataType.FLOAT,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  uint16: DataType.UINT16,
  int16: DataType.INT16,
  int32: DataType.INT32,
  int64: DataType.INT64,
  bool: DataType.BOOL,
  float16: DataType.FLOAT16,
  float64: DataType.DOUBLE,
  uint32: DataType.UINT32,
  uint64: DataType.UINT64,
  bfloat16: DataType.BFLOAT16,
};

/**
 * Element types of the carried values: read from the graph's value_info where it has them, else
 * from ONNX Runtime's type inference on a probe copy of the model returning them as outputs.
 */
async function carryTypes(
  model: ModelProto,
  names: readonly string[],
  inst: InstrumentedModel,
  probePath: string,
): Promise<Map<string, number>> {
  const g = model.graph as GraphProto;
  const known = new Map<string, number>();
  for (const v of [...g.valueInfo, ...g.output, ...g.input]) {
    const t = v.type?.tensorType?.elemType;
    if (v.name && t) known.set(v.name, Number(t));
  }
  const missing = names.filter((n) => !known.has(n));
  if (missing.length === 0) return known;
  const probe: ModelProto = {
    ...model,
    graph: { ...g, output: [...g.output, ...missing.map((n) => untypedValue(n))] },
  };
  writeFileSync(probePath, encodeModel(probe));
  const session = await createOrtSession(probePath, {
    worker: false,
    ...(inst.externalDataDir !== undefined ? { externalDataDir: inst.externalDataDir } : {}),
  });
  try {
    for (const meta of session.outputs) {
      const t = meta.type === undefined ? undefined : ELEM_TYPE[meta.type];
      if (t !== undefined) known.set(meta.name, t);
    }
  } finally {
    await session.dispose();
    rmSync(probePath, { force: true });
  }
  const unknown = missing.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_INVALID",
      `cannot tell the element type of ${unknown.join(", ")} to split the model by layer.`,
    );
  }
  return known;
}

function segmentModel(
  model: ModelProto,
  split: Split,
  l: number,
  pattern: string,
  types: Map<string, number>,
): ModelProto {
  const g = model.graph as GraphProto;
  const inits = new Set(split.initializers[l]);
  const gin = new Set(split.graphInputs[l]);
  const cout = split.carriesOut[l] ?? [];
  const outNames = [pattern, ...cout.filter((c) => c !== pattern)];
  const produced = new Set((split.nodes[l] ?? []).flatMap((i) => (g.node[i] as NodeProto).output));
  const typed = (name: string): ValueInfoProto => ({
    name,
    type: tensorType({ elemType: types.get(name) as number }),
    metadataProps: [],
  });
  const graph: GraphProto = {
    ...g,
    name: `${g.name ?? "graph"}_layer${l}`,
    node: (split.nodes[l] ?? []).map((i) => g.node[i] as NodeProto),
    initializer: g.initializer.filter((t) => inits.has(t.name ?? "")),
    input: [...g.input.filter((v) => gin.has(v.name ?? "")), ...(split.carriesIn[l] ?? []).map(typed)],
    output: outNames.map((n) => g.output.find((o) => o.name === n) ?? typed(n)),
    // keep the type annotations of values computed here (ops like MultiHeadAttention need them
    // for optional outputs)
    valueInfo: g.valueInfo.filter((v) => produced.has(v.name ?? "") && !outNames.includes(v.name ?? "")),
  };
  return { ...model, graph };
}

/**
 * The per-layer split of an instrumented model, built once and cached beside it
 * (`<instrumented dir>/segments-v2/`). Returns `undefined` when the graph cannot be split by layer
 * (see {@link splitPlan}); callers then run the whole model at once.
 * @throws {ActivationsError} `PL_ACTIVATIONS_IO` when the cache is not writable; `PL_ACTIVATIONS_MODEL_INVALID`.
 */
export async function prepareLayerSegments(inst: InstrumentedModel): Promise<LayerSegments | undefined> {
  const root = join(dirname(inst.path), `segments-v${SEGMENTS_VERSION}`);
  const planPath = join(root, "segments.json");
  if (existsSync(planPath)) {
    const saved = JSON.parse(readFileSync(planPath, "utf8")) as
      | { split: false }
      | { split: true; segments: LayerSegment[] };
    if (!saved.split) return undefined;
    return {
      segments: saved.segments.map((s) => ({
        ...s,
        path: join(root, s.path),
        ...(s.shared ? { shared: { ...s.shared, template: join(root, s.shared.template) } } : {}),
      })),
    };
  }
  const bytes = readBytes(inst.path);
  const model = decodeModel(bytes);
  const g = model.graph as GraphProto;
  const split = splitPlan(g, inst.plan.outputs);
  const tmp = `${root}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    mkdirSync(tmp, { recursive: true });
    let saved: { split: false } | { split: true; segments: LayerSegment[] } = { split: false };
    if (split !== undefined) {
      const carried = [...new Set(split.carriesIn.flat())];
      const types = await carryTypes(model, carried, inst, join(tmp, "probe.onnx"));
      const segments: LayerSegment[] = inst.plan.outputs.map((pattern, l) => {
        const file = `layer${l}.onnx`;
        writeFileSync(join(tmp, file), encodeModel(segmentModel(model, split, l, pattern, types)));
        return {
          path: file,
          graphInputs: split.graphInputs[l] ?? [],
          carriesIn: split.carriesIn[l] ?? [],
          pattern,
          carriesOut: split.carriesOut[l] ?? [],
        };
      });
      const graphs: SegmentGraph[] = segments.map((s, l) => ({
        nodes: (split.nodes[l] ?? []).map((i) => g.node[i] as NodeProto),
        graphInputs: s.graphInputs,
        carriesIn: s.carriesIn,
        outputs: [s.pattern, ...s.carriesOut.filter((c) => c !== s.pattern)],
      }));
      for (const [k, t] of sharedTemplates(g, model, graphs, bytes, types).entries()) {
        const file = `shared${k}.onnx`;
        writeFileSync(join(tmp, file), encodeModel(t.model));
        for (const [l, run] of t.runs) (segments[l] as LayerSegment).shared = { template: file, ...run };
      }
      saved = { split: true, segments };
    }
    writeFileSync(join(tmp, "segments.json"), JSON.stringify(saved, null, 2));
    try {
      renameSync(tmp, root);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process finished first
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof ActivationsError) throw err;
    throw new ActivationsError(
      "PL_ACTIVATIONS_IO",
      `cannot write the per-layer model split to ${root}: ${(err as Error).message}. Set PATTERN_LENS_CACHE to a writable folder.`,
      { cause: err },
    );
  }
  return prepareLayerSegments(inst);
}
