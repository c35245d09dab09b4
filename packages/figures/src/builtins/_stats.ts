import type { AttentionPattern } from "../types.ts";

/** Mean attention at each relative distance d = q - k (d = 0 is the diagonal), over queries q ≥ d. */
export function meanByDistance(p: AttentionPattern): Float64Array {
  const n = p.shape[0]!;
  const out = new Float64Array(n);
  for (let d = 0; d < n; d++) {
    let s = 0;
    for (let q = d; q < n; q++) s += p.get(q, q - d);
    out[d] = s / (n - d);
  }
  return out;
}

/** Total attention each key position receives: the column sums. */
export function receivedPerKey(p: AttentionPattern): Float64Array {
  const [n, m] = [p.shape[0]!, p.shape[1]!];
  const out = new Float64Array(m);
  for (let q = 0; q < n; q++) for (let k = 0; k < m; k++) out[k]! += p.get(q, k);
  return out;
}

/** Shannon entropy (nats) of each query row, ignoring zero entries. */
export function rowEntropy(p: AttentionPattern): Float64Array {
  const [n, m] = [p.shape[0]!, p.shape[1]!];
  const out = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    let h = 0;
    for (let k = 0; k < m; k++) {
      const x = p.get(q, k);
      if (x > 0) h -= x * Math.log(x);
    }
    out[q] = h;
  }
  return out;
}

/** log10 of every cell, row-major; zeros (masked keys) become -Infinity. */
export function log10Matrix(p: AttentionPattern): { data: Float32Array; shape: [number, number] } {
  const [n, m] = [p.shape[0]!, p.shape[1]!];
  const data = new Float32Array(n * m);
  for (let q = 0; q < n; q++) for (let k = 0; k < m; k++) data[q * m + k] = Math.log10(p.get(q, k));
  return { data, shape: [n, m] };
}
