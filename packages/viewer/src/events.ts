/** The typed events the viewer's elements dispatch. All bubble and cross shadow roots (`composed`). */
import type { OpenPattern, ViewerState } from "./url-state.ts";

/** One cell of a pattern: a query position attending to a key position. */
export interface CellDetail {
  /** Layer of the (first) head. */
  layer: number;
  /** Head index of the (first) head. */
  head: number;
  /** Query position (row), 0-based, counting the BOS. */
  query: number;
  /** Key position (column). */
  key: number;
  /** The exact attention value from `activations.npz`. */
  value: number;
  /** When comparing, the second head's value at the same cell. */
  compareValue?: number;
  /** Query token as displayed. */
  queryToken: string;
  /** Key token as displayed. */
  keyToken: string;
}

/** `pl-cell-hover`: the pointer moved onto another cell. */
export type CellHoverEvent = CustomEvent<CellDetail>;
/** `pl-cell-lock`: a cell was locked (click or arrow keys) or unlocked (`detail` is `null`). */
export type CellLockEvent = CustomEvent<CellDetail | null>;
/** `pl-load`: the pattern view finished loading its data; `detail` is the number of positions. */
export type PatternLoadEvent = CustomEvent<{ n: number }>;
/** `pl-head-change`: the user picked another head in the pattern view. */
export type HeadChangeEvent = CustomEvent<{ layer: number; head: number }>;
/** `pl-selection-change`: the browse view's selection changed; `detail` is the whole state. */
export type SelectionChangeEvent = CustomEvent<ViewerState>;
/** `pl-figure-open`: a figure was opened in the pattern view. */
export type FigureOpenEvent = CustomEvent<OpenPattern>;
/** `pl-head-open`: a head was clicked in the metrics view (heatmap cell or table row). */
export type HeadOpenEvent = CustomEvent<{ model: string; layer: number; head: number }>;
/** `pl-head-select`: the metrics view asked to show a head in the figure grid. */
export type HeadSelectEvent = CustomEvent<{ model: string; layer: number; head: number }>;
/** `pl-metrics-change`: the metrics view's metric or table sort changed. */
export type MetricsChangeEvent = CustomEvent<{ metric: string; sortBy: string; sortDir: "asc" | "desc" }>;
/** `pl-error`: loading failed; `detail.message` says why. */
export type ViewerErrorEvent = CustomEvent<{ code: string; message: string }>;

/** Creates a bubbling, composed custom event. */
export function plEvent<T>(type: string, detail: T): CustomEvent<T> {
  return new CustomEvent<T>(type, { detail, bubbles: true, composed: true });
}

declare global {
  interface HTMLElementEventMap {
    "pl-cell-hover": CellHoverEvent;
    "pl-cell-lock": CellLockEvent;
    "pl-load": PatternLoadEvent;
    "pl-head-change": HeadChangeEvent;
    "pl-selection-change": SelectionChangeEvent;
    "pl-figure-open": FigureOpenEvent;
    "pl-error": ViewerErrorEvent;
    "pl-head-open": HeadOpenEvent;
    "pl-head-select": HeadSelectEvent;
    "pl-metrics-change": MetricsChangeEvent;
  }
}
