import { describe, expect, it } from "vitest";
import { formatHeadSelection, headKey, parseHeadSelection } from "../src/head-selection.ts";

const sel = (text: string, l = 6, h = 4) => {
  const r = parseHeadSelection(text, l, h);
  if (!r.ok) throw new Error(r.error);
  return [...r.heads].sort();
};

describe("parseHeadSelection", () => {
  it("reads ranges, stars and x", () => {
    expect(sel("L2-4H3")).toEqual([headKey(2, 3), headKey(3, 3), headKey(4, 3)]);
    expect(sel("L*H*").length).toBe(24);
    expect(sel("LxHx").length).toBe(24);
    expect(sel("l1hX")).toEqual(["1,0", "1,1", "1,2", "1,3"]);
    expect(sel("L2-4H3, L*H0").length).toBe(9);
    expect(sel("L2-4H3, L*H3").length).toBe(6);
    expect(sel(" L0 H1 ;L5H3 ")).toEqual(["0,1", "5,3"]);
    expect(sel("")).toEqual([]);
  });

  it("says what is wrong", () => {
    expect(parseHeadSelection("L6H0", 6, 4)).toEqual({
      ok: false,
      error: expect.stringContaining("layer 6"),
    });
    expect(parseHeadSelection("L0H4", 6, 4)).toEqual({ ok: false, error: expect.stringContaining("head 4") });
    expect(parseHeadSelection("L3-1H0", 6, 4)).toEqual({
      ok: false,
      error: expect.stringContaining("backwards"),
    });
    expect(parseHeadSelection("H2", 6, 4)).toEqual({ ok: false, error: expect.stringContaining("'H2'") });
  });
});

describe("formatHeadSelection", () => {
  it("writes compact text that parses back to the same heads", () => {
    const cases = ["L*H*", "L2-4H3", "L0H0, L2-4H3", "L1H*", "L0H0-1, L0H3, L5H2", "L0H0"];
    for (const c of cases) {
      const heads = new Set(sel(c));
      const text = formatHeadSelection(heads, 6, 4);
      expect(new Set(sel(text))).toEqual(heads);
    }
    expect(formatHeadSelection(new Set(sel("L*H*")), 6, 4)).toBe("L*H*");
    expect(formatHeadSelection(new Set(sel("L2H3,L3H3,L4H3,L0H0")), 6, 4)).toBe("L0H0, L2-4H3");
    expect(formatHeadSelection(new Set(), 6, 4)).toBe("");
  });
});
