import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeNpz, toFloat32 } from "@pattern-lens/indexes";
import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { decodePng, encodePng, headPattern, matrixToRgb } from "../src/index.ts";

// A sample of the shared demo (Python pattern-lens output): every head of 3 prompts (72 heads).
// The full 768-head check lives in @pattern-lens/figures.
const promptsDir = sharedPath("reference", "pattern-lens-demo", "pythia-14m", "prompts");
const hashes = readdirSync(promptsDir).sort().slice(0, 3);

describe("raw-style rendering reproduces the Python pattern-lens raw.png", () => {
  for (const hash of hashes) {
    it(`all heads of prompt ${hash}`, () => {
      const npz = readPatterns(join(promptsDir, hash, "activations.npz"));
      let heads = 0;
      for (let layer = 0; npz.has(`blocks.${layer}.attn.hook_pattern`); layer++) {
        const arr = npz.get(`blocks.${layer}.attn.hook_pattern`)!;
        const [, nHeads, n] = arr.shape as [number, number, number, number];
        for (let head = 0; head < nHeads; head++) {
          const ref = decodePng(readFileSync(join(promptsDir, hash, `L${layer}`, `H${head}`, "raw.png")));
          expect([ref.colorType, ref.bitDepth]).toEqual([2, 8]); // 8-bit RGB
          const img = matrixToRgb(headPattern(arr.data, n, head), { normalize: true, cmap: "Blues" });
          expect([img.width, img.height]).toEqual([ref.width, ref.height]);
          // our PNG decodes to exactly the reference pixels
          const ours = decodePng(encodePng(img, { deflateLevel: 1, filterType: 1 }));
          expect(Buffer.compare(Buffer.from(ours.data), Buffer.from(ref.data))).toBe(0);
          heads++;
        }
      }
      expect(heads).toBe(24);
    });
  }
});

/** The attention patterns of one activations.npz, as float32 (a test-only import of @pattern-lens/indexes). */
function readPatterns(path: string): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [key, arr] of decodeNpz(new Uint8Array(readFileSync(path))))
    out.set(key, { shape: arr.shape, data: toFloat32(arr) });
  return out;
}
