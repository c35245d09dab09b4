import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { patternKey } from "../src/layout.ts";
import { decodeNpz } from "../src/npz.ts";
import { PromptMetaSchema } from "../src/schemas.ts";
import { toFloat32 } from "../src/to-float32.ts";
import { demoPromptDirs, readBytes } from "./support/reference.ts";

describe("activations.npz of the Python reference demo (np.savez_compressed)", () => {
  it("every file decodes to float32 [1, 4, n_tokens+1, n_tokens+1] per layer with rows summing to 1", () => {
    const dirs = demoPromptDirs();
    expect(dirs.length).toBe(32);
    let worst = 0;
    let aboveDiagonal = 0;
    for (const [, dir] of dirs) {
      const meta = PromptMetaSchema.parse(JSON.parse(readFileSync(join(dir, "prompt.json"), "utf8")));
      const n = meta.n_tokens + 1; // the tokenizer prepends BOS
      const arrays = decodeNpz(readBytes(join(dir, "activations.npz")));
      expect([...arrays.keys()]).toEqual([0, 1, 2, 3, 4, 5].map(patternKey));
      for (const arr of arrays.values()) {
        expect(arr.dtype).toBe("<f4");
        expect(arr.shape).toEqual([1, 4, n, n]);
        const p = toFloat32(arr);
        for (let row = 0; row < 4 * n; row++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += p[row * n + j]!;
          worst = Math.max(worst, Math.abs(s - 1));
          // causal: nothing above the diagonal
          const i = row % n;
          for (let j = i + 1; j < n; j++) if (p[row * n + j] !== 0) aboveDiagonal++;
        }
      }
    }
    expect(worst).toBeLessThan(1e-5);
    expect(aboveDiagonal).toBe(0);
  });
});
