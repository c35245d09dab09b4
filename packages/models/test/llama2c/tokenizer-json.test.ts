import { describe, expect, it } from "vitest";
import { Llama2cTokenizer, llama2cTokenizerConfig, llama2cTokenizerJson } from "../../src/index.ts";
import { stories260k } from "./_helpers.ts";

describe("llama2cTokenizerJson", () => {
  const tok = Llama2cTokenizer.fromBytes(stories260k().tokenizer, 512);
  const json = llama2cTokenizerJson(tok) as {
    added_tokens: { id: number; content: string; special: boolean }[];
    model: {
      type: string;
      byte_fallback: boolean;
      vocab: Record<string, number>;
      merges: [string, string][];
    };
  };

  it("maps every id to its ▁-form piece", () => {
    const vocab = json.model.vocab;
    expect(Object.keys(vocab).length).toBe(512);
    for (let id = 0; id < 512; id++) expect(vocab[tok.idToToken(id)]).toBe(id);
    expect(json.added_tokens.map((t) => [t.id, t.content, t.special])).toEqual([
      [0, "<unk>", true],
      [1, "<s>", true],
      [2, "</s>", true],
    ]);
    expect(json.model).toMatchObject({ type: "BPE", byte_fallback: true });
  });

  it("ranks merges by the score of the merged piece, each a split of a vocabulary piece", () => {
    const { vocab, merges } = json.model;
    expect(merges.length).toBeGreaterThan(100);
    let lastScore = Number.POSITIVE_INFINITY;
    for (const [a, b] of merges) {
      const merged = vocab[a + b];
      expect(merged, `${a}+${b}`).toBeDefined();
      expect(vocab[a]).toBeDefined();
      expect(vocab[b]).toBeDefined();
      const score = tok.scores[merged!]!;
      expect(score).toBeLessThanOrEqual(lastScore);
      lastScore = score;
    }
    // the first merge makes the best-scored piece "▁t"
    expect(merges[0]).toEqual(["▁", "t"]);
  });

  it("writes a config with BOS <s> and no automatic BOS", () => {
    expect(llama2cTokenizerConfig(tok, 512)).toMatchObject({
      bos_token: "<s>",
      eos_token: "</s>",
      add_bos_token: false,
      model_max_length: 512,
    });
  });
});
