/** The built-in metrics of a row's whole distribution: mean attention distance and entropy. */
import { keptMass } from "../pattern-score.ts";
import type { MetricDefinition } from "../types.ts";

/** Mass-weighted mean of `i - j` over rows i ≥ 1 and kept keys. */
export const meanDistance: MetricDefinition = {
  name: "mean_distance",
  doc: "mean attention distance (query position minus key position, weighted by attention)",
  formula: "Σ_{i≥1} Σ_{j kept} A[i,j]·(i-j) / Σ_{i≥1} Σ_{j kept} A[i,j]",
  fn: ({ pattern, n, options }) => {
    let num = 0;
    let den = 0;
    const lo = options.excludeBos ? 1 : 0;
    for (let i = 1; i < n; i++) {
      const row = i * n;
      const hi = options.excludeCurrentToken ? i - 1 : i;
      for (let j = lo; j <= hi; j++) {
        const a = pattern[row + j] as number;
        num += a * (i - j);
        den += a;
      }
    }
    return den > 0 ? num / den : undefined;
  },
};

/** Mean over rows i ≥ 1 of the Shannon entropy (nats) of the row restricted to kept keys. */
export const entropy: MetricDefinition = {
  name: "entropy",
  doc: "mean row entropy in nats (0: one key; ln(i+1): uniform over row i)",
  formula: "mean over rows i ≥ 1 of -Σ_{j kept} p_j ln p_j, p = A[i,j] / Σ_{j kept} A[i,j]",
  fn: ({ pattern, n, options }) => {
    let sum = 0;
    let rows = 0;
    const lo = options.excludeBos ? 1 : 0;
    for (let i = 1; i < n; i++) {
      const mass = keptMass(pattern, n, i, options);
      if (!(mass > 0)) continue;
      // -Σ (a/m) ln(a/m) = ln m - (1/m) Σ a ln a
      const row = i * n;
      const hi = options.excludeCurrentToken ? i - 1 : i;
      let s = 0;
      for (let j = lo; j <= hi; j++) {
        const a = pattern[row + j] as number;
        if (a > 0) s += a * Math.log(a);
      }
      sum += Math.log(mass) - s / mass;
      rows++;
    }
    return rows > 0 ? sum / rows : undefined;
  },
};
