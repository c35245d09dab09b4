import { stringifyJson } from "./json.ts";

/**
 * JSONL text: each record as Python's `json.dumps` writes it (see {@link stringifyJson}),
 * one per line, each line ending in `\n`. Empty input gives `""`.
 */
export function stringifyJsonl(records: Iterable<unknown>): string {
  let out = "";
  for (const r of records) out += `${stringifyJson(r)}\n`;
  return out;
}
