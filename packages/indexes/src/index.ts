/**
 * @pattern-lens/indexes: the pattern-lens on-disk contract. Browser-safe: zod schemas, layout
 * paths, prompt hashes, names, and the npy/npz codec. File IO lives in `@pattern-lens/indexes/node`.
 *
 * @packageDocumentation
 */

export { localHeaderLength, type ZipEntry, ZipTailShortError } from "./_zip.ts";
export { IndexesError, type IndexesErrorCode, IndexesInternalError } from "./errors.ts";
export { float16BitsToFloat32, float32ToFloat16Bits } from "./float16.ts";
export { type HeadMetricLine, HeadMetricLineSchema } from "./head-metrics-schema.ts";
export { describeIssues, parseJson, stringifyJson, validate } from "./json.ts";
export { parseJsonl, stringifyJsonl } from "./jsonl.ts";
export {
  activationsPath,
  FIGURE_FORMATS,
  type FigureFormat,
  figurePath,
  figuresIndexPath,
  HEAD_METRICS_FILE,
  headDir,
  headMetricsPath,
  indexHtmlPath,
  modelCfgPath,
  modelDir,
  modelsIndexPath,
  patternKey,
  promptDir,
  promptJsonPath,
  promptsDir,
  promptsIndexPath,
} from "./layout.ts";
export { decodeNpy, encodeNpy } from "./npy.ts";
export { NPY_DTYPES, type NpyArray, type NpyData, type NpyDtype, shapeSize } from "./npy-dtype.ts";
export { decodeNpyHeader, encodeNpyHeader, type NpyHeader } from "./npy-header.ts";
export {
  type CompressLevel,
  decodeNpz,
  decodeNpzMember,
  encodeNpz,
  type NpzReadOptions,
  type NpzWriteOptions,
  readZipTail,
} from "./npz.ts";
export {
  checkPatternLayers,
  layerShapeProblem,
  maxPatternMemberBytes,
  type PatternExpectation,
  type PromptTokens,
  patternSizes,
  promptTokensOf,
  valuesProblem,
} from "./pattern-shape.ts";
export { promptHash } from "./prompt-hash.ts";
export { checkSafeName, isSafeName } from "./safe-name.ts";
export { sanitizeName } from "./sanitize-name.ts";
export {
  type FigureMeta,
  FigureMetaSchema,
  type ModelCfg,
  ModelCfgSchema,
  type ModelsIndexLine,
  ModelsIndexLineSchema,
  type PromptMeta,
  PromptMetaSchema,
  type Provenance,
  ProvenanceSchema,
  SafeNameSchema,
} from "./schemas.ts";
export { toFloat32 } from "./to-float32.ts";
export { detectTokenPieceKind, type TokenPieceKind, tokenLabels } from "./token-labels.ts";
export { decodeUtf8 } from "./utf8.ts";
