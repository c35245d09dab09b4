import { describe, expect, it } from "vitest";
import { stringifyJson } from "../src/json.ts";

describe("stringifyJson (Python json.dumps layout)", () => {
  it("uses Python separators and ASCII escapes", () => {
    expect(stringifyJson({ a: [1, "x"], b: {}, c: [], d: null, e: true })).toBe(
      '{"a": [1, "x"], "b": {}, "c": [], "d": null, "e": true}',
    );
    expect(stringifyJson('Ġthe\n\t"\\\u0001\u007f😀')).toBe(
      '"\\u0120the\\n\\t\\"\\\\\\u0001\\u007f\\ud83d\\ude00"',
    );
    expect(stringifyJson({ skip: undefined, keep: 1 })).toBe('{"keep": 1}');
  });

  it("formats floats like Python repr", () => {
    const cases: [number, string][] = [
      [1e-5, "1e-05"],
      [0.0001, "0.0001"],
      [5.656854249492381, "5.656854249492381"],
      [0.07071067811865475, "0.07071067811865475"],
      [1.5e-7, "1.5e-07"],
      [1e21, "1e+21"],
      [2.5e16 + 0.5, "25000000000000000"],
      [1e300, "1e+300"],
      [-2.5e-10, "-2.5e-10"],
      [42, "42"],
      [Number.NaN, "null"],
    ];
    for (const [x, s] of cases) expect(stringifyJson(x)).toBe(s);
    expect(stringifyJson(new Float32Array([0.5]))).toBe("[0.5]");
  });
});
