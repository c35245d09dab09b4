/**
 * `@pattern-lens/activations/browser`: capture in a page or a Worker with onnxruntime-web (WASM).
 * Nothing here touches Node: the model and tokenizer files are fetched or handed in as bytes, the
 * graph is instrumented in memory (or comes instrumented with its plan), and patterns come back in
 * the CLI's shape (`[heads, n, n]` per layer, BOS first).
 *
 * @example
 * import { fetchLiveModel, livePatterns, openLiveModel } from "@pattern-lens/activations/browser";
 * const model = await openLiveModel(await fetchLiveModel("./model/"), { wasmPaths: "./ort/" });
 * const { tokens, tokenIds, layers } = await livePatterns(model, "The cat sat on the mat");
 *
 * @packageDocumentation
 */
export { contextLength, type LayerPattern } from "./cut-rows.ts";
export { ActivationsError, type ActivationsErrorCode, ActivationsInternalError } from "./errors.ts";
export { type CaptureMethod, type CapturePlan, INSTRUMENT_VERSION } from "./instrument.ts";
export {
  instrumentModelBytes,
  type LiveModel,
  type LiveModelSource,
  type LivePatterns,
  livePatterns,
  openLiveModel,
} from "./live.ts";
export {
  checkLiveMemory,
  type FetchLiveOptions,
  fetchLiveModel,
  type LiveManifest,
  type LiveModelSizes,
  liveMemoryEstimate,
  liveTokenLimit,
  WASM_MEMORY_LIMIT,
} from "./live-fetch.ts";
export type { HostTensor, OrtSession, ValueMeta } from "./ort.ts";
export type { WebOrtOptions } from "./ort-web.ts";
export { hfTokenizer, type PromptTokenizer, type TokenizedPrompt, tokenizePrompt } from "./tokenize.ts";
