/**
 * Reading and making `TensorProto`s: element counts, external-data entries, conversion to
 * Float32Array / numbers, and constructors for float32, int64 and int32 tensors (stored as
 * `raw_data`, little-endian, as ONNX specifies).
 */
import { OnnxError } from "./errors.ts";
import { type ExternalDataResolver, externalDataInfo } from "./external-data.ts";
import { DataType, type TensorProto } from "./types.ts";

/** Number of elements: the product of `dims` (1 for a scalar). */
export function tensorElementCount(tensor: Pick<TensorProto, "dims">): number {
  let n = 1;
  for (const d of tensor.dims) n *= d;
  return n;
}

const ELEMENT_BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4,
  [DataType.UINT64]: 8,
  [DataType.BFLOAT16]: 2,
};

/** Bytes per element of a fixed-width DataType, or `undefined` (strings, sub-byte types). */
export function dataTypeSize(dataType: number): number | undefined {
  return ELEMENT_BYTES[dataType];
}

/**
 * The little-endian bytes of a tensor stored as `raw_data` or external data (`undefined` when the
 * values sit in a typed field such as `float_data`).
 * @throws {OnnxError} `PL_ONNX_EXTERNAL_DATA` when the data is external and no resolver is given.
 */
export function tensorRawBytes(tensor: TensorProto, resolve?: ExternalDataResolver): Uint8Array | undefined {
  const info = externalDataInfo(tensor);
  if (info !== undefined) {
    if (resolve === undefined) {
      throw new OnnxError(
        "PL_ONNX_EXTERNAL_DATA",
        `tensor "${tensor.name ?? ""}" keeps its data in "${info.location}"; pass an external-data resolver (externalDataResolver(modelDir) from @pattern-lens/onnx/node)`,
      );
    }
    return resolve(info, tensor);
  }
  return tensor.rawData;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Number.POSITIVE_INFINITY : Number.NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function aligned(bytes: Uint8Array, width: number): ArrayBuffer {
  // a copy into a fresh ArrayBuffer, so typed views over it are aligned and owned (never
  // Buffer.slice, which shares memory)
  const out = new Uint8Array(Math.floor(bytes.length / width) * width);
  out.set(bytes.subarray(0, out.length));
  return out.buffer;
}

/**
 * The tensor's values as a new Float32Array, from any numeric type (float, float16, bfloat16,
 * double, integers, bool) and any storage (`raw_data`, typed fields, external data).
 * @throws {OnnxError} `PL_ONNX_UNSUPPORTED` for strings and complex or sub-byte types;
 * `PL_ONNX_EXTERNAL_DATA` when external data cannot be read.
 */
export function tensorToFloat32(tensor: TensorProto, resolve?: ExternalDataResolver): Float32Array {
  const dt = tensor.dataType ?? DataType.UNDEFINED;
  const count = tensorElementCount(tensor);
  const raw = tensorRawBytes(tensor, resolve);
  let out: Float32Array;
  if (raw !== undefined) {
    const width = ELEMENT_BYTES[dt];
    if (width === undefined) throw unsupported(tensor, dt);
    if (raw.length !== count * width) {
      throw new OnnxError(
        "PL_ONNX_CORRUPT",
        `tensor "${tensor.name ?? ""}" has ${raw.length} data bytes, expected ${count * width} for dims [${tensor.dims.join(", ")}]`,
      );
    }
    const buf = aligned(raw, width);
    switch (dt) {
      case DataType.FLOAT:
        return new Float32Array(buf);
      case DataType.FLOAT16: {
        const h = new Uint16Array(buf);
        out = new Float32Array(count);
        for (let i = 0; i < count; i++) out[i] = halfToFloat(h[i]!);
        return out;
      }
      case DataType.BFLOAT16: {
        const h = new Uint16Array(buf);
        const u = new Uint32Array(count);
        for (let i = 0; i < count; i++) u[i] = h[i]! << 16;
        return new Float32Array(u.buffer);
      }
      case DataType.DOUBLE:
        return Float32Array.from(new Float64Array(buf));
      case DataType.INT64:
        return Float32Array.from(new BigInt64Array(buf), (v) => Number(v));
      case DataType.UINT64:
        return Float32Array.from(new BigUint64Array(buf), (v) => Number(v));
      case DataType.INT32:
        return Float32Array.from(new Int32Array(buf));
      case DataType.UINT32:
        return Float32Array.from(new Uint32Array(buf));
      case DataType.INT16:
        return Float32Array.from(new Int16Array(buf));
      case DataType.UINT16:
        return Float32Array.from(new Uint16Array(buf));
      case DataType.INT8:
        return Float32Array.from(new Int8Array(buf));
      default:
        return Float32Array.from(new Uint8Array(buf));
    }
  }
  switch (dt) {
    case DataType.FLOAT:
      out = Float32Array.from(tensor.floatData);
      break;
    case DataType.DOUBLE:
      out = Float32Array.from(tensor.doubleData);
      break;
    case DataType.INT64:
      out = Float32Array.from(tensor.int64Data, (v) => Number(v));
      break;
    case DataType.UINT64:
    case DataType.UINT32:
      out = Float32Array.from(tensor.uint64Data, (v) => Number(v));
      break;
    case DataType.FLOAT16:
      out = Float32Array.from(tensor.int32Data, (v) => halfToFloat(v & 0xffff));
      break;
    case DataType.BFLOAT16:
      out = new Float32Array(
        new Uint32Array(Uint32Array.from(tensor.int32Data, (v) => (v & 0xffff) << 16)).buffer,
      );
      break;
    case DataType.INT32:
    case DataType.INT16:
    case DataType.INT8:
    case DataType.UINT16:
    case DataType.UINT8:
    case DataType.BOOL:
      out = Float32Array.from(tensor.int32Data);
      break;
    default:
      throw unsupported(tensor, dt);
  }
  if (out.length !== count) {
    throw new OnnxError(
      "PL_ONNX_CORRUPT",
      `tensor "${tensor.name ?? ""}" has ${out.length} values, expected ${count} for dims [${tensor.dims.join(", ")}]`,
    );
  }
  return out;
}

/**
 * An integer tensor's values as numbers (int64 beyond 2^53 lose precision). Floats are returned
 * as they are.
 */
export function tensorToNumbers(tensor: TensorProto, resolve?: ExternalDataResolver): number[] {
  const dt = tensor.dataType;
  const raw = tensorRawBytes(tensor, resolve);
  if (dt === DataType.INT64 || dt === DataType.UINT64) {
    if (raw !== undefined) {
      const buf = aligned(raw, 8);
      return Array.from(dt === DataType.INT64 ? new BigInt64Array(buf) : new BigUint64Array(buf), Number);
    }
    return Array.from(dt === DataType.INT64 ? tensor.int64Data : tensor.uint64Data, Number);
  }
  if (dt === DataType.INT32 && raw === undefined) return Array.from(tensor.int32Data);
  return Array.from(tensorToFloat32(tensor, resolve));
}

function unsupported(tensor: TensorProto, dt: number): OnnxError {
  return new OnnxError(
    "PL_ONNX_UNSUPPORTED",
    `tensor "${tensor.name ?? ""}" has data type ${dt}, which cannot be read as numbers`,
  );
}

function emptyTensor(name: string, dataType: number, dims: readonly number[]): TensorProto {
  return {
    name,
    dataType,
    dims: [...dims],
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

function checkCount(name: string, dims: readonly number[], n: number): void {
  const want = tensorElementCount({ dims: [...dims] });
  if (want !== n) {
    throw new OnnxError(
      "PL_ONNX_INVALID_GRAPH",
      `tensor "${name}": ${n} values do not fill dims [${dims.join(", ")}] (${want} elements)`,
    );
  }
}

/** A tensor of any fixed-width type from its little-endian bytes (kept as a view, not copied). */
export function makeRawTensor(
  name: string,
  dataType: number,
  dims: readonly number[],
  rawData: Uint8Array,
): TensorProto {
  const t = emptyTensor(name, dataType, dims);
  t.rawData = rawData;
  return t;
}

/**
 * A float32 tensor. A Float32Array is stored without copying.
 * @throws {OnnxError} `PL_ONNX_INVALID_GRAPH` when the value count does not match `dims`.
 */
export function makeFloat32Tensor(
  name: string,
  dims: readonly number[],
  values: Float32Array | readonly number[],
): TensorProto {
  const arr = values instanceof Float32Array ? values : Float32Array.from(values);
  checkCount(name, dims, arr.length);
  return makeRawTensor(
    name,
    DataType.FLOAT,
    dims,
    new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength),
  );
}

/**
 * An int64 tensor.
 * @throws {OnnxError} `PL_ONNX_INVALID_GRAPH` when the value count does not match `dims`.
 */
export function makeInt64Tensor(
  name: string,
  dims: readonly number[],
  values: BigInt64Array | readonly (number | bigint)[],
): TensorProto {
  const arr = values instanceof BigInt64Array ? values : BigInt64Array.from(values, (v) => BigInt(v));
  checkCount(name, dims, arr.length);
  return makeRawTensor(
    name,
    DataType.INT64,
    dims,
    new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength),
  );
}

/**
 * An int32 tensor.
 * @throws {OnnxError} `PL_ONNX_INVALID_GRAPH` when the value count does not match `dims`.
 */
export function makeInt32Tensor(
  name: string,
  dims: readonly number[],
  values: Int32Array | readonly number[],
): TensorProto {
  const arr = values instanceof Int32Array ? values : Int32Array.from(values);
  checkCount(name, dims, arr.length);
  return makeRawTensor(
    name,
    DataType.INT32,
    dims,
    new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength),
  );
}
