/**
 * @pattern-lens/activations: run ONNX language models with ONNX Runtime and save every head's
 * attention pattern in the pattern-lens layout.
 *
 * @packageDocumentation
 */

// The token-label function lives in @pattern-lens/indexes (browser-safe, shared with the viewer).
export { detectTokenPieceKind, type TokenPieceKind, tokenLabels } from "@pattern-lens/indexes";
export {
  contextLength,
  getPatterns,
  type LayerPattern,
  type OpenModelOptions,
  openPatternModel,
  type PatternModel,
  type PromptPatterns,
  runPatternBatch,
} from "./capture.ts";
export { ActivationsError, type ActivationsErrorCode, ActivationsInternalError } from "./errors.ts";
export { buildFeeds, type TokenBatch } from "./feeds.ts";
export {
  type CaptureMethod,
  type CapturePlan,
  INSTRUMENT_VERSION,
  type InstrumentOptions,
  instrumentModel,
  layerIndexFromName,
} from "./instrument.ts";
export { defaultCacheDir, type InstrumentedModel, prepareInstrumentedModel } from "./instrumented-cache.ts";
export { buildModelCfg, type CaptureProvenance } from "./model-cfg.ts";
export type { ModelFiles } from "./model-files.ts";
export {
  createOrtSession,
  cudaAvailable,
  type Device,
  type HostDtype,
  type HostTensor,
  type OrtSession,
  type OrtSessionOptions,
  type ValueMeta,
} from "./ort.ts";
export {
  decodeUtf8,
  type LoadPromptsOptions,
  loadPrompts,
  type PromptRecord,
  readPromptRecords,
  shufflePrompts,
  splitPrompts,
} from "./prompts.ts";
export {
  type ActivationsOptions,
  type ActivationsPlan,
  type ActivationsProgress,
  type ActivationsSummary,
  activationsMain,
  defaultMaxMemory,
} from "./run.ts";
export { loadHfTokenizer, type PromptTokenizer, type TokenizedPrompt, tokenizePrompt } from "./tokenizer.ts";
export { type ValidateOptions, validatePattern } from "./validate.ts";

/** The npm name of this package. */
export const PACKAGE_NAME = "@pattern-lens/activations";
