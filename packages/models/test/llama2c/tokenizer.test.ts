import { describe, expect, it } from "vitest";
import { Llama2cTokenizer } from "../../src/index.ts";
import { pileTexts, stories260k } from "./_helpers.ts";

const tok = () => Llama2cTokenizer.fromBytes(stories260k().tokenizer, 512, "tok512.bin");

/** A literal, quadratic transcription of llama2.c's encode, as an independent reference. */
function referenceEncode(t: Llama2cTokenizer, text: string): number[] {
  const byPiece = new Map<string, number>();
  t.pieces.forEach((p, i) => {
    if (!byPiece.has(p)) byPiece.set(p, i);
  });
  const lookup = (s: string) => byPiece.get(s);
  const ids: number[] = [];
  if (text.length > 0) ids.push(lookup(" ")!);
  for (const cp of text) {
    const id = lookup(cp);
    if (id !== undefined) ids.push(id);
    else for (const byte of new TextEncoder().encode(cp)) ids.push(byte + 3);
  }
  for (;;) {
    let bestScore = -1e10;
    let bestId = -1;
    let bestIdx = -1;
    for (let i = 0; i + 1 < ids.length; i++) {
      const id = lookup(t.pieces[ids[i]!]! + t.pieces[ids[i + 1]!]!);
      if (id !== undefined && t.scores[id]! > bestScore) {
        bestScore = t.scores[id]!;
        bestId = id;
        bestIdx = i;
      }
    }
    if (bestIdx < 0) break;
    ids.splice(bestIdx, 2, bestId);
  }
  return ids;
}

describe("Llama2cTokenizer", () => {
  it("reads tok512.bin: 512 pieces, specials and byte tokens in place", () => {
    const t = tok();
    expect(t.vocabSize).toBe(512);
    expect(t.maxTokenLength).toBe(7);
    expect(t.pieces[1]).toBe("\n<s>\n");
    expect(t.pieces[3]).toBe("<0x00>");
    expect(t.pieces[258]).toBe("<0xFF>");
    expect(t.idToToken(1)).toBe("<s>");
    expect(t.idToToken(2)).toBe("</s>");
    expect(t.idToToken(259)).toBe("▁t");
    expect(t.bosId).toBe(1);
  });

  it("encodes the reference prompt to the reference ids", () => {
    expect(tok().encode("Once upon a time, there was a little girl named Lily.", { bos: true })).toEqual([
      1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426,
    ]);
  });

  it("matches a literal transcription of llama2.c's encode on 100 Pile texts (unicode, byte fallback)", () => {
    const t = tok();
    const texts = pileTexts().map((s) => s.slice(0, 400));
    texts.push("", " ", "naïve café — 日本語 🙂\n\ttabs", "a\u0000b");
    for (const text of texts)
      expect(t.encode(text), JSON.stringify(text.slice(0, 60))).toEqual(referenceEncode(t, text));
  });

  it("uses byte tokens 3..258 for characters outside the vocabulary", () => {
    const ids = tok().encode("🙂");
    // dummy-prefix space, then the 4 UTF-8 bytes of U+1F642
    expect(ids).toEqual([tok().pieceId(" ")!, 0xf0 + 3, 0x9f + 3, 0x99 + 3, 0x82 + 3]);
  });

  it("adds EOS when asked and encodes empty text to nothing", () => {
    expect(tok().encode("", { bos: true, eos: true })).toEqual([1, 2]);
    expect(tok().encode("")).toEqual([]);
  });

  it("decodes like llama2.c prints: no space after BOS, byte tokens joined into UTF-8", () => {
    const t = tok();
    const text = "Once upon a time, 🙂 café.";
    expect(t.decode(t.encode(text, { bos: true }))).toBe(text);
    expect(t.decode(t.encode(text))).toBe(` ${text}`);
    expect(t.decodePiece(1, 403)).toBe("Once");
    expect(t.decodePiece(403, 407)).toBe(" upon");
  });

  it("rejects a truncated or mismatched file with PL_MODELS_LLAMA2C_TOKENIZER_CORRUPT", () => {
    const bytes = stories260k().tokenizer;
    expect(() => Llama2cTokenizer.fromBytes(bytes.subarray(0, 100))).toThrow(
      expect.objectContaining({ code: "PL_MODELS_LLAMA2C_TOKENIZER_CORRUPT" }),
    );
    expect(() => Llama2cTokenizer.fromBytes(bytes, 32000)).toThrow(
      /512 tokens but the checkpoint's vocabulary has 32000/,
    );
  });
});
