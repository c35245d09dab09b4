import { describe, expect, it } from "vitest";
import { float16BitsToFloat32, float32ToFloat16Bits } from "../src/float16.ts";

describe("float16", () => {
  it("converts known values both ways", () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      [Number.POSITIVE_INFINITY, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00],
    ];
    for (const [f, h] of cases) {
      expect(float32ToFloat16Bits(f)).toBe(h);
      expect(Object.is(float16BitsToFloat32(h), f)).toBe(true);
    }
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
    expect(float32ToFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16Bits(Number.NaN) & 0x3ff).not.toBe(0);
  });

  it("round-trips every float16 bit pattern exactly (NaNs stay NaN)", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToFloat16Bits(float16BitsToFloat32(all));
    const bad: number[] = [];
    const nan = (x: number) => (x & 0x7c00) === 0x7c00 && (x & 0x3ff) !== 0;
    for (let h = 0; h < 65536; h++) {
      if (nan(h) ? !nan(back[h]!) : back[h] !== h) bad.push(h);
    }
    expect(bad).toEqual([]);
  });

  it("rounds to nearest, ties to even, including overflow and subnormals", () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: tie -> even (1)
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3 * 2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even): -> 0x3c02
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff); // below the halfway point to 65536
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // tie rounds to even = infinity
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal
    expect(float32ToFloat16Bits(2 ** -25 * 1.5)).toBe(1);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(2); // tie between 1 and 2 -> even
    expect(float32ToFloat16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up into the normals
    expect(float32ToFloat16Bits(1e-10)).toBe(0);
  });

  it("matches a brute-force nearest-even search on sampled float32 values", () => {
    const table = float16BitsToFloat32(new Uint16Array(0x7c00).map((_, i) => i)); // finite positives
    const nearest = (x: number): number => {
      let lo = 0;
      let hi = 0x7bff;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (table[mid]! <= x) lo = mid;
        else hi = mid - 1;
      }
      if (lo === 0x7bff) return x >= 65520 ? 0x7c00 : lo;
      const a = table[lo]!;
      const b = table[lo + 1]!;
      if (x - a < b - x) return lo;
      if (x - a > b - x) return lo + 1;
      return lo & 1 ? lo + 1 : lo;
    };
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    let seed = 12345;
    const bad: number[] = [];
    for (let k = 0; k < 50000; k++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      u[0] = (seed % 0x47800000) >>> 0; // positive floats up to ~65536
      if (float32ToFloat16Bits(f[0]!) !== nearest(f[0]!)) bad.push(f[0]!);
    }
    expect(bad).toEqual([]);
  });
});
