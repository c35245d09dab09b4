import { describe, expect, it } from "vitest";
import { colormapLut } from "../src/colormaps.ts";
import { normalise, renderHeatmap, valueRange } from "../src/heatmap.ts";

describe("colormaps", () => {
  it("have matplotlib's end colours", () => {
    const blues = colormapLut("blues");
    expect([...blues.subarray(0, 3)]).toEqual([0xf7, 0xfb, 0xff]);
    expect([...blues.subarray(765, 768)]).toEqual([0x08, 0x30, 0x6b]);
    expect([...colormapLut("viridis").subarray(0, 3)]).toEqual([68, 1, 84]);
    expect([...colormapLut("rdbu").subarray(0, 3)]).toEqual([0x05, 0x30, 0x61]);
    expect([...colormapLut("rdbu").subarray(765, 768)]).toEqual([0x67, 0x00, 0x1f]);
  });
});

describe("renderHeatmap", () => {
  it("maps 0 and the maximum to the colormap ends", () => {
    const img = renderHeatmap(new Float32Array([0, 0.5, 0.25, 1]), 2, { colormap: "blues", scale: "linear" });
    expect(img.size).toBe(2);
    expect([...img.rgba.subarray(0, 4)]).toEqual([0xf7, 0xfb, 0xff, 255]);
    expect([...img.rgba.subarray(12, 16)]).toEqual([0x08, 0x30, 0x6b, 255]);
  });

  it("downsamples by keeping each block's peak", () => {
    const n = 2048;
    const m = new Float32Array(n * n);
    m[1000 * n + 7] = 1; // one sharp peak
    const img = renderHeatmap(m, n, { colormap: "greys", scale: "linear", maxPixels: 1024 });
    expect(img.factor).toBe(2);
    expect(img.size).toBe(1024);
    const px = (500 * 1024 + 3) * 4;
    expect([...img.rgba.subarray(px, px + 3)]).toEqual([0, 0, 0]);
    expect(img.rgba[4 * 0]).toBe(255);
  });

  it("log scale spreads small values; diverging ranges are symmetric", () => {
    const r = valueRange(new Float32Array([0, 1e-4, 1e-2, 1]), false);
    expect(normalise(1e-2, r, "log", false)).toBeCloseTo(0.5, 5);
    expect(normalise(1e-2, r, "linear", false)).toBeCloseTo(0.01, 5);
    const d = valueRange(new Float32Array([-0.2, 0.5]), true);
    expect(d).toMatchObject({ min: -0.5, max: 0.5 });
    expect(normalise(0, d, "linear", true)).toBe(0.5);
  });
});
