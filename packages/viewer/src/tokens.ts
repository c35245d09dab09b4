/** How tokens are shown: pieces decoded to text (shared `tokenLabels`), whitespace made visible, BOS labelled. */
import { tokenLabels } from "@pattern-lens/indexes";

/** One token as displayed. */
export interface DisplayToken {
  /** The text to show (never HTML: render it as text). */
  text: string;
  /** The token exactly as stored. */
  raw: string;
  /** True for the beginning-of-sequence token (stored or implied). */
  bos: boolean;
}

const VISIBLE: Record<string, string> = {
  " ": "␣",
  "\n": "↵",
  "\t": "⇥",
  "\r": "␍",
};

const BOS_NAMES = new Set(["<|endoftext|>", "<s>", "<bos>", "<|begin_of_text|>", "[CLS]", "<BOS>"]);

/** Shows whitespace of decoded text as visible symbols (`" the"` → `␣the`, `"\n"` → `↵`). */
export function visibleWhitespace(text: string): string {
  let out = "";
  for (const ch of text) out += VISIBLE[ch] ?? ch;
  return out;
}

/**
 * The tokens to label the rows and columns of an `n`×`n` pattern. Stored pieces are decoded to
 * text by `tokenLabels` of `@pattern-lens/indexes` (GPT-2 byte-level BPE: `Ġ` → space, `âĢĻ` → `’`;
 * SentencePiece `▁` and `<0xNN>`); bytes of a character split over several tokens show as `\xNN`
 * on the tokens before the one that completes it. When the pattern has one more position than
 * there are tokens (the Python pattern-lens stores tokens without the BOS the model saw), a
 * labelled BOS comes first.
 */
export function displayTokens(tokens: readonly string[], n: number): DisplayToken[] {
  const out: DisplayToken[] = [];
  if (n === tokens.length + 1) out.push({ text: "⟨BOS⟩", raw: "", bos: true });
  const labels = tokenLabels(tokens);
  tokens.forEach((raw, i) => {
    const bos = i === 0 && out.length === 0 && BOS_NAMES.has(raw);
    out.push({ text: bos ? `⟨BOS⟩ ${raw}` : visibleWhitespace(labels[i] ?? raw), raw, bos });
  });
  while (out.length < n) out.push({ text: "?", raw: "", bos: false });
  return out.slice(0, n);
}
