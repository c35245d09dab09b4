/**
 * The demo model's character-level tokenizer: one token per character of a small alphabet
 * (lower-case letters, digits, space, newline, common punctuation), text lower-cased first, other
 * characters mapped to `<unk>`. Written as a Hugging Face `tokenizer.json` (a BPE model with no
 * merges), so any tokenizers library loads it.
 */

/** The BOS / end-of-text token, prepended to every prompt (id 0). */
export const DEMO_BOS_TOKEN = "<|endoftext|>";
/** The unknown-character token (id 1). */
export const DEMO_UNK_TOKEN = "<unk>";

const CHARS = [" ", ..."abcdefghijklmnopqrstuvwxyz", ..."0123456789", "\n", ...".,!?;:'\"-()"];

/** The vocabulary in id order: BOS, `<unk>`, then one entry per character. */
export const DEMO_VOCAB: readonly string[] = Object.freeze([DEMO_BOS_TOKEN, DEMO_UNK_TOKEN, ...CHARS]);

const ID = new Map(DEMO_VOCAB.map((t, i) => [t, i]));

/**
 * Encodes text the way the demo `tokenizer.json` does (lower-case, one id per character, unknown
 * characters to `<unk>`), without BOS. For tests and for building prompts; the pipeline itself
 * loads `tokenizer.json`.
 */
export function demoEncode(text: string): number[] {
  return Array.from(text.toLowerCase(), (c) => ID.get(c) ?? 1);
}

function special(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** The `tokenizer.json` object of the demo model (serialise with `JSON.stringify`). */
export function demoTokenizerJson(): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  DEMO_VOCAB.forEach((t, i) => {
    vocab[t] = i;
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(0, DEMO_BOS_TOKEN), special(1, DEMO_UNK_TOKEN)],
    normalizer: { type: "Lowercase" },
    pre_tokenizer: null,
    post_processor: null,
    decoder: { type: "Fuse" },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: DEMO_UNK_TOKEN,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
}

/** The `tokenizer_config.json` object of the demo model. */
export function demoTokenizerConfig(nCtx: number): Record<string, unknown> {
  return {
    add_bos_token: false,
    add_eos_token: false,
    bos_token: DEMO_BOS_TOKEN,
    eos_token: DEMO_BOS_TOKEN,
    unk_token: DEMO_UNK_TOKEN,
    clean_up_tokenization_spaces: false,
    model_max_length: nCtx,
    name_or_path: "pattern-lens-demo",
    tokenizer_class: "PreTrainedTokenizerFast",
  };
}
