import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeNpz, type NpyArray, toFloat32 } from "@pattern-lens/indexes";
import { sharedPath } from "#test-support/shared.ts";

/** A fresh temp folder. */
export function tempDir(prefix = "pl-act-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The gpt2-tiny-torch reference prompts (text, tokens, input_ids). */
export interface RefPrompt {
  text: string;
  tokens: string[];
  input_ids: number[];
}

export function gpt2TinyDir(): string {
  return sharedPath("models", "gpt2-tiny-torch");
}

export function gpt2TinyPrompts(): RefPrompt[] {
  return readFileSync(join(gpt2TinyDir(), "reference", "prompts.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as RefPrompt);
}

export function gpt2TinyReference(j: number): Map<string, NpyArray> {
  return decodeNpz(new Uint8Array(readFileSync(join(gpt2TinyDir(), "reference", `prompt${j}.npz`))));
}

/** Max |a - b| over two equally long arrays (throws on a length mismatch). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

export { toFloat32 };
