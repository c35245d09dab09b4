// Writing a prompt's files: activations.npz (all layers at once, or layer by layer as they are
// computed) and prompt.json.
import { mkdirSync } from "node:fs";
import {
  activationsPath,
  type CompressLevel,
  float32ToFloat16Bits,
  isUserError,
  type NpyArray,
  patternKey,
  promptDir,
} from "@pattern-lens/indexes";
import { openNpzWriter, writeNpzFile } from "@pattern-lens/indexes/node";
import { realMkdirError } from "./_mkdir-error.ts";
import type { LayerPattern } from "./capture.ts";
import { ActivationsError } from "./errors.ts";
import type { LayerStreamer } from "./layer-stream.ts";
import type { Job } from "./plan.ts";

/** How patterns are saved. */
export interface SaveFormat {
  level: CompressLevel;
  strategy: "rle" | "default";
  dtype: "float32" | "float16";
}

const COMPUTED_KEYS = new Set(["hash", "n_tokens", "tokens", "token_ids", "truncated"]);

/** The prompt.json record of a job (the input record's own keys first). */
export function promptJson(job: Job): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(job.record)) if (!COMPUTED_KEYS.has(k)) out[k] = v;
  out.hash = job.hash;
  out.n_tokens = job.tokens.length;
  out.tokens = job.tokens;
  out.token_ids = job.tokenIds;
  if (job.truncated) out.truncated = true;
  return out;
}

/** One layer as the npy array saved (float32 view, or a float16 copy). */
export function toNpy(layer: LayerPattern, dtype: "float32" | "float16"): NpyArray {
  const shape = [1, layer.nHeads, layer.n, layer.n];
  return dtype === "float16"
    ? { dtype: "<f2", shape, data: float32ToFloat16Bits(layer.data) }
    : { dtype: "<f4", shape, data: layer.data };
}

/** Rethrows user errors; wraps file system ones as `PL_ACTIVATIONS_IO` with a hint. */
export function wrapIo(err: unknown, what: string): never {
  if (isUserError(err)) throw err;
  const e = realMkdirError(err) as NodeJS.ErrnoException;
  const hint =
    e.code === "ENOSPC"
      ? "the disk is full; free some space"
      : e.code === "EACCES" || e.code === "EPERM"
        ? "permission denied; choose a --save-path you can write to"
        : e.code === "EROFS"
          ? "the file system is read-only; choose a --save-path you can write to"
          : "check the path";
  throw new ActivationsError("PL_ACTIVATIONS_IO", `cannot write ${what}: ${e.message} (${hint}).`, {
    cause: err,
  });
}

/** Writes one prompt's npz from every layer's pattern held in memory. */
export async function writeWholeNpz(
  save: string,
  model: string,
  job: Job,
  layers: LayerPattern[],
  f: SaveFormat,
) {
  const entries = new Map<string, NpyArray>();
  for (const [l, layer] of layers.entries()) entries.set(patternKey(l), toNpy(layer, f.dtype));
  try {
    mkdirSync(promptDir(save, model, job.hash), { recursive: true });
    await writeNpzFile(activationsPath(save, model, job.hash), entries, {
      compressLevel: f.level,
      compressStrategy: f.strategy,
    });
  } catch (err) {
    wrapIo(err, `prompt ${job.hash}`);
  }
}

/**
 * Runs one prompt layer by layer and writes each layer's pattern as it comes (same bytes as
 * {@link writeWholeNpz}); nothing appears at the path unless every layer was written. `lean`
 * trades the overlap of computing and writing for a lower peak (see `LayerStreamer.run`).
 */
export async function writeStreamedNpz(
  save: string,
  model: string,
  job: Job,
  streamer: LayerStreamer,
  f: SaveFormat,
  lean = false,
): Promise<void> {
  const path = activationsPath(save, model, job.hash);
  const writer = await openNpzWriter(path, { compressLevel: f.level, compressStrategy: f.strategy }).catch(
    (err: unknown) => wrapIo(err, `prompt ${job.hash}`),
  );
  try {
    await streamer.run(job.tokenIds, (l, p) => writer.add(patternKey(l), toNpy(p, f.dtype)), { lean });
    await writer.close();
  } catch (err) {
    await writer.abort();
    wrapIo(err, `prompt ${job.hash}`);
  }
}
