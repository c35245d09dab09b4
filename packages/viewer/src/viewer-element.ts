import { figurePath } from "@pattern-lens/indexes";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
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
import { colourMap, type GridItem, gridItems, headSets, keyValue } from "./grid-items.ts";
import { formatHeadSelection, headKey, parseHeadSelection } from "./head-selection.ts";
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

/** Figures rendered at first; more are added as the end of the grid scrolls into view. */
const FIRST_CHUNK = 200;
const NEXT_CHUNK = 400;
/** Rows shown in the prompt table before "show more". */
const PROMPT_ROWS = 300;

interface PromptRow extends PromptInfo {
  models: string[];
}

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
  static override styles = css`
    :host {
      --pl-bg: #ffffff;
      --pl-fg: #1b1f24;
      --pl-panel: #f6f8fa;
      --pl-border: #d0d7de;
      --pl-accent: #1f6feb;
      display: block;
      background: var(--pl-bg);
      color: var(--pl-fg);
      font: 14px/1.4 system-ui, sans-serif;
      color-scheme: light;
    }
    :host([dark]) {
      --pl-bg: #0d1117;
      --pl-fg: #e6edf3;
      --pl-panel: #161b22;
      --pl-border: #30363d;
      --pl-accent: #4493f8;
      color-scheme: dark;
    }
    header {
      display: flex;
      gap: 1rem;
      align-items: baseline;
      padding: 0.5rem 1rem;
      border-bottom: 1px solid var(--pl-border);
    }
    header h1 {
      font-size: 1.2rem;
      margin: 0;
    }
    header .spacer {
      flex: 1;
    }
    .panels {
      display: grid;
      grid-template-columns: minmax(14rem, 1fr) minmax(24rem, 3fr);
      gap: 0.75rem;
      padding: 0.75rem 1rem;
    }
    details {
      background: var(--pl-panel);
      border: 1px solid var(--pl-border);
      border-radius: 6px;
      padding: 0.4rem 0.6rem;
      min-width: 0;
    }
    summary {
      font-weight: 600;
      cursor: pointer;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem 0.8rem;
      align-items: center;
      margin: 0.35rem 0;
    }
    input,
    select,
    button {
      font: inherit;
      color: inherit;
      background: var(--pl-bg);
      border: 1px solid var(--pl-border);
      border-radius: 4px;
      padding: 1px 4px;
    }
    input[type="number"] {
      width: 5em;
    }
    input[type="checkbox"] {
      accent-color: var(--pl-accent);
    }
    .scroll {
      max-height: 18rem;
      overflow: auto;
    }
    table {
      border-collapse: collapse;
      width: 100%;
    }
    th,
    td {
      text-align: left;
      padding: 1px 6px;
      border-bottom: 1px solid var(--pl-border);
      white-space: nowrap;
    }
    th[data-sort] {
      cursor: pointer;
      user-select: none;
    }
    td.text {
      white-space: normal;
      max-width: 40rem;
      overflow: hidden;
      text-overflow: ellipsis;
      display: -webkit-box;
      -webkit-line-clamp: 2;
      -webkit-box-orient: vertical;
    }
    tr.selected {
      background: color-mix(in srgb, var(--pl-accent) 15%, transparent);
    }
    tbody tr {
      cursor: pointer;
    }
    .mono {
      font-family: ui-monospace, monospace;
      font-size: 0.9em;
    }
    .heads {
      margin: 0.4rem 0;
    }
    .headgrid {
      border-collapse: separate;
      border-spacing: 2px;
      width: auto;
    }
    .headgrid td,
    .headgrid th {
      border: 0;
      padding: 0;
      text-align: center;
      font-size: 0.8em;
    }
    .headgrid button {
      width: 1.8rem;
      height: 1.4rem;
      padding: 0;
      font-size: 0.75em;
      cursor: pointer;
    }
    .headgrid button[aria-pressed="true"] {
      background: var(--pl-accent);
      color: #fff;
      border-color: var(--pl-accent);
    }
    .error {
      color: #cf222e;
    }
    :host([dark]) .error {
      color: #ff7b72;
    }
    .gridopts {
      padding: 0 1rem;
    }
    .legend span {
      display: inline-flex;
      align-items: center;
      gap: 0.25rem;
      margin-right: 0.6rem;
    }
    .legend i {
      width: 0.8rem;
      height: 0.8rem;
      border-radius: 2px;
      display: inline-block;
    }
    .grid {
      display: grid;
      gap: 6px;
      padding: 0.5rem 1rem 1rem;
    }
    .card {
      margin: 0;
      border: 3px solid var(--pl-border);
      border-radius: 4px;
      background: var(--pl-panel);
      min-width: 0;
      content-visibility: auto;
      contain-intrinsic-size: auto 200px;
    }
    .card img {
      display: block;
      width: 100%;
      aspect-ratio: 1;
      object-fit: contain;
      cursor: zoom-in;
      image-rendering: pixelated;
      background: #fff;
    }
    .card.missing img {
      visibility: hidden;
    }
    .card figcaption {
      font-size: 0.75em;
      padding: 1px 4px;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .sentinel {
      height: 1px;
    }
    .status {
      opacity: 0.75;
    }
    .tabs button[aria-selected="true"] {
      background: var(--pl-accent);
      color: #fff;
      border-color: var(--pl-accent);
    }
    .overlay {
      position: fixed;
      inset: 0;
      background: #0008;
      display: flex;
      align-items: flex-start;
      justify-content: center;
      overflow: auto;
      z-index: 10;
    }
    .overlay .dialog {
      background: var(--pl-bg);
      color: var(--pl-fg);
      margin: 2rem;
      padding: 0.75rem 1rem;
      border-radius: 8px;
      border: 1px solid var(--pl-border);
      max-width: calc(100vw - 4rem);
    }
    .overlay .dialog header {
      padding: 0 0 0.5rem;
    }
  `;

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
    s.figures = this._figures.map((f) => f.name);
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

  private _toggleModel(m: ModelInfo): void {
    const on = this._state.models.includes(m.dir);
    const models = on ? this._state.models.filter((x) => x !== m.dir) : [...this._state.models, m.dir];
    const heads = { ...this._state.heads };
    if (!on && !heads[m.dir]) heads[m.dir] = "L*H*";
    this._update({ models, heads });
  }

  private _renderModels() {
    const q = this._state.modelSearch.toLowerCase();
    const rows = this._models.filter(
      (m) => !q || m.name.toLowerCase().includes(q) || m.dir.toLowerCase().includes(q),
    );
    return html`<details open part="panel" class="models">
      <summary>Models (${this._state.models.length}/${this._models.length})</summary>
      <div class="row">
        <input type="search" class="model-search" placeholder="filter models" .value=${this._state.modelSearch}
          @input=${(e: Event) => this._update({ modelSearch: (e.target as HTMLInputElement).value })} />
      </div>
      <div class="scroll">
        <table>
          <thead><tr><th></th><th>model</th><th>layers</th><th>heads</th><th>prompts</th></tr></thead>
          <tbody>
            ${rows.map((m) => {
              const on = this._state.models.includes(m.dir);
              return html`<tr class=${on ? "selected" : ""} data-model=${m.dir} @click=${() => this._toggleModel(m)}>
                <td><input type="checkbox" .checked=${on} @click=${(e: Event) => e.stopPropagation()}
                  @change=${() => this._toggleModel(m)} aria-label=${`select ${m.name}`} /></td>
                <td>${m.name}</td><td>${m.nLayers}</td><td>${m.nHeads}</td>
                <td>${this._prompts.get(m.dir)?.length ?? 0}</td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>
      ${this._renderHeads()}
    </details>`;
  }

  // ---- heads --------------------------------------------------------------------------------

  private _setHeadText(m: ModelInfo, text: string): void {
    const r = parseHeadSelection(text, m.nLayers, m.nHeads);
    this._headDrafts = { ...this._headDrafts, [m.dir]: { text, error: r.ok ? "" : r.error } };
    if (r.ok) this._update({ heads: { ...this._state.heads, [m.dir]: text.trim() } });
  }

  private _toggleHead(m: ModelInfo, layer: number, head: number): void {
    const set = headSets(this._state, [m]).get(m.dir) ?? new Set<string>();
    const k = headKey(layer, head);
    if (set.has(k)) set.delete(k);
    else set.add(k);
    const text = formatHeadSelection(set, m.nLayers, m.nHeads);
    this._headDrafts = { ...this._headDrafts, [m.dir]: { text, error: "" } };
    this._update({ heads: { ...this._state.heads, [m.dir]: text } });
  }

  private _renderHeads() {
    const selected = this._models.filter((m) => this._state.models.includes(m.dir));
    if (selected.length === 0) return nothing;
    const sets = headSets(this._state, selected);
    return selected.map((m) => {
      const draft = this._headDrafts[m.dir];
      const set = sets.get(m.dir) ?? new Set();
      return html`<div class="heads" data-model=${m.dir}>
        <div class="row">
          <label>Heads of <b>${m.name}</b>
            <input class="head-input mono" size="16" placeholder="L2-4H3, L*H*" .value=${draft?.text ?? this._state.heads[m.dir] ?? ""}
              @input=${(e: Event) => this._setHeadText(m, (e.target as HTMLInputElement).value)} /></label>
          <span class="status">${set.size} of ${m.nLayers * m.nHeads}</span>
        </div>
        ${draft?.error ? html`<div class="error head-error">${draft.error}</div>` : nothing}
        <table class="headgrid">
          <tr><th></th>${Array.from({ length: m.nHeads }, (_, h) => html`<th>H${h}</th>`)}</tr>
          ${Array.from(
            { length: m.nLayers },
            (_, l) =>
              html`<tr><th>L${l}</th>${Array.from({ length: m.nHeads }, (_, h) => {
                const on = set.has(headKey(l, h));
                return html`<td><button class="cell" data-layer=${l} data-head=${h} aria-pressed=${on ? "true" : "false"}
                title=${`L${l}H${h}`} @click=${() => this._toggleHead(m, l, h)}>${on ? "●" : ""}</button></td>`;
              })}</tr>`,
          )}
        </table>
      </div>`;
    });
  }

  // ---- prompts ------------------------------------------------------------------------------

  private _promptTable(): PromptRow[] {
    const chosen = this._state.models.length ? this._state.models : this._models.map((m) => m.dir);
    const byHash = new Map<string, PromptRow>();
    for (const m of chosen)
      for (const p of this._prompts.get(m) ?? []) {
        const row = byHash.get(p.hash);
        if (row) row.models.push(m);
        else byHash.set(p.hash, { ...p, models: [m] });
      }
    return [...byHash.values()];
  }

  private _filteredPrompts(all: PromptRow[]): PromptRow[] {
    const s = this._state;
    const q = s.search.toLowerCase();
    const rows = all.filter(
      (p) =>
        (!q || p.text.toLowerCase().includes(q) || p.hash.toLowerCase().includes(q)) &&
        (!s.dataset || p.dataset === s.dataset) &&
        (!s.minTokens || p.nTokens >= s.minTokens) &&
        (!s.maxTokens || p.nTokens <= s.maxTokens),
    );
    const dir = s.promptSortDir === "desc" ? -1 : 1;
    const key = s.promptSort;
    if (key) {
      rows.sort((a, b) => {
        const va =
          key === "n_tokens" ? a.nTokens : key === "dataset" ? a.dataset : key === "hash" ? a.hash : a.text;
        const vb =
          key === "n_tokens" ? b.nTokens : key === "dataset" ? b.dataset : key === "hash" ? b.hash : b.text;
        return (va < vb ? -1 : va > vb ? 1 : 0) * dir;
      });
    }
    return rows;
  }

  private _togglePrompt(hash: string): void {
    const on = this._state.prompts.includes(hash);
    this._update({
      prompts: on ? this._state.prompts.filter((h) => h !== hash) : [...this._state.prompts, hash],
    });
  }

  private _sortHeader(key: string, label: string) {
    const s = this._state;
    const arrow = s.promptSort === key ? (s.promptSortDir === "asc" ? " ▲" : " ▼") : "";
    return html`<th data-sort=${key} @click=${() =>
      this._update({
        promptSort: key,
        promptSortDir: s.promptSort === key && s.promptSortDir === "asc" ? "desc" : "asc",
      })}>${label}${arrow}</th>`;
  }

  private _renderPrompts() {
    const s = this._state;
    const all = this._promptTable();
    const rows = this._filteredPrompts(all);
    const datasets = [...new Set(all.map((p) => p.dataset).filter((d) => d))].sort();
    const selected = new Set(s.prompts);
    const num = (e: Event) => Math.max(0, Number((e.target as HTMLInputElement).value) || 0);
    return html`<details open part="panel" class="prompts">
      <summary>Prompts (${s.prompts.length} selected · ${rows.length} of ${all.length} shown)</summary>
      <div class="row">
        <input type="search" class="prompt-search" placeholder="search text or hash" .value=${s.search}
          @input=${(e: Event) => this._update({ search: (e.target as HTMLInputElement).value })} />
        <label>dataset <select class="dataset" @change=${(e: Event) => this._update({ dataset: (e.target as HTMLSelectElement).value })}>
          <option value="" ?selected=${!s.dataset}>all</option>
          ${datasets.map((d) => html`<option .value=${d} ?selected=${d === s.dataset}>${d}</option>`)}
        </select></label>
        <label>tokens <input type="number" min="0" class="min-tokens" placeholder="min" .value=${s.minTokens ? String(s.minTokens) : ""}
          @input=${(e: Event) => this._update({ minTokens: num(e) })} /></label>
        <label>to <input type="number" min="0" class="max-tokens" placeholder="max" .value=${s.maxTokens ? String(s.maxTokens) : ""}
          @input=${(e: Event) => this._update({ maxTokens: num(e) })} /></label>
        <button class="select-shown" @click=${() => this._update({ prompts: [...new Set([...s.prompts, ...rows.map((r) => r.hash)])] })}>select shown</button>
        <button class="clear-prompts" @click=${() => this._update({ prompts: [] })}>clear</button>
      </div>
      <div class="scroll">
        <table>
          <thead><tr><th></th>${this._sortHeader("dataset", "dataset")}${this._sortHeader("n_tokens", "tokens")}${this._sortHeader("text", "text")}${this._sortHeader("hash", "hash")}</tr></thead>
          <tbody>
            ${rows.slice(0, this._promptRows).map((p) => {
              const on = selected.has(p.hash);
              return html`<tr class=${on ? "selected" : ""} data-hash=${p.hash} @click=${() => this._togglePrompt(p.hash)}>
                <td><input type="checkbox" .checked=${on} @click=${(e: Event) => e.stopPropagation()}
                  @change=${() => this._togglePrompt(p.hash)} aria-label=${`select prompt ${p.hash}`} /></td>
                <td>${p.dataset}</td><td>${p.nTokens}</td><td class="text" title=${p.text}>${p.text}</td>
                <td class="mono">${p.hash}</td>
              </tr>`;
            })}
          </tbody>
        </table>
        ${
          rows.length > this._promptRows
            ? html`<button @click=${() => {
                this._promptRows += PROMPT_ROWS;
              }}>show ${Math.min(PROMPT_ROWS, rows.length - this._promptRows)} more</button>`
            : nothing
        }
      </div>
    </details>`;
  }

  // ---- figures ------------------------------------------------------------------------------

  private _renderFigureFunctions() {
    const s = this._state;
    const n = this._figures.filter((f) => s.figures.includes(f.name)).length;
    const all = n === this._figures.length && n > 0;
    return html`<details open part="panel" class="functions">
      <summary>Figures (${n}/${this._figures.length})</summary>
      <div class="row">
        <label><input type="checkbox" class="select-all-figures" .checked=${all} .indeterminate=${n > 0 && !all}
          @change=${() => this._update({ figures: all ? [] : this._figures.map((f) => f.name) })} /> select all</label>
      </div>
      ${this._figures.map(
        (
          f,
        ) => html`<div class="row"><label title=${f.doc}><input type="checkbox" class="figure-fn" data-figure=${f.name}
          .checked=${s.figures.includes(f.name)}
          @change=${(e: Event) => {
            const on = (e.target as HTMLInputElement).checked;
            this._update({ figures: on ? [...s.figures, f.name] : s.figures.filter((x) => x !== f.name) });
          }} /> ${f.name} <span class="status">.${f.fmt}</span></label></div>`,
      )}
    </details>`;
  }

  private _renderGridOptions(items: GridItem[]) {
    const s = this._state;
    const colours = s.colorBy === "none" ? undefined : colourMap(items, s.colorBy);
    return html`<div class="gridopts">
      <div class="row">
        <b class="count">${items.length} figures</b>
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
      figures: s.figures.length ? s.figures : this._figures.map((f) => f.name),
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
      <header part="header"><h1>pattern-lens</h1><span class="status">${this._models.length} models · ${this._figures.length} figure functions</span>
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
        <div>${this._renderModels()} ${this._renderFigureFunctions()}</div>
        ${this._renderPrompts()}
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
