import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
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

/**
 * SHA-256 (first 16 hex digits) of each table as matplotlib 3.6.3 + numpy 1.24 produce it:
 * `cmap(np.arange(256) / 256, bytes=True)[:, :3]` flattened to 768 bytes. Recorded once from a
 * real matplotlib (not from our tables), so every map, not only Blues, is checked byte for byte.
 */
const MATPLOTLIB_SHA256: Record<string, string> = {
  viridis: "96a1f6f37d4041f9",
  viridis_r: "74ee8122808f5888",
  plasma: "3c079586af5e9371",
  plasma_r: "f3ba28a4bbaab572",
  inferno: "8092f65256023cef",
  inferno_r: "cfc90c8b7b46b924",
  magma: "e2e7c21b2cdebd6f",
  magma_r: "6b89bfb69e046264",
  cividis: "8a6c6bf382be7cc3",
  cividis_r: "5da5933ffcd2c4e3",
  Blues: "dabb29b9a7853be5",
  Blues_r: "09e5b59b2b88abd6",
  Greys: "ebb9e78b08a6ae90",
  Greys_r: "7d1f816721e23512",
  Reds: "86d9fb142f4b35dd",
  Reds_r: "b281f6a7b3cc4dc9",
  Greens: "a929e8d91d20b5cd",
  Greens_r: "c2db969ba7393916",
  Oranges: "a0fb9119061cc50f",
  Oranges_r: "5f1bddcfc64684c9",
  Purples: "2c9def8df7cd1c68",
  Purples_r: "79e90ab46744ff5e",
  RdBu: "ab1fcfcca1205ddf",
  RdBu_r: "dc2f97fae8e1ee24",
  coolwarm: "161fad279ef7b15f",
  coolwarm_r: "021549e72ee0ee5d",
};

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

  it("every table hashes to what matplotlib produces", () => {
    for (const name of COLORMAP_NAMES) {
      const hash = createHash("sha256").update(getColormap(name).lut).digest("hex").slice(0, 16);
      expect(`${name} ${hash}`).toBe(`${name} ${MATPLOTLIB_SHA256[name]}`);
    }
    expect(Object.keys(MATPLOTLIB_SHA256).sort()).toEqual([...COLORMAP_NAMES].sort());
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
    // matplotlib re-interpolates reversed segment maps, which is not always the byte reverse:
    // these counts of differing bytes are matplotlib's own (3.6.3)
    const expected: Record<string, number> = {
      Blues: 1,
      Greys: 0,
      Reds: 0,
      Greens: 2,
      Oranges: 1,
      Purples: 0,
      RdBu: 4,
      coolwarm: 0,
    };
    for (const [base, count] of Object.entries(expected)) {
      let diff = 0;
      for (let i = 0; i < 256; i++) {
        const a = rgb(`${base}_r`, i);
        const b = rgb(base, 255 - i);
        for (let c = 0; c < 3; c++) if (a[c] !== b[c]) diff++;
      }
      expect(`${base} ${diff}`).toBe(`${base} ${count}`);
    }
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
