import { readFileSync } from "node:fs";
import { sharedPath } from "#test-support/shared.ts";

/** The stories260K checkpoint and tokenizer bytes. */
export function stories260k(): { checkpoint: Uint8Array; tokenizer: Uint8Array } {
  return {
    checkpoint: new Uint8Array(readFileSync(sharedPath("models/stories260K/stories260K.bin"))),
    tokenizer: new Uint8Array(readFileSync(sharedPath("models/stories260K/tok512.bin"))),
  };
}

/** Texts of a shared prompt file. */
export function pileTexts(file = "pile_100.jsonl"): string[] {
  return readFileSync(sharedPath("prompts", file), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => (JSON.parse(l) as { text: string }).text);
}

/**
 * A small llama2.c checkpoint with deterministic pseudo-random weights.
 * `vocab` < 0 writes an unshared classifier.
 */
export function syntheticCheckpoint(h: {
  dim: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  seqLen: number;
}): { bytes: Uint8Array; floats: Float32Array } {
  const V = Math.abs(h.vocab);
  const hs = h.dim / h.heads;
  const kv = h.kvHeads * hs;
  const n =
    V * h.dim +
    h.layers * (2 * h.dim + 2 * h.dim * h.dim + 2 * h.dim * kv + 3 * h.dim * h.hidden) +
    h.dim +
    h.seqLen * hs +
    (h.vocab < 0 ? V * h.dim : 0);
  const floats = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.1);
  const bytes = new Uint8Array(28 + n * 4);
  const view = new DataView(bytes.buffer);
  [h.dim, h.hidden, h.layers, h.heads, h.kvHeads, h.vocab, h.seqLen].forEach((v, i) => {
    view.setInt32(i * 4, v, true);
  });
  bytes.set(new Uint8Array(floats.buffer), 28);
  return { bytes, floats };
}
