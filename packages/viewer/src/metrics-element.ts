import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { colormapCss } from "./colormaps.ts";
import { loadModels, type ModelInfo } from "./data.ts";
import { plEvent } from "./events.ts";
import {
  argmaxHead,
  type HeadMetric,
  headPasses,
  indexMetrics,
  isMetricSortKey,
  loadHeadMetrics,
  METRIC_SORT_KEYS,
  type MetricSortKey,
  metricMatrix,
  metricNames,
  parseMetricFilter,
  sharedRange,
  sortHeadMetrics,
} from "./metrics.ts";

/** Head table rows shown before "show more". */
const TABLE_ROWS = 200;

const fmt = (v: number | null, digits = 3): string => (v === null ? "–" : v.toFixed(digits));

/**
 * Head metrics of a pattern-lens data folder (`<model>/head_metrics.jsonl`, written by
 * `pattern-lens metrics`): for the chosen metric, one layer×head heatmap per model side by side on
 * a shared colour scale, and a sortable table of heads. Clicking a heatmap cell or a table row
 * fires `pl-head-open`; `<pattern-lens-viewer>` opens that head's pattern.
 *
 * It loads `models.jsonl` and each model's metrics from `src`, unless `modelInfos` and `data` are
 * set (the viewer passes what it already loaded).
 *
 * @example
 * ```html
 * <pattern-lens-metrics src="./data/" metric="induction"></pattern-lens-metrics>
 * ```
 *
 * @fires pl-head-open - a head was clicked; `detail` is `{ model, layer, head }`.
 * @fires pl-head-select - a row's "grid" button was clicked (show that head in the figure grid); `detail` is `{ model, layer, head }`.
 * @fires pl-metrics-change - the metric or the table sort changed; `detail` is `{ metric, sortBy, sortDir }`.
 * @fires pl-error - the data folder could not be read.
 *
 * @csspart heatmap - each model's heatmap panel.
 * @csspart table - the head table.
 */
export class PatternLensMetrics extends LitElement {
  static override properties = {
    src: { type: String },
    metric: { type: String },
    sortBy: { type: String, attribute: "sort-by" },
    sortDir: { type: String, attribute: "sort-dir" },
    filter: { type: String },
    models: { attribute: false },
    modelInfos: { attribute: false },
    data: { attribute: false },
    _error: { state: true },
    _rows: { state: true },
  };

  /** URL of the data folder (used when `data` is not set). */
  src = "";
  /** The metric shown (`""`: the first one in the data). */
  metric = "";
  /** Head table sort column: model, layer, head, mean, std, count or excluded. */
  sortBy = "mean";
  /** Head table sort direction. */
  sortDir: "asc" | "desc" = "desc";
  /** A metric filter (`induction > 0.4, self < 0.1`): the table lists only heads that pass, the heatmaps dim the others. */
  filter = "";
  /** Model folders to show, in order (default: every model). */
  models: string[] | undefined = undefined;
  /** The folder's models; with `data`, nothing is fetched. */
  modelInfos: ModelInfo[] | undefined = undefined;
  /** Each model's metrics; `null` for a model whose `head_metrics.jsonl` is missing. */
  data: Map<string, HeadMetric[] | null> | undefined = undefined;

  private _error = "";
  private _rows = TABLE_ROWS;
  private _loadedInfos: ModelInfo[] = [];
  private _loadedData = new Map<string, HeadMetric[] | null>();

