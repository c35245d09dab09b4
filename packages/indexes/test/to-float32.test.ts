import { describe, expect, it } from "vitest";
import { float32ToFloat16Bits } from "../src/float16.ts";
import { toFloat32 } from "../src/to-float32.ts";

describe("toFloat32", () => {
  it("returns float32 data itself and converts every other dtype", () => {
    const f = new Float32Array([0.1, 2]);
    expect(toFloat32({ dtype: "<f4", shape: [2], data: f })).toBe(f);
    expect(
      Array.from(toFloat32({ dtype: "<f2", shape: [2], data: float32ToFloat16Bits([0.5, -2]) })),
    ).toEqual([0.5, -2]);
    expect(Array.from(toFloat32({ dtype: "<f8", shape: [1], data: new Float64Array([0.1]) }))).toEqual([
      Math.fround(0.1),
    ]);
    expect(
      Array.from(toFloat32({ dtype: "<i8", shape: [2], data: new BigInt64Array([-3n, 2n ** 40n]) })),
    ).toEqual([-3, 2 ** 40]);
    expect(Array.from(toFloat32({ dtype: "|b1", shape: [2], data: new Uint8Array([1, 0]) }))).toEqual([1, 0]);
    expect(Array.from(toFloat32({ dtype: "<u2", shape: [1], data: new Uint16Array([65535]) }))).toEqual([
      65535,
    ]);
  });
});
