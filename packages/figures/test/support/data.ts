import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyDemoInputsTo } from "#test-support/demo.ts";
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
  return copyDemoInputsTo(tempDir());
}

export const DEMO_MODEL = "pythia-14m";
