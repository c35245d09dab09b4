import { describe, expect, it } from "vitest";
import {
  DataType,
  decodeTensor,
  encodeTensor,
  makeFloat32Tensor,
  makeInt32Tensor,
  makeInt64Tensor,
  makeRawTensor,
  type TensorProto,
  tensorElementCount,
  tensorToFloat32,
  tensorToNumbers,
} from "../src/index.ts";

function fromFields(dataType: number, dims: number[], fields: Partial<TensorProto>): TensorProto {
  return {
    ...makeRawTensor("t", dataType, dims, new Uint8Array()),
    rawData: undefined as never,
    ...fields,
  } as TensorProto;
}

describe("tensorToFloat32", () => {
  it("reads float32 raw_data at any byte offset (copying unaligned views)", () => {
    const values = new Float32Array([1, -2.5, 3e-8, 65504]);
    const bytes = new Uint8Array(1 + values.byteLength);
    bytes.set(new Uint8Array(values.buffer), 1);
    const t = makeRawTensor("w", DataType.FLOAT, [2, 2], bytes.subarray(1));
    expect(tensorToFloat32(t)).toEqual(values);
  });

  it("converts float16 and bfloat16 bits, including subnormals and infinities", () => {
    // 1.0, -2.0, 65504, 2^-24 (smallest subnormal), +inf
    const half = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00]);
    const t16 = makeRawTensor("h", DataType.FLOAT16, [5], new Uint8Array(half.buffer));
    expect([...tensorToFloat32(t16)]).toEqual([1, -2, 65504, 2 ** -24, Number.POSITIVE_INFINITY]);
    const bf = new Uint16Array([0x3f80, 0xc040]); // 1.0, -3.0
    expect([
      ...tensorToFloat32(makeRawTensor("b", DataType.BFLOAT16, [2], new Uint8Array(bf.buffer))),
    ]).toEqual([1, -3]);
  });

  it("reads typed fields: float_data, int32_data (fp16 bits), int64_data, double_data", () => {
    expect([
      ...tensorToFloat32(fromFields(DataType.FLOAT, [2], { floatData: new Float32Array([1, 2]) })),
    ]).toEqual([1, 2]);
    expect([
      ...tensorToFloat32(fromFields(DataType.FLOAT16, [1], { int32Data: new Int32Array([0x3c00]) })),
    ]).toEqual([1]);
    expect([
      ...tensorToFloat32(fromFields(DataType.INT64, [2], { int64Data: new BigInt64Array([-3n, 7n]) })),
    ]).toEqual([-3, 7]);
    expect([
      ...tensorToFloat32(fromFields(DataType.DOUBLE, [1], { doubleData: new Float64Array([0.5]) })),
    ]).toEqual([0.5]);
  });

  it("throws PL_ONNX_CORRUPT when the data does not fill the dims", () => {
    const t = makeRawTensor("w", DataType.FLOAT, [3], new Uint8Array(8));
    expect(() => tensorToFloat32(t)).toThrow(expect.objectContaining({ code: "PL_ONNX_CORRUPT" }));
  });

  it("throws PL_ONNX_UNSUPPORTED for strings", () => {
    const t = fromFields(DataType.STRING, [1], { stringData: [new Uint8Array([65])] });
    expect(() => tensorToFloat32(t)).toThrow(expect.objectContaining({ code: "PL_ONNX_UNSUPPORTED" }));
  });

  it("throws PL_ONNX_EXTERNAL_DATA for external tensors without a resolver, and uses one when given", () => {
    const t = fromFields(DataType.FLOAT, [2], {
      dataLocation: 1,
      externalData: [
        { key: "location", value: "w.bin" },
        { key: "offset", value: "4" },
        { key: "length", value: "8" },
      ],
    });
    expect(() => tensorToFloat32(t)).toThrow(expect.objectContaining({ code: "PL_ONNX_EXTERNAL_DATA" }));
    const file = new Float32Array([9, 1.5, -1, 9]);
    const got = tensorToFloat32(t, (info) => {
      expect(info).toEqual({ location: "w.bin", offset: 4, length: 8, checksum: undefined });
      return new Uint8Array(file.buffer, info.offset, info.length);
    });
    expect([...got]).toEqual([1.5, -1]);
  });
});

describe("tensor constructors", () => {
  it("float32/int64/int32 tensors round-trip through the codec", () => {
    const f = decodeTensor(encodeTensor(makeFloat32Tensor("f", [1, 3], [0.1, 0.2, 0.3])));
    expect(f.dims).toEqual([1, 3]);
    expect(f.dataType).toBe(DataType.FLOAT);
    expect(tensorToFloat32(f)).toEqual(Float32Array.from([0.1, 0.2, 0.3]));
    const i = decodeTensor(encodeTensor(makeInt64Tensor("i", [3], [-1, 0, 2n ** 40n])));
    expect(tensorToNumbers(i)).toEqual([-1, 0, 2 ** 40]);
    const j = decodeTensor(encodeTensor(makeInt32Tensor("j", [], [7])));
    expect(j.dims).toEqual([]);
    expect(tensorElementCount(j)).toBe(1);
    expect(tensorToNumbers(j)).toEqual([7]);
  });
});
