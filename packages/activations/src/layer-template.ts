/**
 * One ONNX model shared by the layers whose segments have the same structure (the blocks of a
 * transformer: same ops, same wiring, different weights). Their weights become the shared model's
 * inputs, read from the model's own bytes for each layer's run, so one ONNX Runtime session (and
 * its memory arena) serves every such layer. A fresh session per layer touches its working memory
 * for the first time each layer; at long prompts that is gigabytes of page faults per layer.
 */
import { createHash } from "node:crypto";
import {
  type AttributeProto,
  DataType,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  tensorType,
  type ValueInfoProto,
} from "@pattern-lens/onnx";

/** Where a layer's weight for one input of a shared model lies, and what it is. */
export interface WeightRef {
  /** The shared model's input it feeds. */
  input: string;
  type: "float32" | "float16";
  dims: number[];
  /** `model`: inside the instrumented `.onnx` file; `external`: an external data file. */
  source: "model" | "external";
  /** The external data file, relative to the model's data folder (for `external`). */
  location?: string;
  offset: number;
  length: number;
}

/** How one layer runs on a shared model. */
export interface SharedRun {
  /** The shared model's file name (in the segments folder). */
  template: string;
  /** The shared model's input for each value this layer reads from earlier layers. */
  carriesIn: Record<string, string>;
  /** This layer's name for each output of the shared model (its pattern and carries). */
  outputs: Record<string, string>;
  /** The layer's weights, one per weight input of the shared model. */
  weights: WeightRef[];
}

/** One segment as {@link sharedTemplates} needs it. */
export interface SegmentGraph {
  nodes: NodeProto[];
  graphInputs: string[];
  carriesIn: string[];
  /** Pattern first, then the carries out. */
  outputs: string[];
}

/** A shared model and the layers that run on it. */
export interface SharedTemplate {
  model: ModelProto;
  /** Layer index → how it runs on `model`. */
  runs: Map<number, Omit<SharedRun, "template">>;
}

interface Canonical {
  signature: string;
  /** Canonical name of every name the segment reads or produces. */
  rename: Map<string, string>;
  /** Initializers in canonical order (`i0`, `i1`, ...). */
  inits: TensorProto[];
}

const FLOAT_TYPES: Record<number, "float32" | "float16"> = {
  [DataType.FLOAT]: "float32",
  [DataType.FLOAT16]: "float16",
};

function tensorBytes(t: TensorProto): Uint8Array | undefined {
  if (t.rawData !== undefined && t.externalData.length === 0) return t.rawData;
  for (const a of [t.floatData, t.int32Data, t.int64Data, t.doubleData, t.uint64Data])
    if (a.length > 0) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (t.externalData.length === 0 && t.stringData.length === 0) return new Uint8Array(0);
  return undefined;
}

/** A tensor's identity for comparison: its bytes' hash, or its external location. */
function tensorKey(t: TensorProto): string {
  const bytes = tensorBytes(t);
  if (bytes !== undefined) return createHash("sha1").update(bytes).digest("hex");
  if (t.externalData.length > 0) return JSON.stringify(t.externalData.map((e) => [e.key, e.value]));
  return JSON.stringify(t.stringData.map((s) => Buffer.from(s).toString("base64")));
}

function attrKey(a: AttributeProto): unknown {
  const bin = (u: Uint8Array | undefined) => (u === undefined ? null : Buffer.from(u).toString("base64"));
  return [
    a.name,
    a.type,
    a.f ?? null,
    a.i === undefined ? null : String(a.i),
    bin(a.s),
    a.t === undefined ? null : [a.t.dataType, a.t.dims, tensorKey(a.t)],
    a.floats,
    a.ints.map(String),
    a.strings.map(bin),
    a.tensors.map((t) => [t.dataType, t.dims, tensorKey(t)]),
    a.graphs.length + (a.g ? 1 : 0),
    a.refAttrName ?? null,
  ];
}

function canonical(seg: SegmentGraph, initByName: Map<string, TensorProto>): Canonical | undefined {
  const rename = new Map<string, string>();
  for (const [i, c] of seg.carriesIn.entries()) rename.set(c, `carry_in_${i}`);
  for (const gi of seg.graphInputs) rename.set(gi, gi);
  const inits: TensorProto[] = [];
  const nodes: unknown[] = [];
  for (const [k, n] of seg.nodes.entries()) {
    if (n.attribute.some((a) => a.g !== undefined || a.graphs.length > 0)) return undefined;
    const ins = n.input.map((name) => {
      if (name === "") return "";
      let c = rename.get(name);
      if (c === undefined) {
        const t = initByName.get(name);
        if (t === undefined) return undefined; // read from nowhere we know
        c = `i${inits.length}`;
        inits.push(t);
        rename.set(name, c);
      }
      return c;
    });
    if (ins.includes(undefined)) return undefined;
    n.output.forEach((o, j) => {
      if (o !== "") rename.set(o, `v${k}_${j}`);
    });
    nodes.push([n.opType, n.domain ?? "", ins, n.output.map((o) => o !== ""), n.attribute.map(attrKey)]);
  }
  const outputs = seg.outputs.map((o) => rename.get(o));
  if (outputs.includes(undefined)) return undefined;
  // weights may differ between layers (they become inputs); everything else must be the same
  const initSig = inits.map((t) =>
    FLOAT_TYPES[t.dataType ?? 0] !== undefined ? [t.dataType, t.dims] : [t.dataType, t.dims, tensorKey(t)],
  );
  const signature = JSON.stringify([nodes, initSig, outputs, seg.graphInputs, seg.carriesIn.length]);
  return { signature, rename, inits };
}

