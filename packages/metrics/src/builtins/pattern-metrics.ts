/**
 * The built-in metrics that score attention mass on target keys (see `targetMassScore`): previous
 * token, induction, duplicate token, first token, self.
 */
import { targetMassScore } from "../pattern-score.ts";
import type { MetricContext, MetricDefinition } from "../types.ts";

/** For each position, the earlier positions holding the same token (ascending). */
function earlierOccurrences(tokenIds: readonly number[], n: number): number[][] {
  const seen = new Map<number, number[]>();
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const t = tokenIds[i] as number;
    const list = seen.get(t);
    out.push(list === undefined ? [] : list.slice());
    if (list === undefined) seen.set(t, [i]);
    else list.push(i);
  }
  return out;
}

/** Mass on key i-1. */
export const previousToken: MetricDefinition = {
  name: "previous_token",
  doc: "attention on the previous token",
  formula: "targets T(i) = {i-1}; score = Σ_R mass on T / Σ_R kept mass over rows i ≥ 1",
  fn: ({ pattern, n, options }) => targetMassScore(pattern, n, options, (i) => (i >= 1 ? [i - 1] : [])),
};

/** Mass on the tokens that followed earlier occurrences of the current token. */
export const induction: MetricDefinition = {
  name: "induction",
  doc: "attention on the token after an earlier occurrence of the current token",
  formula:
    "targets T(i) = {p+1 : p < i, tok[p] = tok[i]}; score over rows with a target; undefined when no token repeats",
  fn: ({ pattern, n, tokenIds, options }: MetricContext) => {
    const occ = earlierOccurrences(tokenIds, n);
    return targetMassScore(pattern, n, options, (i) => (occ[i] as number[]).map((p) => p + 1));
  },
};

/** Mass on earlier occurrences of the current token. */
export const duplicateToken: MetricDefinition = {
  name: "duplicate_token",
  doc: "attention on earlier occurrences of the current token",
  formula:
    "targets T(i) = {p : p < i, tok[p] = tok[i]}; score over rows with a target; undefined when no token repeats",
  fn: ({ pattern, n, tokenIds, options }: MetricContext) => {
    const occ = earlierOccurrences(tokenIds, n);
    return targetMassScore(pattern, n, options, (i) => occ[i] as number[]);
  },
};

/** Mass on position 0 (BOS sink); ignores `excludeBos`. */
export const firstToken: MetricDefinition = {
  name: "first_token",
  doc: "attention on the first position (BOS / attention sink); ignores exclude-bos",
  formula: "targets T(i) = {0} for rows i ≥ 1",
  fn: ({ pattern, n, options }) =>
    targetMassScore(pattern, n, { ...options, excludeBos: false }, (i) => (i >= 1 ? [0] : [])),
};

/** Mass on the query's own position; ignores `excludeCurrentToken`. */
export const self: MetricDefinition = {
  name: "self",
  doc: "attention on the current token itself (the diagonal); ignores exclude-current-token",
  formula: "targets T(i) = {i} for rows i ≥ 1",
  fn: ({ pattern, n, options }) =>
    targetMassScore(pattern, n, { ...options, excludeCurrentToken: false }, (i) => (i >= 1 ? [i] : [])),
};
