#!/usr/bin/env node
/**
 * Generates packages/figure-util/src/colormaps-data.ts: matplotlib's 256-entry uint8 lookup tables
 * for the colormaps pattern-lens uses, built from the published colormap definitions.
 *
 *   node scripts/colormaps/generate.mjs           write the TS data file
 *   node scripts/colormaps/generate.mjs --check   exit 1 if the committed file is out of date
 *
 * Sources (data, typed or transcribed as numbers):
 * - ColorBrewer 2.0 (Cynthia Brewer): the 9-class sequential and 11-class diverging anchor colours
 *   (`anchors.mjs`), spread evenly over [0, 1] and interpolated linearly to 256 entries.
 * - Kenneth Moreland, "Diverging Color Maps for Scientific Visualization" (2009): the 33-point
 *   float table of the cool-warm map (`data/coolwarm-moreland-33.json`, rows [x, r, g, b]).
 * - Stéfan van der Walt and Nathaniel Smith (viridis, plasma, inferno, magma; CC0) and Nuñez,
 *   Anderton and Renslow (cividis): the published 256-point float RGB tables
 *   (`data/viridis-family-256.json`).
 *
 * The arithmetic reproduces how matplotlib turns these into its tables, bit for bit in IEEE
 * doubles: anchors at `k * (1 / (K - 1))` scaled by 255, sample positions `i * (1 / 255) * 255`,
 * piecewise-linear interpolation, clipping to [0, 1], then uint8 = trunc(value * 255).
 * Reversed (`_r`) variants of interpolated maps are re-interpolated from the mirrored anchors
 * (x -> 1 - x), as matplotlib does, which is not always the exact reverse of the forward table.
 * Reversed variants of the 256-point maps are the exact reverse.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { COLORBREWER_ANCHORS, FLOAT_ANCHOR_OVERRIDES } from "./anchors.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, "..", "..", "packages", "figure-util", "src", "colormaps-data.ts");
const N = 256;

/** Evenly spaced points in [0, 1] computed as numpy's linspace does: i * step, last exactly 1. */
function linspace01(count) {
  const step = 1 / (count - 1);
  const out = new Array(count);
  for (let i = 0; i < count; i++) out[i] = i * step;
  out[count - 1] = 1;
  return out;
}

/**
 * One channel of a piecewise-linear segment map, sampled at N points.
 * @param {Array<[number, number, number]>} segments rows [x, value below x, value above x], x ascending 0..1
 */
function interpolateChannel(segments) {
  const xs = segments.map((s) => s[0] * (N - 1));
  const below = segments.map((s) => s[1]);
  const above = segments.map((s) => s[2]);
  const pos = linspace01(N).map((t) => (N - 1) * t);
  const lut = new Array(N);
  lut[0] = above[0];
  lut[N - 1] = below[below.length - 1];
  for (let i = 1; i < N - 1; i++) {
    const p = pos[i];
    // first anchor index whose position is >= p (a left-sided binary search)
    let k = 0;
    while (xs[k] < p) k++;
    const t = (p - xs[k - 1]) / (xs[k] - xs[k - 1]);
    lut[i] = t * (below[k] - above[k - 1]) + above[k - 1];
  }
  return lut.map((v) => Math.min(1, Math.max(0, v)));
}

/** Segment data ([x, y0, y1] rows per channel) for colours spread evenly over [0, 1]. */
function evenSegments(colors) {
  const xs = linspace01(colors.length);
  return [0, 1, 2].map((c) => colors.map((col, i) => [xs[i], col[c], col[c]]));
}

/** Mirror segment data: x -> 1 - x, order reversed, below/above swapped. */
function reverseSegments(channels) {
  return channels.map((rows) =>
    rows
      .slice()
      .reverse()
      .map(([x, y0, y1]) => [1 - x, y1, y0]),
  );
}

function segmentsToFloatTable(channels) {
  const [r, g, b] = channels.map(interpolateChannel);
  return r.map((_, i) => [r[i], g[i], b[i]]);
}

/** float RGB rows in [0, 1] -> 768 uint8 values, truncating value * 255 as matplotlib does. */
function toUint8(rows) {
  const out = new Uint8Array(N * 3);
  rows.forEach((row, i) => {
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.trunc(row[c] * 255);
  });
  return out;
}

function hexToUnit(hex) {
  return [0, 2, 4].map((o) => Number.parseInt(hex.slice(o, o + 2), 16) / 255);
}

/** @returns {Map<string, Uint8Array>} every table, forward and `_r`, in a stable order */
export function buildTables() {
  const tables = new Map();
  const listed = JSON.parse(readFileSync(join(here, "data", "viridis-family-256.json"), "utf8"));
  for (const name of ["viridis", "plasma", "inferno", "magma", "cividis"]) {
    const rows = listed[name];
    if (!Array.isArray(rows) || rows.length !== N) throw new Error(`${name}: expected ${N} rows`);
    tables.set(name, toUint8(rows));
    tables.set(`${name}_r`, toUint8(rows.slice().reverse()));
  }
  for (const [name, hexes] of Object.entries(COLORBREWER_ANCHORS)) {
    const overrides = FLOAT_ANCHOR_OVERRIDES[name] ?? {};
    const colors = hexes.map((hex, i) => {
      const exact = overrides[i];
      if (!exact) return hexToUnit(hex);
      // an override must still be the listed ColorBrewer colour
      if (exact.some((v, c) => Math.round(v * 255) !== hexToUnit(hex)[c] * 255))
        throw new Error(`${name}[${i}]`);
      return exact;
    });
    const segs = evenSegments(colors);
    tables.set(name, toUint8(segmentsToFloatTable(segs)));
    tables.set(`${name}_r`, toUint8(segmentsToFloatTable(reverseSegments(segs))));
  }
  const moreland = JSON.parse(readFileSync(join(here, "data", "coolwarm-moreland-33.json"), "utf8"));
  const cw = [1, 2, 3].map((c) => moreland.map((row) => [row[0], row[c], row[c]]));
  tables.set("coolwarm", toUint8(segmentsToFloatTable(cw)));
  tables.set("coolwarm_r", toUint8(segmentsToFloatTable(reverseSegments(cw))));
  return tables;
}

export function renderModule(tables) {
  const lines = [
    "// Generated by scripts/colormaps/generate.mjs from published colormap definitions. Do not edit.",
    "// Each value: 256 RGB triples as hex (1536 characters), index 0 first.",
    "",
    "/** matplotlib's 256-entry uint8 RGB lookup tables, hex-encoded, by colormap name. */",
    "export const COLORMAP_HEX = {",
  ];
  for (const [name, bytes] of tables) lines.push(`  ${name}: "${Buffer.from(bytes).toString("hex")}",`);
  lines.push("} as const;", "");
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderModule(buildTables());
  if (process.argv.includes("--check")) {
    const current = readFileSync(OUT, "utf8");
    if (current !== text) {
      console.error(`${OUT} is out of date: run node scripts/colormaps/generate.mjs`);
      process.exit(1);
    }
    console.log("colormaps-data.ts is up to date");
  } else {
    writeFileSync(OUT, text);
    console.log(`wrote ${OUT}`);
  }
}
