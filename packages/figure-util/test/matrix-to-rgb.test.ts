import ndarray from "ndarray";
import { describe, expect, it } from "vitest";
import { FigureError, getColormap, matrixToRgb, toDenseMatrix } from "../src/index.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FigureError);
    return (e as FigureError).code;
  }
  return undefined;
}

const blues = getColormap("Blues").lut;
const bluesAt = (k: number): number[] => Array.from(blues.subarray(3 * k, 3 * k + 3));
const px = (img: { data: Uint8Array; channels: number; width: number }, r: number, c: number): number[] =>
  Array.from(img.data.subarray((r * img.width + c) * img.channels, (r * img.width + c + 1) * img.channels));

describe("matrixToRgb", () => {
  it("one pixel per cell, row-major, RGB by default", () => {
    const img = matrixToRgb(
      { data: new Float32Array([0, 0.5, 1, 1 / 256, 0.999, 0.25]), shape: [2, 3] },
      { cmap: "Blues" },
    );
    expect([img.width, img.height, img.channels, img.data.length]).toEqual([3, 2, 3, 18]);
    expect(px(img, 0, 0)).toEqual(bluesAt(0));
    expect(px(img, 0, 1)).toEqual(bluesAt(128));
    expect(px(img, 0, 2)).toEqual(bluesAt(255));
    expect(px(img, 1, 0)).toEqual(bluesAt(1));
    expect(px(img, 1, 1)).toEqual(bluesAt(255));
    expect(px(img, 1, 2)).toEqual(bluesAt(64));
  });

  it("min-max normalises in float32 over the whole matrix", () => {
    const data = new Float32Array([2, 4, 6, 10]);
    const img = matrixToRgb({ data, shape: [2, 2] }, { normalize: true, cmap: "Greys" });
    const g = getColormap("Greys").lut;
    expect(px(img, 0, 0)).toEqual(Array.from(g.subarray(0, 3)));
    expect(px(img, 0, 1)).toEqual(Array.from(g.subarray(3 * 64, 3 * 64 + 3))); // 0.25
    expect(px(img, 1, 0)).toEqual(Array.from(g.subarray(3 * 128, 3 * 128 + 3))); // 0.5
    expect(px(img, 1, 1)).toEqual(Array.from(g.subarray(3 * 255, 3 * 255 + 3)));
  });

  it("float32 input is normalised in float32 arithmetic, float64 input in float64 (as numpy)", () => {
    // [0, x, r] with r = float32(0.7): x / r rounds up onto the bin boundary k/256 in float32 but
    // stays below it in float64. numpy 1.24 + matplotlib 3.6 on a float32 array give bin k.
    const r = Math.fround(0.7);
    const cases: [number, number][] = [
      [0.00820312462747097, 3],
      [0.01640624925494194, 6],
      [0.04648437350988388, 17],
    ];
    for (const [x, k] of cases) {
      const f32 = matrixToRgb(
        { data: new Float32Array([0, x, r]), shape: [1, 3] },
        { normalize: true, cmap: "Blues" },
      );
      const f64 = matrixToRgb(
        { data: new Float64Array([0, x, r]), shape: [1, 3] },
        { normalize: true, cmap: "Blues" },
      );
      expect(px(f32, 0, 1)).toEqual(bluesAt(k));
      expect(px(f64, 0, 1)).toEqual(bluesAt(k - 1));
    }
  });

  it("NaN cells get the bad colour: black in RGB, transparent in RGBA", () => {
    const m = { data: new Float32Array([0, Number.NaN, 1, 0.5]), shape: [2, 2] };
    const rgb = matrixToRgb(m, { cmap: "viridis" });
    expect(px(rgb, 0, 1)).toEqual([0, 0, 0]);
    const rgba = matrixToRgb(m, { cmap: "viridis", alpha: true, normalize: true });
    expect(rgba.channels).toBe(4);
    expect(px(rgba, 0, 1)).toEqual([0, 0, 0, 0]);
    expect(px(rgba, 0, 0)).toEqual([68, 1, 84, 255]);
  });

  it("min and max are found in any order: decreasing values, NaN first, float32 and float64", () => {
    for (const data of [
      new Float32Array([Number.NaN, 3, 2, 1, 0]),
      new Float64Array([Number.NaN, 3, 2, 1, 0]),
    ]) {
      const img = matrixToRgb({ data, shape: [1, 5] }, { normalize: true, cmap: "Blues" });
      expect(px(img, 0, 0)).toEqual([0, 0, 0]);
      expect(px(img, 0, 1)).toEqual(bluesAt(255));
      expect(px(img, 0, 2)).toEqual(bluesAt(170)); // floor(2/3 * 256)
      expect(px(img, 0, 4)).toEqual(bluesAt(0));
    }
  });

  it("a constant matrix normalises to 0/0 = NaN, the bad colour (as numpy + matplotlib)", () => {
    const img = matrixToRgb(
      { data: new Float32Array([1]), shape: [1, 1] },
      { normalize: true, cmap: "Blues" },
    );
    expect(px(img, 0, 0)).toEqual([0, 0, 0]);
  });

  it("diverging centres 0 on the middle colour", () => {
    const img = matrixToRgb(
      { data: [-2, 0, 1], shape: [1, 3] },
      { normalize: true, diverging: true, cmap: "RdBu" },
    );
    const lut = getColormap("RdBu").lut;
    expect(px(img, 0, 0)).toEqual(Array.from(lut.subarray(0, 3)));
    expect(px(img, 0, 1)).toEqual(Array.from(lut.subarray(3 * 128, 3 * 128 + 3)));
    expect(px(img, 0, 2)).toEqual(Array.from(lut.subarray(3 * 192, 3 * 192 + 3))); // (1/2+1)/2 = 0.75
    const unit = matrixToRgb({ data: [-1, 0, 1], shape: [1, 3] }, { diverging: true, cmap: "RdBu" });
    expect(px(unit, 0, 1)).toEqual(Array.from(lut.subarray(3 * 128, 3 * 128 + 3)));
  });

  it("normalizeMin sets the low end; values below it (and -Infinity) get the first colour", () => {
    const img = matrixToRgb(
      { data: [Number.NEGATIVE_INFINITY, -10, -4, 0], shape: [2, 2] },
      { normalize: true, normalizeMin: -4, cmap: "Blues" },
    );
    expect(px(img, 0, 0)).toEqual(bluesAt(0));
    expect(px(img, 0, 1)).toEqual(bluesAt(0));
    expect(px(img, 1, 0)).toEqual(bluesAt(0));
    expect(px(img, 1, 1)).toEqual(bluesAt(255));
  });

  it("normalizeMin clipping also holds on the float32 fast path, for huge negative values", () => {
    const img = matrixToRgb(
      { data: new Float32Array([Number.NEGATIVE_INFINITY, -3e38, -4, 0]), shape: [2, 2] },
      { normalize: true, normalizeMin: -4, cmap: "Blues" },
    );
    expect([px(img, 0, 0), px(img, 0, 1), px(img, 1, 0), px(img, 1, 1)]).toEqual([
      bluesAt(0),
      bluesAt(0),
      bluesAt(0),
      bluesAt(255),
    ]);
  });

  it("reads ndarray views with any strides (a transposed view)", () => {
    const base = ndarray(new Float32Array([0, 0.25, 0.5, 0.75, 1, 0.125]), [2, 3]);
    const t = base.transpose(1, 0); // shape [3, 2]
    const img = matrixToRgb(t, { cmap: "Blues" });
    expect([img.width, img.height]).toEqual([2, 3]);
    expect(px(img, 0, 1)).toEqual(bluesAt(192)); // t[0][1] = base[1][0] = 0.75
    expect(px(img, 2, 1)).toEqual(bluesAt(32)); // t[2][1] = base[1][2] = 0.125
    const dense = toDenseMatrix(t);
    expect(Array.from(dense.data)).toEqual([0, 0.75, 0.25, 1, 0.5, 0.125]);
    expect(dense.float32).toBe(true);
  });

  it("errors carry stable codes", () => {
    expect(codeOf(() => matrixToRgb({ data: [0, 1.5], shape: [1, 2] }))).toBe("PL_FIGURE_RANGE");
    expect(codeOf(() => matrixToRgb({ data: [-0.1, 1], shape: [1, 2] }))).toBe("PL_FIGURE_RANGE");
    expect(codeOf(() => matrixToRgb({ data: [-1.5, 1], shape: [1, 2] }, { diverging: true }))).toBe(
      "PL_FIGURE_RANGE",
    );
    expect(
      codeOf(() => matrixToRgb({ data: [0, Number.POSITIVE_INFINITY], shape: [1, 2] }, { normalize: true })),
    ).toBe("PL_FIGURE_RANGE");
    expect(codeOf(() => matrixToRgb({ data: [], shape: [0, 0] }))).toBe("PL_FIGURE_EMPTY");
    expect(codeOf(() => matrixToRgb({ data: [], shape: [3, 0] }))).toBe("PL_FIGURE_EMPTY");
    expect(codeOf(() => matrixToRgb({ data: [1, 2], shape: [2] }))).toBe("PL_FIGURE_NOT_2D");
    expect(codeOf(() => matrixToRgb({ data: new Float32Array(8), shape: [2, 2, 2] }))).toBe(
      "PL_FIGURE_NOT_2D",
    );
    expect(codeOf(() => matrixToRgb(ndarray(new Float32Array(8), [2, 2, 2])))).toBe("PL_FIGURE_NOT_2D");
    expect(codeOf(() => matrixToRgb({ data: [0, 1, 0], shape: [2, 2] }))).toBe("PL_FIGURE_SHAPE");
    expect(codeOf(() => matrixToRgb({ data: [0, 1], shape: [1, 2] }, { cmap: "Jet" }))).toBe(
      "PL_FIGURE_UNKNOWN_CMAP",
    );
    expect(codeOf(() => matrixToRgb({ data: [0, 1], shape: [1, 2] }, { normalizeMin: 0 }))).toBe(
      "PL_FIGURE_OPTIONS",
    );
    expect(
      codeOf(() =>
        matrixToRgb({ data: [0, 1], shape: [1, 2] }, { normalize: true, diverging: true, normalizeMin: 0 }),
      ),
    ).toBe("PL_FIGURE_OPTIONS");
  });
});
