import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ActivationsError } from "./errors.ts";
import { hfTokenizer, type PromptTokenizer } from "./tokenize.ts";

export { hfTokenizer, type PromptTokenizer, type TokenizedPrompt, tokenizePrompt } from "./tokenize.ts";

type JsonObject = Record<string, unknown>;

function readJson(path: string, what: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_TOKENIZER_NOT_FOUND",
      `cannot read ${what} ${path}: ${(err as Error).message}.`,
      { cause: err },
    );
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object");
    return v as JsonObject;
  } catch (err) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_TOKENIZER_INVALID",
      `${what} ${path} is not valid JSON: ${(err as Error).message.replace(/\.+$/, "")}. Download it again.`,
      { cause: err },
    );
  }
}

/**
 * Loads `tokenizer.json` (and `tokenizer_config.json` when present) from a Hugging Face model folder.
 * BOS is the config's `bos_token`, else its `eos_token` (as TransformerLens does for tokenizers
 * without BOS), else `bosTokenId` (from `config.json`).
 * @throws {ActivationsError} `PL_ACTIVATIONS_TOKENIZER_NOT_FOUND` when `tokenizer.json` is missing;
 *   `PL_ACTIVATIONS_TOKENIZER_INVALID` when it cannot be parsed.
 */
export function loadHfTokenizer(
  dir: string,
  opts: { bosTokenId?: number; name?: string } = {},
): PromptTokenizer {
  const tokPath = join(dir, "tokenizer.json");
  if (!existsSync(tokPath)) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_TOKENIZER_NOT_FOUND",
      `no tokenizer.json in ${dir}. Put the model's tokenizer.json (and tokenizer_config.json) beside it, e.g. from its Hugging Face repository.`,
    );
  }
  const tokJson = readJson(tokPath, "tokenizer");
  const cfgPath = join(dir, "tokenizer_config.json");
  const cfg = existsSync(cfgPath) ? readJson(cfgPath, "tokenizer config") : {};
  return hfTokenizer(tokJson, cfg, { ...opts, where: tokPath });
}
