// The zoomed part of an n×n pattern, in cell units: keys x…x+span, queries y…y+span (a square).

/** A square window onto the pattern: top-left corner and side, in cells (fractional). */
export interface Viewport {
  x: number;
  y: number;
  span: number;
}

/** The smallest side: 4 cells fill the heatmap. */
export const MIN_SPAN = 4;

/** The whole pattern. */
export const fullView = (n: number): Viewport => ({ x: 0, y: 0, span: n });

/** Keeps the window inside the pattern and its side between {@link MIN_SPAN} and `n`. */
export function clampView(v: Viewport, n: number): Viewport {
  const span = Math.max(Math.min(MIN_SPAN, n), Math.min(n, v.span));
  const x = Math.max(0, Math.min(n - span, v.x));
  const y = Math.max(0, Math.min(n - span, v.y));
  return { x, y, span };
}

/** Zooms by `factor` (> 1: in) keeping the point at fractions `fx`, `fy` of the window fixed. */
export function zoomAt(v: Viewport, n: number, fx: number, fy: number, factor: number): Viewport {
  const cx = v.x + fx * v.span;
  const cy = v.y + fy * v.span;
  const span = Math.max(Math.min(MIN_SPAN, n), Math.min(n, v.span / factor));
  return clampView({ x: cx - fx * span, y: cy - fy * span, span }, n);
}

/** The window around a box dragged between two cell positions (square: the larger side wins). */
export function boxView(x0: number, y0: number, x1: number, y1: number, n: number): Viewport {
  const span = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), MIN_SPAN);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return clampView({ x: cx - span / 2, y: cy - span / 2, span }, n);
}

/** Moves the window the least so that cell (q, k) is inside it. */
export function showCell(v: Viewport, n: number, q: number, k: number): Viewport {
  let { x, y } = v;
  if (k < x) x = k;
  else if (k + 1 > x + v.span) x = k + 1 - v.span;
  if (q < y) y = q;
  else if (q + 1 > y + v.span) y = q + 1 - v.span;
  return clampView({ x, y, span: v.span }, n);
}

/** The whole cells the window touches: columns x0…x0+w−1, rows y0…y0+h−1. */
export function cellWindow(v: Viewport, n: number): { x0: number; y0: number; w: number; h: number } {
  const x0 = Math.max(0, Math.floor(v.x));
  const y0 = Math.max(0, Math.floor(v.y));
  const x1 = Math.min(n, Math.ceil(v.x + v.span - 1e-9));
  const y1 = Math.min(n, Math.ceil(v.y + v.span - 1e-9));
  return { x0, y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) };
}

/** Tick step over `span` cells drawn on `px` pixels: 1, 2 or 5 × 10^k, at least `minPx` apart. */
export function tickStep(span: number, px: number, minPx = 48): number {
  const raw = (span * minPx) / Math.max(1, px);
  for (let p = 1; ; p *= 10) for (const m of [1, 2, 5]) if (m * p >= raw) return m * p;
}
