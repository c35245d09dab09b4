import { figurePath } from "@pattern-lens/indexes";
import { html, LitElement, nothing, type PropertyValues } from "lit";
import {
  type PanelContext,
  PROMPT_ROWS,
  plural,
  renderFigureFunctions,
  renderModels,
  renderPrompts,
} from "./_viewer-panels.ts";
import {
  dataUrl,
  type FigureInfo,
  loadFigures,
  loadModels,
  loadPrompts,
  type ModelInfo,
  type PromptInfo,
} from "./data.ts";
import { type HeadChangeEvent, plEvent } from "./events.ts";
import { colourMap, type GridItem, gridItems, keyValue } from "./grid-items.ts";
import {
  type HeadMetric,
  headPasses,
  indexMetrics,
  loadHeadMetrics,
  metricNames,
  parseMetricFilter,
} from "./metrics.ts";
import {
  decodeState,
  defaultState,
  encodeState,
  GRID_KEYS,
  type GridKey,
  type ViewerState,
} from "./url-state.ts";
import { viewerStyles } from "./viewer-styles.ts";

/** Figures rendered at first; more are added as the end of the grid scrolls into view. */
const FIRST_CHUNK = 200;
const NEXT_CHUNK = 400;

/**
 * Browses a pattern-lens data folder: tables of models and prompts, per-model head selection,
 * figure functions and a lazily loaded, sortable, colour-coded figure grid. Clicking a figure
 * opens its head in a `<pattern-lens-pattern>`. With `url-state`, the whole selection lives in
 * the page URL's fragment and is restored (and drawn) on load.
 *
 * @example
 * ```html
 * <script type="module" src="./pattern-lens-viewer.js"></script>
 * <pattern-lens-viewer src="./" url-state></pattern-lens-viewer>
 * ```
 *
 * @fires pl-selection-change - the selection changed; `detail` is the whole {@link ViewerState}.
 * @fires pl-figure-open - a figure was opened in the pattern view.
 * @fires pl-error - the data folder could not be read.
 *
 * @csspart header - the title bar.
 * @csspart panel - each control panel (models, prompts, heads, figures).
 * @csspart grid - the figure grid.
 * @csspart figure - each figure card.
 * @csspart pattern - the pattern view overlay.
 *
 * @cssprop --pl-bg - page background.
 * @cssprop --pl-fg - text colour.
 * @cssprop --pl-panel - panel background.
 * @cssprop --pl-border - borders and grid lines.
 * @cssprop --pl-accent - selection colour.
 */
export class PatternLensViewer extends LitElement {
  static override properties = {
    src: { type: String },
    urlState: { type: Boolean, attribute: "url-state" },
    dark: { type: Boolean, reflect: true },
    _state: { state: true },
    _models: { state: true },
    _figures: { state: true },
    _prompts: { state: true },
    _error: { state: true },
    _dataWarnings: { state: true },
    _promptRows: { state: true },
    _headDrafts: { state: true },
    _metrics: { state: true },
  };

  /** URL of the data folder (default: the page's folder). */
  src = "";
  /** Keep the selection in the page URL's fragment (`#m=...`) and restore it on load. */
  urlState = false;
  /** Dark colours (reflects the selection's dark mode). */
  dark = false;

  private _state: ViewerState = defaultState();
  private _models: ModelInfo[] = [];
  private _figures: FigureInfo[] = [];
  private _prompts = new Map<string, PromptInfo[]>();
  private _error = "";
  /** Lines of the data folder's files that were skipped as damaged (shown above the view). */
  private _dataWarnings: string[] = [];
  private _shown = FIRST_CHUNK;
  private _promptRows = PROMPT_ROWS;
  private _headDrafts: Record<string, { text: string; error: string }> = {};
  private _items: GridItem[] = [];
  private _itemsFor: unknown[] = [];
  private _observer: IntersectionObserver | undefined;
  private _loaded = false;
  /** Each model's head metrics (`null`: no head_metrics.jsonl). */
  private _metrics = new Map<string, HeadMetric[] | null>();

  /** The component's shadow-DOM styles. */
  static override styles = viewerStyles;

