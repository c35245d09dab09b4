import { readFileSync } from "node:fs";
import { ActivationsError } from "./errors.ts";

/** One prompt record: `text` plus any other keys of the input line (kept in `prompt.json`). */
export interface PromptRecord {
  text: string;
  [key: string]: unknown;
}

/** How {@link loadPrompts} splits, filters and samples. */
export interface LoadPromptsOptions {
  /** Drop texts (and split pieces) shorter than this many code points. Default 100. */
  minChars?: number;
  /** Split texts into pieces of at most this many code points. Default 1000. */
  maxChars?: number;
  /** Shuffle the prompts (after splitting) with a seeded generator. */
  shuffle?: boolean;
  /** Seed for `shuffle`. Default 0. */
  seed?: number;
  /** Keep at most this many prompts (after shuffling). */
  nSamples?: number;
  /** Called for skipped records (empty text). */
  onWarning?: (message: string) => void;
}

/** Decodes bytes as UTF-8; the error names the file and line of the first invalid byte. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (err) {
    // find the first bad byte by decoding growing prefixes line by line
    let line = 1;
    let start = 0;
    const dec = new TextDecoder("utf-8", { fatal: true });
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          dec.decode(bytes.subarray(start, i));
        } catch {
          break;
        }
        line++;
        start = i + 1;
      }
    }
    throw new ActivationsError(
      "PL_ACTIVATIONS_NOT_UTF8",
      `${file}:${line}: the text is not valid UTF-8. Convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8).`,
      { cause: err },
    );
  }
}

/**
 * Reads prompt records from a JSONL file (one object with a string `text` per line; other keys
 * are kept) or a `.txt` file (its whole content is one text). Records with empty text are skipped
 * with a warning. No splitting here: see {@link splitPrompts}.
 * @throws {ActivationsError} `PL_ACTIVATIONS_PROMPTS_NOT_FOUND`, `PL_ACTIVATIONS_PROMPTS_INVALID` (with the line number),
 *   `PL_ACTIVATIONS_PROMPTS_EMPTY`, `PL_ACTIVATIONS_NOT_UTF8`.
 */
export function readPromptRecords(
  file: string,
  onWarning: (message: string) => void = () => {},
): PromptRecord[] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new ActivationsError(
        "PL_ACTIVATIONS_PROMPTS_NOT_FOUND",
        `prompts file ${file} does not exist. Pass --prompts with a JSONL file of {"text": ...} lines or a .txt file.`,
        { cause: err },
      );
    throw new ActivationsError(
      "PL_ACTIVATIONS_IO",
      `cannot read prompts file ${file}: ${(err as Error).message}.`,
      {
        cause: err,
      },
    );
  }
  const text = decodeUtf8(bytes, file);
  const records: PromptRecord[] = [];
  if (file.toLowerCase().endsWith(".txt")) {
    if (text.trim() === "")
      throw new ActivationsError(
        "PL_ACTIVATIONS_PROMPTS_EMPTY",
        `prompts file ${file} is empty. Put some text in it.`,
      );
    records.push({ text });
    return records;
  }
  const lines = text.split("\n");
  let sawRecord = false;
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new ActivationsError(
        "PL_ACTIVATIONS_PROMPTS_INVALID",
        `${file}:${i + 1}: invalid JSON (${(err as Error).message}). Each line must be a JSON object with a "text" string.`,
        { cause: err },
      );
    }
    if (
      typeof v !== "object" ||
      v === null ||
      Array.isArray(v) ||
      typeof (v as PromptRecord).text !== "string"
    ) {
      throw new ActivationsError(
        "PL_ACTIVATIONS_PROMPTS_INVALID",
        `${file}:${i + 1}: expected a JSON object with a "text" string.`,
      );
    }
    sawRecord = true;
    const rec = v as PromptRecord;
    if (rec.text.trim() === "") {
      onWarning(`${file}:${i + 1}: empty text, skipped`);
      continue;
    }
    records.push(rec);
  }
  if (!sawRecord)
    throw new ActivationsError(
      "PL_ACTIVATIONS_PROMPTS_EMPTY",
      `prompts file ${file} has no records. Each line must be a JSON object with a "text" string.`,
    );
  return records;
}

const codePoints = (s: string) => [...s].length;

/**
 * Splits and filters texts the way pattern-lens does, counting code points: drop texts shorter
 * than `minChars`, cut the rest into consecutive pieces of `maxChars` (the last piece holds the
 * remainder), then drop pieces shorter than `minChars`. Other keys are copied to every piece.
 */
export function splitPrompts(
  records: readonly PromptRecord[],
  minChars?: number,
  maxChars?: number,
): PromptRecord[] {
  let out = minChars === undefined ? [...records] : records.filter((r) => codePoints(r.text) >= minChars);
  if (maxChars !== undefined && maxChars > 0) {
    const split: PromptRecord[] = [];
    for (const r of out) {
      const cps = [...r.text];
      for (let i = 0; i < cps.length || i === 0; i += maxChars) {
        split.push({ ...r, text: cps.slice(i, i + maxChars).join("") });
        if (cps.length === 0) break;
      }
    }
    out = split;
  }
  if (minChars !== undefined) out = out.filter((r) => codePoints(r.text) >= minChars);
  return out;
}

/** A small seeded generator (mulberry32): the same seed gives the same shuffle everywhere. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle with a seeded generator; returns a new array. */
export function shufflePrompts<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rand = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}

/**
 * Reads, splits, shuffles and samples prompts from `file` (see {@link readPromptRecords}).
 * Every record gets `source_fname` (the path as given), as pattern-lens records it.
 * @throws {ActivationsError} as {@link readPromptRecords}; `PL_ACTIVATIONS_PROMPTS_EMPTY` when nothing is left
 *   after splitting and filtering.
 */
export function loadPrompts(file: string, opts: LoadPromptsOptions = {}): PromptRecord[] {
  const records = readPromptRecords(file, opts.onWarning).map((r) => ({
    ...r,
    source_fname: file.replaceAll("\\", "/"),
  }));
  let prompts = splitPrompts(records, opts.minChars ?? 100, opts.maxChars ?? 1000);
  if (opts.shuffle) prompts = shufflePrompts(prompts, opts.seed ?? 0);
  if (opts.nSamples !== undefined) prompts = prompts.slice(0, opts.nSamples);
  if (prompts.length === 0) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_PROMPTS_EMPTY",
      `no prompts left from ${file} after keeping texts of at least ${opts.minChars ?? 100} characters; lower --min-chars.`,
    );
  }
  return prompts;
}
