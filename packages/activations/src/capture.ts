import { contextLength, cutRows, type LayerPattern, num } from "./cut-rows.ts";
import { ActivationsError } from "./errors.ts";
import { buildFeeds } from "./feeds.ts";
import { type InstrumentedModel, prepareInstrumentedModel } from "./instrumented-cache.ts";
import { type ModelFiles, openModelFiles } from "./model-files.ts";
import {
  createOrtSession,
  type Device,
  type HostTensor,
  type OrtSession,
  type OrtSessionOptions,
} from "./ort.ts";
import { loadHfTokenizer, type PromptTokenizer, type TokenizedPrompt, tokenizePrompt } from "./tokenizer.ts";

export { contextLength, cutRows, type LayerPattern } from "./cut-rows.ts";

/** Options of {@link openPatternModel}. */
export interface OpenModelOptions {
  /** An `.onnx` file or a Hugging Face style model folder. */
  model: string;
  /** A tokenizer to use instead of the folder's `tokenizer.json` (e.g. llama2.c). */
  tokenizer?: PromptTokenizer;
  device?: Device;
  /** Where instrumented copies are cached (see `defaultCacheDir`). */
  cacheDir?: string;
  /** Also return each attention node's input (tests of fused attention / GQA). */
  exposeInputs?: boolean;
  /** Intra-op threads for ONNX Runtime. */
  intraOpNumThreads?: number;
  /** Causal masking check; default: the capture method's finding, else true (decoders). */
  causal?: boolean;
}

/** A model opened for capture: session, tokenizer and what instrumentation found. */
export interface PatternModel {
  source: ModelFiles;
  instrumented: InstrumentedModel;
  session: OrtSession;
  tokenizer: PromptTokenizer;
  /** Number of layers with captured attention. */
  nLayers: number;
  /** The model's context length, when `config.json` says. */
  nCtx: number | undefined;
  /** Whether patterns are checked for zeros above the diagonal. */
  causal: boolean;
  /** Frees the session. */
  close(): Promise<void>;
}

/** The patterns of one prompt, in memory. */
export interface PromptPatterns extends TokenizedPrompt {
  /** One entry per layer. */
  layers: LayerPattern[];
  /** The node inputs exposed with `exposeInputs`, per layer. */
  exposed?: HostTensor[];
}

/**
 * Opens a local ONNX model for capture: finds the file, instruments it (cached), starts an ONNX
 * Runtime session and loads the tokenizer.
 * @throws {ActivationsError} `PL_ACTIVATIONS_MODEL_NOT_FOUND`, `PL_ACTIVATIONS_MODEL_INVALID`, `PL_ACTIVATIONS_MODEL_NO_ATTENTION`,
 *   `PL_ACTIVATIONS_TOKENIZER_NOT_FOUND`, `PL_ACTIVATIONS_DEVICE_UNAVAILABLE`.
 */
export async function openPatternModel(opts: OpenModelOptions): Promise<PatternModel> {
  const source = openModelFiles(opts.model);
  const bos = num(source.config.bos_token_id);
  const tokenizer =
    opts.tokenizer ??
    loadHfTokenizer(source.dir, {
      ...(bos !== undefined ? { bosTokenId: bos } : {}),
      ...(typeof source.config._name_or_path === "string" ? { name: source.config._name_or_path } : {}),
    });
  const prepOpts: { cacheDir?: string; exposeInputs?: boolean } = {};
  if (opts.cacheDir !== undefined) prepOpts.cacheDir = opts.cacheDir;
  if (opts.exposeInputs) prepOpts.exposeInputs = true;
  const instrumented = await prepareInstrumentedModel(source.onnxPath, prepOpts);
  const sessionOpts: { device?: Device; intraOpNumThreads?: number; externalDataDir?: string } = {};
  if (instrumented.externalDataDir !== undefined) sessionOpts.externalDataDir = instrumented.externalDataDir;
  if (opts.device !== undefined) sessionOpts.device = opts.device;
  if (opts.intraOpNumThreads !== undefined) sessionOpts.intraOpNumThreads = opts.intraOpNumThreads;
  const session = await createOrtSession(instrumented.path, sessionOpts);
  const pm: PatternModel = {
    source,
    instrumented,
    session,
    tokenizer,
    nLayers: instrumented.plan.outputs.length,
    nCtx: contextLength(source.config),
    causal: opts.causal ?? instrumented.plan.causal ?? source.config.is_encoder_decoder !== true,
    close: () => (suspended.has(pm) ? Promise.resolve() : pm.session.dispose()),
  };
  sessionOptions.set(pm, sessionOpts);
  return pm;
}

/** How each open model's session was created, so it can be recreated. */
const sessionOptions = new WeakMap<PatternModel, OrtSessionOptions>();
/** Models whose session is freed for now. */
const suspended = new WeakSet<PatternModel>();

