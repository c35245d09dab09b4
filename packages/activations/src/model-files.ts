import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { DEFAULT_ONNX_FILES } from "@pattern-lens/onnx";
import { ActivationsError } from "./errors.ts";

// Model specs (aliases, hub ids, llama2.c checkpoints, --onnx-file choices) are resolved by
// @pattern-lens/models' resolveModel; this only opens the local path the pipeline is handed (an
// .onnx file, or a folder in hub layout), with the same list of default ONNX files.

/** A local ONNX model: the file to run and the folder its `config.json` and tokenizer sit in. */
export interface ModelFiles {
  /** The `.onnx` file. */
  onnxPath: string;
  /** The Hugging Face style folder (`config.json`, `tokenizer.json`), if any. */
  dir: string;
  /** Parsed `config.json`, or `{}`. */
  config: Record<string, unknown>;
  /** Default folder name in the save path: the model folder's name, or the `.onnx` file's stem. */
  defaultName: string;
}

function readConfig(dir: string): Record<string, unknown> {
  const p = join(dir, "config.json");
  if (!existsSync(p)) return {};
  try {
    const v = JSON.parse(readFileSync(p, "utf8")) as unknown;
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
  } catch (err) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_INVALID",
      `${p} is not valid JSON: ${(err as Error).message}.`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Opens the local model the pipeline is handed: an `.onnx` file (its folder, or the parent of an `onnx/`
 * folder, holds `config.json` and the tokenizer), or a folder in Hugging Face hub layout.
 * @throws {ActivationsError} `PL_ACTIVATIONS_MODEL_NOT_FOUND` when nothing usable is there.
 */
export function openModelFiles(path: string): ModelFiles {
  if (!existsSync(path)) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_NOT_FOUND",
      `model ${path} does not exist. Pass --model with an .onnx file or a folder with onnx/model.onnx, config.json and tokenizer.json.`,
    );
  }
  const st = statSync(path);
  if (st.isFile()) {
    const fileDir = dirname(path);
    const dir =
      basename(fileDir) === "onnx" && !existsSync(join(fileDir, "tokenizer.json"))
        ? dirname(fileDir)
        : fileDir;
    const stem = basename(path).replace(/\.onnx$/i, "");
    return { onnxPath: path, dir, config: readConfig(dir), defaultName: stem };
  }
  for (const c of DEFAULT_ONNX_FILES) {
    const p = join(path, c);
    if (existsSync(p))
      return {
        onnxPath: p,
        dir: path,
        config: readConfig(path),
        defaultName: basename(path.replace(/\/+$/, "")),
      };
  }
  const onnx = existsSync(join(path, "onnx"))
    ? readdirSync(join(path, "onnx")).filter((f) => f.endsWith(".onnx"))
    : [];
  const top = readdirSync(path).filter((f) => f.endsWith(".onnx"));
  const all = [...onnx.map((f) => join(path, "onnx", f)), ...top.map((f) => join(path, f))];
  if (all.length === 1)
    return {
      onnxPath: all[0] as string,
      dir: path,
      config: readConfig(path),
      defaultName: basename(path.replace(/\/+$/, "")),
    };
  throw new ActivationsError(
    "PL_ACTIVATIONS_MODEL_NOT_FOUND",
    all.length === 0
      ? `no .onnx file in ${path}. Expected onnx/model.onnx or onnx/decoder_model.onnx.`
      : `${path} holds several .onnx files (${all.map((p) => basename(p)).join(", ")}); pass the one to use as --model.`,
  );
}
