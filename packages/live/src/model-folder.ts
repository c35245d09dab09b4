/**
 * The model files `pattern-lens live` serves: the cached instrumented copy (made once, as the CLI
 * makes it for `activations`), its data files, the tokenizer files and a `live.json` manifest.
 */
import { readFile, stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { ActivationsError, prepareInstrumentedModel } from "@pattern-lens/activations";
import type { LiveManifest } from "@pattern-lens/activations/browser";
import { resolveModel } from "@pattern-lens/models";
import { decodeModel, externalDataLocations } from "@pattern-lens/onnx";

/** What {@link prepareLiveModel} returns: the manifest and the file behind every served name. */
export interface LiveModelFolder {
  manifest: LiveManifest;
  /** Served name (relative to the model folder URL) → file on disk. */
  files: Map<string, string>;
}

/** Options of {@link prepareLiveModel}. */
export interface PrepareLiveOptions {
  /** Where instrumented copies are cached (default: the CLI's cache). */
  cacheDir?: string;
}

/**
 * Instruments `onnxPath` (cached) and lists the files the page needs: `model.onnx` (instrumented),
 * its external data, `tokenizer.json`, `tokenizer_config.json`.
 * @throws {ActivationsError} as `prepareInstrumentedModel`; `ModelsError` as `resolveModel` of
 *   @pattern-lens/models (which finds the model's folder); `PL_ACTIVATIONS_TOKENIZER_NOT_FOUND`.
 */
export async function prepareLiveModel(
  onnxPath: string,
  opts: PrepareLiveOptions = {},
): Promise<LiveModelFolder> {
  const resolved = await resolveModel(onnxPath);
  if (resolved.kind === "llama2c") {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_INVALID",
      `${onnxPath} is a llama2.c checkpoint; convert it first (pattern-lens activations does) and pass the .onnx file.`,
    );
  }
  let config: Record<string, unknown> = {};
  if (resolved.configFile !== undefined) {
    try {
      config = JSON.parse(await readFile(resolved.configFile, "utf8")) as Record<string, unknown>;
    } catch (cause) {
      throw new ActivationsError(
        "PL_ACTIVATIONS_MODEL_INVALID",
        `${resolved.configFile} is not valid JSON: ${(cause as Error).message}. Download or export the model again.`,
        { cause },
      );
    }
  }
  const source = { onnxPath: resolved.onnxFile, dir: resolved.dir, config };
  const inst = await prepareInstrumentedModel(
    source.onnxPath,
    opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {},
  );
  const files = new Map<string, string>([["model.onnx", inst.path]]);
  const externalData: LiveManifest["externalData"] = [];
  const locations = externalDataLocations(decodeModel(await readFile(inst.path)));
  for (const loc of locations) {
    if (isAbsolute(loc) || loc.split(/[\\/]/).includes("..") || loc.startsWith(".")) {
      throw new ActivationsError(
        "PL_ACTIVATIONS_MODEL_INVALID",
        `the model names the external data file "${loc}" outside its folder; export it with its data files beside it.`,
      );
    }
    const file = join(inst.externalDataDir ?? source.dir, loc);
    externalData.push({ path: loc, url: loc, bytes: (await stat(file)).size });
    files.set(loc, file);
  }
  const tokenizer = join(source.dir, "tokenizer.json");
  files.set("tokenizer.json", tokenizer);
  const tokenizerConfig = join(source.dir, "tokenizer_config.json");
  const hasCfg = await stat(tokenizerConfig).then(
    (s) => s.isFile(),
    () => false,
  );
  if (hasCfg) files.set("tokenizer_config.json", tokenizerConfig);
  const manifest: LiveManifest = {
    format: "pattern-lens-live",
    version: 1,
    onnx: "model.onnx",
    onnxBytes: (await stat(inst.path)).size,
    plan: inst.plan,
    externalData,
    config: source.config,
    tokenizer: "tokenizer.json",
    ...(hasCfg ? { tokenizerConfig: "tokenizer_config.json" } : {}),
  };
  return { manifest, files };
}
