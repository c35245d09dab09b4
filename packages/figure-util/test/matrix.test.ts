import ndarray from "ndarray";
import { describe, expect, it } from "vitest";
import { FigureError, headPattern, toDenseMatrix } from "../src/index.ts";

describe("headPattern", () => {
  it("views head h of a [1, heads, n, n] tensor without copying", () => {
    const n = 3;
    const data = Float32Array.from({ length: 2 * n * n }, (_, i) => i);
    const h1 = headPattern(data, n, 1);
    expect(h1.shape).toEqual([3, 3]);
    expect(h1.get(0, 0)).toBe(9);
    expect(h1.get(2, 1)).toBe(16);
    expect(h1.data).toBe(data);
    const dense = toDenseMatrix(h1);
    expect(Array.from(dense.data)).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(dense.data.buffer).toBe(data.buffer); // a subarray, not a copy
  });

  it("rejects heads outside the data", () => {
    expect(() => headPattern(new Float32Array(18), 3, 2)).toThrow(FigureError);
    expect(() => headPattern(new Float32Array(18), 0, 0)).toThrow(FigureError);
  });
});

describe("toDenseMatrix", () => {
  it("keeps float32-ness; plain arrays become float64", () => {
    expect(toDenseMatrix({ data: new Float32Array(4), shape: [2, 2] }).float32).toBe(true);
    expect(toDenseMatrix({ data: [1, 2, 3, 4], shape: [2, 2] }).float32).toBe(false);
    expect(toDenseMatrix(ndarray([1, 2, 3, 4, 5, 6], [2, 3])).data).toEqual(
      new Float64Array([1, 2, 3, 4, 5, 6]),
    );
  });

  it("a view that reaches past its data is a shape error", () => {
    try {
      toDenseMatrix(ndarray(new Float32Array(4), [3, 3]));
      expect.unreachable();
    } catch (e) {
      expect((e as FigureError).code).toBe("PL_FIGURE_SHAPE");
    }
  });
});
