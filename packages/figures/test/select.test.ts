import { describe, expect, it } from "vitest";
import { selectFigureNames } from "../src/index.ts";

const names = ["raw", "raw_log", "attn_by_distance", "attn_received", "entropy"];

describe("selectFigureNames", () => {
  it("selects everything by default", () => {
    expect(selectFigureNames(names, undefined)).toEqual(names);
    expect(selectFigureNames(names, "")).toEqual(names);
    expect(selectFigureNames(names, "*")).toEqual(names);
  });
  it("takes globs and comma lists, keeping registry order", () => {
    expect(selectFigureNames(names, "raw*")).toEqual(["raw", "raw_log"]);
    expect(selectFigureNames(names, "entropy, raw")).toEqual(["raw", "entropy"]);
    expect(selectFigureNames(names, "attn_*,raw")).toEqual(["raw", "attn_by_distance", "attn_received"]);
    expect(selectFigureNames(names, "r?w")).toEqual(["raw"]);
  });
  it("treats regex characters literally", () => {
    expect(() => selectFigureNames(["a.b"], "a?c")).toThrow();
    expect(selectFigureNames(["a.b", "axb"], "a.b")).toEqual(["a.b"]);
  });
  it("throws PL_FIGURES_UNKNOWN listing the names when an item matches nothing", () => {
    expect(() => selectFigureNames(names, "raw,nope*")).toThrow(
      expect.objectContaining({
        code: "PL_FIGURES_UNKNOWN",
        message: expect.stringContaining("raw, raw_log"),
      }),
    );
  });
});
