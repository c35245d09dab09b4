/** The browse view's whole selection, and its round trip through a URL fragment. */

/** What the figure grid colours borders by / sorts by. */
export const GRID_KEYS = ["model", "prompt", "layer", "head", "function"] as const;
/** One of {@link GRID_KEYS}. */
export type GridKey = (typeof GRID_KEYS)[number];

/** The figure opened in the pattern view. */
export interface OpenPattern {
  model: string;
  prompt: string;
  layer: number;
  head: number;
}

/** Everything the user chose in the browse view. */
export interface ViewerState {
  /** Selected model folder names. */
  models: string[];
  /** Selected prompt hashes. */
  prompts: string[];
  /** Head selection per model folder, in the `L2-4H3, L*H*` grammar. */
  heads: Record<string, string>;
  /** Selected figure names. */
  figures: string[];
  /** Figures per row. */
  perRow: number;
  /** Border colour key (`none` for plain borders). */
  colorBy: GridKey | "none";
  /** Primary sort key of the grid (the others follow in {@link GRID_KEYS} order). */
  sortBy: GridKey;
  /** Show captions under figures. */
  captions: boolean;
  /** Dark mode. */
  dark: boolean;
  /** Prompt table: text search. */
  search: string;
  /** Prompt table: dataset (`meta.pile_set_name`) filter, `""` for all. */
  dataset: string;
  /** Prompt table: minimum token count (0 for none). */
  minTokens: number;
  /** Prompt table: maximum token count (0 for none). */
  maxTokens: number;
  /** Prompt table sort column and direction, e.g. `n_tokens` / `desc`. */
  promptSort: string;
  /** Prompt table sort direction. */
  promptSortDir: "asc" | "desc";
  /** Model table text filter. */
  modelSearch: string;
  /** The head open in the pattern view, if any. */
  open?: OpenPattern | undefined;
  // The metrics fields are optional: absent means the default given in each comment.
  /** Which view is shown: the figure grid (`browse`, default) or the head metrics (`metrics`). */
  tab?: "browse" | "metrics" | undefined;
  /** Metric shown in the metrics view (`""`: the first one available). */
  metric?: string | undefined;
  /** Head table sort column (one of `METRIC_SORT_KEYS` in metrics.ts; default `mean`). */
  metricSort?: string | undefined;
  /** Head table sort direction (default `desc`). */
  metricSortDir?: "asc" | "desc" | undefined;
  /** Metric filter of the figure grid and head table, e.g. `induction > 0.4` (default: none). */
  metricFilter?: string | undefined;
}

/** The head table's default sort column (descending); see {@link ViewerState.metricSort}. */
const METRIC_SORT_DEFAULT = "mean";

/** The state of a fresh viewer. */
export function defaultState(): ViewerState {
  return {
    models: [],
    prompts: [],
    heads: {},
    figures: [],
    perRow: 6,
    colorBy: "none",
    sortBy: "model",
    captions: true,
    dark: false,
    search: "",
    dataset: "",
    minTokens: 0,
    maxTokens: 0,
    promptSort: "",
    promptSortDir: "asc",
    modelSearch: "",
  };
}

const list = (v: string | null): string[] => (v ? v.split(",").filter((s) => s !== "") : []);
const isKey = (v: string | null): v is GridKey => (GRID_KEYS as readonly string[]).includes(v ?? "");

/**
 * Writes a state as URL fragment parameters (without the `#`); defaults are left out.
 *
 * @example
 * encodeState({ ...defaultState(), models: ["pythia-14m"], heads: { "pythia-14m": "L*H*" } });
 * // "m=pythia-14m&h=pythia-14m%3AL*H*"
 */
export function encodeState(s: ViewerState): string {
  const d = defaultState();
  const p = new URLSearchParams();
  if (s.models.length) p.set("m", s.models.join(","));
  if (s.prompts.length) p.set("p", s.prompts.join(","));
  for (const [model, sel] of Object.entries(s.heads)) if (sel) p.append("h", `${model}:${sel}`);
  if (s.figures.length) p.set("f", s.figures.join(","));
  if (s.perRow !== d.perRow) p.set("row", String(s.perRow));
  if (s.colorBy !== d.colorBy) p.set("color", s.colorBy);
  if (s.sortBy !== d.sortBy) p.set("sort", s.sortBy);
  if (s.captions !== d.captions) p.set("cap", s.captions ? "1" : "0");
  if (s.dark) p.set("dark", "1");
  if (s.search) p.set("q", s.search);
  if (s.dataset) p.set("ds", s.dataset);
  if (s.minTokens) p.set("tmin", String(s.minTokens));
  if (s.maxTokens) p.set("tmax", String(s.maxTokens));
  if (s.promptSort) p.set("ps", `${s.promptSort}:${s.promptSortDir}`);
  if (s.modelSearch) p.set("mq", s.modelSearch);
  if (s.tab === "metrics") p.set("tab", s.tab);
  if (s.metric) p.set("mt", s.metric);
  const ms = `${s.metricSort || METRIC_SORT_DEFAULT}:${s.metricSortDir ?? "desc"}`;
  if (ms !== `${METRIC_SORT_DEFAULT}:desc`) p.set("ms", ms);
  if (s.metricFilter) p.set("mf", s.metricFilter);
  if (s.open) p.set("open", `${s.open.model}:${s.open.prompt}:${s.open.layer}:${s.open.head}`);
  return p.toString();
}

/** Reads a state written by {@link encodeState} (a leading `#` is fine); unknown values fall back to defaults. */
export function decodeState(fragment: string): ViewerState {
  const p = new URLSearchParams(fragment.replace(/^#/, ""));
  const s = defaultState();
  s.models = list(p.get("m"));
  s.prompts = list(p.get("p"));
  for (const h of p.getAll("h")) {
    const i = h.lastIndexOf(":");
    if (i > 0) s.heads[h.slice(0, i)] = h.slice(i + 1);
  }
  s.figures = list(p.get("f"));
  const row = Number(p.get("row"));
  if (Number.isInteger(row) && row >= 1 && row <= 64) s.perRow = row;
  const color = p.get("color");
  if (color === "none" || isKey(color)) s.colorBy = color;
  const sort = p.get("sort");
  if (isKey(sort)) s.sortBy = sort;
  if (p.get("cap") === "0") s.captions = false;
  s.dark = p.get("dark") === "1";
  s.search = p.get("q") ?? "";
  s.dataset = p.get("ds") ?? "";
  s.minTokens = Math.max(0, Number(p.get("tmin")) || 0);
  s.maxTokens = Math.max(0, Number(p.get("tmax")) || 0);
  const ps = p.get("ps");
  if (ps) {
    const [col = "", dir] = ps.split(":");
    s.promptSort = col;
    s.promptSortDir = dir === "desc" ? "desc" : "asc";
  }
  s.modelSearch = p.get("mq") ?? "";
  if (p.get("tab") === "metrics") s.tab = "metrics";
  const mt = p.get("mt");
  if (mt) s.metric = mt;
  const ms = p.get("ms");
  if (ms) {
    const [col = "", dir] = ms.split(":");
    s.metricSort = col || METRIC_SORT_DEFAULT;
    s.metricSortDir = dir === "asc" ? "asc" : "desc";
  }
  const mf = p.get("mf");
  if (mf) s.metricFilter = mf;
  const open = p.get("open")?.split(":");
  if (open && open.length === 4) {
    const [model = "", prompt = "", l, h] = open;
    const layer = Number(l);
    const head = Number(h);
    if (model && prompt && Number.isInteger(layer) && Number.isInteger(head))
      s.open = { model, prompt, layer, head };
  }
  return s;
}
