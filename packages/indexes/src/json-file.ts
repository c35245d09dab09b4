import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { ioError } from "./_io-error.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { stringifyJson } from "./json.ts";
import { stringifyJsonl } from "./jsonl.ts";
import { parseJson, parseJsonl } from "./parse.ts";
import { decodeUtf8 } from "./utf8.ts";

/** Read a file's bytes, wrapping failures as typed errors. */
export async function readBytesFile(path: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw ioError("read", path, e);
  }
}

/** {@link readBytesFile}, synchronously. */
export function readBytesFileSync(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw ioError("read", path, e);
  }
}

/**
 * Read a UTF-8 JSON file and check it against `schema`.
 *
 * @throws {@link IndexesError} `PL_INDEXES_NOT_FOUND`, `PL_INDEXES_IO`, `PL_INDEXES_NOT_UTF8`, `PL_INDEXES_JSON_PARSE`, `PL_INDEXES_SCHEMA`.
 * @example
 * ```ts
 * const cfg = await readJsonFile(modelCfgPath(save, "pythia-14m"), ModelCfgSchema);
 * ```
 */
export async function readJsonFile<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  return parseJson(decodeUtf8(await readBytesFile(path), path), schema, path);
}

/**
 * Write `value` as JSON, atomically, laid out as the Python pattern-lens writes `model_cfg.json`
 * and `prompt.json` (`json.dumps`: one line, `", "`/`": "` separators, ASCII-escaped, no
 * trailing newline). See {@link stringifyJson}.
 *
 * @throws {@link IndexesError} `PL_INDEXES_IO`.
 */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, stringifyJson(value));
}

/**
 * Read a JSONL file; each non-blank line is checked against `schema`.
 *
 * @throws {@link IndexesError} `PL_INDEXES_NOT_FOUND`, `PL_INDEXES_IO`, `PL_INDEXES_NOT_UTF8` (file and line),
 *   `PL_INDEXES_JSONL_PARSE` (file and 1-based line), `PL_INDEXES_SCHEMA` (file, line and the issue path).
 * @example
 * ```ts
 * const prompts = await readJsonl(promptsIndexPath(save, model), PromptMetaSchema);
 * ```
 */
export async function readJsonl<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>[]> {
  return parseJsonl(decodeUtf8(await readBytesFile(path), path), schema, path);
}

/**
 * Write records as JSONL, atomically (one `json.dumps`-style line each, `\n`-terminated).
 *
 * @throws {@link IndexesError} `PL_INDEXES_IO`.
 */
export async function writeJsonl(path: string, records: Iterable<unknown>): Promise<void> {
  await writeFileAtomic(path, stringifyJsonl(records));
}
