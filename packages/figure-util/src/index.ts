/**
 * @pattern-lens/figure-util: write attention figure functions. Exact matplotlib colormaps,
 * matrix → PNG/SVG/SVGZ, plot figures with Observable Plot, and the figure definition helpers
 * that @pattern-lens/figures registers and runs.
 *
 * @packageDocumentation
 */
export {
  BAD_RGBA,
  COLORMAP_NAMES,
  COLORMAP_SIZE,
  type Colormap,
  type ColormapName,
  colormapColor,
  colormapIndex,
  getColormap,
  isColormapName,
} from "./colormap.ts";
export { FigureError, type FigureErrorCode, FigureInternalError } from "./errors.ts";
export {
  defineMatrixFigure,
  defineMultiFigure,
  definePlotFigure,
  FIGURE_FORMATS,
  type FigureContext,
  type FigureDefinition,
  type FigureFormat,
  type FigureKind,
  type FigureMetadata,
  type FigureOutput,
  type MatrixFigureConfig,
  type MatrixFigureFn,
  type MatrixStyle,
  type MaybePromise,
  type MultiFigureConfig,
  type MultiFigureFn,
  type MultiFigurePart,
  type PlotFigureConfig,
  type PlotFigureFn,
  renderMatrix,
} from "./figure.ts";
export {
  type DenseMatrix,
  headPattern,
  type MatrixData,
  type MatrixInput,
  type MatrixNumbers,
  type Pattern,
  toDenseMatrix,
} from "./matrix.ts";
export { type MatrixToRgbOptions, matrixToRgb, type RgbImage } from "./matrix-to-rgb.ts";
export { Plot, type PlotModule, type PlotOptions, renderPlotSvg } from "./plot.ts";
export { type DecodedPng, decodePng, encodePng, type PngOptions } from "./png.ts";
export { pngToSvg, svgToSvgz, svgzToSvg } from "./svg.ts";
export { positionTicks } from "./ticks.ts";

/** This package's npm name. */
export const PACKAGE_NAME = "@pattern-lens/figure-util";
