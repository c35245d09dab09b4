import type { MetricOptions } from "./types.ts";

/** True when key `j` of query row `i` takes part in scoring under `opts` (causal: `j <= i`). */
export function isKeptKey(i: number, j: number, opts: MetricOptions): boolean {
  if (j > i) return false;
  if (opts.excludeBos && j === 0) return false;
  if (opts.excludeCurrentToken && j === i) return false;
  return true;
}

/** The mass of row `i` on its kept keys. */
export function keptMass(pattern: Float32Array, n: number, i: number, opts: MetricOptions): number {
  const row = i * n;
  let s = 0;
  for (let j = opts.excludeBos ? 1 : 0; j <= i; j++) s += pattern[row + j] as number;
  if (opts.excludeCurrentToken && (i > 0 || !opts.excludeBos)) s -= pattern[row + i] as number;
  return s;
}

/**
 * The attention mass on target keys, relative to the mass on kept keys, over the rows that have
 * at least one kept target:
 *
 *   score = Σ_{i∈R} Σ_{j∈T(i)} A[i,j] / Σ_{i∈R} Σ_{j kept} A[i,j],  R = { i : T(i) ∩ kept ≠ ∅ }
 *
 * Without exclusions every row sums to 1 and this is the mean, over the rows of R, of each row's
 * mass on its targets. Returns `undefined` when R is empty or its kept mass is 0.
 *
 * @param targets - called per row; returns the row's target keys (any order, no duplicates; keys
 *   that are not kept are dropped)
 */
export function targetMassScore(
  pattern: Float32Array,
  n: number,
  opts: MetricOptions,
  targets: (i: number) => Iterable<number>,
): number | undefined {
  let hit = 0;
  let total = 0;
  let rows = 0;
  for (let i = 0; i < n; i++) {
    let rowHit = 0;
    let any = false;
    for (const j of targets(i)) {
      if (j < 0 || !isKeptKey(i, j, opts)) continue;
      any = true;
      rowHit += pattern[i * n + j] as number;
    }
    if (!any) continue;
    rows++;
    hit += rowHit;
    total += keptMass(pattern, n, i, opts);
  }
  if (rows === 0 || total <= 0) return undefined;
  return hit / total;
}
