/**
 * External data: tensors whose bytes live in a file beside the model (`data_location` EXTERNAL,
 * with `location`, `offset`, `length` entries). Pure helpers; file IO is in the `/node` entry.
 */
import { OnnxError } from "./errors.ts";
import type { GraphProto, ModelProto, NodeProto, StringStringEntryProto, TensorProto } from "./types.ts";

/** Where a tensor's bytes live when `data_location` is EXTERNAL. */
export interface ExternalDataInfo {
  /** Path relative to the model file's folder. */
  location: string;
  /** Byte offset in the file (default 0). */
  offset: number;
  /** Byte length, or `undefined` for "to the end of the file". */
  length: number | undefined;
  /** The `checksum` entry, when present. */
  checksum: string | undefined;
}

/** Reads external bytes for a tensor (for example from the file beside the model). */
export type ExternalDataResolver = (info: ExternalDataInfo, tensor: TensorProto) => Uint8Array;

/** True when the tensor's data is stored in an external file. */
export function isExternal(tensor: TensorProto): boolean {
  return tensor.dataLocation === 1;
}

/** The external-data entries of a tensor, or `undefined` when its data is inline. */
export function externalDataInfo(tensor: TensorProto): ExternalDataInfo | undefined {
  if (!isExternal(tensor)) return undefined;
  const get = (k: string) => tensor.externalData.find((e) => e.key === k)?.value;
  const location = get("location");
  if (location === undefined || location === "") {
    throw new OnnxError(
      "PL_ONNX_EXTERNAL_DATA",
      `tensor "${tensor.name ?? ""}" is marked EXTERNAL but has no "location" entry; the model is damaged`,
    );
  }
  const offset = get("offset");
  const length = get("length");
  return {
    location,
    offset: offset === undefined ? 0 : Number(offset),
    length: length === undefined ? undefined : Number(length),
    checksum: get("checksum"),
  };
}

/** Sets (or replaces) one external-data entry, e.g. `location`. */
export function setExternalDataEntry(tensor: TensorProto, key: string, value: string): void {
  const e = tensor.externalData.find((x: StringStringEntryProto) => x.key === key);
  if (e !== undefined) e.value = value;
  else tensor.externalData.push({ key, value });
}

/**
 * Visits every tensor of a graph that can carry data: initializers and tensor attributes
 * (`Constant` values), in subgraphs too.
 */
export function forEachTensor(graph: GraphProto, visit: (tensor: TensorProto) => void): void {
  for (const t of graph.initializer) visit(t);
  forEachNodeTensor(graph.node, visit);
}

function forEachNodeTensor(nodes: readonly NodeProto[], visit: (tensor: TensorProto) => void): void {
  for (const n of nodes) {
    for (const a of n.attribute) {
      if (a.t !== undefined) visit(a.t);
      for (const t of a.tensors) visit(t);
      if (a.g !== undefined) forEachTensor(a.g, visit);
      for (const g of a.graphs) forEachTensor(g, visit);
    }
  }
}

/** Every tensor of the model: main graph, subgraphs, and constants inside model functions. */
export function forEachModelTensor(model: ModelProto, visit: (tensor: TensorProto) => void): void {
  if (model.graph !== undefined) forEachTensor(model.graph, visit);
  for (const f of model.functions) forEachNodeTensor(f.node, visit);
}

/** The distinct external-data file locations the model refers to, in first-use order. */
export function externalDataLocations(model: ModelProto): string[] {
  const set = new Set<string>();
  forEachModelTensor(model, (t) => {
    const info = externalDataInfo(t);
    if (info !== undefined) set.add(info.location);
  });
  return [...set];
}

/**
 * Loads every external tensor into `raw_data` (making the model self-contained, for models under
 * the 2 GB protobuf limit). Returns how many tensors were embedded.
 */
export function embedExternalData(model: ModelProto, resolve: ExternalDataResolver): number {
  let n = 0;
  forEachModelTensor(model, (t) => {
    const info = externalDataInfo(t);
    if (info === undefined) return;
    t.rawData = resolve(info, t);
    t.externalData = [];
    delete t.dataLocation;
    n++;
  });
  return n;
}
