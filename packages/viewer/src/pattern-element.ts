import { html, LitElement, nothing, type PropertyValues } from "lit";
import { guard } from "lit/directives/guard.js";
import { arraySource, folderSource, type HeadSource } from "./_head-source.ts";
import { type MapView, paintAxes, paintHeatmap, paintMinimap, paintOverlay } from "./_pattern-paint.ts";
import { TokenShading } from "./_token-shading.ts";
import { boxView, clampView, fullView, showCell, type Viewport, zoomAt } from "./_viewport.ts";
import { SEQUENTIAL_COLORMAPS, type SequentialColormap } from "./colormaps.ts";
import { loadPrompt } from "./data.ts";
import { type CellDetail, plEvent } from "./events.ts";
import { type ScaleMode, type ValueRange, valueRange } from "./heatmap.ts";
import { patternStyles } from "./pattern-styles.ts";
import { type DisplayToken, displayTokens } from "./tokens.ts";

/**
 * Patterns held in memory (computed in the page, e.g. by `<pattern-lens-live>`): tokens without
 * BOS as `prompt.json` stores them, every id the model saw, one `[heads, n, n]` row-major array per
 * layer with `n = tokenIds.length`.
 */
export interface InMemoryPatterns {
  tokens: readonly string[];
  tokenIds: readonly number[];
  layers: readonly Float32Array[];
}

/** How a second head is shown: not at all, beside the first, or as the difference first − second. */
export type CompareMode = "none" | "side" | "diff";

interface Cell {
  q: number;
  k: number;
}

interface Drag {
  x: number;
  y: number;
  vp: Viewport;
  box: boolean;
  moved: boolean;
  minimap: boolean;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(6) : String(v));
const ranges = new WeakMap<Float32Array, ValueRange>();
const rangeOf = (d: Float32Array): ValueRange => {
  const hit = ranges.get(d);
  if (hit) return hit;
  const r = valueRange(d, false);
  ranges.set(d, r);
  return r;
};

/**
 * One attention head of one prompt, interactively: an exact heatmap read from `activations.npz`
 * (only the layer shown, with HTTP Range requests, inflated in a Worker), zoom and pan (wheel,
 * drag, shift-drag box, keyboard), token labels on the axes once they fit, a minimap, hover and
 * click-to-lock readouts, arrow-key navigation, a token panel and a second head to compare side by
 * side or as a difference. Patterns held in memory can be shown with {@link PatternLensPattern.patterns}.
 *
 * @example
 * ```html
 * <pattern-lens-pattern src="./data/" model="pythia-14m" prompt="sCw9tqGtgecntuFkGO7kVw" layer="2" head="1"></pattern-lens-pattern>
 * ```
 *
 * @fires pl-load - the first head is drawn; `detail.n` is the number of positions.
 * @fires pl-cell-hover - the pointer moved to another cell; `detail` is a {@link CellDetail}.
 * @fires pl-cell-lock - a cell was locked (click, arrow keys) or unlocked (`detail` null).
 * @fires pl-head-change - the user picked another head in the toolbar.
 * @fires pl-error - loading failed.
 *
 * @csspart toolbar - the colormap/scale/compare controls.
 * @csspart heatmap - each heatmap figure (axes included).
 * @csspart readout - the line showing the current cell.
 * @csspart tokens - the token panel.
 *
 * @cssprop --pl-heatmap-size - side of each drawn heatmap (default min(640px, 70vh)).
 * @cssprop --pl-axis - width of the token axes (default 96px).
 * @cssprop --pl-fg - text colour.
 * @cssprop --pl-bg - background colour.
 * @cssprop --pl-accent - highlight colour of the selected row/column and tokens.
 */
export class PatternLensPattern extends LitElement {
  static override properties = {
    src: { type: String },
    model: { type: String },
    prompt: { type: String },
    layer: { type: Number },
    head: { type: Number },
    compareLayer: { type: Number, attribute: "compare-layer" },
    compareHead: { type: Number, attribute: "compare-head" },
    compareMode: { type: String, attribute: "compare-mode" },
    colormap: { type: String },
    scale: { type: String },
    maxPixels: { type: Number, attribute: "max-pixels" },
    patterns: { attribute: false },
    _tokens: { state: true },
    _n: { state: true },
    _nLayers: { state: true },
    _nHeads: { state: true },
    _error: { state: true },
    _cell: { state: true },
    _locked: { state: true },
    _vp: { state: true },
    _loading: { state: true },
  };

