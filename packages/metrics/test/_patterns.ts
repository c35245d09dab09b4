/** Small hand-made attention patterns for tests (row-major n×n, causal rows summing to 1). */
export function fromRows(rows: (i: number) => number[], n: number): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const r = rows(i);
    for (let j = 0; j <= i; j++) out[i * n + j] = r[j] ?? 0;
  }
  return out;
}

export const identity = (n: number) =>
  fromRows((i) => Array.from({ length: i + 1 }, (_, j) => (j === i ? 1 : 0)), n);
export const uniform = (n: number) => fromRows((i) => Array.from({ length: i + 1 }, () => 1 / (i + 1)), n);
/** Row 0 on itself, row i on i-1. */
export const previous = (n: number) =>
  fromRows((i) => Array.from({ length: i + 1 }, (_, j) => (j === Math.max(0, i - 1) ? 1 : 0)), n);
