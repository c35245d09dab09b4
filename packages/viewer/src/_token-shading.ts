// The token panel's shading: every key token tinted by the current query's attention to it, the
// query outlined and the key underlined. All of it is drawn on one canvas behind the tokens'
// text, covering the panel's view and half a view above and below it, so a hover restyles no
// token: restyling even one span of 2,000 makes Chromium record and layerise the whole panel
// again (~10 ms), and restyling all of them costs a frame in style recalc too. The panel's
// `data-query` and `data-key` attributes name the marked tokens (no style depends on them).
// Scrolling moves the canvas and draws it again.

/** The tint's colour; its alpha is the attention relative to the row's largest, times {@link MAX_ALPHA}. */
export const TINT_RGB = [33, 113, 181] as const;
/** Alpha of the strongest key's tint: the token's text stays readable on it, light or dark. */
export const MAX_ALPHA = 0.6;

/**
 * The index of the first token whose box ends below `y` (px from the top of the panel's content),
 * in `tops`/`heights` order. Tokens wrap in reading order, so tops never decrease.
 */
function firstBelow(tops: Float32Array, heights: Float32Array, y: number): number {
  let lo = 0;
  let hi = tops.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tops[mid]! + heights[mid]! > y) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Shades the token panel for one query row; keeps the tokens' boxes until the panel resizes. */
export class TokenShading {
  private panel: HTMLElement | undefined;
  private canvas: HTMLCanvasElement | undefined;
  private els: HTMLElement[] = [];
  private boxes: { x: Float32Array; y: Float32Array; w: Float32Array; h: Float32Array } | undefined;
  private resize: ResizeObserver | undefined;
  private rowData: Float32Array | undefined;
  private row = -1;
  private rowMax = 0;
  private accent = "#e8590c";
  private last: { data: Float32Array | undefined; n: number; cell: { q: number; k: number } | null } = {
    data: undefined,
    n: 0,
    cell: null,
  };

  /** Starts over with the panel, its canvas and its token spans (new tokens), none shaded. */
  reset(panel: HTMLElement | null, canvas: HTMLCanvasElement | null, els: HTMLElement[]): void {
    if (panel !== this.panel) {
      this.resize?.disconnect();
      this.resize = undefined;
      if (panel && typeof ResizeObserver !== "undefined") {
        this.resize = new ResizeObserver(() => {
          this.boxes = undefined;
          this.repaint();
        });
        this.resize.observe(panel);
      }
    }
    this.panel = panel ?? undefined;
    this.canvas = canvas ?? undefined;
    this.els = els;
    this.boxes = undefined;
    this.rowData = undefined;
    if (panel) this.accent = getComputedStyle(panel).getPropertyValue("--pl-accent").trim() || this.accent;
  }

  /** Stops watching the panel's size (the element left the page). */
  disconnect(): void {
    this.resize?.disconnect();
    this.resize = undefined;
    this.panel = undefined;
  }

  /** Paints again what was painted last, for the panel's new scroll position or size. */
  repaint(): void {
    this.paint(this.last.data, this.last.n, this.last.cell);
  }

  /**
   * Tints the tokens in and near the panel's view by `cell`'s query row of the `n`×`n` pattern
   * `data`, outlines the query token and underlines the key token. `cell` null clears.
   */
  paint(data: Float32Array | undefined, n: number, cell: { q: number; k: number } | null): void {
    this.last = { data, n, cell };
    const { panel, canvas, els } = this;
    if (!panel || !canvas || !data || els.length === 0) return;
    const q = cell ? cell.q : -1;
    if (data !== this.rowData || q !== this.row) {
      this.rowData = data;
      this.row = q;
      let max = 0;
      if (q >= 0) for (let k = 0; k < n; k++) max = Math.max(max, data[q * n + k]!);
      this.rowMax = max;
    }
    const k = cell ? cell.k : -1;
    this.draw(panel, canvas, data, n, q, k);
    const [qs, ks] = cell ? [String(q), String(k)] : ["", ""];
    if (panel.dataset.query !== qs) panel.dataset.query = qs;
    if (panel.dataset.key !== ks) panel.dataset.key = ks;
  }

  private measure(): NonNullable<TokenShading["boxes"]> {
    const m = this.els.length;
    const b = {
      x: new Float32Array(m),
      y: new Float32Array(m),
      w: new Float32Array(m),
      h: new Float32Array(m),
    };
    this.els.forEach((el, i) => {
      b.x[i] = el.offsetLeft;
      b.y[i] = el.offsetTop;
      b.w[i] = el.offsetWidth;
      b.h[i] = el.offsetHeight;
    });
    return b;
  }

  private draw(
    panel: HTMLElement,
    canvas: HTMLCanvasElement,
    data: Float32Array,
    n: number,
    q: number,
    key: number,
  ) {
    this.boxes ??= this.measure();
    const b = this.boxes;
    const view = panel.clientHeight;
    const top = Math.max(0, Math.min(panel.scrollTop - view / 2, panel.scrollHeight - 2 * view));
    const height = Math.max(1, Math.min(2 * view, panel.scrollHeight));
    const width = Math.max(1, panel.scrollWidth);
    const dpr = window.devicePixelRatio || 1;
    const style = canvas.style;
    if (style.top !== `${top}px`) style.top = `${top}px`;
    if (style.height !== `${height}px`) style.height = `${height}px`;
    if (style.width !== `${width}px`) style.width = `${width}px`;
    const pw = Math.round(width * dpr);
    const ph = Math.round(height * dpr);
    if (canvas.width !== pw || canvas.height !== ph) {
      canvas.width = pw;
      canvas.height = ph;
    }
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, -top * dpr);
    ctx.clearRect(0, top, width, height);
    const max = this.rowMax;
    if (q < 0 || max <= 0) return;
    ctx.fillStyle = `rgb(${TINT_RGB.join(", ")})`;
    const from = firstBelow(b.y, b.h, top);
    const row = q * n;
    for (let k = from; k < Math.min(n, b.y.length) && b.y[k]! < top + height; k++) {
      const t = data[row + k]! / max;
      if (!(t > 0)) continue;
      ctx.globalAlpha = Math.min(1, t) * MAX_ALPHA;
      ctx.fillRect(b.x[k]!, b.y[k]!, b.w[k]!, b.h[k]!);
    }
    ctx.globalAlpha = 1;
    ctx.fillStyle = this.accent;
    ctx.strokeStyle = this.accent;
    if (q < b.x.length) {
      ctx.lineWidth = 1;
      ctx.strokeRect(b.x[q]! + 0.5, b.y[q]! + 0.5, b.w[q]! - 1, b.h[q]! - 1);
    }
    if (key >= 0 && key < b.x.length)
      ctx.fillRect(b.x[key]! + 2, b.y[key]! + b.h[key]! - 3, b.w[key]! - 4, 2);
  }
}
