import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import {
  ActivationsError,
  loadPrompts,
  readPromptRecords,
  shufflePrompts,
  splitPrompts,
} from "../src/index.ts";
import { tempDir } from "./_helpers.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ActivationsError);
    return (e as ActivationsError).code;
  }
  return undefined;
}

function file(name: string, content: string | Uint8Array): string {
  const p = join(tempDir(), name);
  writeFileSync(p, content);
  return p;
}

describe("splitPrompts (pattern-lens rules, code points)", () => {
  it("drops short texts, cuts long ones into max-char pieces, drops short pieces", () => {
    const out = splitPrompts([{ text: "a".repeat(25), meta: { k: 1 } }, { text: "b".repeat(5) }], 6, 10);
    expect(out.map((r) => r.text.length)).toEqual([10, 10]);
    expect(out[0]?.meta).toEqual({ k: 1 });
  });
  it("counts code points, not UTF-16 units", () => {
    const out = splitPrompts([{ text: "🙂".repeat(5) }], 1, 2);
    expect(out.map((r) => r.text)).toEqual(["🙂🙂", "🙂🙂", "🙂"]);
  });
});

describe("loadPrompts", () => {
  it("reads pile_5.jsonl keeping meta and adding source_fname", () => {
    const f = sharedPath("prompts", "pile_5.jsonl");
    const out = loadPrompts(f, { minChars: 100, maxChars: 1000 });
    expect(out.length).toBeGreaterThan(0);
    expect(out[0]?.meta).toBeDefined();
    expect(out[0]?.source_fname).toBe(f);
    for (const r of out) expect([...r.text].length).toBeLessThanOrEqual(1000);
  });
  it("shuffles reproducibly with a seed, then samples", () => {
    const f = sharedPath("prompts", "pile_100.jsonl");
    const a = loadPrompts(f, { shuffle: true, seed: 3, nSamples: 5 });
    const b = loadPrompts(f, { shuffle: true, seed: 3, nSamples: 5 });
    const c = loadPrompts(f, { shuffle: true, seed: 4, nSamples: 5 });
    expect(a.map((r) => r.text)).toEqual(b.map((r) => r.text));
    expect(a.map((r) => r.text)).not.toEqual(c.map((r) => r.text));
    expect(a).toHaveLength(5);
    expect(shufflePrompts([1, 2, 3, 4], 1).sort()).toEqual([1, 2, 3, 4]);
  });
  it("reads a .txt file as one text", () => {
    const out = loadPrompts(file("p.txt", "x".repeat(250)), { maxChars: 100, minChars: 10 });
    expect(out.map((r) => r.text.length)).toEqual([100, 100, 50]);
  });
  it("skips empty text with a warning naming the line", () => {
    const warnings: string[] = [];
    const f = file(
      "p.jsonl",
      `${JSON.stringify({ text: "y".repeat(120) })}\n${JSON.stringify({ text: "" })}\n`,
    );
    expect(loadPrompts(f, { onWarning: (m) => warnings.push(m) })).toHaveLength(1);
    expect(warnings).toEqual([`${f}:2: empty text, skipped`]);
  });
});

describe("bad prompt files", () => {
  it("missing: PL_ACTIVATIONS_PROMPTS_NOT_FOUND", () => {
    expect(codeOf(() => readPromptRecords("/nonexistent/prompts.jsonl"))).toBe(
      "PL_ACTIVATIONS_PROMPTS_NOT_FOUND",
    );
  });
  it("empty: PL_ACTIVATIONS_PROMPTS_EMPTY", () => {
    expect(codeOf(() => readPromptRecords(file("e.jsonl", "\n\n")))).toBe("PL_ACTIVATIONS_PROMPTS_EMPTY");
  });
  it("invalid line: PL_ACTIVATIONS_PROMPTS_INVALID with the line number", () => {
    const f = file("bad.jsonl", `${JSON.stringify({ text: "ok" })}\n{"text": 3}\n`);
    expect(codeOf(() => readPromptRecords(f))).toBe("PL_ACTIVATIONS_PROMPTS_INVALID");
    expect(() => readPromptRecords(f)).toThrow(`${f}:2:`);
    const g = file("bad2.jsonl", `${JSON.stringify({ text: "ok" })}\n\nnot json\n`);
    expect(() => readPromptRecords(g)).toThrow(`${g}:3: invalid JSON`);
  });
  it("not UTF-8: PL_ACTIVATIONS_NOT_UTF8 with the line number", () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"text":"ok"}\n{"text":"caf'),
      0xe9,
      ...new TextEncoder().encode('"}\n'),
    ]);
    const f = file("latin1.jsonl", bytes);
    expect(codeOf(() => readPromptRecords(f))).toBe("PL_ACTIVATIONS_NOT_UTF8");
    expect(() => readPromptRecords(f)).toThrow(`${f}:2:`);
  });
  it("unreadable: PL_ACTIVATIONS_IO", () => {
    if (process.getuid?.() === 0) return; // root reads anything; covered by the save-path permission test
    const f = file("locked.jsonl", '{"text":"x"}\n');
    chmodSync(f, 0);
    expect(codeOf(() => readPromptRecords(f))).toBe("PL_ACTIVATIONS_IO");
  });
  it("nothing left after filtering: PL_ACTIVATIONS_PROMPTS_EMPTY saying to lower --min-chars", () => {
    const f = file("short.jsonl", `${JSON.stringify({ text: "short" })}\n`);
    expect(() => loadPrompts(f)).toThrow("--min-chars");
  });
});
