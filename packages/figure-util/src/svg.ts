import { gunzipSync, gzipSync } from "node:zlib";
import { FigureError } from "./errors.ts";

/**
 * Wraps PNG bytes in a standalone SVG document: one `<image>` embedding the PNG as a base64 data
 * URL, drawn with `image-rendering: pixelated` (and `crisp-edges` as the fallback) so each matrix
 * cell stays a sharp square when scaled. The SVG's `width`, `height` and `viewBox` are the image
 * size in pixels, i.e. the matrix's columns and rows.
 *
 * @example
 * ```ts
 * const svg = pngToSvg(encodePng(img), img.width, img.height);
 * ```
 * @throws {FigureError} `PL_FIGURE_SHAPE` for a non-positive or non-integer size.
 */
export function pngToSvg(png: Uint8Array, width: number, height: number): string {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FigureError("PL_FIGURE_SHAPE", `SVG size must be positive integers, got ${width}×${height}.`);
  }
  const b64 = Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString("base64");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<image x="0" y="0" width="${width}" height="${height}" preserveAspectRatio="none" ` +
    `style="image-rendering:crisp-edges;image-rendering:pixelated" ` +
    `xlink:href="data:image/png;base64,${b64}"/></svg>\n`
  );
}

/** Gzips an SVG document into SVGZ bytes (what `.svgz` files hold). */
export function svgToSvgz(svg: string): Uint8Array {
  const out = gzipSync(Buffer.from(svg, "utf8"), { level: 9 });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Reads SVGZ bytes back into the SVG text.
 *
 * @throws {FigureError} `PL_FIGURE_FORMAT` when the bytes are not gzip.
 */
export function svgzToSvg(svgz: Uint8Array): string {
  try {
    return gunzipSync(svgz).toString("utf8");
  } catch (cause) {
    throw new FigureError("PL_FIGURE_FORMAT", `not gzip data: ${(cause as Error).message}`, { cause });
  }
}
