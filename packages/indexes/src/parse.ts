// Everything that takes a zod schema: checking parsed JSON against it, parsing JSON and JSONL text.
// Kept out of the root entry so browser and worker code that only moves arrays never loads zod.
import type { z } from "zod";
import { keepKeyOrder } from "./_keep-order.ts";
import { IndexesError } from "./errors.ts";

/**
 * Why a value does not match a schema: up to three zod issues as `path: message`.
 */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => {
    const path = i.path.length > 0 ? i.path.map(String).join(".") : "(root)";
    return `at "${path}": ${i.message}`;
  });
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : "";
  return shown.join("; ") + more;
}

/**
 * Check a parsed JSON value against a schema, keeping its key order.
 *
 * @param where - e.g. `"path/prompts.jsonl:12"`, named in the error
 * @throws {@link IndexesError} `PL_INDEXES_SCHEMA` naming `where` and the zod issue paths.
 */
export function validate<S extends z.ZodType>(schema: S, raw: unknown, where: string): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw new IndexesError(
      "PL_INDEXES_SCHEMA",
      `${where}: does not match the expected format, ${describeIssues(r.error)}. Fix that entry or re-create the file with pattern-lens.`,
      { cause: r.error },
    );
  }
  return keepKeyOrder(r.data, raw);
}

/**
 * Parse JSON text and check it against `schema` (key order kept).
 *
 * @param source - file name or URL for error messages
 * @throws {@link IndexesError} `PL_INDEXES_JSON_PARSE` or `PL_INDEXES_SCHEMA`.
 */
export function parseJson<S extends z.ZodType>(text: string, schema: S, source = "<json>"): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new IndexesError(
      "PL_INDEXES_JSON_PARSE",
      `${source}: not valid JSON (${(cause as Error).message}). Fix the file or re-create it with pattern-lens.`,
      { cause },
    );
  }
  return validate(schema, raw, source);
}

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
