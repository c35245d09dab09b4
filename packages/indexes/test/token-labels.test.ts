import { describe, expect, it } from "vitest";
import { detectTokenPieceKind, tokenLabels } from "../src/index.ts";

describe("tokenLabels", () => {
  it("turns GPT-2 byte-level pieces into text (’ is âĢĻ, é is Ã©)", () => {
    expect(tokenLabels(["The", "Ġquick", "Ċ", "ĠĠ"])).toEqual(["The", " quick", "\n", "  "]);
    expect(tokenLabels(["Ġit", "âĢĻ", "s", "ĠcafÃ©"])).toEqual([" it", "’", "s", " café"]);
    expect(detectTokenPieceKind(["The", "Ġquick"])).toBe("byte-level");
  });

  it("shows the leading bytes of a split character as \\xNN, the character on the token completing it", () => {
    expect(tokenLabels(["Ġit", "âĢ", "Ļs"], "byte-level")).toEqual([" it", "\\xE2\\x80", "’s"]);
    // a continuation byte with nothing before it is shown as a byte, never as U+FFFD
    expect(tokenLabels(["Ļ"], "byte-level")).toEqual(["\\x99"]);
  });

  it("decodes SentencePiece ▁ and <0xNN> byte fallback", () => {
    expect(detectTokenPieceKind(["▁Hello", "<0xF0>"])).toBe("sentencepiece");
    expect(tokenLabels(["▁Hello", "<0xE6>", "<0x97>", "<0xA5>"])).toEqual([" Hello", "\\xE6", "\\x97", "日"]);
  });

  it("keeps special tokens and plain pieces as they are", () => {
    expect(tokenLabels(["<|endoftext|>", "Ġa"], "byte-level")).toEqual(["<|endoftext|>", " a"]);
    expect(tokenLabels(["abc", "def"])).toEqual(["abc", "def"]);
  });
});
