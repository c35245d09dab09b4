/** Tick positions for axes over token positions, readable from 10 to many thousand tokens. */

/**
 * Positions `0, step, 2·step, … < count` with `step` the smallest of 1, 2, 5 × 10^k that gives
 * at most `maxTicks` ticks: a band axis of 512 key positions gets 0, 100, …, 500 instead of a
 * smear of 103 labels.
 *
 * @example
 * positionTicks(12) // [0, 2, 4, 6, 8, 10]
 * positionTicks(8000) // [0, 1000, 2000, …, 7000]
 */
export function positionTicks(count: number, maxTicks = 8): number[] {
  if (!(count > 0)) return [];
  const want = Math.max(1, maxTicks);
  let step = 1;
  for (let p = 1; ; p *= 10) {
    const s = [1, 2, 5].map((m) => m * p).find((c) => Math.ceil(count / c) <= want);
    if (s !== undefined) {
      step = s;
      break;
    }
  }
  const out: number[] = [];
  for (let k = 0; k < count; k += step) out.push(k);
  return out;
}
