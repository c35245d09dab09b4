/** Models from anywhere for pattern-lens: Hugging Face hub cache and download, aliases, llama2.c checkpoints. */
export const PACKAGE_NAME = "@pattern-lens/models";
export type { ModelAlias } from "./aliases.ts";
export { findAlias, MODEL_ALIASES } from "./aliases.ts";
export type { ModelsErrorCode } from "./errors.ts";
export { HubError, ModelsError, ModelsInternalError } from "./errors.ts";
export type { CachedRepo, CachedRevision, RepoCachePaths } from "./hf-cache.ts";
export {
  isCommitHash,
  readCachedRef,
  repoCachePaths,
  repoFolderName,
  repoIdFromFolderName,
  scanHfCache,
} from "./hf-cache.ts";
export type { BlobDownloadOptions, HubDownloadFileOptions, HubFileMetadata } from "./hub-file.ts";
export { hubDownloadFile, hubFileMetadata, hubResolveUrl, normalizeEtag, sha256File } from "./hub-file.ts";
export type { DownloadProgress, FetchHubModelOptions, HubModelSnapshot, HubPathInfo } from "./hub-model.ts";
export { cachedHubModel, fetchHubModel, HUB_SIDE_FILES, hubPathsInfo, hubRevisionInfo } from "./hub-model.ts";
export type { HubEnv, HubSettings } from "./hub-settings.ts";
export { DEFAULT_HF_ENDPOINT, envFlag, hfCacheDir, hubSettingsFromEnv } from "./hub-settings.ts";
export type { HubSpec } from "./model-spec.ts";
export { parseHubSpec, REPO_ID_PATTERN } from "./model-spec.ts";
export { chooseOnnxFile, DEFAULT_ONNX_FILES, onnxFileCandidates } from "./onnx-choice.ts";
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
