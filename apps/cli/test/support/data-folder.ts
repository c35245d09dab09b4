import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedPath } from "#test-support/shared.ts";

/** The model folder of the shared Python-written demo (6 layers × 4 heads). */
export const MODEL = "pythia-14m";

/** A prompts.jsonl line, as the tests need it. */
export interface PromptLine {
  hash: string;
  text: string;
  tokens: string[];
  [k: string]: unknown;
}

const made: string[] = [];

/** A fresh temp folder, removed by {@link removeTempFolders}. */
export function tempFolder(prefix = "pl-cli-valid-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Removes every folder {@link tempFolder} made (call in `afterAll`/`afterEach`). */
export function removeTempFolders(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/**
 * The first `n` prompts of the shared Python-written demo (models.jsonl, model_cfg.json,
 * prompts.jsonl, prompt.json, activations.npz; no figures) in a writable temp data folder.
 */
export function smallDemo(n = 3, into = tempFolder()): string {
  const src = sharedPath("reference", "pattern-lens-demo");
  copyFileSync(join(src, "models.jsonl"), join(into, "models.jsonl"));
  mkdirSync(join(into, MODEL, "prompts"), { recursive: true });
  copyFileSync(join(src, MODEL, "model_cfg.json"), join(into, MODEL, "model_cfg.json"));
  const lines = promptLines(join(src, MODEL, "prompts.jsonl")).slice(0, n);
  writeFileSync(join(into, MODEL, "prompts.jsonl"), lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
  for (const { hash } of lines) {
    mkdirSync(join(into, MODEL, "prompts", hash));
    for (const f of ["prompt.json", "activations.npz"]) {
      copyFileSync(join(src, MODEL, "prompts", hash, f), join(into, MODEL, "prompts", hash, f));
    }
  }
  return into;
}

/** The lines of a prompts.jsonl file. */
export function promptLines(path: string): PromptLine[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as PromptLine);
}

/** The prompt hashes of the model folder, in prompts.jsonl order. */
export function hashes(save: string): string[] {
  return promptLines(join(save, MODEL, "prompts.jsonl")).map((l) => l.hash);
}

/** `<save>/<model>/prompts/<hash>/<file>`. */
export function promptFile(save: string, hash: string, file: string): string {
  return join(save, MODEL, "prompts", hash, file);
}
