/**
 * The ONNX message layouts (field numbers are facts of the ONNX spec, onnx.proto, IR version 10/11).
 * Messages not listed (SparseTensorProto, TrainingInfoProto, TensorAnnotation, Segment, ...) stay
 * in their parent's unknown fields and round-trip verbatim.
 */

export type ScalarKind = "int32" | "int64" | "uint64" | "float" | "double" | "string" | "bytes";

/** Typed-array storage for a repeated numeric field. */
export type TypedKind = "f32" | "f64" | "i32" | "i64" | "u64";

export interface FieldDef {
  no: number;
  name: string;
  kind: ScalarKind | "message";
  repeated: boolean;
  /** How a repeated numeric field is written (the spec's `[packed = true]`). */
  packed: boolean;
  typed: TypedKind | undefined;
  msg: MessageDef | undefined;
}

export interface MessageDef {
  name: string;
  /** Sorted by field number. */
  fields: FieldDef[];
  byNo: (FieldDef | undefined)[];
}

type Spec = [no: number, name: string, kind: ScalarKind | string, flags?: string];

function define(name: string): MessageDef {
  return { name, fields: [], byNo: [] };
}

const M = {
  StringStringEntry: define("StringStringEntryProto"),
  OperatorSetId: define("OperatorSetIdProto"),
  Dimension: define("TensorShapeProto.Dimension"),
  TensorShape: define("TensorShapeProto"),
  TensorType: define("TypeProto.Tensor"),
  ElementType: define("TypeProto.Sequence"),
  MapType: define("TypeProto.Map"),
  Type: define("TypeProto"),
  ValueInfo: define("ValueInfoProto"),
  Tensor: define("TensorProto"),
  Attribute: define("AttributeProto"),
  Node: define("NodeProto"),
  Graph: define("GraphProto"),
  Function: define("FunctionProto"),
  Model: define("ModelProto"),
};

const SCALARS = new Set(["int32", "int64", "uint64", "float", "double", "string", "bytes"]);

function fill(def: MessageDef, specs: Spec[]): void {
  for (const [no, name, kind, flags = ""] of specs) {
    const isScalar = SCALARS.has(kind);
    const typed = /typed:(\w+)/.exec(flags)?.[1] as TypedKind | undefined;
    def.fields.push({
      no,
      name,
      kind: isScalar ? (kind as ScalarKind) : "message",
      repeated: flags.includes("repeated"),
      packed: flags.includes("packed"),
      typed,
      msg: isScalar ? undefined : M[kind as keyof typeof M],
    });
  }
  def.fields.sort((a, b) => a.no - b.no);
  for (const f of def.fields) def.byNo[f.no] = f;
}

fill(M.StringStringEntry, [
  [1, "key", "string"],
  [2, "value", "string"],
]);
fill(M.OperatorSetId, [
  [1, "domain", "string"],
  [2, "version", "int64"],
]);
fill(M.Dimension, [
  [1, "dimValue", "int64"],
  [2, "dimParam", "string"],
  [3, "denotation", "string"],
]);
fill(M.TensorShape, [[1, "dim", "Dimension", "repeated"]]);
fill(M.TensorType, [
  [1, "elemType", "int32"],
  [2, "shape", "TensorShape"],
]);
fill(M.ElementType, [[1, "elemType", "Type"]]);
fill(M.MapType, [
  [1, "keyType", "int32"],
  [2, "valueType", "Type"],
]);
fill(M.Type, [
  [1, "tensorType", "TensorType"],
  [4, "sequenceType", "ElementType"],
  [5, "mapType", "MapType"],
  [6, "denotation", "string"],
  [8, "sparseTensorType", "TensorType"],
  [9, "optionalType", "ElementType"],
]);
fill(M.ValueInfo, [
  [1, "name", "string"],
  [2, "type", "Type"],
  [3, "docString", "string"],
  [4, "metadataProps", "StringStringEntry", "repeated"],
]);
fill(M.Tensor, [
  [1, "dims", "int64", "repeated"],
  [2, "dataType", "int32"],
  [4, "floatData", "float", "repeated packed typed:f32"],
  [5, "int32Data", "int32", "repeated packed typed:i32"],
  [6, "stringData", "bytes", "repeated"],
  [7, "int64Data", "int64", "repeated packed typed:i64"],
  [8, "name", "string"],
  [9, "rawData", "bytes"],
  [10, "doubleData", "double", "repeated packed typed:f64"],
  [11, "uint64Data", "uint64", "repeated packed typed:u64"],
  [12, "docString", "string"],
  [13, "externalData", "StringStringEntry", "repeated"],
  [14, "dataLocation", "int32"],
  [16, "metadataProps", "StringStringEntry", "repeated"],
]);
fill(M.Attribute, [
  [1, "name", "string"],
  [2, "f", "float"],
  [3, "i", "int64"],
  [4, "s", "bytes"],
  [5, "t", "Tensor"],
  [6, "g", "Graph"],
  [7, "floats", "float", "repeated"],
  [8, "ints", "int64", "repeated"],
  [9, "strings", "bytes", "repeated"],
  [10, "tensors", "Tensor", "repeated"],
  [11, "graphs", "Graph", "repeated"],
  [13, "docString", "string"],
  [14, "tp", "Type"],
  [15, "typeProtos", "Type", "repeated"],
  [20, "type", "int32"],
  [21, "refAttrName", "string"],
]);
fill(M.Node, [
  [1, "input", "string", "repeated"],
  [2, "output", "string", "repeated"],
  [3, "name", "string"],
  [4, "opType", "string"],
  [5, "attribute", "Attribute", "repeated"],
  [6, "docString", "string"],
  [7, "domain", "string"],
  [8, "overload", "string"],
  [9, "metadataProps", "StringStringEntry", "repeated"],
]);
fill(M.Graph, [
  [1, "node", "Node", "repeated"],
  [2, "name", "string"],
  [5, "initializer", "Tensor", "repeated"],
  [10, "docString", "string"],
  [11, "input", "ValueInfo", "repeated"],
  [12, "output", "ValueInfo", "repeated"],
  [13, "valueInfo", "ValueInfo", "repeated"],
  [16, "metadataProps", "StringStringEntry", "repeated"],
]);
fill(M.Function, [
  [1, "name", "string"],
  [4, "input", "string", "repeated"],
  [5, "output", "string", "repeated"],
  [6, "attribute", "string", "repeated"],
  [7, "node", "Node", "repeated"],
  [8, "docString", "string"],
  [9, "opsetImport", "OperatorSetId", "repeated"],
  [10, "domain", "string"],
  [11, "attributeProto", "Attribute", "repeated"],
  [12, "valueInfo", "ValueInfo", "repeated"],
  [13, "overload", "string"],
  [14, "metadataProps", "StringStringEntry", "repeated"],
]);
fill(M.Model, [
  [1, "irVersion", "int64"],
  [2, "producerName", "string"],
  [3, "producerVersion", "string"],
  [4, "domain", "string"],
  [5, "modelVersion", "int64"],
  [6, "docString", "string"],
  [7, "graph", "Graph"],
  [8, "opsetImport", "OperatorSetId", "repeated"],
  [14, "metadataProps", "StringStringEntry", "repeated"],
  [25, "functions", "Function", "repeated"],
]);

/** The message layouts by role. */
export const MESSAGES = M;
