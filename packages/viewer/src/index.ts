/**
 * `@pattern-lens/viewer`: lit web components that browse and compare pattern-lens data folders.
 * Importing this entry defines nothing; import `@pattern-lens/viewer/define` (or load the bundle
 * `pattern-lens-viewer.js`) to register `<pattern-lens-viewer>` and `<pattern-lens-pattern>`.
 */

export type { Viewport } from "./_viewport.ts";
export {
  CATEGORICAL,
  type ColormapName,
  colormapCss,
  colormapLut,
  SEQUENTIAL_COLORMAPS,
  type SequentialColormap,
} from "./colormaps.ts";
export {
  dataUrl,
  type FigureInfo,
  type HeadPattern,
  headPattern,
  loadActivations,
  loadFigures,
  loadModels,
  loadPrompt,
  loadPrompts,
  type ModelInfo,
  type PromptInfo,
  parseJsonl,
} from "./data.ts";
export { ViewerError, type ViewerErrorCode } from "./errors.ts";
export type {
  CellDetail,
  CellHoverEvent,
  CellLockEvent,
  FigureOpenEvent,
  HeadChangeEvent,
  HeadOpenEvent,
  HeadSelectEvent,
  MetricsChangeEvent,
  PatternLoadEvent,
  SelectionChangeEvent,
  ViewerErrorEvent,
} from "./events.ts";
export type { GridItem } from "./grid-items.ts";
export { type GridWindow, gridWindow, PatternLensHeadGrid } from "./head-grid-element.ts";
export {
  formatHeadSelection,
  type HeadSelectionResult,
  type HeadSet,
  headKey,
  parseHeadSelection,
} from "./head-selection.ts";
export {
  type CellWindow,
  type HeatmapImage,
  type HeatmapOptions,
  normalise,
  renderHeatmap,
  type ScaleMode,
  type ValueRange,
  valueRange,
} from "./heatmap.ts";
export { type IndexHtmlOptions, viewerIndexHtml } from "./index-html.ts";
export { type LayerHeads, loadLayer, type NpzDirectory, openActivations } from "./layer-loader.ts";
export {
  argmaxHead,
  type FilterClause,
  type FilterOp,
  formatMetricFilter,
  type HeadMetric,
  headPasses,
  indexMetrics,
  isMetricSortKey,
  loadHeadMetrics,
  METRIC_SORT_KEYS,
  type MetricFilterResult,
  type MetricIndex,
  type MetricSortKey,
  metricMatrix,
  metricNames,
  parseHeadMetrics,
  parseMetricFilter,
  sharedRange,
  sortHeadMetrics,
} from "./metrics.ts";
export { PatternLensMetrics } from "./metrics-element.ts";
export { type CompareMode, type InMemoryPatterns, PatternLensPattern } from "./pattern-element.ts";
export { type DisplayToken, displayTokens, visibleWhitespace } from "./tokens.ts";
export {
  decodeState,
  defaultState,
  encodeState,
  GRID_KEYS,
  type GridKey,
  type OpenPattern,
  type ViewerState,
} from "./url-state.ts";
export { PatternLensViewer } from "./viewer-element.ts";
