/**
 * The `k` best heads of `metric` by mean (highest first; `ascending` for lowest first), from
 * runner records or parsed `head_metrics.jsonl` lines. Heads with no defined value are left out.
 */
export function topHeads<T extends { layer: number; head: number; metric: string; mean: number | null }>(
  records: readonly T[],
  metric: string,
  k = 3,
  ascending = false,
): T[] {
  return records
    .filter((r) => r.metric === metric && r.mean !== null)
    .sort(
      (a, b) =>
        (ascending ? 1 : -1) * ((a.mean as number) - (b.mean as number)) ||
        a.layer - b.layer ||
        a.head - b.head,
    )
    .slice(0, k);
}
