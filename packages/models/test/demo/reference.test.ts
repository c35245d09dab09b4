import { describe, expect, it } from "vitest";
import { DEMO_VOCAB, demoEncode, demoReferenceForward, randomSequence } from "../../src/index.ts";

describe("demo model circuits (float64 reference forward)", () => {
  const seq = randomSequence(20, 42);
  const ids = [0, ...demoEncode(seq + seq)];
  const n = ids.length;
  const ref = demoReferenceForward(ids);
  const p = (l: number, h: number, i: number, j: number) => ref.patterns[l]![(h * n + i) * n + j]!;

  it("rows are probability distributions over earlier positions", () => {
    for (const pat of ref.patterns) {
      for (let h = 0; h < 4; h++) {
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) {
            const v = pat[(h * n + i) * n + j]!;
            if (j > i) expect(v).toBe(0);
            s += v;
          }
          expect(s).toBeCloseTo(1, 12);
        }
      }
    }
  });

  it("position heads: previous token, first token, self, two back", () => {
    for (let i = 2; i < n; i++) {
      expect(p(0, 0, i, i - 1)).toBeGreaterThan(0.9999);
      expect(p(0, 1, i, 0)).toBeGreaterThan(0.9999);
      expect(p(0, 2, i, i)).toBeGreaterThan(0.9999);
      expect(p(1, 3, i, i - 2)).toBeGreaterThan(0.9999);
      expect(p(0, 3, i, 0)).toBeCloseTo(1 / (i + 1), 1);
    }
  });

  it("induction head: BOS on the first copy, the token after the earlier copy on the second", () => {
    for (let i = 1; i <= 20; i++) expect(p(1, 0, i, 0)).toBeGreaterThan(0.999);
    for (let i = 21; i < n; i++) expect(p(1, 0, i, i - 19)).toBeGreaterThan(0.999);
  });

  it("the induction head's copy predicts the next character of the repeat", () => {
    const V = DEMO_VOCAB.length;
    for (let i = 21; i < n - 1; i++) {
      let best = 0;
      for (let t = 0; t < V; t++) if (ref.logits[i * V + t]! > ref.logits[i * V + best]!) best = t;
      expect(best).toBe(ids[i + 1]);
    }
  });
});
