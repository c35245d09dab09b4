/**
 * The demo's built-in prompts: random character sequences repeated two or three times (so the
 * induction head has something to find), repeated sentences, and plain text.
 */

/** One built-in prompt, in the `prompts.jsonl` form (`text` plus free-form `meta`). */
export interface DemoPrompt {
  text: string;
  meta: { kind: "repeated-random" | "repeated-text" | "text"; repeats?: number };
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const SYMBOLS = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A random sequence of `length` distinct characters from a-z and 0-9 (at most 36), deterministic
 * for `seed`. Distinct characters give each token of a repeat exactly one earlier occurrence, so
 * the induction head's shifted diagonal is clean.
 */
export function randomSequence(length: number, seed: number): string {
  if (!Number.isInteger(length) || length < 0 || length > SYMBOLS.length) {
    throw new RangeError(
      `randomSequence: length must be an integer from 0 to ${SYMBOLS.length}, got ${length}`,
    );
  }
  const rnd = lcg(seed);
  const chars = Array.from(SYMBOLS);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.slice(0, length).join("");
}

const TEXTS = [
  "the quick brown fox jumps over the lazy dog.",
  "mr and mrs dursley, of number four, privet drive, were proud to say that they were perfectly normal.",
  "once upon a time there was a little girl who lived in a village near the forest.",
];

/**
 * The built-in prompts (deterministic): 8 random sequences of 12 to 36 distinct characters repeated
 * two or three times, 3 sentences said twice, and the same 3 sentences once.
 */
export function demoPrompts(): DemoPrompt[] {
  const out: DemoPrompt[] = [];
  const shapes: [number, number][] = [
    [12, 3],
    [16, 3],
    [20, 2],
    [24, 2],
    [30, 2],
    [32, 3],
    [36, 2],
    [36, 3],
  ];
  shapes.forEach(([len, repeats], i) => {
    out.push({
      text: randomSequence(len, 1000 + i).repeat(repeats),
      meta: { kind: "repeated-random", repeats },
    });
  });
  for (const t of TEXTS) out.push({ text: `${t} ${t}`, meta: { kind: "repeated-text", repeats: 2 } });
  for (const t of TEXTS) out.push({ text: t, meta: { kind: "text" } });
  return out;
}
