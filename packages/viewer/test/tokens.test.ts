import { describe, expect, it } from "vitest";
import { displayTokens, visibleWhitespace } from "../src/tokens.ts";

describe("tokens", () => {
  it("makes whitespace and byte-level markers visible", () => {
    expect(visibleWhitespace("\u0120the")).toBe("␣the");
    expect(visibleWhitespace("\u010a\u010a")).toBe("↵↵");
    expect(visibleWhitespace("a b\tc\n")).toBe("a␣b⇥c↵");
    expect(visibleWhitespace("\u2581word")).toBe("␣word");
  });

  it("labels a BOS the tokens list leaves out, or one it names", () => {
    const t = displayTokens(["a", "b"], 3);
    expect(t.map((x) => [x.text, x.bos])).toEqual([
      ["⟨BOS⟩", true],
      ["a", false],
      ["b", false],
    ]);
    expect(displayTokens(["<|endoftext|>", "x"], 2)[0]).toMatchObject({
      bos: true,
      text: "⟨BOS⟩ <|endoftext|>",
    });
  });
});