  /** The whole selection. Setting it redraws (and updates the URL with `url-state`). */
  get state(): ViewerState {
    return structuredClone(this._state);
  }
  set state(s: ViewerState) {
    this._setState(structuredClone(s));
  }

  /** The models of the data folder (after loading). */
  get models(): readonly ModelInfo[] {
    return this._models;
  }

  /** The figures the current selection asks for, in grid order. */
  get items(): readonly GridItem[] {
    return this._computeItems();
  }

  /** The URL of one figure file. */
  figureUrl(it: GridItem): string {
    return dataUrl(this.src, figurePath("", it.model, it.prompt, it.layer, it.head, it.figure, it.fmt));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("hashchange", this._onHash);
    window.addEventListener("keydown", this._onWindowKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("hashchange", this._onHash);
    window.removeEventListener("keydown", this._onWindowKey);
    this._observer?.disconnect();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("src")) void this._load();
  }

  protected override updated(): void {
    const sentinel = this.renderRoot.querySelector(".sentinel");
    if (sentinel && !this._observer) {
      this._observer = new IntersectionObserver(
        (entries) => {
          if (entries.some((e) => e.isIntersecting) && this._shown < this._items.length) {
            this._shown = Math.min(this._items.length, this._shown + NEXT_CHUNK);
            this.requestUpdate();
          }
        },
        { rootMargin: "1200px 0px" },
      );
    }
    if (sentinel && this._observer) {
      this._observer.disconnect();
      this._observer.observe(sentinel);
    }
  }

