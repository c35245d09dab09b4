import { crc32, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodePng, encodePng, FigureError, matrixToRgb, renderMatrix } from "../src/index.ts";

function grid(rows: number, cols: number): Float32Array {
  return Float32Array.from({ length: rows * cols }, (_, i) => ((i * 37) % 101) / 100);
}

describe("encodePng / decodePng", () => {
  it("RGB round trip: 8-bit colour type 2, same pixels, for every filter and level", () => {
    const img = matrixToRgb({ data: grid(7, 13), shape: [7, 13] }, { cmap: "viridis" });
    for (const opts of [
      {},
      { deflateLevel: 1, filterType: 0 as const },
      { deflateLevel: 6, filterType: 4 as const },
    ]) {
      const png = encodePng(img, opts);
      expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
      const back = decodePng(png);
      expect([back.width, back.height, back.colorType, back.bitDepth]).toEqual([13, 7, 2, 8]);
      for (let i = 0; i < 7 * 13; i++) {
        expect([back.data[4 * i], back.data[4 * i + 1], back.data[4 * i + 2], back.data[4 * i + 3]]).toEqual([
          img.data[3 * i],
          img.data[3 * i + 1],
          img.data[3 * i + 2],
          255,
        ]);
      }
    }
  });

  it("RGBA round trip keeps transparent NaN cells (colour type 6)", () => {
    const data = grid(3, 4);
    data[5] = Number.NaN;
    const img = matrixToRgb({ data, shape: [3, 4] }, { cmap: "magma", alpha: true });
    const back = decodePng(encodePng(img));
    expect(back.colorType).toBe(6);
    expect(Buffer.compare(Buffer.from(back.data), Buffer.from(img.data))).toBe(0);
    expect(back.data[5 * 4 + 3]).toBe(0);
  });

  it("filter 0: unfiltered rows in one IDAT, deflate window sized to the image (9 to 15 bits)", () => {
    for (const [rows, cols, cinfo] of [
      [1, 1, 1], // 4 bytes + lookahead fit a 512-byte window: CINFO = 9 - 8
      [30, 30, 4], // 2,730 bytes: 4 KiB window
      [128, 128, 7], // 49,280 bytes: the full 32 KiB window
    ] as const) {
      const img = matrixToRgb({ data: grid(rows, cols), shape: [rows, cols] }, { cmap: "Blues" });
      const png = Buffer.from(encodePng(img, { deflateLevel: 1, deflateStrategy: 0, filterType: 0 }));
      // signature, IHDR (25 bytes), then the IDAT chunk
      expect(png.toString("latin1", 33 + 4, 33 + 8)).toBe("IDAT");
      const len = png.readUInt32BE(33);
      const z = png.subarray(33 + 8, 33 + 8 + len);
      expect(z[0]! >> 4).toBe(cinfo);
      const raw = inflateSync(z);
      expect(raw.length).toBe(rows * (cols * 3 + 1));
      for (let r = 0; r < rows; r++) {
        expect(raw[r * (cols * 3 + 1)]).toBe(0);
        const row = raw.subarray(r * (cols * 3 + 1) + 1, (r + 1) * (cols * 3 + 1));
        expect(Buffer.compare(row, Buffer.from(img.data.subarray(r * cols * 3, (r + 1) * cols * 3)))).toBe(0);
      }
      expect(png.toString("latin1", png.length - 8, png.length - 4)).toBe("IEND");
      const back = decodePng(png);
      expect([back.width, back.height]).toEqual([cols, rows]);
    }
  });

  it("unfiltered matrix figures are palette PNGs with the same pixels as RGB; a bad-colour cell falls back to RGB", () => {
    const fast = { filterType: 0 as const, deflateLevel: 1, deflateStrategy: 0 };
    const cases = [
      [
        { data: grid(9, 17), shape: [9, 17] },
        { normalize: true, cmap: "Blues" },
      ],
      [
        { data: Float64Array.from(grid(5, 4)), shape: [5, 4] },
        { normalize: true, cmap: "viridis" },
      ],
      [
        { data: grid(6, 6).map((x) => x - 0.5), shape: [6, 6] },
        { normalize: true, diverging: true, cmap: "RdBu" },
      ],
      [{ data: grid(3, 8), shape: [3, 8] }, { cmap: "magma" }],
      [
        { data: new Float32Array([0.2, Number.NEGATIVE_INFINITY, 0.9, 0.5]), shape: [2, 2] },
        { normalize: true, normalizeMin: 0.1, cmap: "Greys" },
      ],
    ] as const;
    for (const [m, style] of cases) {
      const png = decodePng(renderMatrix(m, { ...style, png: fast }, "png"));
      expect([png.colorType, png.bitDepth]).toEqual([3, 8]);
      const rgb = decodePng(encodePng(matrixToRgb(m, style)));
      expect([png.width, png.height]).toEqual([rgb.width, rgb.height]);
      expect(Buffer.from(png.data).equals(Buffer.from(rgb.data))).toBe(true);
    }
    // a constant matrix normalises to NaN everywhere: the bad colour (black), which no palette entry holds
    const flat = decodePng(
      renderMatrix(
        { data: new Float32Array(4).fill(0.25), shape: [2, 2] },
        { normalize: true, cmap: "Blues", png: fast },
        "png",
      ),
    );
    expect(flat.colorType).toBe(2);
    expect(Array.from(flat.data.subarray(0, 4))).toEqual([0, 0, 0, 255]);
  });

  it("frames unfiltered PNGs itself: IHDR, PLTE (palette only), one IDAT, IEND, each CRC right", () => {
    const fast = { filterType: 0 as const, deflateLevel: 1, deflateStrategy: 0 };
    const m = { data: grid(11, 5), shape: [11, 5] } as const;
    const files = [
      [
        renderMatrix(m, { normalize: true, cmap: "Blues", png: fast }, "png"),
        3,
        ["IHDR", "PLTE", "IDAT", "IEND"],
      ],
      [encodePng(matrixToRgb(m, { cmap: "Reds" }), fast), 2, ["IHDR", "IDAT", "IEND"]],
      [encodePng(matrixToRgb(m, { cmap: "Reds", alpha: true }), fast), 6, ["IHDR", "IDAT", "IEND"]],
    ] as const;
    for (const [bytes, colorType, types] of files) {
      const png = Buffer.from(bytes);
      const seen: string[] = [];
      let at = 8;
      while (at < png.length) {
        const len = png.readUInt32BE(at);
        seen.push(png.toString("latin1", at + 4, at + 8));
        expect(png.readUInt32BE(at + 8 + len)).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
        at += 12 + len;
      }
      expect(at).toBe(png.length);
      expect(seen).toEqual(types);
      // IHDR: 5 x 11, bit depth 8, the colour type, compression/filter/interlace 0
      expect([png.readUInt32BE(16), png.readUInt32BE(20), ...png.subarray(24, 29)]).toEqual([
        5,
        11,
        8,
        colorType,
        0,
        0,
        0,
      ]);
      if (colorType === 3) expect(png.readUInt32BE(33)).toBe(768); // PLTE: the 256-entry colormap
    }
  });

  it("rejects a buffer of the wrong size and bytes that are not PNG", () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(
      FigureError,
    );
    try {
      decodePng(new Uint8Array([1, 2, 3]));
      expect.unreachable();
    } catch (e) {
      expect((e as FigureError).code).toBe("PL_FIGURE_FORMAT");
    }
  });
});
