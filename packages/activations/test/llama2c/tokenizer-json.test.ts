/**
 * The tokenizer.json written for a llama2.c tokenizer, loaded by @huggingface/tokenizers (what the
 * activations pipeline uses), encodes like llama2.c's own algorithm.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { Llama2cTokenizer, llama2cTokenizerConfig, llama2cTokenizerJson } from "../../../models/src/index.ts";

const dir = () => sharedPath("models/stories260K");

describe("llama2.c tokenizer.json in @huggingface/tokenizers", () => {
  const ours = Llama2cTokenizer.fromBytes(new Uint8Array(readFileSync(join(dir(), "tok512.bin"))), 512);
  const hf = new Tokenizer(llama2cTokenizerJson(ours) as never, llama2cTokenizerConfig(ours, 512) as never);
  const texts = readFileSync(sharedPath("prompts/pile_100.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => (JSON.parse(l) as { text: string }).text)
    .slice(0, 40);
  texts.push(
    "Once upon a time, there was a little girl named Lily.",
    "naïve café — 日本語 🙂\n\ttabs  double  space",
    " ",
  );

  it("gives the same ids as llama2.c's encode on 40 Pile texts and unicode", () => {
    let tokens = 0;
    for (const text of texts) {
      const want = ours.encode(text);
      const got = hf.encode(text, { add_special_tokens: false }).ids;
      expect(got, JSON.stringify(text.slice(0, 80))).toEqual(want);
      tokens += want.length;
    }
    expect(tokens).toBeGreaterThan(5_000);
  });

  it("gives the same pieces, and decodes back to the text", () => {
    const text = "Once upon a time, 🙂 café.";
    const ids = ours.encode(text);
    expect(ids.map((id) => hf.id_to_token(id))).toEqual(ids.map((id) => ours.idToToken(id)));
    expect(hf.decode(ids, { skip_special_tokens: true })).toBe(text);
  });
});
