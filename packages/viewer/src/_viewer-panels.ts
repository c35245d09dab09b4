// The browse view's selection panels (models and heads, prompts, figure functions) as template
// functions over a small context, so that the element keeps its state and these keep their markup.
import { html, nothing } from "lit";
import { guard } from "lit/directives/guard.js";
import type { FigureInfo, ModelInfo, PromptInfo } from "./data.ts";
import { headSets } from "./grid-items.ts";
import { formatHeadSelection, headKey, parseHeadSelection } from "./head-selection.ts";
import type { ViewerState } from "./url-state.ts";

/** Rows shown in the prompt table before "show more". */
export const PROMPT_ROWS = 300;

/** A prompt of the table, with the selected models that have it. */
export interface PromptRow extends PromptInfo {
  models: string[];
}

/** What the panels read and how they change the selection. */
export interface PanelContext {
  state: ViewerState;
  models: readonly ModelInfo[];
  figures: readonly FigureInfo[];
  prompts: ReadonlyMap<string, PromptInfo[]>;
  /** Head-selection text being typed per model, with its parse error. */
  headDrafts: Record<string, { text: string; error: string }>;
  /** Prompt rows shown. */
  promptRows: number;
  update(patch: Partial<ViewerState>): void;
  setHeadDrafts(d: Record<string, { text: string; error: string }>): void;
  showMorePrompts(): void;
}

/** "1 figure", "2 figures". */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function toggleModel(ctx: PanelContext, m: ModelInfo): void {
  const on = ctx.state.models.includes(m.dir);
  const models = on ? ctx.state.models.filter((x) => x !== m.dir) : [...ctx.state.models, m.dir];
  const heads = { ...ctx.state.heads };
  if (!on && !heads[m.dir]) heads[m.dir] = "L*H*";
  ctx.update({ models, heads });
}