/**
 * Frees the model's ONNX Runtime session (its weights) until {@link resumeSession}, e.g. while
 * the per-layer models of a long prompt hold them; `runPatternBatch` fails meanwhile.
 */
export async function suspendSession(pm: PatternModel): Promise<void> {
  if (suspended.has(pm)) return;
  suspended.add(pm);
  await pm.session.dispose();
}

/** Opens the session again after {@link suspendSession}; a no-op otherwise. */
export async function resumeSession(pm: PatternModel): Promise<void> {
  if (!suspended.has(pm)) return;
  pm.session = await createOrtSession(pm.instrumented.path, sessionOptions.get(pm) ?? {});
  suspended.delete(pm);
}

/** A batch's raw session outputs, not yet cut or validated; see {@link startPatternBatch}. */
export interface RawPatternBatch {
  rows: readonly (readonly number[])[];
  out: Record<string, HostTensor>;
}

/**
 * Starts the forward pass of one right-padded batch. ONNX Runtime computes on its own threads,
 * so the caller may cut and validate the previous batch ({@link finishPatternBatch}) meanwhile.
 */
export async function startPatternBatch(
  pm: PatternModel,
  rows: readonly (readonly number[])[],
): Promise<RawPatternBatch> {
  const padId = 0;
  const feeds = buildFeeds(pm.session.inputs, { rows, padId });
  const plan = pm.instrumented.plan;
  const names = [...plan.outputs, ...(plan.exposed ?? [])];
  const out = (await pm.session.run(feeds, names)) as Record<string, HostTensor>;
  return { rows, out };
}

/**
 * Cuts a finished batch into per-row patterns and validates every one.
 * @throws {ActivationsError} `PL_ACTIVATIONS_PATTERN_INVALID` naming layer and head.
 */
export function finishPatternBatch(
  pm: PatternModel,
  raw: RawPatternBatch,
): { layers: LayerPattern[]; exposed?: HostTensor[] }[] {
  const { rows, out } = raw;
  const plan = pm.instrumented.plan;
  const results: { layers: LayerPattern[]; exposed?: HostTensor[] }[] = rows.map(() => ({ layers: [] }));
  plan.outputs.forEach((name, layer) => {
    const t = out[name];
    if (!t)
      throw new ActivationsError(
        "PL_ACTIVATIONS_MODEL_INVALID",
        `the instrumented model did not return ${name}.`,
      );
    cutRows(t, layer, rows, pm.causal).forEach((p, r) => {
      (results[r] as { layers: LayerPattern[] }).layers.push(p);
    });
  });
  if (plan.exposed) {
    for (const res of results) res.exposed = [];
    // exposed tensors are returned whole (tests run them with a single prompt)
    for (const name of plan.exposed) for (const res of results) res.exposed?.push(out[name] as HostTensor);
  }
  return results;
}

/**
 * Runs one right-padded batch and returns, per row, every layer's validated pattern cut to the
 * row's own tokens. Rows are token id lists (BOS included when wanted).
 * @throws {ActivationsError} `PL_ACTIVATIONS_PATTERN_INVALID` naming layer and head; `PL_ACTIVATIONS_MODEL_INPUT_UNSUPPORTED`.
 */
export async function runPatternBatch(
  pm: PatternModel,
  rows: readonly (readonly number[])[],
): Promise<{ layers: LayerPattern[]; exposed?: HostTensor[] }[]> {
  return finishPatternBatch(pm, await startPatternBatch(pm, rows));
}

/**
 * The attention patterns of one text, in memory: tokenized the TransformerLens way (BOS first by
 * default), cut to the model's context, run, validated.
 * @example
 * const pm = await openPatternModel({ model: "models/gpt2" });
 * const { tokens, layers } = await getPatterns(pm, "Hello world");
 * layers[0].data; // Float32Array [heads * n * n]
 */
export async function getPatterns(
  pm: PatternModel,
  text: string,
  opts: { prependBos?: boolean } = {},
): Promise<PromptPatterns> {
  const tok = tokenizePrompt(pm.tokenizer, text, {
    prependBos: opts.prependBos ?? true,
    ...(pm.nCtx !== undefined ? { maxTokens: pm.nCtx } : {}),
  });
  if (tok.tokenIds.length === 0)
    throw new ActivationsError("PL_ACTIVATIONS_PROMPTS_INVALID", "the text has no tokens.");
  const [res] = await runPatternBatch(pm, [tok.tokenIds]);
  const r = res as { layers: LayerPattern[]; exposed?: HostTensor[] };
  const out: PromptPatterns = { ...tok, layers: r.layers };
  if (r.exposed) out.exposed = r.exposed;
  return out;
}