  /** URL of the data folder, any origin (default: the page's folder). */
  src = "";
  /** Model folder name. */
  model = "";
  /** Prompt hash. */
  prompt = "";
  /** Layer of the head shown. */
  layer = 0;
  /** Head index. */
  head = 0;
  /** Layer of the head to compare with (-1: none). */
  compareLayer = -1;
  /** Head to compare with (-1: none). */
  compareHead = -1;
  /** How the second head is shown. */
  compareMode: CompareMode = "none";
  /** Sequential colormap of the heatmaps (differences always use a diverging red-blue map). */
  colormap: SequentialColormap = "blues";
  /** Linear or log colour scale. */
  scale: ScaleMode = "linear";
  /** Unused since the heatmap is drawn at the canvas's own resolution; kept for old pages. */
  maxPixels = 1024;
  /** Patterns held in memory, shown instead of fetching `src`/`model`/`prompt` when set. */
  patterns: InMemoryPatterns | null = null;

  private _tokens: DisplayToken[] = [];
  private _n = 0;
  private _nLayers = 0;
  private _nHeads = 0;
  private _error = "";
  private _cell: Cell | null = null;
  private _locked = false;
  private _vp: Viewport = fullView(0);
  private _loading = "";
  private _source: HeadSource | undefined;
  private _a: Float32Array | undefined;
  private _b: Float32Array | undefined;
  /** The heads `_a` and `_b` hold (the properties may already name the next ones, still loading). */
  private _shown = { layer: 0, head: 0, compareLayer: -1, compareHead: -1 };
  private _views: MapView[] = [];
  private _loadSeq = 0;
  private _drawSeq = 0;
  private _frame = 0;
  private _viewFrame = 0;
  private _factor = 1;
  private _fg = "#1b1f24";
  private _drag: Drag | null = null;
  private _box: { x0: number; y0: number; x1: number; y1: number } | null = null;
  private _noClick = false;
  private _shading = new TokenShading();
  private _panel: HTMLElement | null = null;

