/**
 * Browser-safe tokenization: the tokenizer contract capture needs, a `@huggingface/tokenizers`
 * tokenizer built from parsed `tokenizer.json` / `tokenizer_config.json`, and the TransformerLens
 * BOS rule. The Node entry reads the files (`tokenizer.ts`); the browser entry fetches them.
 */
import { Tokenizer } from "@huggingface/tokenizers";
import { ActivationsError } from "./errors.ts";

/**
 * What capture needs from a tokenizer. `@huggingface/tokenizers` models are wrapped by
 * {@link loadHfTokenizer}; other sources (llama2.c `tokenizer.bin`) implement it directly.
 */
export interface PromptTokenizer {
  /** Token ids of `text` without any special token the tokenizer would add (no BOS). */
  encode(text: string): number[];
  /** The vocabulary piece of `id` (e.g. `Ġquick`, `▁the`, `<0xE2>`). */
  idToToken(id: number): string;
  /** The id prepended as BOS, or `undefined` when the tokenizer has none. */
  bosId: number | undefined;
  /** A short name recorded in `model_cfg.json` (`tokenizer_name`), if known. */
  name?: string;
}

/** A tokenized prompt, the way pattern-lens stores it. */
export interface TokenizedPrompt {
  /** The tokenizer's pieces, without BOS (`prompt.json` `tokens`). */
  tokens: string[];
  /** Every id the model sees, BOS included when prepended (`prompt.json` `token_ids`). */
  tokenIds: number[];
  /** True when the ids were cut to the model's context. */
  truncated: boolean;
  /** How many ids the cut dropped (0 when not truncated). */
  droppedTokens: number;
}

type JsonObject = Record<string, unknown>;

function tokenString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "object" && v !== null && typeof (v as JsonObject).content === "string")
    return (v as JsonObject).content as string;
  return undefined;
}

/**
 * A {@link PromptTokenizer} from parsed `tokenizer.json` and `tokenizer_config.json` objects.
 * BOS is the config's `bos_token`, else its `eos_token` (as TransformerLens does for tokenizers
 * without BOS), else `bosTokenId` (from `config.json`).
 * @throws {ActivationsError} `PL_ACTIVATIONS_TOKENIZER_INVALID` when the tokenizer cannot be built.
 */
export function hfTokenizer(
  tokJson: JsonObject,
  cfg: JsonObject,
  opts: { bosTokenId?: number; name?: string; where?: string } = {},
): PromptTokenizer {
  const tokPath = opts.where ?? "tokenizer.json";
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tokJson, cfg);
  } catch (err) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_TOKENIZER_INVALID",
      `cannot build a tokenizer from ${tokPath}: ${(err as Error).message}.`,
      { cause: err },
    );
  }
  let bosId: number | undefined;
  for (const key of ["bos_token", "eos_token"]) {
    const s = tokenString(cfg[key]);
    const id = s === undefined ? undefined : tok.token_to_id(s);
    if (id !== undefined) {
      bosId = id;
      break;
    }
  }
  bosId ??= opts.bosTokenId;
  const result: PromptTokenizer = {
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    idToToken: (id) => tok.id_to_token(id) ?? `<unk:${id}>`,
    bosId,
  };
  const name = opts.name ?? (typeof cfg.name_or_path === "string" ? cfg.name_or_path : undefined);
  if (name !== undefined) result.name = name;
  return result;
}

/**
 * Tokenizes a prompt the TransformerLens way: BOS first when `prependBos` (never twice: a BOS the
 * tokenizer put first itself is not repeated), then cut to `maxTokens` (the model's context).
 * @throws {ActivationsError} `PL_ACTIVATIONS_TOKENIZER_INVALID` when BOS is asked for and the tokenizer has none.
 */
export function tokenizePrompt(
  tokenizer: PromptTokenizer,
  text: string,
  opts: { prependBos: boolean; maxTokens?: number },
): TokenizedPrompt {
  let ids = tokenizer.encode(text);
  const bos = tokenizer.bosId;
  if (opts.prependBos) {
    if (bos === undefined) {
      throw new ActivationsError(
        "PL_ACTIVATIONS_TOKENIZER_INVALID",
        "the tokenizer has no BOS token; run with --no-prepend-bos.",
      );
    }
    if (ids[0] !== bos) ids = [bos, ...ids];
  }
  let droppedTokens = 0;
  if (opts.maxTokens !== undefined && ids.length > opts.maxTokens) {
    droppedTokens = ids.length - opts.maxTokens;
    ids = ids.slice(0, opts.maxTokens);
  }
  const withoutBos = opts.prependBos ? ids.slice(1) : ids;
  return {
    tokens: withoutBos.map((id) => tokenizer.idToToken(id)),
    tokenIds: ids,
    truncated: droppedTokens > 0,
    droppedTokens,
  };
}
