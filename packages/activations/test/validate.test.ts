import { describe, expect, it } from "vitest";
import { ActivationsError, validatePattern } from "../src/index.ts";

const good = () => new Float32Array([1, 0, 0.25, 0.75, 1, 0, 0.5, 0.5]); // 2 heads, n = 2, causal

function fails(data: Float32Array, causal = true): string {
  try {
    validatePattern(data, 2, 2, 4, { causal });
  } catch (e) {
    expect(e).toBeInstanceOf(ActivationsError);
    expect((e as ActivationsError).code).toBe("PL_PATTERN_INVALID");
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
