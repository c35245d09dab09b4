/**
 * @pattern-lens/figures: the registry of attention figure functions, the built-in figures, and the
 * parallel runner that renders them for every saved head.
 *
 * @packageDocumentation
 */

export {
  attnByDistance,
  attnReceived,
  BUILTIN_FIGURES,
  entropy,
  FAST_PNG,
  raw,
  rawLog,
} from "./builtins/index.ts";
export { FiguresError, type FiguresErrorCode, FiguresInternalError } from "./errors.ts";
export {
  figureIndexLines,
  figureSourceText,
  rebuildFiguresIndex,
  writeFiguresIndex,
} from "./figures-index.ts";
export {
  BUILTIN_SOURCE,
  loadFigureModules,
  type RegisterOptions,
  registerAttnFigureFunc,
  registerAttnMultiFigureFunc,
  registeredFigures,
  resolveFigures,
  unregisterAttnFigureFunc,
} from "./registry.ts";
export {
  type FigureCounts,
  type FigureFailure,
  type PromptSkip,
  type RunFiguresOptions,
  type RunFiguresSummary,
  type RunProgress,
  type RunStartInfo,
  runFigures,
} from "./runner.ts";
export { selectFigureNames } from "./select.ts";
export type {
  AttentionPattern,
  AttnFigureFunc,
  FigureContext,
  FigureFormat,
  FigureOutput,
  FigureSource,
  RegisteredFigure,
} from "./types.ts";

/** This package's npm name (the `source` of built-in figures in figures.jsonl). */
export const PACKAGE_NAME = "@pattern-lens/figures";
