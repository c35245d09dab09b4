/**
 * A Hugging Face `tokenizer.json` equivalent to a llama2.c tokenizer: a BPE model with byte
 * fallback over the SentencePiece form of the pieces (`▁` for spaces), merges ranked by the score
 * of the merged piece, and the Llama normalizer (prepend `▁`, spaces to `▁`) that plays the role
 * of llama2.c's dummy prefix. `@huggingface/tokenizers` then encodes text to the same ids as
 * {@link Llama2cTokenizer.encode}.
 */
import { type Llama2cTokenizer, SPIECE_UNDERLINE } from "./tokenizer.ts";

const SPECIALS = ["<unk>", "<s>", "</s>"] as const;
const BYTE_PIECE = /^<0x[0-9A-Fa-f]{2}>$/;

/** The `tokenizer.json` object (serialise with `JSON.stringify`). */
export function llama2cTokenizerJson(tok: Llama2cTokenizer): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  const hfPieces: string[] = [];
  for (let id = 0; id < tok.vocabSize; id++) {
    const piece = tok.idToToken(id);
    hfPieces.push(piece);
    if (!(piece in vocab)) vocab[piece] = id;
  }
  const merges: { pair: [string, string]; score: number; id: number }[] = [];
  for (let id = 3; id < tok.vocabSize; id++) {
    const piece = hfPieces[id]!;
    if (BYTE_PIECE.test(piece) || vocab[piece] !== id) continue;
    const cps = Array.from(piece);
    let offset = 0;
    for (let k = 1; k < cps.length; k++) {
      offset += cps[k - 1]!.length;
      const left = piece.slice(0, offset);
      const right = piece.slice(offset);
      const l = vocab[left];
      const r = vocab[right];
      if (l === undefined || r === undefined || l < 3 || r < 3) continue;
      merges.push({ pair: [left, right], score: tok.scores[id]!, id });
    }
  }
  merges.sort((a, b) => b.score - a.score || a.id - b.id);
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: "Sequence",
      normalizers: [
        { type: "Prepend", prepend: SPIECE_UNDERLINE },
        { type: "Replace", pattern: { String: " " }, content: SPIECE_UNDERLINE },
      ],
    },
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: SPIECE_UNDERLINE }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
        { type: "Strip", content: " ", start: 1, stop: 0 },
      ],
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<unk>",
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: merges.map((m) => m.pair),
    },
  };
}

/**
 * The `tokenizer_config.json` object: BOS `<s>`, EOS `</s>`, UNK `<unk>`; the tokenizer itself
 * adds no BOS (`add_bos_token: false`), the caller prepends it.
 */
export function llama2cTokenizerConfig(tok: Llama2cTokenizer, maxLength: number): Record<string, unknown> {
  return {
    tokenizer_class: "LlamaTokenizerFast",
    bos_token: "<s>",
    eos_token: "</s>",
    unk_token: "<unk>",
    add_bos_token: false,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    legacy: true,
    model_max_length: maxLength,
    name_or_path: tok.name,
  };
}
