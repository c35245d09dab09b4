import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, sharedPath } from "#test-support/shared.ts";
import {
  COLORMAP_NAMES,
  colormapColor,
  colormapIndex,
  FigureError,
  getColormap,
  isColormapName,
} from "../src/index.ts";

const BASE = [
  "viridis",
  "plasma",
  "inferno",
  "magma",
  "cividis",
  "Blues",
  "Greys",
  "Reds",
  "Greens",
  "Oranges",
  "Purples",
  "RdBu",
  "coolwarm",
];

function rgb(name: string, i: number): number[] {
  return Array.from(getColormap(name).lut.subarray(3 * i, 3 * i + 3));
}

describe("colormap tables", () => {
  it("has every required map and its _r variant, 256 RGB entries each", () => {
    for (const b of BASE) {
      for (const name of [b, `${b}_r`]) {
        expect(COLORMAP_NAMES).toContain(name);
        expect(getColormap(name).lut.length).toBe(768);
      }
    }
    expect(COLORMAP_NAMES.length).toBe(BASE.length * 2);
  });

  it("Blues equals matplotlib's table in the shared reference, all 256 entries", () => {
    const ref = JSON.parse(
      readFileSync(sharedPath("reference", "matplotlib-blues-lut-uint8.json"), "utf8"),
    ) as {
      lut: number[][];
    };
    expect(ref.lut.length).toBe(256);
    const ours = Array.from({ length: 256 }, (_, i) => rgb("Blues", i));
    expect(ours).toEqual(ref.lut);
  });

  it("known endpoints of other maps (matplotlib bytes, truncated float*255)", () => {
    expect(rgb("viridis", 0)).toEqual([68, 1, 84]);
    expect(rgb("viridis", 255)).toEqual([253, 231, 36]);
    expect(rgb("Greys", 0)).toEqual([255, 255, 255]);
    expect(rgb("Greys", 255)).toEqual([0, 0, 0]);
    expect(rgb("RdBu", 0)).toEqual([103, 0, 31]);
    expect(rgb("coolwarm", 0)).toEqual([58, 76, 192]);
  });

  it("_r of a listed map is the exact reverse; of an interpolated map the mirror re-interpolation", () => {
    for (let i = 0; i < 256; i++) expect(rgb("magma_r", i)).toEqual(rgb("magma", 255 - i));
    // ends of interpolated reversed maps are the anchors
    expect(rgb("Blues_r", 0)).toEqual(rgb("Blues", 255));
    expect(rgb("Blues_r", 255)).toEqual(rgb("Blues", 0));
    // matplotlib 3.6 Reds_r differs from the plain reverse of Reds in exactly one byte
    let diff = 0;
    for (let i = 0; i < 256; i++) {
      const a = rgb("Reds_r", i);
      const b = rgb("Reds", 255 - i);
      for (let c = 0; c < 3; c++) if (a[c] !== b[c]) diff++;
    }
    expect(diff).toBeLessThanOrEqual(2);
  });

  it("the generated data file is what the generator script produces now", () => {
    const out = execFileSync(
      process.execPath,
      [join(REPO_ROOT, "scripts", "colormaps", "generate.mjs"), "--check"],
      {
        encoding: "utf8",
      },
    );
    expect(out).toContain("up to date");
  });

  it("unknown names throw PL_FIGURE_UNKNOWN_CMAP", () => {
    expect(isColormapName("blues")).toBe(false);
    expect(() => getColormap("blues")).toThrow(FigureError);
    try {
      getColormap("jet");
    } catch (e) {
      expect((e as FigureError).code).toBe("PL_FIGURE_UNKNOWN_CMAP");
      expect((e as Error).message).toContain("Blues");
    }
  });
});

describe("lookup rule (matplotlib: floor(x*256) clipped, NaN -> bad)", () => {
  it("edge values", () => {
    expect(colormapIndex(0)).toBe(0);
    expect(colormapIndex(-0)).toBe(0);
    expect(colormapIndex(1)).toBe(255);
    expect(colormapIndex(0.9999999)).toBe(255);
    expect(colormapIndex(Math.fround(1 - 2 ** -24))).toBe(255);
    expect(colormapIndex(255 / 256)).toBe(255);
    expect(colormapIndex(255 / 256 - 1e-12)).toBe(254);
    expect(colormapIndex(Number.NaN)).toBe(-1);
    expect(colormapIndex(-0.5)).toBe(0);
    expect(colormapIndex(7)).toBe(255);
  });

  it("exactly k/256 maps to k, just below maps to k-1", () => {
    for (let k = 1; k < 256; k++) {
      expect(colormapIndex(k / 256)).toBe(k);
      expect(colormapIndex(k / 256 - 2 ** -40)).toBe(k - 1);
    }
  });

  it("colours, as matplotlib's cmap(x, bytes=True) gives them", () => {
    expect(colormapColor("Blues", 0)).toEqual([247, 251, 255, 255]);
    expect(colormapColor("Blues", 1)).toEqual([8, 48, 107, 255]);
    expect(colormapColor("Blues", 1 / 256)).toEqual([246, 250, 254, 255]);
    expect(colormapColor("Blues", 2 / 256 - 1e-12)).toEqual([246, 250, 254, 255]);
    expect(colormapColor("Blues", Number.NaN)).toEqual([0, 0, 0, 0]);
  });
});
