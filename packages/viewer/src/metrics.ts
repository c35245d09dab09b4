/**
 * Head metrics in the viewer: reading `<model>/head_metrics.jsonl`, the metric filter grammar
 * (`induction > 0.4, self < 0.1`), the head table's sorting and the heatmap's layer×head matrix.
 * Everything here except {@link loadHeadMetrics} is pure.
 */
import { headMetricsPath } from "@pattern-lens/indexes";
import { HeadMetricLineSchema } from "@pattern-lens/indexes/schemas";
import { dataUrl, parseJsonl } from "./data.ts";
import { ViewerError } from "./errors.ts";
import { headKey } from "./head-selection.ts";

/** One metric of one head of one model (a `head_metrics.jsonl` line plus its model). */
export interface HeadMetric {
  /** Model folder name. */
  model: string;
  /** Layer index. */
  layer: number;
  /** Head index. */
  head: number;
  /** Metric name, e.g. `induction`. */
  metric: string;
  /** Mean over the prompts where the metric is defined; `null` when there were none. */
  mean: number | null;
  /** Population standard deviation over those prompts; `null` when there were none. */
  std: number | null;
  /** Prompts the mean is over. */
  count: number;
  /** Prompts on which the metric was undefined and left out. */
  excluded: number;
}

/**
 * Parses the text of a `head_metrics.jsonl` of `model`.
 *
 * @param onBadLine - when given, a line that is not a head metric is reported there and skipped
 *   (the viewer shows the others and says which it left out); without it, such a line throws.
 * @throws {ViewerError} `PL_VIEWER_DATA` naming the line when a line is not a head metric.
 */
export function parseHeadMetrics(
  text: string,
  model: string,
  url = "head_metrics.jsonl",
  onBadLine?: (message: string) => void,
): HeadMetric[] {
  const out: HeadMetric[] = [];
  parseJsonl(text, url, onBadLine).forEach((raw, i) => {
    const r = HeadMetricLineSchema.safeParse(raw);
    if (!r.success) {
      const message = `${url} record ${i + 1} is not a head metric (${r.error.issues[0]?.message ?? "bad value"}): rerun pattern-lens metrics`;
      if (!onBadLine) throw new ViewerError("PL_VIEWER_DATA", message);
      onBadLine(`${message}; skipped`);
      return;
    }
    const l = r.data;
    out.push({
      model,
      layer: l.layer,
      head: l.head,
      metric: l.metric,
      mean: l.mean,
      std: l.std,
      count: l.count,
      excluded: l.excluded,
    });
  });
  return out;
}

/**
 * Fetches `<model>/head_metrics.jsonl` under the data folder `base`. Resolves to `null` when the
 * file is not there (the model's metrics were never computed: run `pattern-lens metrics`). With
 * `onBadLine`, damaged lines are reported and skipped (a file with no good line gives `[]`, not
 * `null`: it exists, and the report says what is wrong with it).
 */
export async function loadHeadMetrics(
  base: string,
  model: string,
  onBadLine?: (message: string) => void,
): Promise<HeadMetric[] | null> {
  const url = dataUrl(base, headMetricsPath("", model));
  const res = await fetch(url).catch(() => undefined);
  if (!res?.ok) return null;
  return parseHeadMetrics(await res.text(), model, url, onBadLine);
}

/** The metric names present, in order of first appearance. */
export function metricNames(rows: Iterable<HeadMetric>): string[] {
  const out = new Set<string>();
  for (const r of rows) out.add(r.metric);
  return [...out];
}

// ---- filter ---------------------------------------------------------------------------------

/** A comparison operator of the filter grammar. */
export type FilterOp = ">" | ">=" | "<" | "<=" | "=" | "!=";

/** One clause of a metric filter: `metric op value`. */
export interface FilterClause {
  metric: string;
  op: FilterOp;
  value: number;
}

/** The result of {@link parseMetricFilter}. */
export type MetricFilterResult = { ok: true; clauses: FilterClause[] } | { ok: false; error: string };

const CLAUSE = /^([A-Za-z_][\w.-]*)\s*(>=|<=|!=|==|=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)$/i;

/**
 * Parses a metric filter: clauses `metric op number` joined by `,`, `&`, `&&` or `and`, all of
 * which must hold. Operators: `>`, `>=`, `<`, `<=`, `=` (or `==`), `!=`. An empty text is no filter.
 * With `known` metric names, an unknown metric is an error that lists them.
 *
 * @example
 * parseMetricFilter("induction > 0.4, self<=0.1");
 * // { ok: true, clauses: [{ metric: "induction", op: ">", value: 0.4 }, { metric: "self", op: "<=", value: 0.1 }] }
 */
export function parseMetricFilter(text: string, known?: readonly string[]): MetricFilterResult {
  const clauses: FilterClause[] = [];
  const parts = text
    .split(/,|&&|&|\band\b/i)
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const part of parts) {
    const m = CLAUSE.exec(part);
    if (!m) return { ok: false, error: `'${part}' is not like induction > 0.4` };
    const metric = m[1]!;
    if (known && known.length > 0 && !known.includes(metric))
      return { ok: false, error: `no metric '${metric}' (known: ${known.join(", ")})` };
    const op = (m[2] === "==" ? "=" : m[2]) as FilterOp;
    clauses.push({ metric, op, value: Number(m[3]) });
  }
  return { ok: true, clauses };
}

