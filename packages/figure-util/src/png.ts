/// <reference path="./_pngjs-packer.d.ts" />
// The only module of @pattern-lens/figure-util that touches pngjs.
import { crc32, deflateSync } from "node:zlib";
import { PNG } from "pngjs";
import Packer from "pngjs/lib/packer.js";
import { FigureError } from "./errors.ts";
import type { IndexedImage, RgbImage } from "./matrix-to-rgb.ts";

/** Speed/size knobs of {@link encodePng}. Every choice decodes to the same pixels. */
export interface PngOptions {
  /** zlib level 0-9. Default 9 (pngjs's default); 1 is several times faster and a little larger. */
  readonly deflateLevel?: number;
  /** zlib strategy. Default 3 (Z_RLE, pngjs's default). */
  readonly deflateStrategy?: number;
  /**
   * PNG row filter: -1 tries all five per row and keeps the best (default), 0 none, 1 sub,
   * 2 up, 3 average, 4 paeth. A fixed filter is faster; 0 is fastest (the rows are framed
   * without pngjs's per-pixel filter pass, and the zlib window is sized to the image).
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
  if (options.filterType === 0) return encodeUnfiltered(image, colorType, options);
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

/** The 8-byte PNG file signature. */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The IDAT payload of rows with filter type 0: each row a 0 byte then its bytes as they are (one
 * copy per row), deflated with a window just big enough for the whole stream (9 to 15 bits; zlib
 * needs the data plus its 262-byte lookahead), which finds the same matches as 32 KiB and sets up
 * faster for small figures.
 */
function deflateUnfiltered(data: Uint8Array, rowBytes: number, height: number, options: PngOptions): Buffer {
  const filtered = Buffer.allocUnsafe(height * (rowBytes + 1));
  for (let y = 0, o = 0; y < height; y++, o += rowBytes + 1) {
    filtered[o] = 0;
    filtered.set(data.subarray(y * rowBytes, (y + 1) * rowBytes), o + 1);
  }
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(filtered.length + 262))));
  return deflateSync(filtered, {
    level: options.deflateLevel ?? 9,
    strategy: options.deflateStrategy ?? 3,
    windowBits,
  });
}

/**
 * An RGB/RGBA PNG with filter type 0 (see {@link deflateUnfiltered}); pngjs frames the chunks
 * (IHDR, IDAT, IEND and their CRCs).
 */
function encodeUnfiltered(image: RgbImage, colorType: 2 | 6, options: PngOptions): Uint8Array {
  const { width, height, channels, data } = image;
  const idat = deflateUnfiltered(data, width * channels, height, options);
  const packer = new Packer({ colorType, inputColorType: colorType, bitDepth: 8 });
  const out = Buffer.concat([
    PNG_SIGNATURE,
    packer.packIHDR(width, height),
    packer.packIDAT(idat),
    packer.packIEND(),
  ]);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** One PNG chunk: length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes colormap indices as an 8-bit palette PNG (colour type 3, the colormap as PLTE), rows
 * unfiltered: the same pixels as the RGB encoding of the same matrix in a third of the bytes, so
 * zlib has a third of the work. pngjs writes no palette PNGs, so the chunks are framed here (CRC
 * by node:zlib). Not part of the public API; matrix figures use it with `filterType: 0`.
 */
export function encodeIndexedPng(image: IndexedImage, options: PngOptions = {}): Uint8Array {
  const { width, height, indices, palette } = image;
  const idat = deflateUnfiltered(indices, width, height, options);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // colour type: palette
  const out = Buffer.concat([
    PNG_SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("PLTE", palette),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ]);
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
