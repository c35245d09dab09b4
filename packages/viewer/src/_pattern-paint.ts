// Canvas painting of the pattern view: the heatmap of the zoomed window, the token axes, the
// crosshair overlay and the minimap. The overlay is the only canvas a hover repaints.

import { cellWindow, tickStep, type Viewport } from "./_viewport.ts";
import type { ColormapName } from "./colormaps.ts";
import { renderHeatmap, type ScaleMode, type ValueRange } from "./heatmap.ts";
import type { DisplayToken } from "./tokens.ts";

/** One heatmap on screen: its exact values and how they map to colours. */
export interface MapView {
  label: string;
  data: Float32Array;
  range: ValueRange;
  colormap: ColormapName;
  scale: ScaleMode;
  diverging: boolean;
  /** The whole matrix at minimap size, drawn once. */
  mini?: HTMLCanvasElement;
  /** The minimap side it was drawn for. */
  miniPx?: number;
}

/** Cell side (CSS px) from which every token gets its label on the axes. */
export const LABEL_MIN_CELL = 11;
/** Labels are cut to this many characters. */
const LABEL_CHARS = 14;
const ACCENT = "#e8590c";

let scratch: HTMLCanvasElement | undefined;

function sizeCanvas(c: HTMLCanvasElement): { w: number; h: number; dpr: number } {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(c.clientWidth * dpr));
  const h = Math.max(1, Math.round(c.clientHeight * dpr));
  if (c.width !== w || c.height !== h) {
    c.width = w;
    c.height = h;
  }
  return { w, h, dpr };
}

function imageCanvas(rgba: Uint8ClampedArray<ArrayBuffer>, w: number, h: number, into?: HTMLCanvasElement) {
  scratch ??= document.createElement("canvas");
  const c = into ?? scratch;
  // The scratch canvas only grows (resizing clears it, and costs); a minimap gets its own size.
  if (c !== scratch || c.width < w || c.height < h) {
    c.width = c === scratch ? Math.max(c.width, w) : w;
    c.height = c === scratch ? Math.max(c.height, h) : h;
  }
  c.getContext("2d")?.putImageData(new ImageData(rgba, w, h), 0, 0);
  return c;
}

/** Paints the cells of `vp` at the canvas's own resolution (block peaks when cells are smaller than pixels). */
export function paintHeatmap(canvas: HTMLCanvasElement, v: MapView, vp: Viewport, n: number): number {
  const { w: px } = sizeCanvas(canvas);
  const ctx = canvas.getContext("2d");
  if (!ctx) return 1;
  const win = cellWindow(vp, n);
  const img = renderHeatmap(v.data, n, {
    colormap: v.colormap,
    scale: v.scale,
    diverging: v.diverging,
    range: v.range,
    window: win,
    maxPixels: px,
  });
  const src = imageCanvas(img.rgba, img.width, img.height);
  const k = px / vp.span;
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(
    src,
    0,
    0,
    img.width,
    img.height,
    (win.x0 - vp.x) * k,
    (win.y0 - vp.y) * k,
    img.width * img.factor * k,
    img.height * img.factor * k,
  );
  return img.factor;
}

/** Paints the minimap: the whole pattern and the window's outline. */
export function paintMinimap(canvas: HTMLCanvasElement, v: MapView, vp: Viewport, n: number): void {
  const { w } = sizeCanvas(canvas);
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  if (!v.mini || v.miniPx !== w) {
    const img = renderHeatmap(v.data, n, {
      colormap: v.colormap,
      scale: v.scale,
      diverging: v.diverging,
      range: v.range,
      maxPixels: w,
    });
    v.mini = imageCanvas(img.rgba, img.width, img.height, document.createElement("canvas"));
    v.miniPx = w;
  }
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(v.mini, 0, 0, v.mini.width, v.mini.height, 0, 0, w, w);
  const k = w / n;
  ctx.strokeStyle = ACCENT;
  ctx.lineWidth = Math.max(1, w / 100);
  ctx.strokeRect(vp.x * k, vp.y * k, Math.max(2, vp.span * k), Math.max(2, vp.span * k));
}

function cut(s: string): string {
  const chars = [...s];
  return chars.length > LABEL_CHARS ? `${chars.slice(0, LABEL_CHARS - 1).join("")}…` : s;
}

/**
 * Paints the query axis (left, rows) and the key axis (top, columns): every token's text once a
 * cell is {@link LABEL_MIN_CELL} CSS px or more, else position ticks on 1/2/5 steps. The hovered
 * query and key are drawn in the accent colour.
 */
