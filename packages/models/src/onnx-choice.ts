import { DEFAULT_ONNX_FILES } from "@pattern-lens/onnx";
import { ModelsError } from "./errors.ts";

/** The paths `requested` may stand for, most specific first (`fp16` → `onnx/model_fp16.onnx`, ...). */
export function onnxFileCandidates(requested: string): string[] {
  const r = requested.replace(/^\.\//, "").replace(/\\/g, "/");
  const stem = r.endsWith(".onnx") ? r.slice(0, -5) : r;
  const out = [r, `${stem}.onnx`];
  if (!stem.includes("/")) {
    out.push(`onnx/${stem}.onnx`, `onnx/model_${stem}.onnx`, `onnx/decoder_model_${stem}.onnx`);
    out.push(`model_${stem}.onnx`, `decoder_model_${stem}.onnx`);
  }
  return [...new Set(out)];
}

/**
 * Picks the ONNX file to run among `files` (POSIX paths relative to the model root).
 * With `requested` (`--onnx-file`): an exact path, or a short name such as `model_fp16`, `fp16` or
 * `quantized`. Without: the first of {@link DEFAULT_ONNX_FILES} present, else the only `.onnx` file.
 *
 * @param where - names the folder or repo in error messages.
 * @throws {ModelsError} `PL_MODELS_INVALID` when nothing matches or the choice is ambiguous; the
 *   message lists the ONNX files there are.
 */
export function chooseOnnxFile(
  files: readonly string[],
  requested: string | undefined,
  where: string,
): string {
  const set = new Set(files);
  const onnx = files.filter((f) => f.endsWith(".onnx")).sort();
  const listing = onnx.length > 0 ? `ONNX files there: ${onnx.join(", ")}` : "there is no .onnx file there";
  if (requested !== undefined) {
    const hit = onnxFileCandidates(requested).find((c) => set.has(c));
    if (hit !== undefined) return hit;
    throw new ModelsError(
      "PL_MODELS_INVALID",
      `--onnx-file ${requested} matches no file in ${where}; ${listing}. Pass one of them.`,
    );
  }
  const def = DEFAULT_ONNX_FILES.find((c) => set.has(c));
  if (def !== undefined) return def;
  if (onnx.length === 1) return onnx[0]!;
  if (onnx.length === 0) {
    throw new ModelsError(
      "PL_MODELS_INVALID",
      `no ONNX model in ${where}: expected onnx/model.onnx or onnx/decoder_model.onnx (${listing}).`,
    );
  }
  throw new ModelsError(
    "PL_MODELS_INVALID",
    `several ONNX files in ${where} and none of the default names; ${listing}. Choose one with --onnx-file.`,
  );
}
