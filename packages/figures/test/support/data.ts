import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedPath } from "#test-support/shared.ts";

/** The shared Python-written demo data folder (read-only). */
export function demoDir(): string {
  return sharedPath("reference", "pattern-lens-demo");
}

/** A fresh temp folder. */
export function tempDir(prefix = "pl-figures-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Copies the demo's inputs (models.jsonl, model_cfg.json, prompts.jsonl, prompt.json, activations.npz)
 * into a writable temp data folder, without its figures. Returns the new save path.
 */
export function copyDemoInputs(): string {
  const src = demoDir();
  const dst = tempDir();
  copyFileSync(join(src, "models.jsonl"), join(dst, "models.jsonl"));
  const m = "pythia-14m";
  mkdirSync(join(dst, m, "prompts"), { recursive: true });
  copyFileSync(join(src, m, "model_cfg.json"), join(dst, m, "model_cfg.json"));
  copyFileSync(join(src, m, "prompts.jsonl"), join(dst, m, "prompts.jsonl"));
  const hashes = readdirSync(join(src, m, "prompts"));
  for (const h of hashes) {
    mkdirSync(join(dst, m, "prompts", h));
    for (const f of ["prompt.json", "activations.npz"]) {
      copyFileSync(join(src, m, "prompts", h, f), join(dst, m, "prompts", h, f));
    }
  }
  return dst;
}

export const DEMO_MODEL = "pythia-14m";
