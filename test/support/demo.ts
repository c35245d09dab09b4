import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { sharedPath } from "./shared.ts";

/** The model folder of the shared Python-written demo. */
export const DEMO_MODEL = "pythia-14m";

/**
 * Copies the shared demo's inputs (models.jsonl, model_cfg.json, prompts.jsonl, and each prompt's
 * prompt.json and activations.npz; no figures) into the folder `dst`, which is returned.
 */
export function copyDemoInputsTo(dst: string): string {
  const src = sharedPath("reference", "pattern-lens-demo");
  copyFileSync(join(src, "models.jsonl"), join(dst, "models.jsonl"));
  mkdirSync(join(dst, DEMO_MODEL, "prompts"), { recursive: true });
  for (const f of ["model_cfg.json", "prompts.jsonl"]) {
    copyFileSync(join(src, DEMO_MODEL, f), join(dst, DEMO_MODEL, f));
  }
  for (const h of readdirSync(join(src, DEMO_MODEL, "prompts"))) {
    mkdirSync(join(dst, DEMO_MODEL, "prompts", h));
    for (const f of ["prompt.json", "activations.npz"]) {
      copyFileSync(join(src, DEMO_MODEL, "prompts", h, f), join(dst, DEMO_MODEL, "prompts", h, f));
    }
  }
  return dst;
}
