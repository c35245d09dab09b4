import { join } from "node:path";
import { convertLlama2c } from "./llama2c/convert.ts";
import { type ResolvedModel, type ResolveModelOptions, resolveModel } from "./resolve-model.ts";

/** Options of {@link prepareLocalModel}: those of {@link resolveModel}, plus where conversions are cached. */
export interface PrepareLocalModelOptions extends ResolveModelOptions {
  /**
   * The cache root: llama2.c conversions go to `<cacheDir>/llama2c` (default: the llama2c
   * module's own default, see `defaultLlama2cCacheDir`).
   */
  cacheDir?: string | undefined;
}

/** A model ready for the activations pipeline. */
export interface LocalModel {
  /** The local `.onnx` file to run (its folder, or the parent of `onnx/`, holds config and tokenizer). */
  path: string;
  /** A default model folder name for the data layout (alias, repo name, folder name or file stem; unsanitised). */
  name: string;
  /** What the spec resolved to (for provenance and messages). */
  resolved: ResolvedModel;
}

/**
 * Model spec → local model, end to end: resolves `--model` (a path, an alias, a hub id
 * `org/name[@revision]`, a llama2.c checkpoint; see {@link resolveModel}), downloads hub models
 * into the Hugging Face cache, converts llama2.c checkpoints to ONNX (cached), and returns the
 * `.onnx` file to hand `@pattern-lens/activations`.
 *
 * @throws {ModelsError} / {@link HubError} as {@link resolveModel}; `Llama2cError` from the conversion.
 * @example
 * ```ts
 * const m = await prepareLocalModel("pythia-14m", { onProgress: (p) => bar.update(p.bytes) });
 * await runActivations({ model: m.path, modelName: m.name, ... });
 * ```
 */
export async function prepareLocalModel(
  spec: string,
  options: PrepareLocalModelOptions = {},
): Promise<LocalModel> {
  const { cacheDir, ...resolveOptions } = options;
  const resolved = await resolveModel(spec, resolveOptions);
  if (resolved.kind === "llama2c") {
    const converted = await convertLlama2c({
      checkpoint: resolved.checkpoint,
      tokenizer: resolved.tokenizer,
      ...(cacheDir !== undefined ? { cacheDir: join(cacheDir, "llama2c") } : {}),
    });
    return { path: converted.onnxFile, name: resolved.name, resolved };
  }
  return { path: resolved.onnxFile, name: resolved.name, resolved };
}