  /** The component's shadow-DOM styles. */
  static override styles = css`
    :host {
      display: block;
      font: inherit;
      color: inherit;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem 0.8rem;
      align-items: center;
      margin: 0.35rem 0;
    }
    select,
    button {
      font: inherit;
      color: inherit;
      background: transparent;
      border: 1px solid var(--pl-border, #d0d7de);
      border-radius: 4px;
      padding: 1px 4px;
    }
    .panels {
      display: flex;
      flex-wrap: wrap;
      gap: 1rem;
      align-items: flex-start;
    }
    .panel {
      border: 1px solid var(--pl-border, #d0d7de);
      border-radius: 6px;
      padding: 0.4rem 0.6rem;
      background: var(--pl-panel, transparent);
    }
    .panel h3 {
      margin: 0 0 0.3rem;
      font-size: 1em;
    }
    .heat .vgrid-label {
      font-size: 0.75em;
      opacity: 0.8;
    }
    .heat .cell {
      width: 100%;
      height: 100%;
      display: flex;
      align-items: center;
      justify-content: center;
      font-size: 0.72em;
      font-variant-numeric: tabular-nums;
      cursor: pointer;
      border-radius: 2px;
      outline-offset: -2px;
    }
    .heat .cell.small {
      font-size: 0;
    }
    .heat .cell.nan {
      background: repeating-linear-gradient(45deg, #8882 0 3px, transparent 3px 6px);
    }
    .heat .cell.dim {
      opacity: 0.25;
    }
    .heat .cell.max {
      outline: 2px solid #e3116c;
    }
    .heat .cell:hover {
      outline: 2px solid var(--pl-accent, #1f6feb);
    }
    .scale {
      display: flex;
      align-items: center;
      gap: 0.4rem;
      font-size: 0.85em;
    }
    .scale i {
      display: inline-block;
      width: 10rem;
      height: 0.8rem;
      border-radius: 2px;
    }
    .hint {
      opacity: 0.8;
      font-size: 0.9em;
      max-width: 18rem;
    }
    code {
      font-family: ui-monospace, monospace;
    }
    .error {
      color: #cf222e;
    }
    table.heads {
      border-collapse: collapse;
      margin-top: 0.5rem;
    }
    .heads th,
    .heads td {
      text-align: right;
      padding: 1px 8px;
      border-bottom: 1px solid var(--pl-border, #d0d7de);
      white-space: nowrap;
      font-variant-numeric: tabular-nums;
    }
    .heads th:first-child,
    .heads td:first-child {
      text-align: left;
    }
    .heads button {
      font-size: 0.8em;
      padding: 0 4px;
    }
    .heads th {
      cursor: pointer;
      user-select: none;
    }
    .heads tbody tr {
      cursor: pointer;
    }
    .heads tbody tr:hover {
      background: color-mix(in srgb, var(--pl-accent, #1f6feb) 15%, transparent);
    }
    .status {
      opacity: 0.75;
    }
  `;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("src") && !this.data) void this._load();
    if (changed.has("metric") || changed.has("sortBy") || changed.has("filter")) this._rows = TABLE_ROWS;
  }

  private async _load(): Promise<void> {
    this._error = "";
    try {
      const infos = await loadModels(this.src);
      const data = new Map<string, HeadMetric[] | null>();
      await Promise.all(
        infos.map(async (m) => {
          data.set(m.dir, await loadHeadMetrics(this.src, m.dir));
        }),
      );
      this._loadedInfos = infos;
      this._loadedData = data;
      this.requestUpdate();
    } catch (err) {
      const e = err as { code?: string; message?: string };
      this._error = e.message ?? String(err);
      this.dispatchEvent(plEvent("pl-error", { code: e.code ?? "PL_VIEWER_DATA", message: this._error }));
    }
  }

  /** The models shown, in order. */
  get shownModels(): ModelInfo[] {
    const infos = this.modelInfos ?? this._loadedInfos;
    if (!this.models) return infos;
    const byDir = new Map(infos.map((m) => [m.dir, m]));
    return this.models.flatMap((d) => byDir.get(d) ?? []);
  }

  private _data(): Map<string, HeadMetric[] | null> {
    return this.data ?? this._loadedData;
  }

  /** Every metric name of the shown models. */
  get metricNames(): string[] {
    const data = this._data();
    return metricNames(this.shownModels.flatMap((m) => data.get(m.dir) ?? []));
  }

  /** The metric actually shown: `metric` when present, else the first one. */
  get activeMetric(): string {
    const names = this.metricNames;
    return names.includes(this.metric) ? this.metric : (names[0] ?? "");
  }

  private _change(patch: { metric?: string; sortBy?: string; sortDir?: "asc" | "desc" }): void {
    if (patch.metric !== undefined) this.metric = patch.metric;
    if (patch.sortBy !== undefined) this.sortBy = patch.sortBy;
    if (patch.sortDir !== undefined) this.sortDir = patch.sortDir;
    this.dispatchEvent(
      plEvent("pl-metrics-change", { metric: this.metric, sortBy: this.sortBy, sortDir: this.sortDir }),
    );
  }

  private _openHead(model: string, layer: number, head: number): void {
    this.dispatchEvent(plEvent("pl-head-open", { model, layer, head }));
  }

  private _sortHeader(key: MetricSortKey) {
    const on = this.sortBy === key;
    const arrow = on ? (this.sortDir === "asc" ? " ▲" : " ▼") : "";
    const next = on
      ? this.sortDir === "asc"
        ? "desc"
        : "asc"
      : key === "model" || key === "layer" || key === "head"
        ? "asc"
        : "desc";
    return html`<th data-sort=${key} aria-sort=${on ? (this.sortDir === "asc" ? "ascending" : "descending") : "none"}
      @click=${() => this._change({ sortBy: key, sortDir: next })}>${key}${arrow}</th>`;
  }

  protected override render() {
    if (this._error) return html`<p class="error" role="alert">${this._error}</p>`;
    const models = this.shownModels;
    const data = this._data();
    const names = this.metricNames;
    const metric = this.activeMetric;
    const all = models.flatMap((m) => data.get(m.dir) ?? []);
    const filter = parseMetricFilter(this.filter, names);
    const clauses = filter.ok ? filter.clauses : [];
    const index = indexMetrics(all);
    const matrices = new Map(
      models.map((m) => [m.dir, metricMatrix(data.get(m.dir) ?? [], m.dir, metric, m.nLayers, m.nHeads)]),
    );
    const range = sharedRange(matrices.values());
    const t = (v: number) =>
      range && range.max > range.min ? (v - range.min) / (range.max - range.min) : 0.5;
    const sortKey: MetricSortKey = isMetricSortKey(this.sortBy) ? this.sortBy : "mean";
    const rows = sortHeadMetrics(
      all.filter((r) => r.metric === metric && headPasses(index, r.model, r.layer, r.head, clauses)),
      sortKey,
      this.sortDir,
      models.map((m) => m.dir),
    );
    const byHead = new Map(
      all.filter((r) => r.metric === metric).map((r) => [`${r.model}/${r.layer}/${r.head}`, r]),
    );
    return html`
      <div class="row">
        <label>metric <select class="metric" @change=${(e: Event) => this._change({ metric: (e.target as HTMLSelectElement).value })}>
          ${names.map((n) => html`<option .value=${n} ?selected=${n === metric}>${n}</option>`)}
        </select></label>
        ${
          range
            ? html`<span class="scale"><span class="min">${fmt(range.min)}</span>
              <i style=${`background: linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((x) => colormapCss("viridis", x)).join(", ")})`}></i>
              <span class="max">${fmt(range.max)}</span><span class="status">(shared by all panels)</span></span>`
            : nothing
        }
        ${filter.ok ? nothing : html`<span class="error filter-error">${filter.error}</span>`}
      </div>
      <div class="panels">
        ${models.map((m) => {
          const rowsOf = data.get(m.dir);
          if (!rowsOf)
            return html`<div class="panel" part="heatmap" data-model=${m.dir}><h3>${m.name}</h3>
              <p class="hint no-metrics">No head metrics yet: run <code>pattern-lens metrics --model ${m.name} --save-path DIR</code>.</p></div>`;
          const mat = matrices.get(m.dir) ?? new Float64Array();
          const best = argmaxHead(mat, m.nHeads);
          const small = m.nHeads > 16;
          return html`<div class="panel" part="heatmap" data-model=${m.dir}>
            <h3>${m.name} <span class="status">${metric}${best ? html` · max <b class="argmax">L${best.layer}H${best.head}</b>` : nothing}</span></h3>
            <pattern-lens-head-grid class="heat" role="grid" .rows=${m.nLayers} .cols=${m.nHeads}
              .cellW=${small ? 22 : 43} .cellH=${small ? 22 : 29} .headW=${30} .headH=${18} .gap=${1}
              .cell=${(l: number, h: number) => {
                const v = mat[l * m.nHeads + h] ?? Number.NaN;
                const r = byHead.get(`${m.dir}/${l}/${h}`);
                const ok = Number.isFinite(v);
                const tv = ok ? t(v) : 0;
                const title = `${m.name} L${l}H${h} · ${metric} = ${ok ? `${fmt(v, 4)} ± ${fmt(r?.std ?? null, 4)}` : "undefined"} (${r?.count ?? 0} prompts, ${r?.excluded ?? 0} excluded)`;
                const cls = [
                  "cell",
                  ok ? "" : "nan",
                  small ? "small" : "",
                  best && best.layer === l && best.head === h ? "max" : "",
                  clauses.length && !headPasses(index, m.dir, l, h, clauses) ? "dim" : "",
                ]
                  .filter((c) => c)
                  .join(" ");
                const style = ok
                  ? `background:${colormapCss("viridis", tv)};color:${tv > 0.6 ? "#000" : "#fff"}`
                  : "";
                return html`<div class=${cls} role="gridcell" style=${style} title=${title} data-layer=${l} data-head=${h}
                    data-value=${ok ? String(v) : ""} @click=${() => this._openHead(m.dir, l, h)}>${ok && !small ? v.toFixed(2) : ""}</div>`;
              }}></pattern-lens-head-grid>
          </div>`;
        })}
      </div>
      <table class="heads" part="table">
        <thead><tr>${METRIC_SORT_KEYS.map((k) => this._sortHeader(k))}<th></th></tr></thead>
        <tbody>
          ${rows.slice(0, this._rows).map(
            (
              r,
            ) => html`<tr data-model=${r.model} data-layer=${r.layer} data-head=${r.head} title="open this head's pattern"
              @click=${() => this._openHead(r.model, r.layer, r.head)}>
              <td>${r.model}</td><td>${r.layer}</td><td>${r.head}</td><td>${fmt(r.mean, 4)}</td>
              <td>${fmt(r.std, 4)}</td><td>${r.count}</td><td>${r.excluded}</td>
              <td><button class="to-grid" title="show this head in the figure grid" @click=${(e: Event) => {
                e.stopPropagation();
                this.dispatchEvent(
                  plEvent("pl-head-select", { model: r.model, layer: r.layer, head: r.head }),
                );
              }}>grid</button></td></tr>`,
          )}
        </tbody>
      </table>
      <p class="status count">${rows.length} heads${clauses.length ? " pass the filter" : ""}
        ${
          rows.length > this._rows
            ? html`<button @click=${() => {
                this._rows += TABLE_ROWS;
                this.requestUpdate();
              }}>show more</button>`
            : nothing
        }</p>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "pattern-lens-metrics": PatternLensMetrics;
  }
}
