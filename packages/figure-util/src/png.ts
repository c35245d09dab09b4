// The only module of @pattern-lens/figure-util that touches pngjs.
import { PNG } from "pngjs";
import { FigureError } from "./errors.ts";
import type { RgbImage } from "./matrix-to-rgb.ts";

/** Speed/size knobs of {@link encodePng}. Every choice decodes to the same pixels. */
export interface PngOptions {
  /** zlib level 0-9. Default 9 (pngjs's default); 1 is several times faster and a little larger. */
  readonly deflateLevel?: number;
  /** zlib strategy. Default 3 (Z_RLE, pngjs's default). */
  readonly deflateStrategy?: number;
  /**
   * PNG row filter: -1 tries all five per row and keeps the best (default), 0 none, 1 sub,
   * 2 up, 3 average, 4 paeth. A fixed filter is faster.
   */
  readonly filterType?: -1 | 0 | 1 | 2 | 3 | 4;
}

/** A decoded PNG: pixels always as RGBA, plus what the file stored. */
export interface DecodedPng extends RgbImage {
  /** Always 4: pngjs expands every PNG to RGBA. */
  readonly channels: 4;
  /** The file's PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  readonly colorType: number;
  /** The file's bit depth (8 for everything this package writes). */
  readonly bitDepth: number;
}

/**
 * Encodes an RGB or RGBA image as an 8-bit PNG (colour type 2 or 6), synchronously.
 *
 * @example
 * ```ts
 * const bytes = encodePng(matrixToRgb(m, { normalize: true, cmap: "Blues" }), { deflateLevel: 1, filterType: 1 });
 * ```
 * @throws {FigureError} `PL_FIGURE_SHAPE` when `data` does not hold `width * height * channels` bytes.
 */
export function encodePng(image: RgbImage, options: PngOptions = {}): Uint8Array {
  const { width, height, channels, data } = image;
  if (data.length !== width * height * channels || width <= 0 || height <= 0) {
    throw new FigureError(
      "PL_FIGURE_SHAPE",
      `image data has ${data.length} bytes, but ${width}×${height}×${channels} needs ${width * height * channels}.`,
    );
  }
  const colorType = channels === 4 ? 6 : 2;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = PNG.sync.write({ width, height, data: buf } as PNG, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: channels === 4,
    bitDepth: 8,
    deflateLevel: options.deflateLevel ?? 9,
    deflateStrategy: options.deflateStrategy ?? 3,
    filterType: options.filterType ?? -1,
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Decodes a PNG (any colour type and bit depth pngjs reads) into RGBA bytes.
 *
 * @throws {FigureError} `PL_FIGURE_FORMAT` when the bytes are not a readable PNG.
 */
export function decodePng(bytes: Uint8Array): DecodedPng {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (cause) {
    throw new FigureError("PL_FIGURE_FORMAT", `not a readable PNG: ${(cause as Error).message}`, { cause });
  }
  const meta = png as unknown as { colorType?: number; depth?: number };
  return {
    width: png.width,
    height: png.height,
    channels: 4,
    data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength),
    colorType: meta.colorType ?? 6,
    bitDepth: meta.depth ?? 8,
  };
}
