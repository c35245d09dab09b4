import { html, LitElement, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";

/** Rows and columns beyond the visible ones that are rendered too (a fast scroll shows no gap). */
const OVERSCAN = 2;

/** The rows `r0`…`r1` and columns `c0`…`c1` (ends excluded) of a grid seen through a scrolled view. */
export interface GridWindow {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/** The cells of a `rows` × `cols` grid of `cellW` × `cellH` px cells (after `headW`/`headH` px of labels) in a view. */
export function gridWindow(
  view: { top: number; left: number; width: number; height: number },
  grid: { rows: number; cols: number; cellW: number; cellH: number; headW: number; headH: number },
): GridWindow {
  const { rows, cols, cellW, cellH, headW, headH } = grid;
  const clamp = (v: number, n: number) => Math.max(0, Math.min(n, v));
  return {
    r0: clamp(Math.floor(view.top / cellH) - OVERSCAN, rows),
    r1: clamp(Math.ceil((view.top + view.height - headH) / cellH) + OVERSCAN, rows),
    c0: clamp(Math.floor(view.left / cellW) - OVERSCAN, cols),
    c1: clamp(Math.ceil((view.left + view.width - headW) / cellW) + OVERSCAN, cols),
  };
}

/**
 * A layer × head grid that keeps only the cells in view in the DOM (a 32 × 32 model has 1,024
 * heads): rows `L0`… and columns `H0`… labelled in sticky strips, each cell `cell(layer, head)` in
 * a `.vgrid-cell` box of `cellW` × `cellH` px, absolutely placed. It renders into its own light
 * DOM, so the cells are styled by the stylesheet of the component that uses it; scrolling renders
 * the grid again, never its host.
 *
 * @example
 * ```ts
 * html`<pattern-lens-head-grid .rows=${32} .cols=${32} .cellW=${30} .cellH=${24}
 *   .cell=${(l, h) => html`<button class="cell">L${l}H${h}</button>`}></pattern-lens-head-grid>`
 * ```
 */
export class PatternLensHeadGrid extends LitElement {
  static override properties = {
    rows: { type: Number },
    cols: { type: Number },
    cellW: { type: Number },
    cellH: { type: Number },
    headW: { type: Number },
    headH: { type: Number },
    gap: { type: Number },
    maxHeight: { type: String },
    cell: { attribute: false },
    _win: { state: true },
  };

  /** Layers (rows). */
  rows = 0;
  /** Heads (columns). */
  cols = 0;
  /** Cell pitch across, px (the cell's box is `gap` px narrower). */
  cellW = 30;
  /** Cell pitch down, px. */
  cellH = 24;
  /** Width of the row labels, px. */
  headW = 34;
  /** Height of the column labels, px. */
  headH = 20;
  /** Space between cells, px. */
  gap = 2;
  /** Largest height of the scrolled view (CSS length). */
  maxHeight = "22rem";
  /** The content of one cell. */
  cell: (layer: number, head: number) => TemplateResult | string = () => "";

  private _win: GridWindow = { r0: 0, r1: 0, c0: 0, c1: 0 };
  private _resize: ResizeObserver | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.style.display = "block";
    this.style.maxWidth = "100%";
    if (typeof ResizeObserver !== "undefined") {
      this._resize = new ResizeObserver(() => this._measure());
      this._resize.observe(this);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._resize?.disconnect();
    this._resize = undefined;
  }

  protected override willUpdate(): void {
    // Before the first measure (and when the grid changes size) a guess: a 22rem × 800 px view.
    if (!this.hasUpdated) this._win = this._window(0, 0, 800, 352);
  }

  protected override updated(changed: Map<string, unknown>): void {
    if (changed.has("rows") || changed.has("cols") || changed.has("cellW") || changed.has("cellH"))
      this._measure();
  }

  private _window(top: number, left: number, width: number, height: number): GridWindow {
    return gridWindow({ top, left, width, height }, this);
  }

  private _measure = () => {
    const s = this.firstElementChild as HTMLElement | null;
    if (!s) return;
    const w = this._window(s.scrollTop, s.scrollLeft, s.clientWidth, s.clientHeight);
    const o = this._win;
    if (w.r0 !== o.r0 || w.r1 !== o.r1 || w.c0 !== o.c0 || w.c1 !== o.c1) this._win = w;
  };

  protected override render() {
    const { rows, cols, cellW, cellH, headW, headH, gap } = this;
    const { r0, r1, c0, c1 } = this._win;
    const width = headW + cols * cellW;
    // Narrow cells: the columns are numbered and the corner says they are heads.
    const compact = cellW < 26;
    const strip = "background: var(--pl-panel, var(--pl-bg, Canvas)); position: sticky;";
    const rowsOut: number[] = [];
    for (let r = r0; r < r1; r++) rowsOut.push(r);
    const colsOut: number[] = [];
    for (let c = c0; c < c1; c++) colsOut.push(c);
    const cells: number[] = [];
    for (const r of rowsOut) for (const c of colsOut) cells.push(r * cols + c);
    // Keyed: a scroll step adds the cells coming into view and removes those leaving, and leaves
    // the others alone. Each cell's layout and paint are its own (contain: strict).
    return html`<div class="vgrid" style=${`overflow: auto; position: relative; contain: content; max-height: ${this.maxHeight}; max-width: 100%`}
      @scroll=${this._measure}>
      <div style=${`position: relative; width: ${width}px; height: ${headH + rows * cellH}px`}>
        <div class="vgrid-cols" style=${`${strip} top: 0; z-index: 2; width: ${width}px; height: ${headH}px`}>
          <div class="vgrid-label" style=${`${strip} left: 0; z-index: 3; width: ${headW}px; height: ${headH}px; line-height: ${headH}px; text-align: right`}>${compact ? "H" : ""}</div>
          ${repeat(
            colsOut,
            (c) => c,
            (c) =>
              html`<span class="vgrid-label" style=${`position: absolute; top: 0; left: ${headW + c * cellW}px; width: ${cellW - gap}px; line-height: ${headH}px; text-align: center`}>${compact ? c : `H${c}`}</span>`,
          )}
        </div>
        <div class="vgrid-rows" style=${`${strip} left: 0; z-index: 1; width: ${headW}px; height: ${rows * cellH}px`}>
          ${repeat(
            rowsOut,
            (r) => r,
            (r) =>
              html`<span class="vgrid-label" style=${`position: absolute; left: 0; top: ${r * cellH}px; width: ${headW - 4}px; line-height: ${cellH - gap}px; text-align: right`}>L${r}</span>`,
          )}
        </div>
        ${repeat(
          cells,
          (i) => i,
          (i) => {
            const r = Math.floor(i / cols);
            const c = i % cols;
            return html`<div class="vgrid-cell" style=${`position: absolute; contain: strict; left: ${headW + c * cellW}px; top: ${headH + r * cellH}px; width: ${cellW - gap}px; height: ${cellH - gap}px`}>${this.cell(r, c)}</div>`;
          },
        )}
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "pattern-lens-head-grid": PatternLensHeadGrid;
  }
}