export function paintAxes(
  left: HTMLCanvasElement,
  top: HTMLCanvasElement,
  tokens: readonly DisplayToken[],
  vp: Viewport,
  n: number,
  heatCss: number,
  fg: string,
  cell: { q: number; k: number } | null,
): void {
  const cellCss = heatCss / vp.span;
  const labels = cellCss >= LABEL_MIN_CELL;
  for (const [canvas, vertical] of [
    [left, false],
    [top, true],
  ] as const) {
    const { w, h, dpr } = sizeCanvas(canvas);
    const ctx = canvas.getContext("2d");
    if (!ctx) continue;
    ctx.clearRect(0, 0, w, h);
    const k = (heatCss * dpr) / vp.span;
    const start = vertical ? vp.x : vp.y;
    const hot = cell ? (vertical ? cell.k : cell.q) : -1;
    const depth = vertical ? h : w;
    ctx.save();
    if (vertical) {
      // Draw the top axis as the left one, turned: text runs bottom-up, ending at the heatmap.
      ctx.translate(0, h);
      ctx.rotate(-Math.PI / 2);
    }
    ctx.textBaseline = "middle";
    // Left axis: text ends next to the heatmap. Top axis (turned): text starts next to it.
    ctx.textAlign = vertical ? "left" : "right";
    const textAt = vertical ? 6 * dpr : depth - 6 * dpr;
    const tickAt = (len: number) => (vertical ? 0 : depth - len * dpr);
    const size = labels ? Math.min(12, Math.max(9, cellCss * 0.8)) : 10;
    const font = (bold: boolean) => `${bold ? "bold " : ""}${size * dpr}px ui-monospace, monospace`;
    ctx.font = font(false);
    const from = Math.max(0, Math.floor(start));
    const to = Math.min(n, Math.ceil(start + vp.span));
    const step = labels ? 1 : tickStep(vp.span, heatCss);
    ctx.fillStyle = fg;
    // A tick's number is centred on its tick, but kept whole inside the axis (0 at the very corner).
    const along = vertical ? w : h;
    const half = (size * dpr) / 2 + dpr;
    const inside = (at: number) => (labels ? at : Math.min(Math.max(at, half), along - half));
    for (let i = Math.ceil(from / step) * step; i < to; i += step) {
      if (i === hot && labels) continue;
      const at = (i + 0.5 - start) * k;
      ctx.fillText(labels ? cut(tokens[i]?.text ?? "") : String(i), textAt, inside(at));
      if (!labels) ctx.fillRect(tickAt(4), at - 0.5 * dpr, 4 * dpr, dpr);
    }
    if (hot >= from && hot < to) {
      const at = (hot + 0.5 - start) * k;
      ctx.fillStyle = ACCENT;
      if (labels) {
        ctx.font = font(true);
        ctx.fillText(cut(tokens[hot]?.text ?? ""), textAt, at);
      } else ctx.fillRect(tickAt(8), at - dpr, 8 * dpr, 2 * dpr);
    }
    ctx.restore();
  }
}

/** Paints the crosshair of the current cell and the box being dragged, on the overlay canvas only. */
export function paintOverlay(
  ov: HTMLCanvasElement,
  vp: Viewport,
  cell: { q: number; k: number } | null,
  locked: boolean,
  box: { x0: number; y0: number; x1: number; y1: number } | null,
): void {
  const { w, dpr } = sizeCanvas(ov);
  const ctx = ov.getContext("2d");
  if (!ctx) return;
  ctx.clearRect(0, 0, ov.width, ov.height);
  const k = w / vp.span;
  if (cell) {
    const x = (cell.k - vp.x) * k;
    const y = (cell.q - vp.y) * k;
    const band = Math.max(k, 2 * dpr);
    ctx.fillStyle = "rgba(232, 89, 12, 0.28)";
    ctx.fillRect(0, y + k / 2 - band / 2, ov.width, band);
    ctx.fillRect(x + k / 2 - band / 2, 0, band, ov.height);
    ctx.strokeStyle = locked ? ACCENT : "rgba(232, 89, 12, 0.9)";
    ctx.lineWidth = (locked ? 2 : 1) * dpr;
    ctx.strokeRect(x + k / 2 - band / 2, y + k / 2 - band / 2, band, band);
  }
  if (box) {
    ctx.strokeStyle = ACCENT;
    ctx.lineWidth = dpr;
    ctx.setLineDash([4 * dpr, 3 * dpr]);
    const bx = (Math.min(box.x0, box.x1) - vp.x) * k;
    const by = (Math.min(box.y0, box.y1) - vp.y) * k;
    ctx.strokeRect(bx, by, Math.abs(box.x1 - box.x0) * k, Math.abs(box.y1 - box.y0) * k);
    ctx.setLineDash([]);
  }
}