  private _onHash = () => {
    if (!this.urlState || !this._loaded) return;
    const frag = location.hash.replace(/^#/, "");
    if (frag !== encodeState(this._state)) this._applyState(decodeState(frag), false);
  };

  private _onWindowKey = (e: KeyboardEvent) => {
    // The pattern view uses Escape to unlock a cell first (and then prevents the default).
    if (e.key === "Escape" && this._state.open && !e.defaultPrevented) this._update({ open: undefined });
  };

  private async _load(): Promise<void> {
    this._error = "";
    this._loaded = false;
    try {
      // one damaged line of figures.jsonl or head_metrics.jsonl is skipped and listed, never blanks the viewer
      const warnings: string[] = [];
      const onBadLine = (m: string) => warnings.push(m);
      const [models, figures] = await Promise.all([loadModels(this.src), loadFigures(this.src, onBadLine)]);
      const prompts = new Map<string, PromptInfo[]>();
      await Promise.all(
        models.map(async (m) => {
          prompts.set(m.dir, await loadPrompts(this.src, m.dir));
        }),
      );
      const metrics = new Map<string, HeadMetric[] | null>();
      await Promise.all(
        models.map(async (m) => {
          metrics.set(
            m.dir,
            await loadHeadMetrics(this.src, m.dir, onBadLine).catch((err: unknown) => {
              onBadLine(String((err as Error)?.message ?? err));
              return [];
            }),
          );
        }),
      );
      this._models = models;
      this._figures = figures;
      this._prompts = prompts;
      this._metrics = metrics;
      this._dataWarnings = warnings;
      this._loaded = true;
      const frag = this.urlState ? location.hash.replace(/^#/, "") : "";
      if (frag) this._applyState(decodeState(frag), false);
      else this._applyState(this._initialState(), true);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      this._error = e.message ?? String(err);
      this.dispatchEvent(plEvent("pl-error", { code: e.code ?? "PL_VIEWER_DATA", message: this._error }));
    }
  }

  /**
   * The figures selected when nothing says which: the complete ones (a figure whose files are
   * missing for some heads would show blank cards), or all of them when none is complete.
   */
  private _defaultFigures(): string[] {
    const complete = this._figures.filter((f) => f.complete);
    return (complete.length ? complete : this._figures).map((f) => f.name);
  }

  /** A first look when the URL says nothing: first model, all heads, first prompt, every figure. */
  private _initialState(): ViewerState {
    const s = defaultState();
    const first = this._models[0];
    if (first) {
      s.models = [first.dir];
      s.heads = { [first.dir]: "L*H*" };
      const p = this._prompts.get(first.dir)?.[0];
      s.prompts = p ? [p.hash] : [];
    }
    s.figures = this._defaultFigures();
    s.dark = window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
    return s;
  }

  private _applyState(s: ViewerState, writeUrl: boolean): void {
    const known = new Set(this._models.map((m) => m.dir));
    s.models = s.models.filter((m) => known.has(m));
    this._headDrafts = {};
    this._setState(s, writeUrl);
  }

  private _setState(s: ViewerState, writeUrl = true): void {
    this._state = s;
    this.dark = s.dark;
    if (this.urlState && writeUrl) {
      const frag = encodeState(s);
      if (location.hash.replace(/^#/, "") !== frag) history.replaceState(history.state, "", `#${frag}`);
    }
    this.dispatchEvent(plEvent("pl-selection-change", structuredClone(s)));
  }

  private _update(patch: Partial<ViewerState>): void {
    const next = { ...this._state, ...patch };
    if ("open" in patch && patch.open === undefined) delete next.open;
    this._setState(next);
  }

  private _computeItems(): GridItem[] {
    const deps = [this._state, this._models, this._figures, this._prompts, this._metrics];
    if (deps.some((d, i) => d !== this._itemsFor[i])) {
      const items = this._metricFiltered(gridItems(this._state, this._models, this._figures, this._prompts));
      const sig = (list: GridItem[]) =>
        list.map((i) => `${i.model}/${i.prompt}/${i.layer}/${i.head}/${i.figure}`).join("|");
      if (items.length !== this._items.length || sig(items) !== sig(this._items)) this._shown = FIRST_CHUNK;
      this._items = items;
      this._itemsFor = deps;
    }
    return this._items;
  }

  // ---- models -------------------------------------------------------------------------------

  private _panelContext(): PanelContext {
    return {
      state: this._state,
      models: this._models,
      figures: this._figures,
      prompts: this._prompts,
      headDrafts: this._headDrafts,
      promptRows: this._promptRows,
      update: (patch) => this._update(patch),
      setHeadDrafts: (d) => {
        this._headDrafts = d;
      },
      showMorePrompts: () => {
        this._promptRows += PROMPT_ROWS;
      },
    };
  }

  private _renderGridOptions(items: GridItem[]) {
    const s = this._state;
    const colours = s.colorBy === "none" ? undefined : colourMap(items, s.colorBy);
    return html`<div class="gridopts">
      <div class="row">
        <b class="count">${plural(items.length, "figure")}</b>
        <label>per row <input type="number" class="per-row" min="1" max="64" .value=${String(s.perRow)}
          @input=${(e: Event) => {
            const v = Number((e.target as HTMLInputElement).value);
            if (Number.isInteger(v) && v >= 1 && v <= 64) this._update({ perRow: v });
          }} /></label>
        <label>colour by <select class="color-by" @change=${(e: Event) => this._update({ colorBy: (e.target as HTMLSelectElement).value as GridKey | "none" })}>
          ${["none", ...GRID_KEYS].map((k) => html`<option ?selected=${k === s.colorBy}>${k}</option>`)}
        </select></label>
        <label>sort by <select class="sort-by" @change=${(e: Event) => this._update({ sortBy: (e.target as HTMLSelectElement).value as GridKey })}>
          ${GRID_KEYS.map((k) => html`<option ?selected=${k === s.sortBy}>${k}</option>`)}
        </select></label>
        <label><input type="checkbox" class="captions" .checked=${s.captions} @change=${() => this._update({ captions: !s.captions })} /> captions</label>
        ${this._renderMetricFilter()}
      </div>
      ${
        colours && colours.size <= 40
          ? html`<div class="row legend">${[...colours].map(([v, c]) => html`<span><i style="background:${c}"></i>${v}</span>`)}</div>`
          : nothing
      }
    </div>`;
  }

  private _open(it: GridItem): void {
    const open = { model: it.model, prompt: it.prompt, layer: it.layer, head: it.head };
    this._update({ open });
    this.dispatchEvent(plEvent("pl-figure-open", open));
  }

  private _renderGrid(items: GridItem[]) {
    const s = this._state;
    const colours = s.colorBy === "none" ? undefined : colourMap(items, s.colorBy);
    const shown = items.slice(0, this._shown);
    return html`<div class="grid" part="grid" style=${`grid-template-columns: repeat(${s.perRow}, minmax(0, 1fr))`}>
        ${shown.map((it) => {
          const caption = `L${it.layer}H${it.head} · ${it.figure} · ${it.prompt.slice(0, 8)} · ${it.model}`;
          const border = colours && s.colorBy !== "none" ? colours.get(keyValue(it, s.colorBy)) : undefined;
          return html`<figure class="card" part="figure" style=${border ? `border-color:${border}` : ""}
            data-model=${it.model} data-prompt=${it.prompt} data-layer=${it.layer} data-head=${it.head} data-figure=${it.figure}>
            <img loading="lazy" decoding="async" src=${this.figureUrl(it)} alt=${caption} title=${caption}
              @click=${() => this._open(it)}
              @error=${(e: Event) => (e.target as HTMLElement).parentElement?.classList.add("missing")} />
            ${s.captions ? html`<figcaption>${caption}</figcaption>` : nothing}
          </figure>`;
        })}
      </div>
      <div class="sentinel"></div>
      ${shown.length < items.length ? html`<p class="status gridopts">showing ${shown.length} of ${items.length}; scroll for more</p>` : nothing}`;
  }

  private _renderPattern() {
    const o = this._state.open;
    if (!o) return nothing;
    const close = () => this._update({ open: undefined });
    return html`<div class="overlay" part="pattern" @click=${(e: Event) => {
      if (e.target === e.currentTarget) close();
    }}>
      <div class="dialog" role="dialog" aria-label="attention pattern">
        <header><b>${o.model}</b><span class="mono">${o.prompt}</span><span class="spacer"></span>
          <button class="close" @click=${close}>close ✕</button></header>
        <pattern-lens-pattern .src=${this.src} .model=${o.model} .prompt=${o.prompt} .layer=${o.layer} .head=${o.head}
          @pl-head-change=${(e: HeadChangeEvent) => this._update({ open: { ...o, layer: e.detail.layer, head: e.detail.head } })}></pattern-lens-pattern>
      </div>
    </div>`;
  }

  // ---- head metrics (issue 7) ----------------------------------------------------------------

  private _metricNames(): string[] {
    return metricNames([...this._metrics.values()].flatMap((r) => r ?? []));
  }

  /** Keeps the items whose head passes the metric filter (all of them without a valid filter). */
  private _metricFiltered(items: GridItem[]): GridItem[] {
    const f = parseMetricFilter(this._state.metricFilter ?? "", this._metricNames());
    if (!f.ok || f.clauses.length === 0) return items;
    const index = indexMetrics([...this._metrics.values()].flatMap((r) => r ?? []));
    return items.filter((it) => headPasses(index, it.model, it.layer, it.head, f.clauses));
  }

  private _renderMetricFilter() {
    const names = this._metricNames();
    if (names.length === 0) return nothing;
    const text = this._state.metricFilter ?? "";
    const f = parseMetricFilter(text, names);
    return html`<label title=${`heads whose metric mean passes, e.g. induction > 0.4, self < 0.1 (metrics: ${names.join(", ")})`}>metric filter
        <input class="metric-filter mono" size="22" placeholder="induction > 0.4" .value=${text}
          @input=${(e: Event) => this._update({ metricFilter: (e.target as HTMLInputElement).value })} /></label>
      ${f.ok ? nothing : html`<span class="error metric-filter-error">${f.error}</span>`}`;
  }

  /** Opens a head clicked in the metrics view: on the first selected prompt the model has, else its first prompt. */
  private _openHead(model: string, layer: number, head: number): void {
    const own = this._prompts.get(model) ?? [];
    const prompt = this._state.prompts.find((p) => own.some((q) => q.hash === p)) ?? own[0]?.hash;
    if (!prompt) return;
    const open = { model, prompt, layer, head };
    this._update({ open });
    this.dispatchEvent(plEvent("pl-figure-open", open));
  }

  /** Shows one head in the figure grid: selects the model, only that head, a prompt and every figure if none. */
  private _selectHead(model: string, layer: number, head: number): void {
    const s = this._state;
    const own = this._prompts.get(model) ?? [];
    const hasPrompt = s.prompts.some((p) => own.some((q) => q.hash === p));
    const first = own[0]?.hash;
    this._headDrafts = {};
    this._update({
      tab: "browse",
      models: s.models.includes(model) ? s.models : [...s.models, model],
      heads: { ...s.heads, [model]: `L${layer}H${head}` },
      prompts: hasPrompt || !first ? s.prompts : [...s.prompts, first],
      figures: s.figures.length ? s.figures : this._defaultFigures(),
    });
  }

  private _renderMetrics() {
    const s = this._state;
    return html`<div class="metrics-view gridopts">
      ${
        [...this._metrics.values()].every((r) => r === null)
          ? html`<p class="status no-metrics">No head metrics in this folder: run <code>pattern-lens metrics --model NAME --save-path DIR</code>.</p>`
          : nothing
      }
      <div class="row">${this._renderMetricFilter()}</div>
      <pattern-lens-metrics .src=${this.src} .modelInfos=${this._models} .data=${this._metrics}
        .models=${s.models.length ? s.models : undefined} .metric=${s.metric ?? ""} .sortBy=${s.metricSort ?? "mean"}
        .sortDir=${s.metricSortDir ?? "desc"} .filter=${s.metricFilter ?? ""}
        @pl-metrics-change=${(e: CustomEvent<{ metric: string; sortBy: string; sortDir: "asc" | "desc" }>) =>
          this._update({
            metric: e.detail.metric,
            metricSort: e.detail.sortBy,
            metricSortDir: e.detail.sortDir,
          })}
        @pl-head-select=${(e: CustomEvent<{ model: string; layer: number; head: number }>) =>
          this._selectHead(e.detail.model, e.detail.layer, e.detail.head)}
        @pl-head-open=${(e: CustomEvent<{ model: string; layer: number; head: number }>) =>
          this._openHead(e.detail.model, e.detail.layer, e.detail.head)}></pattern-lens-metrics>
    </div>`;
  }

  protected override render() {
    if (this._error) return html`<p class="error" role="alert">${this._error}</p>`;
    if (!this._loaded) return html`<p class="status">Loading ${this.src || "./"}…</p>`;
    const items = this._computeItems();
    return html`
      <header part="header"><h1>pattern-lens</h1><span class="status">${plural(this._models.length, "model")} · ${plural(this._figures.length, "figure function")}</span>
        <span class="tabs" role="tablist">${(["browse", "metrics"] as const).map(
          (
            t,
          ) => html`<button role="tab" class=${`tab tab-${t}`} aria-selected=${this._state.tab === t ? "true" : "false"}
            @click=${() => this._update({ tab: t })}>${t === "browse" ? "Browse" : "Metrics"}</button>`,
        )}</span>
        <span class="spacer"></span>
        <label><input type="checkbox" class="dark-mode" .checked=${this._state.dark} @change=${() => this._update({ dark: !this._state.dark })} /> dark</label>
      </header>
      ${
        this._dataWarnings.length
          ? html`<details class="error data-warnings" role="status"><summary>${this._dataWarnings.length} damaged line${this._dataWarnings.length === 1 ? "" : "s"} in the data folder skipped</summary>
              <ul>${this._dataWarnings.map((w) => html`<li>${w}</li>`)}</ul></details>`
          : nothing
      }
      <div class="panels">
        <div>${renderModels(this._panelContext())} ${renderFigureFunctions(this._panelContext())}</div>
        ${renderPrompts(this._panelContext())}
      </div>
      ${
        this._state.tab === "metrics"
          ? this._renderMetrics()
          : html`${this._renderGridOptions(items)} ${this._renderGrid(items)}`
      }
      ${this._renderPattern()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "pattern-lens-viewer": PatternLensViewer;
  }
}