/** Writes clauses back as filter text (`induction > 0.4, self <= 0.1`). */
export function formatMetricFilter(clauses: readonly FilterClause[]): string {
  return clauses.map((c) => `${c.metric} ${c.op} ${c.value}`).join(", ");
}

function holds(v: number, op: FilterOp, x: number): boolean {
  switch (op) {
    case ">":
      return v > x;
    case ">=":
      return v >= x;
    case "<":
      return v < x;
    case "<=":
      return v <= x;
    case "=":
      return v === x;
    case "!=":
      return v !== x;
  }
}

/** Means by model, then `"layer,head"` key ({@link headKey}), then metric. */
export type MetricIndex = Map<string, Map<string, Map<string, number | null>>>;

/** Indexes rows for {@link headPasses}. */
export function indexMetrics(rows: Iterable<HeadMetric>): MetricIndex {
  const out: MetricIndex = new Map();
  for (const r of rows) {
    const byHead = out.get(r.model) ?? new Map<string, Map<string, number | null>>();
    out.set(r.model, byHead);
    const k = headKey(r.layer, r.head);
    const byMetric = byHead.get(k) ?? new Map<string, number | null>();
    byHead.set(k, byMetric);
    byMetric.set(r.metric, r.mean);
  }
  return out;
}

/**
 * Whether a head satisfies every clause. A head whose metric is missing or undefined (`null`
 * mean) fails any clause about that metric; no clauses always pass.
 */
export function headPasses(
  index: MetricIndex,
  model: string,
  layer: number,
  head: number,
  clauses: readonly FilterClause[],
): boolean {
  if (clauses.length === 0) return true;
  const byMetric = index.get(model)?.get(headKey(layer, head));
  return clauses.every((c) => {
    const v = byMetric?.get(c.metric);
    return typeof v === "number" && holds(v, c.op, c.value);
  });
}

// ---- table ----------------------------------------------------------------------------------

/** Columns of the head table. */
export const METRIC_SORT_KEYS = ["model", "layer", "head", "mean", "std", "count", "excluded"] as const;
/** One of {@link METRIC_SORT_KEYS}. */
export type MetricSortKey = (typeof METRIC_SORT_KEYS)[number];

/** Whether `v` is one of {@link METRIC_SORT_KEYS}. */
export function isMetricSortKey(v: unknown): v is MetricSortKey {
  return (METRIC_SORT_KEYS as readonly unknown[]).includes(v);
}

/**
 * Sorts rows (a new array) by `key` in `dir` order; `null` values always come last, ties go by
 * model, layer, head.
 */
export function sortHeadMetrics(
  rows: readonly HeadMetric[],
  key: MetricSortKey,
  dir: "asc" | "desc",
  modelOrder?: readonly string[],
): HeadMetric[] {
  const sign = dir === "desc" ? -1 : 1;
  const order = new Map((modelOrder ?? []).map((m, i) => [m, i]));
  const cmpModel = (a: HeadMetric, b: HeadMetric) => {
    const d = (order.get(a.model) ?? order.size) - (order.get(b.model) ?? order.size);
    return d !== 0 ? d : a.model < b.model ? -1 : a.model > b.model ? 1 : 0;
  };
  const tie = (a: HeadMetric, b: HeadMetric) => cmpModel(a, b) || a.layer - b.layer || a.head - b.head;
  return [...rows].sort((a, b) => {
    if (key === "model") return sign * cmpModel(a, b) || a.layer - b.layer || a.head - b.head;
    const va = a[key];
    const vb = b[key];
    if (va === null || vb === null) return va === vb ? tie(a, b) : va === null ? 1 : -1;
    return sign * (va - vb) || tie(a, b);
  });
}

// ---- heatmap --------------------------------------------------------------------------------

/**
 * The `nLayers`×`nHeads` matrix of one metric's means for one model (row-major, layer = row);
 * heads without a value are `NaN`.
 */
export function metricMatrix(
  rows: Iterable<HeadMetric>,
  model: string,
  metric: string,
  nLayers: number,
  nHeads: number,
): Float64Array {
  const out = new Float64Array(nLayers * nHeads).fill(Number.NaN);
  for (const r of rows) {
    if (r.model !== model || r.metric !== metric || r.mean === null) continue;
    if (r.layer < nLayers && r.head < nHeads) out[r.layer * nHeads + r.head] = r.mean;
  }
  return out;
}

/** The finite min and max over several matrices (a shared colour scale); `null` when none. */
export function sharedRange(matrices: Iterable<Float64Array>): { min: number; max: number } | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const m of matrices)
    for (const v of m)
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
  return min <= max ? { min, max } : null;
}

/** The head with the largest value of a matrix (first in layer, head order on ties), or `null`. */
export function argmaxHead(m: Float64Array, nHeads: number): { layer: number; head: number } | null {
  let best = -1;
  for (let i = 0; i < m.length; i++) if (Number.isFinite(m[i]!) && (best < 0 || m[i]! > m[best]!)) best = i;
  return best < 0 ? null : { layer: Math.floor(best / nHeads), head: best % nHeads };
}