/** Where a float initializer's bytes are, or `undefined` when they are not in a file as they are. */
function weightRef(t: TensorProto, input: string, modelBytes: Uint8Array): WeightRef | undefined {
  const type = FLOAT_TYPES[t.dataType ?? 0];
  if (type === undefined) return undefined;
  const count = t.dims.reduce((a, b) => a * Number(b), 1);
  const length = count * (type === "float32" ? 4 : 2);
  const dims = t.dims.map(Number);
  if (t.externalData.length > 0) {
    const get = (k: string) => t.externalData.find((e) => e.key === k)?.value;
    const location = get("location");
    if (location === undefined) return undefined;
    const offset = Number(get("offset") ?? 0);
    const len = Number(get("length") ?? length);
    if (len !== length) return undefined;
    return { input, type, dims, source: "external", location, offset, length };
  }
  const raw = t.rawData;
  if (raw === undefined || raw.byteLength !== length || raw.buffer !== modelBytes.buffer) return undefined;
  return { input, type, dims, source: "model", offset: raw.byteOffset - modelBytes.byteOffset, length };
}

function renamedValue(v: ValueInfoProto, name: string): ValueInfoProto {
  return { ...v, name };
}

/**
 * Groups the segments by structure and builds one shared model per group of two or more. Returns
 * the shared models with, per member layer, how its names map onto the shared model's and where
 * its weights are. A segment whose weights are not stored as plain bytes in a file (or whose
 * other initializers differ from its group's) keeps its own model.
 * @param g the instrumented graph the segments were cut from
 * @param modelBytes the instrumented `.onnx` file's bytes `g` was decoded from (weights inside it
 *   are referred to by offset)
 * @param types element types of the carried values
 */
export function sharedTemplates(
  g: GraphProto,
  model: ModelProto,
  segments: SegmentGraph[],
  modelBytes: Uint8Array,
  types: Map<string, number>,
): SharedTemplate[] {
  const initByName = new Map(g.initializer.map((t) => [t.name ?? "", t]));
  const canon = segments.map((s) => canonical(s, initByName));
  const groups = new Map<string, number[]>();
  canon.forEach((c, l) => {
    if (c === undefined) return;
    const list = groups.get(c.signature);
    if (list) list.push(l);
    else groups.set(c.signature, [l]);
  });
  const out: SharedTemplate[] = [];
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const first = canon[members[0] as number] as Canonical;
    // an initializer with the same bytes in every layer stays a constant of the shared model
    const varies = first.inits.map((_, m) => {
      const keys = new Set(members.map((l) => tensorKey((canon[l] as Canonical).inits[m] as TensorProto)));
      return keys.size > 1;
    });
    const runs = new Map<number, Omit<SharedRun, "template">>();
    for (const l of members) {
      const c = canon[l] as Canonical;
      const seg = segments[l] as SegmentGraph;
      const weights: WeightRef[] = [];
      let ok = true;
      c.inits.forEach((t, m) => {
        if (!varies[m]) return;
        const ref = weightRef(t, `i${m}`, modelBytes);
        if (ref === undefined) ok = false;
        else weights.push(ref);
      });
      if (!ok) continue;
      const carriesIn: Record<string, string> = {};
      for (const name of seg.carriesIn) carriesIn[name] = c.rename.get(name) as string;
      const outputs: Record<string, string> = {};
      for (const name of seg.outputs) outputs[c.rename.get(name) as string] = name;
      runs.set(l, { carriesIn, outputs, weights });
    }
    if (runs.size < 2) continue;
    const l0 = members[0] as number;
    const seg0 = segments[l0] as SegmentGraph;
    const r = (name: string) => (name === "" ? "" : (first.rename.get(name) as string));
    const typed = (name: string, elemType: number): ValueInfoProto => ({
      name,
      type: tensorType({ elemType }),
      metadataProps: [],
    });
    const produced = new Set(seg0.nodes.flatMap((n) => n.output));
    const outNames = new Set(seg0.outputs);
    const graph: GraphProto = {
      ...g,
      name: `${g.name ?? "graph"}_shared_layer`,
      node: seg0.nodes.map((n, k) => ({
        ...n,
        name: `n${k}`,
        input: n.input.map(r),
        output: n.output.map(r),
      })),
      initializer: first.inits.flatMap((t, m) => (varies[m] ? [] : [{ ...t, name: `i${m}` }])),
      input: [
        ...g.input.filter((v) => seg0.graphInputs.includes(v.name ?? "")),
        ...seg0.carriesIn.map((c) => typed(r(c), types.get(c) as number)),
        ...first.inits.flatMap((t, m) =>
          varies[m]
            ? [
                {
                  name: `i${m}`,
                  type: tensorType({ elemType: t.dataType ?? 0, shape: t.dims.map(Number) }),
                  metadataProps: [],
                },
              ]
            : [],
        ),
      ],
      output: seg0.outputs.map((o) => {
        const v = g.output.find((x) => x.name === o);
        return v ? renamedValue(v, r(o)) : typed(r(o), types.get(o) as number);
      }),
      valueInfo: g.valueInfo
        .filter((v) => produced.has(v.name ?? "") && !outNames.has(v.name ?? ""))
        .map((v) => renamedValue(v, r(v.name ?? ""))),
    };
    out.push({ model: { ...model, graph }, runs });
  }
  return out;
}
