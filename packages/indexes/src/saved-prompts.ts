// The prompts a step after activations works on: prompts.jsonl, and what is saved on disk that it
// does not list yet. With several writers on one data folder, prompts.jsonl is rebuilt by each of
// them (see buildPromptsIndex): one whose listing predates another's newest prompt.json can
// replace the index that listed it, until its own next round lists it again. A shard that reads
// prompts.jsonl in that moment must still see the prompts it has just saved.
import { readdir } from "node:fs/promises";
import { ioError } from "./_io-error.ts";
import type { PromptMeta } from "./file-schemas.ts";
import { readJsonFile, readJsonl } from "./json-file.ts";
import { promptJsonPath, promptsDir, promptsIndexPath } from "./layout.ts";
import { isSafeName } from "./safe-name.ts";

/**
 * The prompts of a model: the lines of `<save>/<model>/prompts.jsonl` in their order, then, sorted
 * by hash, the prompts saved on disk (`prompts/<hash>/prompt.json`) that it does not list: those
 * another writer's rebuild of the index has not listed yet (see `buildPromptsIndex`). A saved
 * prompt.json that is unreadable, fails the schema or names another hash is left out (the next
 * `pattern-lens index` reports it).
 *
 * @param model - the model's folder name (its `sanitized_name`)
 * @throws {@link IndexesError} as `readJsonl` for prompts.jsonl (`PL_INDEXES_NOT_FOUND` when it is
 *   missing, `PL_INDEXES_SCHEMA`, `PL_INDEXES_JSONL_PARSE`), `PL_INDEXES_IO` when the prompts folder
 *   cannot be listed.
 */
export async function readSavedPrompts(save: string, model: string): Promise<PromptMeta[]> {
  const { PromptMetaSchema } = await import("./file-schemas.ts");
  const listed = await readJsonl(promptsIndexPath(save, model), PromptMetaSchema);
  const dir = promptsDir(save, model);
  let folders: string[];
  try {
    folders = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && isSafeName(e.name))
      .map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return listed;
    throw ioError("list", dir, err);
  }
  const known = new Set(listed.map((p) => p.hash));
  const unlisted = folders.filter((h) => !known.has(h)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const saved: PromptMeta[] = [];
  for (const hash of unlisted) {
    try {
      const meta = await readJsonFile(promptJsonPath(save, model, hash), PromptMetaSchema);
      if (meta.hash === hash) saved.push(meta);
    } catch {
      // not saved yet (activations writes prompt.json last), or damaged: not a prompt to work on
    }
  }
  return [...listed, ...saved];
}