  /** The component's shadow-DOM styles. */
  static override styles = patternStyles;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this._frame);
    cancelAnimationFrame(this._viewFrame);
    this._endDrag();
    this._shading.disconnect();
    this._panel = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.requestUpdate(); // the token panel's size is watched again
  }

  /** The cell under the pointer or locked, with its exact values; `null` when there is none. */
  get selectedCell(): CellDetail | null {
    return this._cell ? this._detail(this._cell) : null;
  }

  /** Whether the current cell is locked (click or arrow keys). */
  get locked(): boolean {
    return this._locked;
  }

  /** The zoomed window in cells: keys `x`…`x + span`, queries `y`…`y + span`. */
  get viewport(): Viewport {
    return { ...this._vp };
  }
  set viewport(v: Viewport) {
    this._vp = clampView(v, this._n);
    this._paintSoon();
  }

  /** Locks the selection on a cell (as a click does), or unlocks it with `null`. */
  lockCell(query: number | null, key = 0): void {
    if (query === null) {
      this._locked = false;
      this.dispatchEvent(plEvent("pl-cell-lock", null));
      return;
    }
    const c = { q: this._clamp(query), k: this._clamp(key) };
    this._setCell(c);
    this._locked = true;
    const v = showCell(this._vp, this._n, c.q, c.k);
    if (v.x !== this._vp.x || v.y !== this._vp.y) this.viewport = v;
    this.dispatchEvent(plEvent("pl-cell-lock", this.selectedCell));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("patterns") && this.patterns) void this._load();
    else if (!this.patterns && (changed.has("src") || changed.has("model") || changed.has("prompt")))
      void this._load();
  }

  protected override updated(changed: PropertyValues<this>): void {
    const redraw = ["layer", "head", "compareLayer", "compareHead", "compareMode", "colormap", "scale"];
    if (this._source && redraw.some((k) => (changed as Map<string, unknown>).has(k)))
      void this._computeAndDraw();
    const panel = this.renderRoot.querySelector<HTMLElement>(".tokens");
    if ((changed as Map<string, unknown>).has("_tokens") || panel !== this._panel) {
      this._panel = panel;
      this._shading.reset(panel, panel?.querySelector("canvas.shade") ?? null, [
        ...(panel?.querySelectorAll<HTMLElement>(".tok") ?? []),
      ]);
    }
    this._paintSelection();
  }

  private _fail(err: unknown): void {
    const e = err as { code?: string; message?: string };
    this._error = e.message ?? String(err);
    this._loading = "";
    this.dispatchEvent(plEvent("pl-error", { code: e.code ?? "PL_VIEWER_DATA", message: this._error }));
  }

  private async _load(): Promise<void> {
    const seq = ++this._loadSeq;
    this._error = "";
    this._source = undefined;
    try {
      let tokens: readonly string[];
      if (this.patterns) {
        this._source = arraySource(this.patterns);
        tokens = this.patterns.tokens;
        if (this.layer >= this.patterns.layers.length) this.layer = 0;
      } else {
        if (!this.model || !this.prompt) return;
        this._loading = "Loading the prompt and the activations' directory…";
        const [prompt, source] = await Promise.all([
          loadPrompt(this.src, this.model, this.prompt).catch((err: { code?: string; message?: string }) => {
            if (err.code === "PL_VIEWER_FETCH" && /HTTP 404/.test(err.message ?? "")) {
              throw Object.assign(
                new Error(
                  `prompt ${this.prompt} of model ${this.model} is not in this data folder (no ${this.model}/prompts/${this.prompt}/prompt.json): check the link's open= or run activations on it`,
                ),
                { code: "PL_VIEWER_FETCH" },
              );
            }
            throw err;
          }),
          folderSource(this.src, this.model, this.prompt),
        ]);
        if (seq !== this._loadSeq) return;
        this._source = source;
        tokens = prompt.tokens;
      }
      const src = this._source;
      this._nLayers = src.nLayers;
      this._loading = `Loading layer ${this.layer}…`;
      const info = await src.info(this.layer);
      if (seq !== this._loadSeq) return;
      this._nHeads = info.nHeads;
      if (this.head >= info.nHeads) this.head = 0;
      this._tokens = displayTokens(tokens, info.n);
      this._cell = null;
      this._locked = false;
      this._n = info.n;
      this._vp = fullView(info.n);
      this._views = [];
      await this._computeAndDraw();
      if (seq !== this._loadSeq || this._error) return;
      this.dispatchEvent(plEvent("pl-load", { n: info.n }));
    } catch (err) {
      if (seq === this._loadSeq) this._fail(err);
    }
  }

  private _hasCompare(): boolean {
    return this.compareMode !== "none" && this.compareLayer >= 0 && this.compareHead >= 0;
  }

  private async _computeAndDraw(): Promise<void> {
    const src = this._source;
    if (!src || this._n === 0) return;
    const seq = ++this._drawSeq;
    let a: Float32Array;
    let b: Float32Array | undefined;
    try {
      const pa = src.head(this.layer, this.head);
      const pb = this._hasCompare() ? src.head(this.compareLayer, this.compareHead) : undefined;
      if (pa instanceof Promise || pb instanceof Promise) {
        this._loading = `Loading L${this.layer}H${this.head}…`;
        [a, b] = await Promise.all([pa, pb]);
        if (seq !== this._drawSeq) return;
      } else [a, b] = [pa, pb];
      if (a.length !== this._n * this._n || (b && b.length !== a.length)) {
        throw new Error(`layer ${this.layer} has another number of positions than the prompt's ${this._n}`);
      }
    } catch (err) {
      if (seq === this._drawSeq) this._fail(err);
      return;
    }
    this._loading = "";
    this._error = "";
    this._a = a;
    this._b = b;
    this._shown = {
      layer: this.layer,
      head: this.head,
      compareLayer: this.compareLayer,
      compareHead: this.compareHead,
    };
    const n = this._n;
    const label = (l: number, h: number) => `L${l}H${h}`;
    const base = { colormap: this.colormap, scale: this.scale, diverging: false } as const;
    if (b && this.compareMode === "diff") {
      const d = new Float32Array(n * n);
      for (let i = 0; i < d.length; i++) d[i] = a[i]! - b[i]!;
      this._views = [
        {
          label: `${label(this.layer, this.head)} − ${label(this.compareLayer, this.compareHead)}`,
          data: d,
          range: valueRange(d, true),
          colormap: "rdbu",
          scale: "linear",
          diverging: true,
        },
      ];
    } else if (b) {
      // One shared scale so that the two pictures compare.
      const ra = rangeOf(a);
      const rb = rangeOf(b);
      const range = {
        min: Math.min(ra.min, rb.min),
        max: Math.max(ra.max, rb.max),
        minPositive: Math.min(ra.minPositive, rb.minPositive),
      };
      this._views = [
        { ...base, label: label(this.layer, this.head), data: a, range },
        { ...base, label: label(this.compareLayer, this.compareHead), data: b, range },
      ];
    } else {
      this._views = [{ ...base, label: label(this.layer, this.head), data: a, range: rangeOf(a) }];
    }
    this.requestUpdate();
    await this.updateComplete;
    if (seq !== this._drawSeq) return;
    this._paintViews();
  }

  /** Repaints heatmaps, axes and minimaps for the current viewport (wheel and drag call it per frame). */
  private _paintViews(): void {
    const figs = this.renderRoot.querySelectorAll<HTMLElement>("figure.map");
    this._fg = getComputedStyle(this).color || this._fg;
    this._views.forEach((v, i) => {
      const fig = figs[i];
      const img = fig?.querySelector<HTMLCanvasElement>("canvas.img");
      if (!fig || !img) return;
      this._factor = paintHeatmap(img, v, this._vp, this._n);
      const mini = fig.querySelector<HTMLCanvasElement>("canvas.minimap");
      if (mini) paintMinimap(mini, v, this._vp, this._n);
    });
    this._paintSelection();
  }

  private _paintSoon(): void {
    cancelAnimationFrame(this._viewFrame);
    this._viewFrame = requestAnimationFrame(() => {
      this.requestUpdate(); // the zoom readout and the minimap's presence
      void this.updateComplete.then(() => this._paintViews());
    });
  }

  private _clamp(i: number): number {
    return Math.max(0, Math.min(this._n - 1, i));
  }

  private _detail(c: Cell): CellDetail {
    const i = c.q * this._n + c.k;
    const d: CellDetail = {
      layer: this._shown.layer,
      head: this._shown.head,
      query: c.q,
      key: c.k,
      value: this._a?.[i] ?? Number.NaN,
      queryToken: this._tokens[c.q]?.text ?? "",
      keyToken: this._tokens[c.k]?.text ?? "",
    };
    if (this._b) d.compareValue = this._b[i] ?? Number.NaN;
    return d;
  }

  private _setCell(c: Cell): void {
    const old = this._cell;
    if (old && old.q === c.q && old.k === c.k) return;
    this._cell = c;
    this.dispatchEvent(plEvent("pl-cell-hover", this._detail(c)));
  }

  /** The position under the pointer in cells (fractional), within the stack it is over. */
  private _at(ev: MouseEvent, stack: HTMLElement): { x: number; y: number } {
    const rect = stack.getBoundingClientRect();
    const v = this._vp;
    return {
      x: v.x + ((ev.clientX - rect.left) / rect.width) * v.span,
      y: v.y + ((ev.clientY - rect.top) / rect.height) * v.span,
    };
  }

  private _cellAt(ev: MouseEvent, stack: HTMLElement): Cell {
    const p = this._at(ev, stack);
    return { q: this._clamp(Math.floor(p.y)), k: this._clamp(Math.floor(p.x)) };
  }

  private _onMove = (ev: MouseEvent) => {
    if (this._locked || this._n === 0 || this._drag) return;
    this._setCell(this._cellAt(ev, ev.currentTarget as HTMLElement));
  };

  private _onLeave = () => {
    if (!this._locked && !this._drag) this._cell = null;
  };

  private _onDown = (ev: MouseEvent) => {
    if (ev.button !== 0 || this._n === 0) return;
    const minimap = (ev.currentTarget as HTMLElement).classList.contains("minimap");
    this._drag = { x: ev.clientX, y: ev.clientY, vp: this._vp, box: ev.shiftKey, moved: false, minimap };
    this._dragStack = ev.currentTarget as HTMLElement;
    window.addEventListener("mousemove", this._onDragMove);
    window.addEventListener("mouseup", this._onDragEnd);
    if (minimap) this._onDragMove(ev);
    ev.preventDefault();
  };

  private _dragStack: HTMLElement | undefined;

  private _onDragMove = (ev: MouseEvent) => {
    const d = this._drag;
    const el = this._dragStack;
    if (!d || !el) return;
    const rect = el.getBoundingClientRect();
    const dx = ev.clientX - d.x;
    const dy = ev.clientY - d.y;
    if (d.minimap) {
      const k = this._n / rect.width;
      const cx = (ev.clientX - rect.left) * k;
      const cy = (ev.clientY - rect.top) * k;
      d.moved = true;
      this.viewport = { x: cx - d.vp.span / 2, y: cy - d.vp.span / 2, span: d.vp.span };
      return;
    }
    if (!d.moved && Math.hypot(dx, dy) < 4) return;
    d.moved = true;
    const k = d.vp.span / rect.width;
    if (d.box) {
      const x0 = d.vp.x + (d.x - rect.left) * k;
      const y0 = d.vp.y + (d.y - rect.top) * k;
      const p = this._at(ev, el);
      this._box = { x0, y0, x1: p.x, y1: p.y };
      this._paintSelection();
    } else {
      el.classList.add("panning");
      this.viewport = { x: d.vp.x - dx * k, y: d.vp.y - dy * k, span: d.vp.span };
    }
  };

  private _onDragEnd = () => {
    const d = this._drag;
    const b = this._box;
    this._endDrag();
    if (!d) return;
    if (!d.minimap) this._noClick = d.moved;
    if (d.box && b) this.viewport = boxView(b.x0, b.y0, b.x1, b.y1, this._n);
    this._paintSelection();
  };

  private _endDrag(): void {
    window.removeEventListener("mousemove", this._onDragMove);
    window.removeEventListener("mouseup", this._onDragEnd);
    this._dragStack?.classList.remove("panning");
    this._drag = null;
    this._box = null;
  }

  private _onWheel = (ev: WheelEvent) => {
    if (this._n === 0) return;
    ev.preventDefault();
    const stack = ev.currentTarget as HTMLElement;
    const rect = stack.getBoundingClientRect();
    const dy = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaMode === 2 ? ev.deltaY * 400 : ev.deltaY;
    const factor = Math.exp(-dy * 0.002);
    this.viewport = zoomAt(
      this._vp,
      this._n,
      (ev.clientX - rect.left) / rect.width,
      (ev.clientY - rect.top) / rect.height,
      factor,
    );
  };

  private _onClick = (ev: MouseEvent) => {
    if (this._n === 0) return;
    if (this._noClick) {
      this._noClick = false;
      return;
    }
    const c = this._cellAt(ev, ev.currentTarget as HTMLElement);
    (ev.currentTarget as HTMLElement).focus();
    if (this._locked && this._cell?.q === c.q && this._cell.k === c.k) {
      this.lockCell(null);
      return;
    }
    this.lockCell(c.q, c.k);
  };

  private _zoomKey(factor: number): void {
    const c = this._cell;
    const v = this._vp;
    const fx = c ? (c.k + 0.5 - v.x) / v.span : 0.5;
    const fy = c ? (c.q + 0.5 - v.y) / v.span : 0.5;
    this.viewport = zoomAt(v, this._n, Math.min(1, Math.max(0, fx)), Math.min(1, Math.max(0, fy)), factor);
  }

  private _onKey = (ev: KeyboardEvent) => {
    if (this._n === 0) return;
    if (ev.key === "Escape") {
      if (this._locked) {
        this.lockCell(null);
        ev.preventDefault();
      }
      return;
    }
    const zoom: Record<string, number> = { "+": 2, "=": 2, "-": 0.5, _: 0.5 };
    if (zoom[ev.key]) {
      ev.preventDefault();
      this._zoomKey(zoom[ev.key]!);
      return;
    }
    if (ev.key === "0") {
      ev.preventDefault();
      this.viewport = fullView(this._n);
      return;
    }
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    const m = moves[ev.key];
    if (!m) return;
    ev.preventDefault();
    if (ev.shiftKey) {
      const s = this._vp.span / 4;
      this.viewport = { x: this._vp.x + m[1] * s, y: this._vp.y + m[0] * s, span: this._vp.span };
      return;
    }
    const step = ev.ctrlKey || ev.metaKey ? 10 : 1;
    const c = this._cell ?? { q: 0, k: 0 };
    const wasLocked = this._locked;
    this.lockCell(wasLocked ? c.q + m[0] * step : c.q, wasLocked ? c.k + m[1] * step : c.k);
  };

  private _onTokenClick = (ev: MouseEvent) => {
    const el = (ev.target as HTMLElement).closest<HTMLElement>(".tok");
    const i = Number(el?.dataset.index);
    if (!el || !Number.isInteger(i)) return;
    // Clicking a token makes it the query; the key stays where it was (or the token itself).
    this.lockCell(i, this._cell?.k ?? i);
    this.renderRoot.querySelector<HTMLElement>(".stack")?.focus(); // arrow keys go on from here
  };

  /** Draws the crosshair, the axes' highlight and the token panel's attention for the current cell. */
  private _paintSelection(): void {
    cancelAnimationFrame(this._frame);
    this._frame = requestAnimationFrame(() => {
      const c = this._cell;
      for (const fig of this.renderRoot.querySelectorAll<HTMLElement>("figure.map")) {
        const ov = fig.querySelector<HTMLCanvasElement>("canvas.overlay");
        const left = fig.querySelector<HTMLCanvasElement>("canvas.axis-left");
        const top = fig.querySelector<HTMLCanvasElement>("canvas.axis-top");
        if (!ov || !left || !top || this._n === 0) continue;
        paintOverlay(ov, this._vp, c, this._locked, this._box);
        paintAxes(left, top, this._tokens, this._vp, this._n, ov.clientWidth, this._fg, c);
      }
      this._paintTokens();
    });
  }

  private _paintTokens(): void {
    this._shading.paint(this._a, this._n, this._cell);
  }

  private _onTokensScroll = () => this._shading.repaint();

  private _renderTokens() {
    return guard([this._tokens], () =>
      this._tokens.map(
        (t, i) =>
          html`<span class="tok ${t.bos ? "bos" : ""}" data-index=${i} title=${`#${i} ${t.raw}`}>${t.text}</span>`,
      ),
    );
  }

  private _renderReadout() {
    const c = this._cell ? this._detail(this._cell) : null;
    if (!c)
      return html`<span class="hint">Hover for exact values; click to lock, then arrow keys move (Ctrl: 10). Wheel zooms, drag pans, Shift-drag zooms to a box, + − 0 on the keyboard (Shift+arrows pan). Click a token to make it the query.</span>`;
    const diff = c.compareValue !== undefined ? c.value - c.compareValue : undefined;
    return html`${this._locked ? html`<b class="locked">locked</b> · ` : nothing}query <b>#${c.query}</b>
      <span class="tok">${c.queryToken}</span> → key <b>#${c.key}</b>
      <span class="tok">${c.keyToken}</span>:
      <b class="value" data-value=${String(c.value)}>${fmt(c.value)}</b>
      ${
        c.compareValue !== undefined
          ? html`· L${this._shown.compareLayer}H${this._shown.compareHead}:
              <b class="compare-value" data-value=${String(c.compareValue)}>${fmt(c.compareValue)}</b>
              · difference <b class="diff-value" data-value=${String(Math.fround(diff!))}>${fmt(Math.fround(diff!))}</b>`
          : nothing
      }`;
  }

  private _headOptionsCached(selected: string) {
    return guard([this._nLayers, this._nHeads, selected], () => this._headOptions(selected));
  }

  private _headOptions(selected: string) {
    const out = [];
    for (let l = 0; l < this._nLayers; l++)
      for (let h = 0; h < this._nHeads; h++) {
        const v = `${l},${h}`;
        out.push(html`<option value=${v} ?selected=${v === selected}>L${l}H${h}</option>`);
      }
    return out;
  }

  private _renderToolbar() {
    const zoom = this._n / this._vp.span;
    const pick = (e: Event) =>
      (e.target as HTMLSelectElement).value.split(",").map(Number) as [number, number];
    return html`<div class="toolbar" part="toolbar">
      <label>Head <select class="head-a" @change=${(e: Event) => {
        [this.layer, this.head] = pick(e);
        this.dispatchEvent(plEvent("pl-head-change", { layer: this.layer, head: this.head }));
      }}>${this._headOptionsCached(`${this.layer},${this.head}`)}</select></label>
      <label>Colormap <select class="colormap" ?disabled=${this.compareMode === "diff"} @change=${(
        e: Event,
      ) => {
        this.colormap = (e.target as HTMLSelectElement).value as SequentialColormap;
      }}>${SEQUENTIAL_COLORMAPS.map((c) => html`<option ?selected=${c === this.colormap}>${c}</option>`)}</select></label>
      <label>Scale <select class="scale" ?disabled=${this.compareMode === "diff"} @change=${(e: Event) => {
        this.scale = (e.target as HTMLSelectElement).value as ScaleMode;
      }}><option ?selected=${this.scale === "linear"}>linear</option><option ?selected=${this.scale === "log"}>log</option></select></label>
      <label>Compare <select class="compare-mode" @change=${(e: Event) => {
        this.compareMode = (e.target as HTMLSelectElement).value as CompareMode;
        if (this.compareMode !== "none" && this.compareLayer < 0) {
          this.compareLayer = this.layer;
          this.compareHead = (this.head + 1) % Math.max(1, this._nHeads);
        }
      }}>
        <option value="none" ?selected=${this.compareMode === "none"}>off</option>
        <option value="side" ?selected=${this.compareMode === "side"}>side by side</option>
        <option value="diff" ?selected=${this.compareMode === "diff"}>difference</option>
      </select></label>
      ${
        this.compareMode !== "none"
          ? html`<label>with <select class="head-b" @change=${(e: Event) => {
              [this.compareLayer, this.compareHead] = pick(e);
            }}>${this._headOptionsCached(`${this.compareLayer},${this.compareHead}`)}</select></label>`
          : nothing
      }
      <span class="zoom">zoom ${zoom < 10 ? zoom.toFixed(1) : Math.round(zoom)}×</span>
      <button class="reset-zoom" ?disabled=${zoom === 1} @click=${() => {
        this.viewport = fullView(this._n);
      }}>reset zoom</button>
      <span class="hint">${this._n} tokens${this._factor > 1 ? ` · ${this._factor}×${this._factor} cells per pixel (each shows its peak; values exact)` : ""}${this._loading ? ` · ${this._loading}` : ""}</span>
    </div>`;
  }

  protected override render() {
    if (this._error) return html`<p class="error" role="alert">${this._error}</p>`;
    if (this._n === 0) return html`<p class="hint">${this._loading || "Loading…"}</p>`;
    const zoomed = this._vp.span < this._n;
    return html`
      ${this._renderToolbar()}
      <div class=${this._views.length > 1 ? "maps two" : "maps"}>
        ${this._views.map(
          (v) => html`<figure class="map" part="heatmap">
            <div class="plot">
              <div class="corner">${
                zoomed
                  ? html`<canvas class="minimap" title="the whole pattern; drag to move the zoomed window" @mousedown=${this._onDown}></canvas>`
                  : nothing
              }</div>
              <canvas class="axis-top" aria-hidden="true"></canvas>
              <canvas class="axis-left" aria-hidden="true"></canvas>
              <div class="stack" tabindex="0" role="grid" aria-label=${`attention ${v.label}`}
                @mousemove=${this._onMove} @mouseleave=${this._onLeave} @mousedown=${this._onDown}
                @click=${this._onClick} @keydown=${this._onKey} @wheel=${this._onWheel}>
                <canvas class="img"></canvas><canvas class="overlay"></canvas>
              </div>
            </div>
            <figcaption>${v.label}</figcaption>
          </figure>`,
        )}
      </div>
      <div class="readout" part="readout" aria-live="polite">${this._renderReadout()}</div>
      <div class="tokens" part="tokens" @click=${this._onTokenClick} @scroll=${this._onTokensScroll}>
        <canvas class="shade" aria-hidden="true"></canvas>${this._renderTokens()}</div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "pattern-lens-pattern": PatternLensPattern;
  }
}
