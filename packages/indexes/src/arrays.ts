/**
 * @pattern-lens/indexes/arrays: the npy/npz codecs and `.npz` file reading, without the zod
 * schemas. For code that only moves arrays, such as worker threads: importing zod costs a fresh
 * thread about 0.1 s, as long as the rest of a short figures run. Node only (file IO). Everything
 * here is the same function the root and `./node` entries export.
 *
 * @packageDocumentation
 */

export { IndexesError, type IndexesErrorCode } from "./errors.ts";
export { float16BitsToFloat32 } from "./float16.ts";
export { patternKey } from "./layout.ts";
export { decodeNpy } from "./npy.ts";
export { type NpyArray, type NpyData, type NpyDtype, shapeSize } from "./npy-dtype.ts";
export { decodeNpz, type NpzReadOptions } from "./npz.ts";
export { readNpzFile, readNpzFileSync } from "./npz-file.ts";
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
export { toFloat32 } from "./to-float32.ts";
