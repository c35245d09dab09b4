/**
 * Eigenvalues of a symmetric `n × n` matrix (row-major) by the cyclic Jacobi method: rotate away
 * each off-diagonal entry in turn until the off-diagonal mass is negligible. O(n³) per sweep and
 * a handful of sweeps: fine for attention patterns of a few hundred tokens.
 */
export function symmetricEigenvalues(matrix: ArrayLike<number>, n: number, maxSweeps = 60): Float64Array {
  const a = Float64Array.from(matrix);
  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i]! * a[i]!;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! * a[p * n + q]!;
    if (off <= 1e-26 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i * n + i]!;
  return out;
}

/**
 * Singular values of a `rows × cols` matrix given by `get(r, c)`, largest first: the square roots of
 * the eigenvalues of AᵀA (computed with {@link symmetricEigenvalues}; tiny negative rounding → 0).
 */
export function singularValues(
  get: (r: number, c: number) => number,
  rows: number,
  cols: number,
): Float64Array {
  const ata = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) {
    for (let j = i; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += get(r, i) * get(r, j);
      ata[i * cols + j] = s;
      ata[j * cols + i] = s;
    }
  }
  return symmetricEigenvalues(ata, cols)
    .map((x) => Math.sqrt(Math.max(0, x)))
    .sort((x, y) => y - x);
}
