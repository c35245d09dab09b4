// head_metrics.jsonl from the per-prompt values on disk: the merge step after sharded runs
// (`pattern-lens index`), and what a shard writes when it finishes.
import { readdir, stat } from "node:fs/promises";
import {
  activationsPath,
  headMetricsPath,
  promptHeadMetricsPath,
  promptJsonPath,
  promptsDir,
} from "@pattern-lens/indexes";
import { publishConverged, readJsonFile, writeJsonl } from "@pattern-lens/indexes/node";
import { PromptHeadMetricsSchema } from "@pattern-lens/indexes/schemas";
import { MetricsError } from "./errors.ts";
import {
  aggregateHeadMetrics,
  decodePromptValues,
  type HeadMetricRecord,
  type PromptValues,
} from "./prompt-values.ts";
import type { MetricOptions } from "./types.ts";

/** Options of {@link mergeHeadMetrics}. */
export interface MergeHeadMetricsOptions {
  savePath: string;
  model: string;
  /**
   * Merge only prompts scored with these metrics and options (what a shard does); prompts scored
   * otherwise count as not scored. Default: every scored prompt, which must then agree.
   */
  scoredWith?: { metrics: readonly string[]; options: MetricOptions };
}

/** What {@link mergeHeadMetrics} wrote. */
export interface MergeHeadMetricsSummary {
  /** The `head_metrics.jsonl` written. */
  path: string;
  records: HeadMetricRecord[];
  metrics: string[];
  options: MetricOptions;
  /** Prompts merged. */
  prompts: number;
  /** Prompts with saved patterns but no values to merge (not scored yet, other options, or scored before their patterns were saved again). */
  notScored: string[];
  nLayers: number;
  nHeads: number;
}

interface Entry {
  hash: string;
  /** The values are older than the patterns (activations saved again with --force since). */
  stale: boolean;
}

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

async function listPrompts(
  save: string,
  model: string,
): Promise<{ key: string; entry?: Entry; hash: string }[]> {
  let names: string[];
  try {
    names = (await readdir(promptsDir(save, model), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch {
    return [];
  }
  const out: { key: string; entry?: Entry; hash: string }[] = [];
  for (const hash of names) {
    if ((await mtime(promptJsonPath(save, model, hash))) === undefined) continue;
    const values = await mtime(promptHeadMetricsPath(save, model, hash));
    if (values === undefined) {
      out.push({ key: `${hash}:-`, hash });
      continue;
    }
    const patterns = (await mtime(activationsPath(save, model, hash))) ?? 0;
    out.push({ key: `${hash}:${values}`, hash, entry: { hash, stale: patterns > values } });
  }
  return out;
}

interface Group {
  metrics: string[];
  options: MetricOptions;
  values: PromptValues[];
}

const groupKey = (metrics: readonly string[], o: MetricOptions) =>
  JSON.stringify([metrics, o.excludeBos, o.excludeCurrentToken]);

/**
 * Writes `<save>/<model>/head_metrics.jsonl` from the values saved per prompt
 * (`prompts/<hash>/head_metrics.json`): the same lines, to the last bit, as one `runMetrics` over
 * the same prompts, since both add the prompts in hash order. Values older than their prompt's
 * patterns are left out. Safe to call from concurrent processes (it rebuilds until its listing is
 * current); returns `undefined`, writing nothing, when no prompt has saved values (a folder
 * written by Python or by an older pattern-lens keeps its head_metrics.jsonl).
 *
 * @throws {MetricsError} `PL_METRICS_MIXED` when prompts were scored with different metrics or
 *   options and `scoredWith` does not pick one.
 */
export async function mergeHeadMetrics(
  opts: MergeHeadMetricsOptions,
): Promise<MergeHeadMetricsSummary | undefined> {
  const { savePath: save, model } = opts;
  let listed: Awaited<ReturnType<typeof listPrompts>> = [];
  return publishConverged(
    async () => {
      listed = await listPrompts(save, model);
      return listed.map((l) => l.key);
    },
    async () => {
      const groups = new Map<string, Group>();
      const notScored: string[] = [];
      for (const l of listed) {
        if (l.entry === undefined || l.entry.stale) {
          notScored.push(l.hash);
          continue;
        }
        const s = await readJsonFile(promptHeadMetricsPath(save, model, l.hash), PromptHeadMetricsSchema);
        const options = { excludeBos: s.exclude_bos, excludeCurrentToken: s.exclude_current_token };
        const key = groupKey(s.metrics, options);
        let g = groups.get(key);
        if (g === undefined) {
          g = { metrics: s.metrics, options, values: [] };
          groups.set(key, g);
        }
        g.values.push(decodePromptValues(s, s.metrics));
      }
      let group: Group | undefined;
      if (opts.scoredWith !== undefined) {
        group = groups.get(groupKey(opts.scoredWith.metrics, opts.scoredWith.options));
        for (const g of groups.values()) if (g !== group) notScored.push(...g.values.map((v) => v.hash));
      } else if (groups.size > 1) {
        const kinds = [...groups.values()]
          .map(
            (g) =>
              `${g.values.length} with ${g.metrics.join(",")}${g.options.excludeBos ? " --exclude-bos" : ""}${g.options.excludeCurrentToken ? " --exclude-current-token" : ""}`,
          )
          .join("; ");
        throw new MetricsError(
          "PL_METRICS_MIXED",
          `the prompts of model "${model}" in ${save} were scored differently (${kinds}). Run pattern-lens metrics again with the same --metrics and --exclude-* flags for every shard.`,
        );
      } else {
        group = [...groups.values()][0];
      }
      if (group === undefined) return undefined;
      const { records, nLayers, nHeads } = aggregateHeadMetrics(group.values, group.metrics, group.options);
      const path = headMetricsPath(save, model);
      await writeJsonl(path, records);
      return {
        path,
        records,
        metrics: group.metrics,
        options: group.options,
        prompts: group.values.length,
        notScored: notScored.sort(),
        nLayers,
        nHeads,
      };
    },
  );
}
