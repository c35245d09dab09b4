// One prompt's metric values as stored in prompts/<hash>/head_metrics.json, and their aggregate
// over prompts: the same numbers, in the same order, whether one process scored every prompt or
// shards scored them apart and `pattern-lens index` merged them.
import type { PromptHeadMetrics } from "@pattern-lens/indexes";
import { MetricAccumulator } from "./aggregate.ts";
import type { MetricOptions } from "./types.ts";

/** Every metric of every head on one prompt: `values[(layer * nHeads + head) * metrics.length + m]`, NaN where undefined. */
export interface PromptValues {
  hash: string;
  nLayers: number;
  nHeads: number;
  values: Float64Array;
}

/** One line of `head_metrics.jsonl` as the runner writes it. */
export interface HeadMetricRecord {
  layer: number;
  head: number;
  metric: string;
  mean: number | null;
  std: number | null;
  count: number;
  excluded: number;
  exclude_bos: boolean;
  exclude_current_token: boolean;
}

type Stored = number | null | "Infinity" | "-Infinity";

function store(v: number): Stored {
  if (Number.isNaN(v)) return null;
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  return v;
}

function load(v: Stored | undefined): number {
  if (v === null || v === undefined) return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  return v;
}

/** The `head_metrics.json` object of one prompt. JSON numbers round-trip exactly, so nothing is rounded. */
export function encodePromptValues(
  p: PromptValues,
  metrics: readonly string[],
  options: MetricOptions,
): PromptHeadMetrics {
  const values: Record<string, Stored[][]> = {};
  metrics.forEach((name, k) => {
    values[name] = Array.from({ length: p.nLayers }, (_, l) =>
      Array.from({ length: p.nHeads }, (_, h) =>
        store(p.values[(l * p.nHeads + h) * metrics.length + k] as number),
      ),
    );
  });
  return {
    hash: p.hash,
    n_layers: p.nLayers,
    n_heads: p.nHeads,
    exclude_bos: options.excludeBos,
    exclude_current_token: options.excludeCurrentToken,
    metrics: [...metrics],
    values,
  };
}

/** The values of `metrics` (in that order) from a `head_metrics.json` object; missing ones are NaN. */
export function decodePromptValues(stored: PromptHeadMetrics, metrics: readonly string[]): PromptValues {
  const { n_layers: nLayers, n_heads: nHeads } = stored;
  const values = new Float64Array(nLayers * nHeads * metrics.length);
  metrics.forEach((name, k) => {
    const byLayer = stored.values[name];
    for (let l = 0; l < nLayers; l++) {
      for (let h = 0; h < nHeads; h++) {
        values[(l * nHeads + h) * metrics.length + k] = load(byLayer?.[l]?.[h] as Stored | undefined);
      }
    }
  });
  return { hash: stored.hash, nLayers, nHeads, values };
}

const byHash = (a: PromptValues, b: PromptValues) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0);

/**
 * The `head_metrics.jsonl` lines over prompts: for each layer, head and metric (in that order) the
 * mean, population std, count and excluded count. Prompts are added in hash order (code units),
 * whatever order they come in, so the floating-point sums, and the lines, are the same bits
 * however the prompts were split over processes or shards.
 */
export function aggregateHeadMetrics(
  prompts: readonly PromptValues[],
  metrics: readonly string[],
  options: MetricOptions,
): { records: HeadMetricRecord[]; nLayers: number; nHeads: number } {
  const sorted = [...prompts].sort(byHash);
  const nLayers = Math.max(0, ...sorted.map((o) => o.nLayers));
  const nHeads = Math.max(0, ...sorted.map((o) => o.nHeads));
  const m = metrics.length;
  const acc = Array.from({ length: nLayers * nHeads * m }, () => new MetricAccumulator());
  for (const o of sorted) {
    for (let l = 0; l < o.nLayers; l++) {
      for (let h = 0; h < o.nHeads; h++) {
        for (let k = 0; k < m; k++) {
          (acc[(l * nHeads + h) * m + k] as MetricAccumulator).add(
            o.values[(l * o.nHeads + h) * m + k] as number,
          );
        }
      }
    }
  }
  const records: HeadMetricRecord[] = [];
  for (let l = 0; l < nLayers; l++) {
    for (let h = 0; h < nHeads; h++) {
      metrics.forEach((metric, k) => {
        records.push({
          layer: l,
          head: h,
          metric,
          ...(acc[(l * nHeads + h) * m + k] as MetricAccumulator).result(),
          exclude_bos: options.excludeBos,
          exclude_current_token: options.excludeCurrentToken,
        });
      });
    }
  }
  return { records, nLayers, nHeads };
}
