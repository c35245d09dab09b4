import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { ActivationsError, loadHfTokenizer, tokenizePrompt } from "../src/index.ts";
import { gpt2TinyDir, gpt2TinyPrompts, tempDir } from "./_helpers.ts";

describe("loadHfTokenizer + tokenizePrompt", () => {
  it("reproduces the reference GPT-2 pieces and ids (BOS <|endoftext|> prepended)", () => {
    const tok = loadHfTokenizer(gpt2TinyDir());
    expect(tok.bosId).toBe(50256);
    for (const ref of gpt2TinyPrompts()) {
      const t = tokenizePrompt(tok, ref.text, { prependBos: true });
      expect(t.tokens).toEqual(ref.tokens);
      expect(t.tokenIds).toEqual(ref.input_ids);
      expect(t.truncated).toBe(false);
    }
  });

  it("never prepends a second BOS (Llama's tokenizer adds <s> itself when asked for special tokens)", () => {
    const tok = loadHfTokenizer(sharedPath("models", "ort-fused", "tiny-random-LlamaForCausalLM-fp32"));
    expect(tok.bosId).toBe(1);
    const t = tokenizePrompt(tok, "Hello world", { prependBos: true });
    expect(t.tokenIds).toEqual([1, 15043, 3186]);
    expect(t.tokens).toEqual(["▁Hello", "▁world"]);
    // a custom tokenizer whose encode() already starts with BOS
    const custom = { encode: () => [1, 7, 8], idToToken: (i: number) => `p${i}`, bosId: 1 };
    expect(tokenizePrompt(custom, "x", { prependBos: true }).tokenIds).toEqual([1, 7, 8]);
  });

  it("--no-prepend-bos feeds the text's tokens only", () => {
    const tok = loadHfTokenizer(gpt2TinyDir());
    const ref = gpt2TinyPrompts()[0];
    const t = tokenizePrompt(tok, ref?.text ?? "", { prependBos: false });
    expect(t.tokenIds).toEqual(ref?.input_ids.slice(1));
    expect(t.tokens).toEqual(ref?.tokens);
  });

  it("truncates to the context and flags it", () => {
    const tok = loadHfTokenizer(gpt2TinyDir());
    const t = tokenizePrompt(tok, "a b c d e f g", { prependBos: true, maxTokens: 4 });
    expect(t.tokenIds).toHaveLength(4);
    expect(t.tokens).toEqual(["a", "Ġb", "Ġc"]);
    expect(t.truncated).toBe(true);
  });

  it("PL_ACTIVATIONS_TOKENIZER_NOT_FOUND for a folder without tokenizer.json", () => {
    const err = (() => {
      try {
        loadHfTokenizer(tempDir());
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ActivationsError);
    expect((err as ActivationsError).code).toBe("PL_ACTIVATIONS_TOKENIZER_NOT_FOUND");
  });
});
