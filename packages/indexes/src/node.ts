/**
 * @pattern-lens/indexes/node: file IO for the pattern-lens on-disk contract (Node only).
 * Atomic writes, JSON/JSONL files checked against the schemas, `.npz` files, index builders.
 *
 * @packageDocumentation
 */

export {
  type AtomicFile,
  atomicTempPid,
  isAtomicTempFile,
  openAtomicFile,
  type WriteFileAtomicSyncOptions,
  withAtomicFile,
  writeFileAtomic,
  writeFileAtomicSync,
} from "./atomic-write.ts";
export { buildModelsIndex, buildPromptsIndex, publishConverged } from "./build-indexes.ts";
export {
  type Claim,
  type ClaimOptions,
  type ClaimStage,
  DEFAULT_CLAIM_STALE_MS,
  isLeftOver,
  isProcessAlive,
  promptClaimPath,
  tryClaim,
} from "./claim.ts";
export { IndexesError, type IndexesErrorCode } from "./errors.ts";
export { readBytesFile, readJsonFile, readJsonl, writeJsonFile, writeJsonl } from "./json-file.ts";
export {
  type NpzFileWriteOptions,
  type NpzWriter,
  openNpzWriter,
  readNpzFile,
  readNpzFileSync,
  writeNpzFile,
} from "./npz-file.ts";
export { type NpzReader, openNpzReader, openNpzReaderSync } from "./npz-reader.ts";
export { KEEP_LAYERS_BYTES, openPatternLayersSync, type PatternLayers } from "./pattern-reader.ts";
export { checkInside, isInside, resolveInside } from "./resolve-inside.ts";
export { readSavedPrompts } from "./saved-prompts.ts";
