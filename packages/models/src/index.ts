/** Models from anywhere for pattern-lens: Hugging Face hub cache and download, aliases, llama2.c checkpoints. */
export const PACKAGE_NAME = "@pattern-lens/models";
export type { ModelAlias } from "./aliases.ts";
export { findAlias, MODEL_ALIASES } from "./aliases.ts";
export type { DemoModelFiles } from "./demo/build.ts";
export { buildDemoModel, DEMO_MODEL_NAME, demoConfigJson } from "./demo/build.ts";
export { demoModelOnnx, demoSoftmaxName } from "./demo/graph.ts";
export type { DemoPrompt } from "./demo/prompts.ts";
export { demoPrompts, randomSequence } from "./demo/prompts.ts";
export type { DemoReference } from "./demo/reference.ts";
export { demoReferenceForward } from "./demo/reference.ts";
export {
  DEMO_BOS_TOKEN,
  DEMO_UNK_TOKEN,
  DEMO_VOCAB,
  demoEncode,
  demoTokenizerConfig,
  demoTokenizerJson,
} from "./demo/tokenizer.ts";
export type { DemoLayerWeights, DemoWeights } from "./demo/weights.ts";
export {
  DEMO_CONFIG,
  DEMO_HEADS,
  DEMO_RESIDUAL,
  demoWeights,
  LOCAL_SCALE,
  MATCH_SCALE,
  POSITION_SCALE,
  UNEMBED_SCALE,
} from "./demo/weights.ts";
export type { ModelsErrorCode } from "./errors.ts";
export { HubError, ModelsError, ModelsInternalError } from "./errors.ts";
export type { CachedRepo, CachedRevision, RepoCachePaths } from "./hf-cache.ts";
export {
  CACHEDIR_TAG,
  ensureCachedirTag,
  isCommitHash,
  readCachedRef,
  repoCachePaths,
  repoFolderName,
  repoIdFromFolderName,
  scanHfCache,
} from "./hf-cache.ts";
export type { BlobDownloadOptions, HubDownloadFileOptions, HubFileMetadata } from "./hub-file.ts";
export { hubDownloadFile, hubFileMetadata, hubResolveUrl, normalizeEtag } from "./hub-file.ts";
export type { DownloadProgress, FetchHubModelOptions, HubModelSnapshot, HubPathInfo } from "./hub-model.ts";
export {
  cachedHubModel,
  fetchHubModel,
  HUB_SIDE_FILES,
  hubPathsInfo,
  hubRevisionInfo,
  type RevisionInfo,
} from "./hub-model.ts";
export type { HubEnv, HubSettings } from "./hub-settings.ts";
export { DEFAULT_HF_ENDPOINT, envFlag, hfCacheDir, hubSettingsFromEnv } from "./hub-settings.ts";
export type { Llama2cCheckpoint, Llama2cConfig, Llama2cWeights } from "./llama2c/checkpoint.ts";
export { parseLlama2cCheckpoint } from "./llama2c/checkpoint.ts";
export type { ConvertedLlama2c, ConvertLlama2cOptions } from "./llama2c/convert.ts";
export {
  convertLlama2c,
  defaultLlama2cCacheDir,
  LLAMA2C_CONVERTER_VERSION,
  llama2cConfigJson,
  loadLlama2cTokenizer,
} from "./llama2c/convert.ts";
export type { Llama2cErrorCode } from "./llama2c/errors.ts";
export { Llama2cError } from "./llama2c/errors.ts";
export type { Llama2cToOnnxOptions } from "./llama2c/to-onnx.ts";
export { llama2cSoftmaxName, llama2cToOnnx } from "./llama2c/to-onnx.ts";
export { Llama2cTokenizer, SPIECE_UNDERLINE } from "./llama2c/tokenizer.ts";
export { llama2cTokenizerConfig, llama2cTokenizerJson } from "./llama2c/tokenizer-json.ts";
export { type LocalModel, type PrepareLocalModelOptions, prepareLocalModel } from "./local-model.ts";
export type { HubSpec } from "./model-spec.ts";
export { parseHubSpec, REPO_ID_PATTERN } from "./model-spec.ts";
export { chooseOnnxFile, onnxFileCandidates } from "./onnx-choice.ts";
export type {
  HubLayoutFiles,
  Llama2cModel,
  ModelSource,
  OnnxFileModel,
  OnnxFolderModel,
  ResolvedModel,
  ResolveModelOptions,
} from "./resolve-model.ts";
export { resolveModel } from "./resolve-model.ts";
