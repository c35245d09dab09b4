// The only module of @pattern-lens/figure-util that touches pngjs.
import { createRequire } from "node:module";
import { crc32, deflateSync } from "node:zlib";
import type { PNG as PngClass } from "pngjs";
import { FigureError } from "./errors.ts";
import type { IndexedImage, RgbImage } from "./matrix-to-rgb.ts";

// pngjs (a dozen CommonJS files) is loaded on first use: the unfiltered PNGs that matrix figures
// write are framed here, so a figures worker that only writes those never loads it.
const load = createRequire(import.meta.url);
let pngClass: typeof PngClass | undefined;
function pngjs(): typeof PngClass {
  pngClass ??= (load("pngjs") as typeof import("pngjs")).PNG;
  return pngClass;
}

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
  const out = pngjs().sync.write({ width, height, data: buf } as PngClass, {
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
const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/**
 * The IDAT payload of rows with filter type 0: each row a 0 byte then its bytes as they are,
 * deflated with a window just big enough for the whole stream (9 to 15 bits; zlib needs the data
 * plus its 262-byte lookahead), which finds the same matches as 32 KiB and sets up faster for
 * small figures.
 */
function deflateUnfiltered(data: Uint8Array, rowBytes: number, height: number, options: PngOptions): Buffer {
  const filtered = Buffer.allocUnsafe(height * (rowBytes + 1));
  const src = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let y = 0, o = 0; y < height; y++, o += rowBytes + 1) {
    filtered[o] = 0;
    src.copy(filtered, o + 1, y * rowBytes, (y + 1) * rowBytes);
  }
  return deflateRows(filtered, options);
}

/** Deflates scanlines that carry their filter bytes already, with the window sized to them. */
function deflateRows(rows: Uint8Array, options: PngOptions): Buffer {
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(rows.length + 262))));
  return deflateSync(rows, {
    level: options.deflateLevel ?? 9,
    strategy: options.deflateStrategy ?? 3,
    windowBits,
  });
}

/** Writes one PNG chunk at `at` (length, type, data, CRC-32 of type and data); returns its end. */
function putChunk(out: Buffer, at: number, type: string, data: Uint8Array): number {
  out.writeUInt32BE(data.length, at);
  out.write(type, at + 4, "latin1");
  out.set(data, at + 8);
  const end = at + 8 + data.length;
  out.writeUInt32BE(crc32(out.subarray(at + 4, end)), end);
  return end + 4;
}

/**
 * A whole 8-bit PNG file, in one buffer: signature, IHDR, PLTE when `palette` is given, one IDAT
 * and IEND. The pixels are already deflated (`idat`); interlacing is off.
 */
function framePng(
  width: number,
  height: number,
  colorType: 2 | 3 | 6,
  idat: Uint8Array,
  palette?: Uint8Array,
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colorType; // compression, filter method and interlace stay 0
  const size = 8 + 25 + (palette ? 12 + palette.length : 0) + 12 + idat.length + 12;
  const out = Buffer.allocUnsafe(size);
  out.set(PNG_SIGNATURE, 0);
  let at = putChunk(out, 8, "IHDR", ihdr);
  if (palette) at = putChunk(out, at, "PLTE", palette);
  at = putChunk(out, at, "IDAT", idat);
  putChunk(out, at, "IEND", new Uint8Array(0));
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** An RGB/RGBA PNG with filter type 0 (see {@link deflateUnfiltered}). */
function encodeUnfiltered(image: RgbImage, colorType: 2 | 6, options: PngOptions): Uint8Array {
  const { width, height, channels, data } = image;
  return framePng(width, height, colorType, deflateUnfiltered(data, width * channels, height, options));
}

/**
 * Encodes colormap indices as an 8-bit palette PNG (colour type 3, the colormap as PLTE), rows
 * unfiltered: the same pixels as the RGB encoding of the same matrix in a third of the bytes, so
 * zlib has a third of the work. pngjs writes no palette PNGs; the chunks are framed here (CRC by
 * node:zlib). Not part of the public API; matrix figures use it with `filterType: 0`.
 */
export function encodeIndexedPng(image: IndexedImage, options: PngOptions = {}): Uint8Array {
  const { width, height, rows, palette } = image;
  return framePng(width, height, 3, deflateRows(rows, options), palette);
}

/**
 * Decodes a PNG (any colour type and bit depth pngjs reads) into RGBA bytes.
 *
 * @throws {FigureError} `PL_FIGURE_FORMAT` when the bytes are not a readable PNG.
 */
export function decodePng(bytes: Uint8Array): DecodedPng {
  let png: PngClass;
  try {
    png = pngjs().sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
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
