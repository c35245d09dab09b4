import { describe, expect, it } from "vitest";
import { decodePng, encodePng, FigureError, matrixToRgb } from "../src/index.ts";

function grid(rows: number, cols: number): Float32Array {
  return Float32Array.from({ length: rows * cols }, (_, i) => ((i * 37) % 101) / 100);
}

describe("encodePng / decodePng", () => {
  it("RGB round trip: 8-bit colour type 2, same pixels, for every filter and level", () => {
    const img = matrixToRgb({ data: grid(7, 13), shape: [7, 13] }, { cmap: "viridis" });
    for (const opts of [
      {},
      { deflateLevel: 1, filterType: 0 as const },
      { deflateLevel: 6, filterType: 4 as const },
    ]) {
      const png = encodePng(img, opts);
      expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
      const back = decodePng(png);
      expect([back.width, back.height, back.colorType, back.bitDepth]).toEqual([13, 7, 2, 8]);
      for (let i = 0; i < 7 * 13; i++) {
        expect([back.data[4 * i], back.data[4 * i + 1], back.data[4 * i + 2], back.data[4 * i + 3]]).toEqual([
          img.data[3 * i],
          img.data[3 * i + 1],
          img.data[3 * i + 2],
          255,
        ]);
      }
    }
  });

  it("RGBA round trip keeps transparent NaN cells (colour type 6)", () => {
    const data = grid(3, 4);
    data[5] = Number.NaN;
    const img = matrixToRgb({ data, shape: [3, 4] }, { cmap: "magma", alpha: true });
    const back = decodePng(encodePng(img));
    expect(back.colorType).toBe(6);
    expect(Buffer.compare(Buffer.from(back.data), Buffer.from(img.data))).toBe(0);
    expect(back.data[5 * 4 + 3]).toBe(0);
  });

  it("rejects a buffer of the wrong size and bytes that are not PNG", () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(
      FigureError,
    );
    try {
      decodePng(new Uint8Array([1, 2, 3]));
      expect.unreachable();
    } catch (e) {
      expect((e as FigureError).code).toBe("PL_FIGURE_FORMAT");
    }
  });
});
