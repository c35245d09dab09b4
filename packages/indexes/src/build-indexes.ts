import { readdir, stat } from "node:fs/promises";
import { ioError } from "./_io-error.ts";
import { IndexesError } from "./errors.ts";
import type { ModelsIndexLine, PromptMeta } from "./file-schemas.ts";
import { readJsonFile, writeJsonl } from "./json-file.ts";
import {
  modelCfgPath,
  modelDir,
  modelsIndexPath,
  promptJsonPath,
  promptsDir,
  promptsIndexPath,
} from "./layout.ts";

/** The schemas, loaded when an index is built: the `./node` entry itself stays zod-free, so a
 * worker thread importing it for `.npz` reads does not pay zod's start-up. */
function loadSchemas(): Promise<typeof import("./file-schemas.ts")> {
  return import("./file-schemas.ts");
}

/** Sub-folder names of `dir`, sorted by code unit (deterministic, locale-free); [] if missing. */
async function subdirs(dir: string, required: boolean): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw ioError("list", dir, e);
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw ioError("stat", path, e);
  }
}

/**
 * Writes an index built from the entries `list` finds, then lists again and rebuilds while the
 * listing changed: with several writers each publishing its own files (rename) and then calling
 * this, the writer that renames last has listed after every other file was published, so the
 * index ends complete. No file locks (which NFS does not honour reliably). Gives up after 50 rounds.
 */
export async function publishConverged<T>(
  list: () => Promise<string[]>,
  write: (entries: string[]) => Promise<T>,
): Promise<T> {
  let entries = await list();
  for (let round = 0; ; round++) {
    const out = await write(entries);
    const again = await list();
    if (round >= 50 || (again.length === entries.length && again.every((e, i) => e === entries[i]))) {
      return out;
    }
    entries = again;
  }
}

/** Sub-folders of `dir` holding a file `name`, sorted. */
async function foldersWith(dir: string, name: string, required: boolean): Promise<string[]> {
  const out: string[] = [];
  for (const d of await subdirs(dir, required)) if (await isFile(`${dir}/${d}/${name}`)) out.push(d);
  return out;
}

/**
 * Rebuild `<save>/models.jsonl` from every `<save>/<folder>/model_cfg.json`: one line per model
 * folder, sorted by folder name, each the model_cfg (keys and order kept) plus
 * `sanitized_name` = the folder name. Folders without `model_cfg.json` are skipped. Written
 * atomically; safe from concurrent writers (see {@link publishConverged}).
 *
 * @returns the lines written
 * @throws {@link IndexesError} `PL_INDEXES_NOT_FOUND` (no `save` folder), `PL_INDEXES_SCHEMA`, `PL_INDEXES_JSON_PARSE`,
 *   `PL_INDEXES_NOT_UTF8`, `PL_INDEXES_IO`.
 */
export async function buildModelsIndex(save: string): Promise<ModelsIndexLine[]> {
  const { ModelCfgSchema } = await loadSchemas();
  return publishConverged(
    () => foldersWith(save, "model_cfg.json", true),
    async (folders) => {
      const lines: ModelsIndexLine[] = [];
      for (const folder of folders) {
        const cfg = await readJsonFile(modelCfgPath(save, folder), ModelCfgSchema);
        lines.push({ ...cfg, sanitized_name: folder });
      }
      await writeJsonl(modelsIndexPath(save), lines);
      return lines;
    },
  );
}

/**
 * Rebuild `<save>/<model>/prompts.jsonl` from every `prompts/<hash>/prompt.json`, sorted by
 * hash (folder name); each line is the prompt.json object as read (keys and order kept).
 * Folders without `prompt.json` are skipped; no `prompts/` folder gives an empty index.
 * Written atomically; safe from concurrent writers (see {@link publishConverged}).
 *
 * @param model - the model's folder name (its `sanitized_name`)
 * @returns the records written
 * @throws {@link IndexesError} `PL_INDEXES_NOT_FOUND` (no model folder), `PL_INDEXES_SCHEMA` (also when a
 *   prompt.json's `hash` is not its folder name), `PL_INDEXES_JSON_PARSE`, `PL_INDEXES_NOT_UTF8`, `PL_INDEXES_IO`.
 */
export async function buildPromptsIndex(save: string, model: string): Promise<PromptMeta[]> {
  const { PromptMetaSchema } = await loadSchemas();
  await subdirs(modelDir(save, model), true);
  return publishConverged(
    () => foldersWith(promptsDir(save, model), "prompt.json", false),
    async (hashes) => {
      const records: PromptMeta[] = [];
      for (const hash of hashes) {
        const path = promptJsonPath(save, model, hash);
        const meta = await readJsonFile(path, PromptMetaSchema);
        if (meta.hash !== hash) {
          throw new IndexesError(
            "PL_INDEXES_SCHEMA",
            `${path}: at "hash": "${meta.hash}" is not its folder name "${hash}". Move the folder to its hash or delete it.`,
          );
        }
        records.push(meta);
      }
      await writeJsonl(promptsIndexPath(save, model), records);
      return records;
    },
  );
}
