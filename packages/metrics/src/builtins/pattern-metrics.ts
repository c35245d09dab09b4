/**
 * The built-in metrics that score attention mass on target keys (see `targetMassScore`): previous
 * token, induction, duplicate token, first token, self.
 */
import { targetMassScore } from "../pattern-score.ts";
import type { MetricContext, MetricDefinition } from "../types.ts";

const positionsCache = new WeakMap<readonly number[], Map<number, number[]>>();

/** Every position of each token, ascending; computed once per prompt (the ids array is shared by its heads). */
function positionsByToken(tokenIds: readonly number[]): Map<number, number[]> {
  let m = positionsCache.get(tokenIds);
  if (m === undefined) {
    m = new Map();
    tokenIds.forEach((t, p) => {
      const list = (m as Map<number, number[]>).get(t);
      if (list === undefined) (m as Map<number, number[]>).set(t, [p]);
      else list.push(p);
    });
    positionsCache.set(tokenIds, m);
  }
  return m;
}

/** The positions before `i` that hold the same token as `i`, each plus `shift`. */
function earlier(tokenIds: readonly number[], i: number, shift: number): number[] {
  const list = positionsByToken(tokenIds).get(tokenIds[i] as number) ?? [];
  const out: number[] = [];
  for (const p of list) {
    if (p >= i) break;
    out.push(p + shift);
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
  fn: ({ pattern, n, tokenIds, options }: MetricContext) =>
    targetMassScore(pattern, n, options, (i) => earlier(tokenIds, i, 1)),
};

/** Mass on earlier occurrences of the current token. */
export const duplicateToken: MetricDefinition = {
  name: "duplicate_token",
  doc: "attention on earlier occurrences of the current token",
  formula:
    "targets T(i) = {p : p < i, tok[p] = tok[i]}; score over rows with a target; undefined when no token repeats",
  fn: ({ pattern, n, tokenIds, options }: MetricContext) =>
    targetMassScore(pattern, n, options, (i) => earlier(tokenIds, i, 0)),
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
