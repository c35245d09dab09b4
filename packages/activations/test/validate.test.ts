import { describe, expect, it } from "vitest";
import { ActivationsError, validatePattern } from "../src/index.ts";
import { copyValidated } from "../src/validate.ts";

const good = () => new Float32Array([1, 0, 0.25, 0.75, 1, 0, 0.5, 0.5]); // 2 heads, n = 2, causal

function fails(data: Float32Array, causal = true): string {
  try {
    validatePattern(data, 2, 2, 4, { causal });
  } catch (e) {
    expect(e).toBeInstanceOf(ActivationsError);
    expect((e as ActivationsError).code).toBe("PL_ACTIVATIONS_PATTERN_INVALID");
    return (e as Error).message;
  }
  return "";
}

describe("validatePattern", () => {
  it("accepts causal probability rows", () => {
    expect(fails(good())).toBe("");
  });
  it("names layer and head for a row that does not sum to 1", () => {
    const d = good();
    d[6] = 0.4;
    expect(fails(d)).toContain("layer 4, head 1, query 1: row sums to");
  });
  it("rejects non-finite values", () => {
    const d = good();
    d[2] = Number.NaN;
    expect(fails(d)).toContain("layer 4, head 0, query 1");
  });
  it("rejects mass above the diagonal for causal models only", () => {
    const d = new Float32Array([0.5, 0.5, 0.5, 0.5, 1, 0, 0.5, 0.5]);
    expect(fails(d)).toContain("above the diagonal");
    expect(fails(d, false)).toBe("");
  });
  it("rejects a wrong size", () => {
    expect(fails(new Float32Array(3))).toContain("expected 2x2x2");
  });
});

describe("copyValidated", () => {
  // a right-padded batch output [b = 2, H = 2, s = 4, k = 4]; batch row 1 holds n = 3 tokens
  const b = 2;
  const H = 2;
  const s = 4;
  const n = 3;
  const row1 = [
    [1, 0, 0, 0.5, 0.5, 0, 0.2, 0.3, 0.5], // head 0
    [1, 0, 0, 0.9, 0.1, 0, 0.1, 0.1, 0.8], // head 1
  ];
  function batch(): Float32Array {
    const t = new Float32Array(b * H * s * s).fill(0.125); // padding and row 0: anything
    for (let h = 0; h < H; h++)
      for (let q = 0; q < n; q++)
        for (let k = 0; k < n; k++) t[((1 * H + h) * s + q) * s + k] = row1[h]![q * n + k]!;
    return t;
  }
  const cut = (t: Float32Array, out = new Float32Array(H * n * n)) => {
    copyValidated(t, 1 * H * s * s, s, s * s, out, H, n, 7, { causal: true }, " (batch row 1)");
    return out;
  };

  it("cuts a padded batch row into a dense [H, n, n] with the same values", () => {
    expect([...cut(batch())]).toEqual([...row1[0]!, ...row1[1]!].map((v) => Math.fround(v)));
  });

  it("names layer, head, query and batch row for a NaN, a value above the diagonal, a bad sum", () => {
    const msg = (edit: (t: Float32Array) => void) => {
      const t = batch();
      edit(t);
      try {
        cut(t);
      } catch (e) {
        expect((e as ActivationsError).code).toBe("PL_ACTIVATIONS_PATTERN_INVALID");
        return (e as Error).message;
      }
      return "";
    };
    const at = (h: number, q: number, k: number) => ((1 * H + h) * s + q) * s + k;
    expect(msg((t) => (t[at(1, 2, 0)] = Number.NaN))).toMatch(
      /^layer 7, head 1, query 2: value at key 0 is NaN \(batch row 1\)/,
    );
    expect(msg((t) => (t[at(0, 1, 2)] = 0.01))).toMatch(
      /^layer 7, head 0, query 1: value 0\.0099.* above the diagonal at key 2/,
    );
    expect(msg((t) => (t[at(0, 2, 2)] = 0.4))).toMatch(/^layer 7, head 0, query 2: row sums to 0\.9/);
  });
});

describe("validatePattern wording", () => {
  it("a NaN is blamed on the model's values, a bad row sum on the capture method", () => {
    const nan = new Float32Array([1, 0, Number.NaN, 0.5]);
    expect(() => validatePattern(nan, 1, 2, 0, { causal: true })).toThrowError(
      /the model itself computes NaN or infinite values here/,
    );
    expect(() => validatePattern(nan, 1, 2, 0, { causal: true })).not.toThrowError(/capture method/);
    const off = new Float32Array([1, 0, 0.2, 0.2]);
    expect(() => validatePattern(off, 1, 2, 0, { causal: true })).toThrowError(
      /the capture method does not fit this model/,
    );
  });
});
