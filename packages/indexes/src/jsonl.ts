import type { z } from "zod";
import { IndexesError } from "./errors.ts";
import { stringifyJson, validate } from "./json.ts";

/**
 * Parse JSONL text: one JSON value per line, each checked against `schema` (key order kept).
 * Blank lines are skipped; `\r\n` endings are accepted.
 *
 * @param source - file name or URL for error messages
 * @throws {@link IndexesError} `PL_INDEXES_JSONL_PARSE` (bad JSON) or `PL_INDEXES_SCHEMA` (schema violation),
 *   naming `source`, the 1-based line number and, for the schema, the issue path.
 * @example
 * ```ts
 * const prompts = parseJsonl(await (await fetch(url)).text(), PromptMetaSchema, url);
 * ```
 */
export function parseJsonl<S extends z.ZodType>(text: string, schema: S, source = "<jsonl>"): z.output<S>[] {
  const out: z.output<S>[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (line.trim() === "") continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (cause) {
      throw new IndexesError(
        "PL_INDEXES_JSONL_PARSE",
        `${source}:${i + 1}: not valid JSON (${(cause as Error).message}). Fix or delete that line, or rebuild the index.`,
        { cause },
      );
    }
    out.push(validate(schema, raw, `${source}:${i + 1}`));
  }
  return out;
}

/**
 * JSONL text: each record as Python's `json.dumps` writes it (see {@link stringifyJson}),
 * one per line, each line ending in `\n`. Empty input gives `""`.
 */
export function stringifyJsonl(records: Iterable<unknown>): string {
  let out = "";
  for (const r of records) out += `${stringifyJson(r)}\n`;
  return out;
}
