import { encodePng, matrixToRgb } from "@pattern-lens/figure-util";
import type { RegisteredFigure } from "../types.ts";

/**
 * PNG encoder settings for the matrix built-ins: "sub" row filter and zlib level 1. Any settings decode
 * to the same pixels; these are several times faster than pngjs's defaults (adaptive filter, level 9).
 */
export const FAST_PNG = { filterType: 1, deflateLevel: 1 } as const;

/** `raw`: the attention pattern, min-max normalised, Blues colormap, PNG — pixel for pixel pattern-lens's raw.png. */
export const rawFigure: Omit<RegisteredFigure, "source"> = {
  name: "raw",
  kind: "single",
  doc: "raw attention matrix (min-max normalised, Blues)",
  fmt: "png",
  subNames: undefined,
  code: "(pattern) => encodePng(matrixToRgb(pattern, { normalize: true, cmap: 'Blues' }))",
  render: (pattern) => [
    { fmt: "png", data: encodePng(matrixToRgb(pattern, { normalize: true, cmap: "Blues" }), FAST_PNG) },
  ],
};
