/**
 * @pattern-lens/indexes: the pattern-lens on-disk contract. Browser-safe and zod-free: layout
 * paths, prompt hashes, names, the npy/npz codec and the JSON/JSONL writers Python reads alike.
 * The zod schemas and the parsers that check against them live in `@pattern-lens/indexes/schemas`
 * (their inferred types are re-exported here, type-only); file IO lives in
 * `@pattern-lens/indexes/node`.
 *
 * @packageDocumentation
 */

export { localHeaderLength, type ZipEntry, ZipTailShortError } from "./_zip.ts";
export { crc32 } from "./crc32.ts";
export { IndexesError, type IndexesErrorCode, IndexesInternalError } from "./errors.ts";
export type { FigureMeta, ModelCfg, ModelsIndexLine, PromptMeta, Provenance } from "./file-schemas.ts";
export { float16BitsToFloat32, float32ToFloat16Bits } from "./float16.ts";
export type { HeadMetricLine, PromptHeadMetrics } from "./head-metrics-schema.ts";
export { stringifyJson } from "./json.ts";
export { stringifyJsonl } from "./jsonl.ts";
export {
  activationsPath,
  FIGURE_FORMATS,
  type FigureFormat,
  figureFragmentsDir,
  figurePath,
  figuresIndexPath,
  HEAD_METRICS_FILE,
  HEAD_METRICS_PROMPT_FILE,
  headDir,
  headFolderName,
  headMetricsPath,
  indexHtmlPath,
  layerFolderName,
  modelCfgPath,
  modelDir,
  modelsIndexPath,
  patternKey,
  promptDir,
  promptHeadMetricsPath,
  promptJsonPath,
  promptsDir,
  promptsIndexPath,
  stagedLayerName,
  stagedLayerPid,
} from "./layout.ts";
export { decodeNpy, encodeNpy } from "./npy.ts";
export { NPY_DTYPES, type NpyArray, type NpyData, type NpyDtype, shapeSize } from "./npy-dtype.ts";
export { decodeNpyHeader, encodeNpyHeader, type NpyHeader } from "./npy-header.ts";
export {
  type CompressLevel,
  decodeNpz,
  decodeNpzMember,
  encodeNpz,
  NPZ_MAX_MEMBER_BYTES,
  type NpzReadOptions,
  type NpzWriteOptions,
  readZipTail,
} from "./npz.ts";
export {
  checkPatternLayer,
  checkPatternLayers,
  extraLayerProblem,
  layerShapeProblem,
  maxPatternMemberBytes,
  type PatternExpectation,
  type PatternLayer,
  type PromptTokens,
  patternSizes,
  promptTokensOf,
  valuesProblem,
} from "./pattern-shape.ts";
export { promptHash } from "./prompt-hash.ts";
export { checkSafeName, isSafeName } from "./safe-name.ts";
export { sanitizeName } from "./sanitize-name.ts";
export {
  describeShard,
  inShard,
  resolveShard,
  type SchedulerEnv,
  type Shard,
  shardFromEnv,
  shardFromFlag,
  shardOfHash,
} from "./shard.ts";
export { toFloat32 } from "./to-float32.ts";
export { detectTokenPieceKind, type TokenPieceKind, tokenLabels } from "./token-labels.ts";
export { isUserError } from "./user-error.ts";
export { decodeUtf8 } from "./utf8.ts";
