import { existsSync, readFileSync, rmSync } from "node:fs";
import { headMetricsPath, modelCfgPath, promptsDir, promptsIndexPath } from "@pattern-lens/indexes";
import { ActivationsError } from "./errors.ts";

/** The `model_cfg.json` keys that tell one model from another. */
const IDENTITY = ["n_layers", "n_heads", "d_model", "d_head", "d_vocab", "original_architecture"] as const;

/** How `existing` differs from `next` as a model, or `undefined` when they are the same model. */
export function modelDifference(
  existing: Record<string, unknown>,
  next: Record<string, unknown>,
): string | undefined {
  for (const k of IDENTITY) {
    const a = existing[k];
    const b = next[k];
    if (a !== undefined && a !== null && b !== undefined && b !== null && a !== b) {
      return `${k} ${JSON.stringify(a)} there, ${JSON.stringify(b)} now`;
    }
  }
  const shaA = (existing.pattern_lens as Record<string, unknown> | undefined)?.model_sha256;
  const shaB = (next.pattern_lens as Record<string, unknown> | undefined)?.model_sha256;
  if (typeof shaA === "string" && typeof shaB === "string" && shaA !== shaB) {
    return `model file sha256 ${shaA.slice(0, 12)}… there, ${shaB.slice(0, 12)}… now`;
  }
  return undefined;
}

/**
 * Checks that the model folder `<save>/<modelName>` is empty or holds patterns of the same model
 * as `cfg`. A folder of another model is refused unless `force`; with `force` its prompts,
 * prompts.jsonl and head_metrics.jsonl are removed first, so no pattern or figure of the old model
 * stays beside the new ones.
 *
 * @throws {ActivationsError} `PL_ACTIVATIONS_MODEL_MISMATCH`
 */
export function checkModelFolder(
  save: string,
  modelName: string,
  cfg: Record<string, unknown>,
  force: boolean,
  warn: (m: string) => void,
): void {
  const path = modelCfgPath(save, modelName);
  if (!existsSync(path)) return;
  let existing: Record<string, unknown> | undefined;
  try {
    const raw: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (raw !== null && typeof raw === "object" && !Array.isArray(raw))
      existing = raw as Record<string, unknown>;
  } catch {
    existing = undefined;
  }
  const diff = existing === undefined ? "its model_cfg.json is unreadable" : modelDifference(existing, cfg);
  if (diff === undefined) return;
  if (!force) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_MISMATCH",
      `${path} belongs to another model (${diff}). Choose another --model-name, or pass --force to replace that folder's patterns, figures and metrics with this model's.`,
    );
  }
  warn(`${path} belonged to another model (${diff}); --force: removing its prompts and head metrics`);
  for (const p of [
    promptsDir(save, modelName),
    promptsIndexPath(save, modelName),
    headMetricsPath(save, modelName),
  ]) {
    rmSync(p, { recursive: true, force: true });
  }
}
