import { describe, expect, it } from "vitest";
import { displayTokens, visibleWhitespace } from "../src/tokens.ts";

/** GPT-2's byte-to-unicode stand-ins, written out here independently of the code under test. */
function byteLevel(bytes: number[]): string {
  const table: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table.push(String.fromCharCode(printable ? b : 256 + shifted++));
  }
  return bytes.map((b) => table[b]).join("");
}
const utf8 = (s: string) => [...new TextEncoder().encode(s)];

describe("tokens", () => {
  it("makes whitespace visible", () => {
    expect(visibleWhitespace("a b\tc\n\r")).toBe("a␣b⇥c↵␍");
  });

  it("decodes byte-level BPE pieces: ’ é CJK emoji, and shows split characters honestly", () => {
    const quote = utf8(" it’s");
    const pieces = [
      byteLevel(utf8("The")),
      byteLevel(quote.slice(0, 4)), // " it" + the first byte of ’
      byteLevel(quote.slice(4)), // the rest of ’ + "s"
      byteLevel(utf8(" café")),
      byteLevel(utf8(" 日本")),
      byteLevel(utf8("🙂").slice(0, 2)),
      byteLevel(utf8("🙂").slice(2)),
      byteLevel(utf8("\n")),
    ];
    expect(pieces[3]).toBe("ĠcafÃ©");
    const t = displayTokens(pieces, pieces.length).map((x) => x.text);
    expect(t).toEqual(["The", "␣it\\xE2", "’s", "␣café", "␣日本", "\\xF0\\x9F", "🙂", "↵"]);
  });

  it("decodes SentencePiece ▁ and <0xNN>", () => {
    const t = displayTokens(["▁Hello", "▁", "<0xF0>", "<0x9F>", "<0x99>", "<0x82>", "▁日本"], 7);
    expect(t.map((x) => x.text)).toEqual(["␣Hello", "␣", "\\xF0", "\\x9F", "\\x99", "🙂", "␣日本"]);
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
