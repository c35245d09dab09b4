import { type NpyArray, patternKey } from "@pattern-lens/indexes";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { guard } from "lit/directives/guard.js";
import { SEQUENTIAL_COLORMAPS, type SequentialColormap } from "./colormaps.ts";
import { type HeadPattern, headPattern, loadActivations, loadPrompt } from "./data.ts";
import { type CellDetail, plEvent } from "./events.ts";
import { type HeatmapImage, renderHeatmap, type ScaleMode, valueRange } from "./heatmap.ts";
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

interface MapView {
  label: string;
  data: Float32Array;
  image: HeatmapImage;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(6) : String(v));

/**
 * One attention head of one prompt, interactively: an exact heatmap read from `activations.npz`,
 * hover and click-to-lock readouts, arrow-key navigation, a token panel and a second head to
 * compare side by side or as a difference.
 *
 * @example
 * ```html
 * <pattern-lens-pattern src="./data/" model="pythia-14m" prompt="sCw9tqGtgecntuFkGO7kVw" layer="2" head="1"></pattern-lens-pattern>
 * ```
 *
 * @fires pl-load - data loaded and drawn; `detail.n` is the number of positions.
 * @fires pl-cell-hover - the pointer moved to another cell; `detail` is a {@link CellDetail}.
 * @fires pl-cell-lock - a cell was locked (click, arrow keys) or unlocked (`detail` null).
 * @fires pl-head-change - the user picked another head in the toolbar.
 * @fires pl-error - loading failed.
 *
 * @csspart toolbar - the colormap/scale/compare controls.
 * @csspart heatmap - each heatmap figure.
 * @csspart readout - the line showing the current cell.
 * @csspart tokens - the token panel.
 *
 * @cssprop --pl-heatmap-size - side of each drawn heatmap (default 480px).
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
  };

  /** URL of the data folder (default: the page's folder). */
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
  /** Largest drawn side in pixels; longer prompts are downsampled for drawing only. */
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
  private _npz: Awaited<ReturnType<typeof loadActivations>> | undefined;
  private _a: HeadPattern | undefined;
  private _b: HeadPattern | undefined;
  private _views: MapView[] = [];
  private _loadSeq = 0;
  private _frame = 0;
  private _tokenEls: HTMLElement[] = [];
  private _paintedRow = -1;
  private _paintedKey = -1;
  private _queryIdx = -1;
  private _shade = new Float32Array(0);

  /** The component's shadow-DOM styles. */
  static override styles = css`
    :host {
      display: block;
      color: var(--pl-fg, #1b1f24);
      background: var(--pl-bg, transparent);
      font: 13px/1.4 system-ui, sans-serif;
      --pl-accent: #e8590c;
    }
    .toolbar {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem 1rem;
      align-items: center;
      margin-bottom: 0.5rem;
    }
    select,
    button {
      font: inherit;
    }
    .maps {
      display: flex;
      flex-wrap: wrap;
      gap: 1rem;
    }
    figure {
      margin: 0;
    }
    figcaption {
      text-align: center;
      font-weight: 600;
    }
    .stack {
      position: relative;
      width: var(--pl-heatmap-size, 480px);
      height: var(--pl-heatmap-size, 480px);
      outline: 1px solid #8884;
      cursor: crosshair;
    }
    .stack:focus-visible {
      outline: 2px solid var(--pl-accent);
    }
    .stack canvas {
      position: absolute;
      inset: 0;
      width: 100%;
      height: 100%;
    }
    canvas.img {
      image-rendering: pixelated;
    }
    .readout {
      min-height: 1.4em;
      margin: 0.5rem 0;
      font-variant-numeric: tabular-nums;
    }
    .readout .tok,
    .tokens .tok {
      font-family: ui-monospace, monospace;
      white-space: pre;
    }
    .readout .tok {
      padding: 0 0.2em;
      border: 1px solid #8886;
      border-radius: 3px;
    }
    .tokens {
      display: flex;
      flex-wrap: wrap;
      gap: 2px;
      max-height: 16rem;
      overflow: auto;
      padding: 2px;
    }
    .tokens .tok {
      cursor: pointer;
      padding: 0 2px;
      border-radius: 2px;
      border: 1px solid transparent;
    }
    .tokens .tok.query {
      border-color: var(--pl-accent);
    }
    .tokens .tok.key {
      text-decoration: underline 2px var(--pl-accent);
    }
    .bos {
      font-style: italic;
      opacity: 0.8;
    }
    .error {
      color: #c92a2a;
    }
    .hint {
      opacity: 0.7;
    }
  `;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this._frame);
  }

  /** The cell under the pointer or locked, with its exact values; `null` when there is none. */
  get selectedCell(): CellDetail | null {
    return this._cell ? this._detail(this._cell) : null;
  }

  /** Whether the current cell is locked (click or arrow keys). */
  get locked(): boolean {
    return this._locked;
  }

  /** Locks the selection on a cell (as a click does), or unlocks it with `null`. */
  lockCell(query: number | null, key = 0): void {
    if (query === null) {
      this._locked = false;
      this.dispatchEvent(plEvent("pl-cell-lock", null));
      return;
    }
    this._setCell({ q: this._clamp(query), k: this._clamp(key) });
    this._locked = true;
    this.dispatchEvent(plEvent("pl-cell-lock", this.selectedCell));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("patterns") && this.patterns) void this._show(this.patterns);
    else if (!this.patterns && (changed.has("src") || changed.has("model") || changed.has("prompt")))
      void this._load();
  }

  protected override updated(changed: PropertyValues<this>): void {
    const redraw = [
      "layer",
      "head",
      "compareLayer",
      "compareHead",
      "compareMode",
      "colormap",
      "scale",
      "maxPixels",
      "_n",
    ];
    if (redraw.some((k) => (changed as Map<string, unknown>).has(k))) this._computeAndDraw();
    if ((changed as Map<string, unknown>).has("_tokens")) {
      this._tokenEls = [...this.renderRoot.querySelectorAll<HTMLElement>(".tokens .tok")];
      this._shade = new Float32Array(this._tokenEls.length).fill(-1);
      this._paintedRow = -2;
      this._paintedKey = -1;
      this._queryIdx = -1;
    }
    this._paintSelection();
  }

  /** Shows in-memory patterns the way {@link _load} shows a fetched `activations.npz`. */
  private async _show(p: InMemoryPatterns): Promise<void> {
    ++this._loadSeq;
    const n = p.tokenIds.length;
    const nHeads = n > 0 ? (p.layers[0]?.length ?? 0) / (n * n) : 0;
    const npz = new Map<string, NpyArray>(
      p.layers.map((data, l) => [patternKey(l), { dtype: "<f4", shape: [nHeads, n, n], data }]),
    );
    this._error = "";
    if (this.layer >= p.layers.length) this.layer = 0;
    if (this.head >= nHeads) this.head = 0;
    await this._present(npz, p.tokens, p.layers.length, nHeads, n);
  }

  /** Draws a decoded `activations.npz` (fetched or in memory) and fires `pl-load`. */
  private async _present(
    npz: Map<string, NpyArray>,
    tokens: readonly string[],
    nLayers: number,
    nHeads: number,
    n: number,
  ): Promise<void> {
    this._npz = npz;
    this._nLayers = nLayers;
    this._nHeads = nHeads;
    this._tokens = displayTokens(tokens, n);
    this._cell = null;
    this._locked = false;
    this._n = n;
    this._computeAndDraw();
    await this.updateComplete;
    this.dispatchEvent(plEvent("pl-load", { n }));
  }

  private async _load(): Promise<void> {
    const seq = ++this._loadSeq;
    if (!this.model || !this.prompt) return;
    this._error = "";
    try {
      const [prompt, npz] = await Promise.all([
        loadPrompt(this.src, this.model, this.prompt),
        loadActivations(this.src, this.model, this.prompt),
      ]);
      if (seq !== this._loadSeq) return;
      const layers = [...npz.keys()].filter((k) => /^blocks\.\d+\.attn\.hook_pattern$/.test(k));
      const first = npz.get(layers[0] ?? "");
      const nHeads = first ? (first.shape[first.shape.length - 3] ?? 0) : 0;
      const n = first ? (first.shape[first.shape.length - 1] ?? 0) : 0;
      await this._present(npz, prompt.tokens, layers.length, nHeads, n);
    } catch (err) {
      if (seq !== this._loadSeq) return;
      const e = err as { code?: string; message?: string };
      this._error = e.message ?? String(err);
      this.dispatchEvent(plEvent("pl-error", { code: e.code ?? "PL_VIEWER_DATA", message: this._error }));
    }
  }

  private _hasCompare(): boolean {
    return this.compareMode !== "none" && this.compareLayer >= 0 && this.compareHead >= 0;
  }

  private _computeAndDraw(): void {
    const npz = this._npz;
    if (!npz || this._n === 0) return;
    try {
      this._a = headPattern(npz, this.layer, this.head);
      this._b = this._hasCompare() ? headPattern(npz, this.compareLayer, this.compareHead) : undefined;
      this._error = "";
    } catch (err) {
      this._error = (err as Error).message;
      this._views = [];
      return;
    }
    const { n } = this._a;
    const a = this._a.data;
    const b = this._b?.data;
    const label = (l: number, h: number) => `L${l}H${h}`;
    const opts = { colormap: this.colormap, scale: this.scale, maxPixels: this.maxPixels };
    if (b && this.compareMode === "diff") {
      const d = new Float32Array(n * n);
      for (let i = 0; i < d.length; i++) d[i] = a[i]! - b[i]!;
      this._views = [
        {
          label: `${label(this.layer, this.head)} − ${label(this.compareLayer, this.compareHead)}`,
          data: d,
          image: renderHeatmap(d, n, { ...opts, colormap: "rdbu", scale: "linear", diverging: true }),
        },
      ];
    } else if (b) {
      // One shared scale so that the two pictures compare.
      const ra = valueRange(a, false);
      const rb = valueRange(b, false);
      const range = {
        min: Math.min(ra.min, rb.min),
        max: Math.max(ra.max, rb.max),
        minPositive: Math.min(ra.minPositive, rb.minPositive),
      };
      this._views = [
        { label: label(this.layer, this.head), data: a, image: renderHeatmap(a, n, { ...opts, range }) },
        {
          label: label(this.compareLayer, this.compareHead),
          data: b,
          image: renderHeatmap(b, n, { ...opts, range }),
        },
      ];
    } else {
      this._views = [{ label: label(this.layer, this.head), data: a, image: renderHeatmap(a, n, opts) }];
    }
    this.requestUpdate();
    void this.updateComplete.then(() => {
      const canvases = this.renderRoot.querySelectorAll<HTMLCanvasElement>("canvas.img");
      this._views.forEach((v, i) => {
        const c = canvases[i];
        if (!c) return;
        c.width = v.image.size;
        c.height = v.image.size;
        c.getContext("2d")?.putImageData(
          new ImageData(v.image.rgba as Uint8ClampedArray<ArrayBuffer>, v.image.size, v.image.size),
          0,
          0,
        );
      });
      this._shade.fill(-1);
      this._paintedRow = -2;
      this._paintSelection();
    });
  }

  private _clamp(i: number): number {
    return Math.max(0, Math.min(this._n - 1, i));
  }

  private _detail(c: Cell): CellDetail {
    const i = c.q * this._n + c.k;
    const d: CellDetail = {
      layer: this.layer,
      head: this.head,
      query: c.q,
      key: c.k,
      value: this._a?.data[i] ?? Number.NaN,
      queryToken: this._tokens[c.q]?.text ?? "",
      keyToken: this._tokens[c.k]?.text ?? "",
    };
    if (this._b) d.compareValue = this._b.data[i] ?? Number.NaN;
    return d;
  }

  private _setCell(c: Cell): void {
    const old = this._cell;
    if (old && old.q === c.q && old.k === c.k) return;
    this._cell = c;
    this.dispatchEvent(plEvent("pl-cell-hover", this._detail(c)));
  }

  private _cellAt(ev: MouseEvent): Cell {
    const rect = (ev.currentTarget as HTMLElement).getBoundingClientRect();
    const k = Math.floor(((ev.clientX - rect.left) / rect.width) * this._n);
    const q = Math.floor(((ev.clientY - rect.top) / rect.height) * this._n);
    return { q: this._clamp(q), k: this._clamp(k) };
  }

  private _onMove = (ev: MouseEvent) => {
    if (this._locked || this._n === 0) return;
    this._setCell(this._cellAt(ev));
  };

  private _onLeave = () => {
    if (!this._locked) this._cell = null;
  };

  private _onClick = (ev: MouseEvent) => {
    if (this._n === 0) return;
    const c = this._cellAt(ev);
    (ev.currentTarget as HTMLElement).focus();
    if (this._locked && this._cell?.q === c.q && this._cell.k === c.k) {
      this.lockCell(null);
      return;
    }
    this.lockCell(c.q, c.k);
  };

  private _onKey = (ev: KeyboardEvent) => {
    if (this._n === 0) return;
    if (ev.key === "Escape") {
      if (this._locked) {
        this.lockCell(null);
        ev.preventDefault();
      }
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

  /** Draws the row/column highlight and the token panel's attention for the current cell. */
  private _paintSelection(): void {
    cancelAnimationFrame(this._frame);
    this._frame = requestAnimationFrame(() => {
      const n = this._n;
      const c = this._cell;
      for (const ov of this.renderRoot.querySelectorAll<HTMLCanvasElement>("canvas.overlay")) {
        const w = ov.clientWidth;
        const dpr = window.devicePixelRatio || 1;
        if (ov.width !== Math.round(w * dpr)) {
          ov.width = Math.round(w * dpr);
          ov.height = Math.round(w * dpr);
        }
        const ctx = ov.getContext("2d");
        if (!ctx) continue;
        ctx.clearRect(0, 0, ov.width, ov.height);
        if (!c || n === 0) continue;
        const cell = ov.width / n;
        const band = Math.max(cell, 2 * dpr);
        ctx.fillStyle = "rgba(232, 89, 12, 0.28)";
        ctx.fillRect(0, c.q * cell + cell / 2 - band / 2, ov.width, band);
        ctx.fillRect(c.k * cell + cell / 2 - band / 2, 0, band, ov.height);
        ctx.strokeStyle = this._locked ? "#e8590c" : "rgba(232, 89, 12, 0.9)";
        ctx.lineWidth = (this._locked ? 2 : 1) * dpr;
        ctx.strokeRect(c.k * cell + cell / 2 - band / 2, c.q * cell + cell / 2 - band / 2, band, band);
      }
      this._paintTokens();
    });
  }

  private _paintTokens(): void {
    const els = this._tokenEls;
    const c = this._cell;
    const a = this._a;
    if (!a || els.length === 0) return;
    const n = a.n;
    const q = c?.q ?? -1;
    if (q !== this._paintedRow) {
      // Only spans whose shade changes are touched (a causal row leaves most of them at zero).
      if (this._shade.length !== els.length) this._shade = new Float32Array(els.length).fill(-1);
      let rowMax = 0;
      if (c) for (let k = 0; k < n; k++) rowMax = Math.max(rowMax, a.data[q * n + k]!);
      for (let k = 0; k < els.length; k++) {
        const t = c && rowMax > 0 ? Math.round((a.data[q * n + k]! / rowMax) * 100) / 100 : 0;
        if (t === this._shade[k]) continue;
        this._shade[k] = t;
        const el = els[k]!;
        el.style.backgroundColor = t > 0 ? `rgba(33, 113, 181, ${Math.round(t * 85) / 100})` : "";
        el.style.color = t > 0.5 ? "#fff" : "";
      }
      els[this._queryIdx]?.classList.remove("query");
      if (c) els[q]?.classList.add("query");
      this._queryIdx = q;
      this._paintedRow = q;
    }
    const k = c?.k ?? -1;
    if (k !== this._paintedKey) {
      els[this._paintedKey]?.classList.remove("key");
      if (c) els[k]?.classList.add("key");
      this._paintedKey = k;
    }
  }

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
      return html`<span class="hint">Hover the heatmap for values; click to lock, then arrow keys move (Ctrl: 10); click a token to make it the query.</span>`;
    const diff = c.compareValue !== undefined ? c.value - c.compareValue : undefined;
    return html`${this._locked ? html`<b class="locked">locked</b> · ` : nothing}query <b>#${c.query}</b>
      <span class="tok">${c.queryToken}</span> → key <b>#${c.key}</b>
      <span class="tok">${c.keyToken}</span>:
      <b class="value" data-value=${String(c.value)}>${fmt(c.value)}</b>
      ${
        c.compareValue !== undefined
          ? html`· L${this.compareLayer}H${this.compareHead}:
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

  protected override render() {
    if (this._error) return html`<p class="error" role="alert">${this._error}</p>`;
    if (this._n === 0) return html`<p class="hint">Loading…</p>`;
    const factor = this._views[0]?.image.factor ?? 1;
    return html`
      <div class="toolbar" part="toolbar">
        <label>Head <select class="head-a" @change=${(e: Event) => {
          const [l, h] = (e.target as HTMLSelectElement).value.split(",").map(Number);
          this.layer = l!;
          this.head = h!;
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
                const [l, h] = (e.target as HTMLSelectElement).value.split(",").map(Number);
                this.compareLayer = l!;
                this.compareHead = h!;
              }}>${this._headOptionsCached(`${this.compareLayer},${this.compareHead}`)}</select></label>`
            : nothing
        }
        <span class="hint">${this._n} tokens${factor > 1 ? ` · drawn at 1/${factor} (values exact)` : ""}</span>
      </div>
      <div class="maps">
        ${this._views.map(
          (v) => html`<figure part="heatmap">
            <div class="stack" tabindex="0" role="grid" aria-label=${`attention ${v.label}`}
              @mousemove=${this._onMove} @mouseleave=${this._onLeave} @click=${this._onClick} @keydown=${this._onKey}>
              <canvas class="img"></canvas><canvas class="overlay"></canvas>
            </div>
            <figcaption>${v.label}</figcaption>
          </figure>`,
        )}
      </div>
      <div class="readout" part="readout" aria-live="polite">${this._renderReadout()}</div>
      <div class="tokens" part="tokens" @click=${this._onTokenClick}>${this._renderTokens()}</div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "pattern-lens-pattern": PatternLensPattern;
  }
}
