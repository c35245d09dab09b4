import { describe, expect, it } from "vitest";
import { IndexesError } from "../src/errors.ts";
import { decodeNpy, encodeNpy } from "../src/npy.ts";
import { NPY_DTYPES, type NpyArray } from "../src/npy-dtype.ts";
import { encodeNpyHeader } from "../src/npy-header.ts";

function sample(dtype: NpyArray["dtype"], n: number): NpyArray["data"] {
  switch (dtype) {
    case "<f4":
      return Float32Array.from({ length: n }, (_, i) => i / 7 - 1);
    case "<f8":
      return Float64Array.from({ length: n }, (_, i) => Math.PI * i);
    case "<f2":
    case "<u2":
      return Uint16Array.from({ length: n }, (_, i) => (i * 977) & 0xffff);
    case "|i1":
      return Int8Array.from({ length: n }, (_, i) => (i % 256) - 128);
    case "<i2":
      return Int16Array.from({ length: n }, (_, i) => i * 300 - 20000);
    case "<i4":
      return Int32Array.from({ length: n }, (_, i) => i * 1e6 - 5e8);
    case "<i8":
      return BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 10n ** 15n - 7n);
    case "|u1":
      return Uint8Array.from({ length: n }, (_, i) => i & 0xff);
    case "|b1":
      return Uint8Array.from({ length: n }, (_, i) => i % 2);
    case "<u4":
      return Uint32Array.from({ length: n }, (_, i) => i * 4e7);
    case "<u8":
      return BigUint64Array.from({ length: n }, (_, i) => BigInt(i) * 2n ** 60n);
  }
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IndexesError);
    return (e as IndexesError).code;
  }
  return "no error";
}

describe("encodeNpy / decodeNpy", () => {
  it("round-trips every dtype and several shapes", () => {
    for (const dtype of NPY_DTYPES) {
      for (const shape of [[], [0], [5], [2, 3], [1, 4, 3, 3]]) {
        const n = shape.reduce((a, b) => a * b, 1);
        const arr: NpyArray = { dtype, shape, data: sample(dtype, n) };
        const bytes = encodeNpy(arr);
        const back = decodeNpy(bytes);
        expect(back.dtype).toBe(dtype);
        expect(back.shape).toEqual(shape);
        expect(back.data.constructor).toBe(arr.data.constructor);
        expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(
          Array.from(arr.data as ArrayLike<number | bigint>),
        );
      }
    }
  });

  it("writes header then raw little-endian data starting at a multiple of 64", () => {
    const arr: NpyArray = { dtype: "<f4", shape: [1, 4, 3, 3], data: new Float32Array(36).fill(0.25) };
    const bytes = encodeNpy(arr);
    expect(bytes.length).toBe(128 + 36 * 4);
    expect(Array.from(bytes.subarray(0, 128))).toEqual(Array.from(encodeNpyHeader("<f4", [1, 4, 3, 3])));
    expect(Array.from(bytes.subarray(128, 132))).toEqual([0x00, 0x00, 0x80, 0x3e]); // 0.25f LE
  });

  it("reads data at an unaligned offset by copying", () => {
    const arr: NpyArray = { dtype: "<f8", shape: [3], data: new Float64Array([1, 2, 3]) };
    const bytes = encodeNpy(arr);
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect(Array.from(decodeNpy(shifted).data as Float64Array)).toEqual([1, 2, 3]);
  });

  it("rejects shape and data length that disagree with PL_INDEXES_NPY_CORRUPT", () => {
    const bytes = encodeNpy({ dtype: "<f4", shape: [2, 3], data: new Float32Array(6) });
    expect(code(() => decodeNpy(bytes.subarray(0, bytes.length - 4)))).toBe("PL_INDEXES_NPY_CORRUPT");
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(code(() => decodeNpy(longer))).toBe("PL_INDEXES_NPY_CORRUPT");
    expect(code(() => decodeNpy(bytes.subarray(0, 5)))).toBe("PL_INDEXES_NPY_CORRUPT");
  });

  it("rejects inconsistent arrays on encode with PL_INDEXES_INVALID_ARGUMENT", () => {
    expect(code(() => encodeNpy({ dtype: "<f4", shape: [2, 2], data: new Float32Array(3) }))).toBe(
      "PL_INDEXES_INVALID_ARGUMENT",
    );
    expect(code(() => encodeNpy({ dtype: "<f4", shape: [2], data: new Float64Array(2) }))).toBe(
      "PL_INDEXES_INVALID_ARGUMENT",
    );
    expect(code(() => encodeNpy({ dtype: "<f4", shape: [-2], data: new Float32Array(0) }))).toBe(
      "PL_INDEXES_INVALID_ARGUMENT",
    );
  });
});
