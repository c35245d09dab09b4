import { describe, expect, it } from "vitest";
import { decodePng, encodePng, matrixToRgb, pngToSvg, svgToSvgz, svgzToSvg } from "../src/index.ts";

describe("pngToSvg / svgToSvgz", () => {
  const rows = 5;
  const cols = 9;
  const img = matrixToRgb(
    {
      data: Float32Array.from({ length: rows * cols }, (_, i) => i / (rows * cols - 1)),
      shape: [rows, cols],
    },
    { cmap: "Blues" },
  );
  const png = encodePng(img);
  const svg = pngToSvg(png, img.width, img.height);

  it("width = columns, height = rows, viewBox to match, pixelated rendering", () => {
    const root = /<svg ([^>]*)>/.exec(svg)?.[1] ?? "";
    expect(root).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(root).toContain(`width="${cols}"`);
    expect(root).toContain(`height="${rows}"`);
    expect(root).toContain(`viewBox="0 0 ${cols} ${rows}"`);
    const image = /<image ([^>]*)\/>/.exec(svg)?.[1] ?? "";
    expect(image).toContain(`width="${cols}"`);
    expect(image).toContain(`height="${rows}"`);
    expect(image).toContain("image-rendering:pixelated");
    expect(image).toContain("image-rendering:crisp-edges");
  });

  it("the embedded base64 PNG decodes to the same pixels", () => {
    const b64 = /href="data:image\/png;base64,([A-Za-z0-9+/=]+)"/.exec(svg)?.[1];
    expect(b64).toBeDefined();
    const embedded = new Uint8Array(Buffer.from(b64!, "base64"));
    expect(Buffer.compare(Buffer.from(embedded), Buffer.from(png))).toBe(0);
    const back = decodePng(embedded);
    expect([back.width, back.height]).toEqual([cols, rows]);
    for (let i = 0; i < rows * cols; i++) {
      expect(Array.from(back.data.subarray(4 * i, 4 * i + 3))).toEqual(
        Array.from(img.data.subarray(3 * i, 3 * i + 3)),
      );
    }
  });

  it("SVGZ is gzip (1f 8b) and gunzips to the SVG", () => {
    const svgz = svgToSvgz(svg);
    expect([svgz[0], svgz[1]]).toEqual([0x1f, 0x8b]);
    expect(svgzToSvg(svgz)).toBe(svg);
  });
});
