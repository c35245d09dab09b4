// Resuming: which prompts are already saved, and the prompt list of an earlier run.
import { existsSync } from "node:fs";
import { activationsPath, encodeNpyHeader, patternKey, promptJsonPath } from "@pattern-lens/indexes";
import { openNpzReader, readJsonFile, readJsonl } from "@pattern-lens/indexes/node";
import { PromptMetaSchema } from "@pattern-lens/indexes/schemas";
import { ActivationsError } from "./errors.ts";
import type { Job } from "./plan.ts";
import type { PromptRecord } from "./prompts.ts";

/**
 * True when the prompt's `prompt.json` (same text) and an `activations.npz` with every layer at
 * `[1, nHeads, n, n]` (float32 or float16) exist. Reads the npz's directory only, never its data:
 * a member's size says its shape, as its npy header has a fixed length for a given shape.
 */
export async function isDone(
  save: string,
  model: string,
  job: Job,
  nLayers: number,
  nHeads: number,
): Promise<boolean> {
  const pj = promptJsonPath(save, model, job.hash);
  const npzPath = activationsPath(save, model, job.hash);
  if (!existsSync(pj) || !existsSync(npzPath)) return false;
  try {
    const meta = await readJsonFile(pj, PromptMetaSchema);
    if (meta.text !== job.record.text) return false;
    const npz = await openNpzReader(npzPath);
    try {
      const shape = [1, nHeads, job.tokenIds.length, job.tokenIds.length];
      const cells = nHeads * job.tokenIds.length ** 2;
      const sizes = (["<f4", "<f2"] as const).map(
        (d) => encodeNpyHeader(d, shape).length + cells * (d === "<f4" ? 4 : 2),
      );
      for (let l = 0; l < nLayers; l++) if (!sizes.includes(npz.sizeOf(patternKey(l)) ?? -1)) return false;
      return true;
    } finally {
      await npz.close();
    }
  } catch {
    return false;
  }
}

/** The prompts of an earlier run (`<save>/<model>/prompts.jsonl`). */
export function readPromptsIndex(
  path: string,
  onWarning: (m: string) => void,
): Promise<PromptRecord[]> | PromptRecord[] {
  if (!existsSync(path)) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_PROMPTS_NOT_FOUND",
      `no --prompts given and ${path} does not exist. Pass --prompts FILE (JSONL with "text", or .txt).`,
    );
  }
  void onWarning;
  return readJsonl(path, PromptMetaSchema) as Promise<PromptRecord[]>;
}
