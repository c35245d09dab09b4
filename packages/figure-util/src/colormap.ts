import { COLORMAP_HEX } from "./colormaps-data.ts";
import { FigureError } from "./errors.ts";

/** The name of a built-in colormap: matplotlib's name, with `_r` for the reversed variant. */
export type ColormapName = keyof typeof COLORMAP_HEX;

/**
 * Every built-in colormap name: viridis, plasma, inferno, magma, cividis, Blues, Greys, Reds,
 * Greens, Oranges, Purples, RdBu, coolwarm, and each one's `_r` reversed variant.
 */
export const COLORMAP_NAMES: readonly ColormapName[] = Object.freeze(
  Object.keys(COLORMAP_HEX) as ColormapName[],
);

/** Number of entries in every lookup table (matplotlib's default `N`). */
export const COLORMAP_SIZE = 256;

/**
 * matplotlib's default "bad" colour (for NaN): fully transparent black, as RGBA bytes.
 * In RGB output it becomes black (the alpha is dropped, as pattern-lens does).
 */
export const BAD_RGBA: readonly [number, number, number, number] = Object.freeze([0, 0, 0, 0]) as readonly [
  number,
  number,
  number,
  number,
];

/** A colormap: matplotlib's 256-entry lookup table as uint8 RGB. */
export interface Colormap {
  /** The colormap's name, e.g. `"Blues"` or `"viridis_r"`. */
  readonly name: ColormapName;
  /** 256 × 3 bytes: entry `i` is `lut[3i], lut[3i+1], lut[3i+2]`. Do not modify. */
  readonly lut: Uint8Array;
  /** The colour for NaN, RGBA ({@link BAD_RGBA}). */
  readonly bad: readonly [number, number, number, number];
}

const cache = new Map<string, Colormap>();

/** Whether `name` is a built-in colormap name. */
export function isColormapName(name: string): name is ColormapName {
  return Object.hasOwn(COLORMAP_HEX, name);
}

/**
 * A built-in colormap by name (decoded once, then cached).
 *
 * @example
 * ```ts
 * const blues = getColormap("Blues");
 * blues.lut.subarray(0, 3); // Uint8Array [247, 251, 255]
 * ```
 * @throws {FigureError} `PL_FIGURE_UNKNOWN_CMAP` when the name is not in {@link COLORMAP_NAMES}.
 */
export function getColormap(name: string): Colormap {
  const hit = cache.get(name);
  if (hit) return hit;
  if (!isColormapName(name)) {
    throw new FigureError(
      "PL_FIGURE_UNKNOWN_CMAP",
      `unknown colormap "${name}". Use one of: ${COLORMAP_NAMES.join(", ")} (names are case-sensitive, as in matplotlib).`,
    );
  }
  const hex = COLORMAP_HEX[name];
  const lut = new Uint8Array(COLORMAP_SIZE * 3);
  for (let i = 0; i < lut.length; i++) lut[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  const cmap: Colormap = Object.freeze({ name, lut, bad: BAD_RGBA });
  cache.set(name, cmap);
  return cmap;
}

/**
 * matplotlib's lookup rule: the table index for a value `x` meant to lie in [0, 1].
 * `floor(x * 256)` clipped to [0, 255], so `x = 1` gives 255 and values below 0 or above 1 get
 * the end colours (matplotlib's default "under"/"over"). NaN gives -1, meaning the bad colour.
 *
 * @example
 * ```ts
 * colormapIndex(0);       // 0
 * colormapIndex(1 / 256); // 1
 * colormapIndex(1);       // 255
 * colormapIndex(NaN);     // -1
 * ```
 */
export function colormapIndex(x: number): number {
  if (Number.isNaN(x)) return -1;
  const i = Math.floor(x * COLORMAP_SIZE);
  if (!(i > 0)) return 0; // also turns -0 into 0
  return Math.min(i, COLORMAP_SIZE - 1);
}

/**
 * The RGBA colour of one value, as matplotlib's `cmap(x, bytes=True)` gives it: alpha 255 for
 * numbers, the bad colour for NaN.
 *
 * @throws {FigureError} `PL_FIGURE_UNKNOWN_CMAP` for an unknown colormap name.
 */
export function colormapColor(cmap: Colormap | string, x: number): [number, number, number, number] {
  const c = typeof cmap === "string" ? getColormap(cmap) : cmap;
  const i = colormapIndex(x);
  if (i < 0) return [c.bad[0], c.bad[1], c.bad[2], c.bad[3]];
  return [c.lut[3 * i]!, c.lut[3 * i + 1]!, c.lut[3 * i + 2]!, 255];
}
