/** How tokens are shown: whitespace made visible, byte-level BPE markers decoded, BOS labelled. */

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
  "\u0120": "␣", // Ġ: GPT-2 byte-level space
  "\u2581": "␣", // ▁: SentencePiece space
  "\n": "↵",
  "\u010a": "↵", // Ċ: byte-level newline
  "\t": "⇥",
  "\u0109": "⇥", // ĉ: byte-level tab
  "\r": "␍",
  "\u010d": "␍", // č: byte-level carriage return
};

const BOS_NAMES = new Set(["<|endoftext|>", "<s>", "<bos>", "<|begin_of_text|>", "[CLS]", "<BOS>"]);

/** Shows whitespace and byte-level markers as visible symbols (`Ġthe` → `␣the`, `Ċ` → `↵`). */
export function visibleWhitespace(token: string): string {
  let out = "";
  for (const ch of token) out += VISIBLE[ch] ?? ch;
  return out;
}

/**
 * The tokens to label the rows and columns of an `n`×`n` pattern. When the pattern has one more
 * position than there are tokens (the Python pattern-lens stores tokens without the BOS the model
 * saw), a labelled BOS comes first.
 */
export function displayTokens(tokens: readonly string[], n: number): DisplayToken[] {
  const out: DisplayToken[] = [];
  if (n === tokens.length + 1) out.push({ text: "⟨BOS⟩", raw: "", bos: true });
  tokens.forEach((raw, i) => {
    const bos = i === 0 && out.length === 0 && BOS_NAMES.has(raw);
    out.push({ text: bos ? `⟨BOS⟩ ${raw}` : visibleWhitespace(raw), raw, bos });
  });
  while (out.length < n) out.push({ text: "?", raw: "", bos: false });
  return out.slice(0, n);
}
