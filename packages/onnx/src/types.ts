/**
 * Typed ONNX protobuf messages. Field names are the camelCase names of the ONNX spec's fields.
 * Optional scalar fields are absent (`undefined`) when the file does not carry them, so a decoded
 * model re-encodes to the same bytes. Repeated fields are always present (possibly empty).
 * Fields this package does not model are kept in `unknownFields` and written back unchanged.
 */

/** A field the codec does not model, kept as its raw wire bytes (tag included). */
export interface UnknownField {
  /** The protobuf field number. */
  fieldNumber: number;
  /** The raw encoding: tag, then payload. A view into the decoded buffer. */
  bytes: Uint8Array;
}

/** Every message may carry fields the codec does not model. */
export interface ProtoMessage {
  /** Fields kept verbatim; re-encoded in field-number order among the known fields. */
  unknownFields?: UnknownField[];
}

/** `StringStringEntryProto`: a key/value pair (metadata, external-data entries). */
export interface StringStringEntryProto extends ProtoMessage {
  key?: string;
  value?: string;
}

/** `OperatorSetIdProto`: an imported opset; an empty or absent domain means the default ONNX domain. */
export interface OperatorSetIdProto extends ProtoMessage {
  domain?: string;
  version?: number;
}

/** `TensorShapeProto.Dimension`: a fixed size, a symbolic name, or unknown (both absent). */
export interface DimensionProto extends ProtoMessage {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}

/** `TensorShapeProto`. */
export interface TensorShapeProto extends ProtoMessage {
  dim: DimensionProto[];
}

/** `TypeProto.Tensor` (also used for `TypeProto.SparseTensor`). */
export interface TensorTypeProto extends ProtoMessage {
  /** A {@link DataType} value. */
  elemType?: number;
  shape?: TensorShapeProto;
}

/** `TypeProto.Sequence` and `TypeProto.Optional`. */
export interface ElementTypeProto extends ProtoMessage {
  elemType?: TypeProto;
}

/** `TypeProto.Map`. */
export interface MapTypeProto extends ProtoMessage {
  keyType?: number;
  valueType?: TypeProto;
}

/** `TypeProto`: one of the variants is set. */
export interface TypeProto extends ProtoMessage {
  tensorType?: TensorTypeProto;
  sequenceType?: ElementTypeProto;
  mapType?: MapTypeProto;
  optionalType?: ElementTypeProto;
  sparseTensorType?: TensorTypeProto;
  denotation?: string;
}

/** `ValueInfoProto`: a named, optionally typed value (graph inputs, outputs, value_info). */
export interface ValueInfoProto extends ProtoMessage {
  name?: string;
  type?: TypeProto;
  docString?: string;
  metadataProps: StringStringEntryProto[];
}

/**
 * `TensorProto`. Big payloads (`rawData`) are views into the decoded buffer, never copies: keep the
 * buffer alive and do not modify it while the model is in use.
 */
export interface TensorProto extends ProtoMessage {
  dims: number[];
  /** A {@link DataType} value. */
  dataType?: number;
  floatData: Float32Array;
  int32Data: Int32Array;
  stringData: Uint8Array[];
  int64Data: BigInt64Array;
  name?: string;
  docString?: string;
  rawData?: Uint8Array;
  externalData: StringStringEntryProto[];
  /** 0 = DEFAULT (data in this message), 1 = EXTERNAL (see `externalData`). */
  dataLocation?: number;
  doubleData: Float64Array;
  uint64Data: BigUint64Array;
  metadataProps: StringStringEntryProto[];
}

/** `AttributeProto`. `type` tells which value field is meaningful (see {@link AttributeType}). */
export interface AttributeProto extends ProtoMessage {
  name?: string;
  refAttrName?: string;
  docString?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  tp?: TypeProto;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: GraphProto[];
  typeProtos: TypeProto[];
}

/** `NodeProto`: one operator call. */
export interface NodeProto extends ProtoMessage {
  input: string[];
  output: string[];
  name?: string;
  opType?: string;
  domain?: string;
  overload?: string;
  attribute: AttributeProto[];
  docString?: string;
  metadataProps: StringStringEntryProto[];
}

/** `GraphProto`: nodes in topological order, initializers, inputs and outputs. */
export interface GraphProto extends ProtoMessage {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  docString?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  metadataProps: StringStringEntryProto[];
}

/** `FunctionProto`: a model-local function. */
export interface FunctionProto extends ProtoMessage {
  name?: string;
  input: string[];
  output: string[];
  attribute: string[];
  attributeProto: AttributeProto[];
  node: NodeProto[];
  docString?: string;
  opsetImport: OperatorSetIdProto[];
  domain?: string;
  overload?: string;
  valueInfo: ValueInfoProto[];
  metadataProps: StringStringEntryProto[];
}

/** `ModelProto`: the top-level message of an `.onnx` file. */
export interface ModelProto extends ProtoMessage {
  irVersion?: number;
  opsetImport: OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  metadataProps: StringStringEntryProto[];
  functions: FunctionProto[];
}

/** `TensorProto.DataType` values. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
} as const;

/** `AttributeProto.AttributeType` values. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;