/** The models panel: table, search, and each selected model's heads. */
export function renderModels(ctx: PanelContext) {
  const q = ctx.state.modelSearch.toLowerCase();
  const rows = ctx.models.filter(
    (m) => !q || m.name.toLowerCase().includes(q) || m.dir.toLowerCase().includes(q),
  );
  return html`<details open part="panel" class="models">
    <summary>Models (${ctx.state.models.length}/${ctx.models.length})</summary>
    <div class="row">
      <input type="search" class="model-search" placeholder="filter models" .value=${ctx.state.modelSearch}
        @input=${(e: Event) => ctx.update({ modelSearch: (e.target as HTMLInputElement).value })} />
    </div>
    <div class="scroll">
      <table>
        <thead><tr><th></th><th>model</th><th>layers</th><th>heads</th><th>prompts</th></tr></thead>
        <tbody>
          ${rows.map((m) => {
            const on = ctx.state.models.includes(m.dir);
            return html`<tr class=${on ? "selected" : ""} data-model=${m.dir} @click=${() => toggleModel(ctx, m)}>
              <td><input type="checkbox" .checked=${on} @click=${(e: Event) => e.stopPropagation()}
                @change=${() => toggleModel(ctx, m)} aria-label=${`select ${m.name}`} /></td>
              <td class="name">${m.name}</td><td>${m.nLayers}</td><td>${m.nHeads}</td>
              <td>${ctx.prompts.get(m.dir)?.length ?? 0}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
    ${renderHeads(ctx)}
  </details>`;
}

// ---- heads --------------------------------------------------------------------------------

function setHeadText(ctx: PanelContext, m: ModelInfo, text: string): void {
  const r = parseHeadSelection(text, m.nLayers, m.nHeads);
  ctx.setHeadDrafts({ ...ctx.headDrafts, [m.dir]: { text, error: r.ok ? "" : r.error } });
  if (r.ok) ctx.update({ heads: { ...ctx.state.heads, [m.dir]: text.trim() } });
}

function toggleHead(ctx: PanelContext, m: ModelInfo, layer: number, head: number): void {
  const set = headSets(ctx.state, [m]).get(m.dir) ?? new Set<string>();
  const k = headKey(layer, head);
  if (set.has(k)) set.delete(k);
  else set.add(k);
  const text = formatHeadSelection(set, m.nLayers, m.nHeads);
  ctx.setHeadDrafts({ ...ctx.headDrafts, [m.dir]: { text, error: "" } });
  ctx.update({ heads: { ...ctx.state.heads, [m.dir]: text } });
}

/**
 * The layer × head grid of buttons, virtualised (a 32 × 32 model has 1,024 heads; only those in
 * view are in the DOM). Given to the grid again only when the model or its selection changes;
 * clicks are handled once, on the wrapper.
 */
function headGrid(m: ModelInfo, set: ReadonlySet<string>) {
  const cell = (l: number, h: number) => {
    const on = set.has(headKey(l, h));
    return html`<button class="cell" data-layer=${l} data-head=${h} aria-pressed=${on ? "true" : "false"}
      title=${`L${l}H${h}`}>${on ? "●" : ""}</button>`;
  };
  return html`<pattern-lens-head-grid class="headgrid" .rows=${m.nLayers} .cols=${m.nHeads} .cellW=${31}
    .cellH=${25} .headW=${34} .headH=${20} .cell=${cell}></pattern-lens-head-grid>`;
}

function renderHeads(ctx: PanelContext) {
  const selected = ctx.models.filter((m) => ctx.state.models.includes(m.dir));
  if (selected.length === 0) return nothing;
  const sets = headSets(ctx.state, selected);
  return selected.map((m) => {
    const draft = ctx.headDrafts[m.dir];
    const set = sets.get(m.dir) ?? new Set();
    return html`<div class="heads" data-model=${m.dir}>
      <div class="row">
        <label>Heads of <b>${m.name}</b>
          <input class="head-input mono" size="16" placeholder="L2-4H3, L*H*" .value=${draft?.text ?? ctx.state.heads[m.dir] ?? ""}
            @input=${(e: Event) => setHeadText(ctx, m, (e.target as HTMLInputElement).value)} /></label>
        <span class="status">${set.size} of ${m.nLayers * m.nHeads}</span>
      </div>
      ${draft?.error ? html`<div class="error head-error">${draft.error}</div>` : nothing}
      <div class="headgrid-wrap" @click=${(e: Event) => {
        const b = (e.target as HTMLElement).closest<HTMLElement>("button.cell");
        if (b) toggleHead(ctx, m, Number(b.dataset.layer), Number(b.dataset.head));
      }}>${guard([m.dir, m.nLayers, m.nHeads, [...set].sort().join()], () => headGrid(m, set))}</div>
    </div>`;
  });
}

// ---- prompts ------------------------------------------------------------------------------

function promptTable(ctx: PanelContext): PromptRow[] {
  const chosen = ctx.state.models.length ? ctx.state.models : ctx.models.map((m) => m.dir);
  const byHash = new Map<string, PromptRow>();
  for (const m of chosen)
    for (const p of ctx.prompts.get(m) ?? []) {
      const row = byHash.get(p.hash);
      if (row) row.models.push(m);
      else byHash.set(p.hash, { ...p, models: [m] });
    }
  return [...byHash.values()];
}

function filteredPrompts(ctx: PanelContext, all: PromptRow[]): PromptRow[] {
  const s = ctx.state;
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

function togglePrompt(ctx: PanelContext, hash: string): void {
  const on = ctx.state.prompts.includes(hash);
  ctx.update({
    prompts: on ? ctx.state.prompts.filter((h) => h !== hash) : [...ctx.state.prompts, hash],
  });
}

function sortHeader(ctx: PanelContext, key: string, label: string) {
  const s = ctx.state;
  const arrow = s.promptSort === key ? (s.promptSortDir === "asc" ? " ▲" : " ▼") : "";
  return html`<th data-sort=${key} @click=${() =>
    ctx.update({
      promptSort: key,
      promptSortDir: s.promptSort === key && s.promptSortDir === "asc" ? "desc" : "asc",
    })}>${label}${arrow}</th>`;
}

/** The prompts panel: search, dataset and token filters, sortable table. */
export function renderPrompts(ctx: PanelContext) {
  const s = ctx.state;
  const all = promptTable(ctx);
  const rows = filteredPrompts(ctx, all);
  const datasets = [...new Set(all.map((p) => p.dataset).filter((d) => d))].sort();
  const selected = new Set(s.prompts);
  const num = (e: Event) => Math.max(0, Number((e.target as HTMLInputElement).value) || 0);
  return html`<details open part="panel" class="prompts">
    <summary>Prompts (${s.prompts.length} selected · ${rows.length} of ${all.length} shown)</summary>
    <div class="row">
      <input type="search" class="prompt-search" placeholder="search text or hash" .value=${s.search}
        @input=${(e: Event) => ctx.update({ search: (e.target as HTMLInputElement).value })} />
      <label>dataset <select class="dataset" @change=${(e: Event) => ctx.update({ dataset: (e.target as HTMLSelectElement).value })}>
        <option value="" ?selected=${!s.dataset}>all</option>
        ${datasets.map((d) => html`<option .value=${d} ?selected=${d === s.dataset}>${d}</option>`)}
      </select></label>
      <label>tokens <input type="number" min="0" class="min-tokens" placeholder="min" .value=${s.minTokens ? String(s.minTokens) : ""}
        @input=${(e: Event) => ctx.update({ minTokens: num(e) })} /></label>
      <label>to <input type="number" min="0" class="max-tokens" placeholder="max" .value=${s.maxTokens ? String(s.maxTokens) : ""}
        @input=${(e: Event) => ctx.update({ maxTokens: num(e) })} /></label>
      <button class="select-shown" @click=${() => ctx.update({ prompts: [...new Set([...s.prompts, ...rows.map((r) => r.hash)])] })}>select shown</button>
      <button class="clear-prompts" @click=${() => ctx.update({ prompts: [] })}>clear</button>
    </div>
    <div class="scroll">
      <table>
        <thead><tr><th></th>${sortHeader(ctx, "dataset", "dataset")}${sortHeader(ctx, "n_tokens", "tokens")}${sortHeader(ctx, "text", "text")}${sortHeader(ctx, "hash", "hash")}</tr></thead>
        <tbody>
          ${rows.slice(0, ctx.promptRows).map((p) => {
            const on = selected.has(p.hash);
            return html`<tr class=${on ? "selected" : ""} data-hash=${p.hash} @click=${() => togglePrompt(ctx, p.hash)}>
              <td><input type="checkbox" .checked=${on} @click=${(e: Event) => e.stopPropagation()}
                @change=${() => togglePrompt(ctx, p.hash)} aria-label=${`select prompt ${p.hash}`} /></td>
              <td>${p.dataset}</td><td>${p.nTokens}</td><td class="text" title=${p.text}>${p.text}</td>
              <td class="mono">${p.hash}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      ${
        rows.length > ctx.promptRows
          ? html`<button @click=${() => {
              ctx.showMorePrompts();
            }}>show ${Math.min(PROMPT_ROWS, rows.length - ctx.promptRows)} more</button>`
          : nothing
      }
    </div>
  </details>`;
}

// ---- figures ------------------------------------------------------------------------------

/** The figure functions panel. */
export function renderFigureFunctions(ctx: PanelContext) {
  const s = ctx.state;
  const n = ctx.figures.filter((f) => s.figures.includes(f.name)).length;
  const all = n === ctx.figures.length && n > 0;
  return html`<details open part="panel" class="functions">
    <summary>Figures (${n}/${ctx.figures.length})</summary>
    <div class="row">
      <label><input type="checkbox" class="select-all-figures" .checked=${all} .indeterminate=${n > 0 && !all}
        @change=${() => ctx.update({ figures: all ? [] : ctx.figures.map((f) => f.name) })} /> select all</label>
    </div>
    ${ctx.figures.map(
      (
        f,
      ) => html`<div class="row"><label title=${f.doc}><input type="checkbox" class="figure-fn" data-figure=${f.name}
        .checked=${s.figures.includes(f.name)}
        @change=${(e: Event) => {
          const on = (e.target as HTMLInputElement).checked;
          ctx.update({ figures: on ? [...s.figures, f.name] : s.figures.filter((x) => x !== f.name) });
        }} /> ${f.name} <span class="status">.${f.fmt}</span>${
          f.complete
            ? nothing
            : html` <span class="status incomplete" title="figures.jsonl says some heads or prompts have no file of this figure (a run still going, a sample, or a function that failed there): not selected by default">incomplete</span>`
        }</label></div>`,
    )}
  </details>`;
}
