import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { detectTokenPieceKind, loadHfTokenizer, tokenizePrompt, tokenLabels } from "../src/index.ts";
import { gpt2TinyDir } from "./_helpers.ts";

describe("tokenLabels", () => {
  it("turns GPT-2 byte-level pieces into text", () => {
    expect(tokenLabels(["The", "Ġquick", "Ċ", "ĠĠ"])).toEqual(["The", " quick", "\n", "  "]);
    expect(detectTokenPieceKind(["The", "Ġquick"])).toBe("byte-level");
  });

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

  it("keeps special tokens and plain pieces as they are", () => {
    expect(tokenLabels(["<|endoftext|>", "Ġa"], "byte-level")).toEqual(["<|endoftext|>", " a"]);
    expect(tokenLabels(["abc", "def"])).toEqual(["abc", "def"]);
  });
});
