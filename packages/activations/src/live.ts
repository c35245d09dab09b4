/**
 * Capture in the browser: a model held in memory (instrumented here, or a copy instrumented ahead
 * of time with its plan), tokenized and run with onnxruntime-web, returning every layer's pattern
 * with the same shape, validation and BOS rule as `pattern-lens activations`.
 */
import { decodeModel, encodeModel, type ModelProto } from "@pattern-lens/onnx";
import { contextLength, cutRows, num } from "./cut-rows.ts";
import { ActivationsError } from "./errors.ts";
import { buildFeeds } from "./feeds.ts";
import { type CapturePlan, instrumentModel } from "./instrument.ts";
import type { OrtSession } from "./ort.ts";
import { createWebOrtSession, type WebOrtOptions } from "./ort-web.ts";
import { hfTokenizer, type PromptTokenizer, tokenizePrompt } from "./tokenize.ts";

/** The files of a model, in memory (see `fetchLiveModel` for fetching them from a folder URL). */
export interface LiveModelSource {
  /** The `.onnx` bytes: the original model, or an instrumented copy when `plan` is given. */
  onnx: Uint8Array;
  /** The capture plan of a copy instrumented ahead of time (`pattern-lens live` writes one). */
  plan?: CapturePlan;
  /** External data files the graph names, as bytes or URLs. */
  externalData?: readonly { path: string; data: Uint8Array | string }[];
  /** `config.json` (context length, BOS id). */
  config: Record<string, unknown>;
  /** `tokenizer.json`. */
  tokenizerJson: Record<string, unknown>;
  /** `tokenizer_config.json` (or `{}`). */
  tokenizerConfig: Record<string, unknown>;
  /** The longest prompt whose attention fits in the page's memory (see `liveTokenLimit`). */
  tokenLimit?: number;
}

/** A model opened in the page. */
export interface LiveModel {
  session: OrtSession;
  tokenizer: PromptTokenizer;
  plan: CapturePlan;
  /** The context length from `config.json`, if it says. */
  nCtx: number | undefined;
  /** Whether patterns are checked for zeros above the diagonal (as the CLI decides). */
  causal: boolean;
  /** The longest prompt whose attention fits in the page's memory, when shorter than `nCtx`. */
  tokenLimit: number | undefined;
  /** Frees the session. */
  close(): Promise<void>;
}

/** The patterns of one text: the `detail` of `pattern-lens-patterns`. */
export interface LivePatterns {
  /** Tokens without BOS, as `prompt.json` stores them. */
  tokens: string[];
  /** Every id the model saw, BOS first. */
  tokenIds: number[];
  /** One `[heads, n, n]` row-major array per layer, `n = tokenIds.length`. */
  layers: Float32Array[];
  /** Heads per layer. */
  nHeads: number;
  /** True when the text was cut to the model's context. */
  truncated: boolean;
}

/**
 * Instruments an ONNX model held in memory (the same graph edit as the CLI's cached copy) and
 * returns the new bytes with the plan.
 * @throws {ActivationsError} `PL_ACTIVATIONS_MODEL_INVALID`, `PL_ACTIVATIONS_MODEL_NO_ATTENTION`.
 */
export function instrumentModelBytes(onnx: Uint8Array): { onnx: Uint8Array; plan: CapturePlan } {
  let model: ModelProto;
  try {
    model = decodeModel(onnx);
  } catch (err) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_INVALID",
      `the model is not a valid ONNX file: ${(err as Error).message}. Serve the .onnx file itself.`,
      { cause: err },
    );
  }
  if (!model.graph) throw new ActivationsError("PL_ACTIVATIONS_MODEL_INVALID", "the ONNX file has no graph.");
  const plan = instrumentModel(model);
  return { onnx: encodeModel(model), plan };
}

/**
 * Opens a model in the page: instruments it unless a plan comes with it, starts an
 * onnxruntime-web session and builds the tokenizer.
 * @throws {ActivationsError} `PL_ACTIVATIONS_MODEL_INVALID`, `PL_ACTIVATIONS_MODEL_NO_ATTENTION`, `PL_ACTIVATIONS_TOKENIZER_INVALID`.
 * @example
 * const m = await openLiveModel(await fetchLiveModel("./model/"), { wasmPaths: "./ort/" });
 * const { tokens, layers } = await livePatterns(m, "Hello world");
 */
export async function openLiveModel(src: LiveModelSource, ortOpts: WebOrtOptions): Promise<LiveModel> {
  const ready = src.plan ? { onnx: src.onnx, plan: src.plan } : instrumentModelBytes(src.onnx);
  const bos = num(src.config.bos_token_id);
  const tokenizer = hfTokenizer(
    src.tokenizerJson,
    src.tokenizerConfig,
    bos !== undefined ? { bosTokenId: bos } : {},
  );
  const session = await createWebOrtSession(ready.onnx, {
    ...ortOpts,
    ...(src.externalData ? { externalData: src.externalData } : {}),
  });
  return {
    session,
    tokenizer,
    plan: ready.plan,
    nCtx: contextLength(src.config),
    causal: ready.plan.causal ?? src.config.is_encoder_decoder !== true,
    tokenLimit: src.tokenLimit,
    close: () => session.dispose(),
  };
}

/**
 * The attention patterns of one text: BOS first (never twice), cut to the model's context, run
 * and validated exactly as `pattern-lens activations` does for one prompt.
 * @throws {ActivationsError} `PL_ACTIVATIONS_PROMPTS_INVALID` for a text without tokens; `PL_ACTIVATIONS_PATTERN_INVALID`.
 */
export async function livePatterns(
  m: LiveModel,
  text: string,
  opts: { prependBos?: boolean } = {},
): Promise<LivePatterns> {
  const tok = tokenizePrompt(m.tokenizer, text, {
    prependBos: opts.prependBos ?? true,
    ...(m.nCtx !== undefined ? { maxTokens: m.nCtx } : {}),
  });
  if (m.tokenLimit !== undefined && tok.tokenIds.length > m.tokenLimit) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_PROMPT_TOO_LONG",
      `this prompt has ${tok.tokenIds.length} tokens; the page's memory holds the attention of at most ${m.tokenLimit} tokens for this model. Shorten it, or capture it with the CLI (\`pattern-lens activations\`).`,
    );
  }
  if (tok.tokenIds.length === 0)
    throw new ActivationsError("PL_ACTIVATIONS_PROMPTS_INVALID", "the text has no tokens.");
  const rows = [tok.tokenIds];
  const out = await m.session.run(buildFeeds(m.session.inputs, { rows, padId: 0 }), m.plan.outputs);
  const layers: Float32Array[] = [];
  let nHeads = 0;
  m.plan.outputs.forEach((name, layer) => {
    const t = out[name];
    if (!t)
      throw new ActivationsError(
        "PL_ACTIVATIONS_MODEL_INVALID",
        `the instrumented model did not return ${name}.`,
      );
    const [p] = cutRows(t, layer, rows, m.causal);
    if (!p)
      throw new ActivationsError("PL_ACTIVATIONS_PATTERN_INVALID", `layer ${layer} returned no pattern.`);
    nHeads = p.nHeads;
    layers.push(p.data);
  });
  return { tokens: tok.tokens, tokenIds: tok.tokenIds, layers, nHeads, truncated: tok.truncated };
}
