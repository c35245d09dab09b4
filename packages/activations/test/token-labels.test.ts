import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { detectTokenPieceKind, loadHfTokenizer, tokenizePrompt, tokenLabels } from "../src/index.ts";
import { gpt2TinyDir } from "./_helpers.ts";

// The pure cases are in packages/indexes/test/token-labels.test.ts; these run real tokenizers.
describe("tokenLabels on real tokenizers", () => {
  it("shows a character split across byte-level tokens on the token that completes it", () => {
    const tok = loadHfTokenizer(gpt2TinyDir());
    const t = tokenizePrompt(tok, " 🙂 ok", { prependBos: false });
    const labels = tokenLabels(t.tokens);
    expect(labels.join("").replace(/\\x[0-9A-F]{2}/g, "")).toBe(" 🙂 ok");
    // no replacement characters, ever
    expect(labels.join("")).not.toContain("\uFFFD");
  });

  it("decodes SentencePiece ▁ and <0xNN> byte fallback", () => {
    const tok = loadHfTokenizer(sharedPath("models", "ort-fused", "tiny-random-LlamaForCausalLM-fp32"));
    const t = tokenizePrompt(tok, "Hello 🙂 日本", { prependBos: false });
    expect(t.tokens).toContain("<0xF0>");
    const labels = tokenLabels(t.tokens);
    expect(detectTokenPieceKind(t.tokens)).toBe("sentencepiece");
    expect(labels[0]).toBe(" Hello");
    expect(labels).toContain("🙂");
    expect(labels).toContain("\\xF0");
    expect(labels.join("").replace(/\\x[0-9A-F]{2}/g, "")).toBe(" Hello 🙂 日本");
  });
});
