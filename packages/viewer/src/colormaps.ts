/**
 * A few colormaps as 256-entry RGB lookup tables, interpolated from their published anchor
 * colours (matplotlib's Blues/Greys are ColorBrewer's 9 colours; viridis, magma and RdBu are
 * sampled at evenly spaced points). Close to matplotlib, not bit-exact: the viewer shows exact
 * values as numbers, the colours are only a picture of them.
 */

/** The sequential colormaps the pattern view offers. */
export const SEQUENTIAL_COLORMAPS = ["blues", "viridis", "magma", "greys"] as const;
/** A sequential colormap name. */
export type SequentialColormap = (typeof SEQUENTIAL_COLORMAPS)[number];
/** Every colormap name, including the diverging one used for differences. */
export type ColormapName = SequentialColormap | "rdbu";

const ANCHORS: Record<ColormapName, string[]> = {
  blues: ["f7fbff", "deebf7", "c6dbef", "9ecae1", "6baed6", "4292c6", "2171b5", "08519c", "08306b"],
  greys: ["ffffff", "f0f0f0", "d9d9d9", "bdbdbd", "969696", "737373", "525252", "252525", "000000"],
  viridis: [
    "440154",
    "482475",
    "414487",
    "355f8d",
    "2a788e",
    "21918c",
    "22a884",
    "44bf70",
    "7ad151",
    "bddf26",
    "fde725",
  ],
  magma: [
    "000004",
    "140e36",
    "3b0f70",
    "641a80",
    "8c2981",
    "b73779",
    "de4968",
    "f7705c",
    "fe9f6d",
    "fecf92",
    "fcfdbf",
  ],
  // Reversed RdBu: negative = blue, zero = near white, positive = red.
  rdbu: [
    "053061",
    "2166ac",
    "4393c3",
    "92c5de",
    "d1e5f0",
    "f7f7f7",
    "fddbc7",
    "f4a582",
    "d6604d",
    "b2182b",
    "67001f",
  ],
};

const cache = new Map<ColormapName, Uint8Array>();

/**
 * The 256×3 RGB table of a colormap (`lut[3*i..3*i+2]` is the colour of `i/255`).
 *
 * @example
 * const lut = colormapLut("viridis"); // lut[0..2] = [68, 1, 84]
 */
export function colormapLut(name: ColormapName): Uint8Array {
  const hit = cache.get(name);
  if (hit) return hit;
  const anchors = (ANCHORS[name] ?? ANCHORS.blues).map((hex) =>
    [0, 2, 4].map((o) => Number.parseInt(hex.slice(o, o + 2), 16)),
  );
  const lut = new Uint8Array(256 * 3);
  const segs = anchors.length - 1;
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * segs;
    const s = Math.min(segs - 1, Math.floor(x));
    const t = x - s;
    const a = anchors[s]!;
    const b = anchors[s + 1]!;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = Math.round(a[c]! + (b[c]! - a[c]!) * t);
  }
  cache.set(name, lut);
  return lut;
}

/** The CSS colour of position `t` in [0, 1] of a colormap. */
export function colormapCss(name: ColormapName, t: number): string {
  const lut = colormapLut(name);
  const i = Math.max(0, Math.min(255, Math.round(t * 255)));
  return `rgb(${lut[3 * i]}, ${lut[3 * i + 1]}, ${lut[3 * i + 2]})`;
}

/** A categorical palette (matplotlib's tab10) for figure borders. */
export const CATEGORICAL = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];
