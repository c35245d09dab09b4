/**
 * Eigenvalues of a symmetric `n × n` matrix (row-major), in no particular order: Householder
 * reflections bring it to tridiagonal form (about 4n³/3 multiply-adds), then the implicit QL
 * iteration with Wilkinson-type shifts finds the eigenvalues of the tridiagonal matrix (O(n²)).
 * No eigenvectors are formed. A 511 × 511 matrix takes a fraction of a second.
 */
export function symmetricEigenvalues(matrix: ArrayLike<number>, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  const d = new Float64Array(n);
  const e = new Float64Array(n); // e[i] couples i and i + 1
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // the reflection that zeroes column k below its first subdiagonal entry
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += a[i * n + k]! * a[i * n + k]!;
    norm = Math.sqrt(norm);
    const x0 = a[(k + 1) * n + k]!;
    if (norm === 0 || norm === Math.abs(x0)) {
      e[k] = x0;
      continue;
    }
    const alpha = x0 > 0 ? -norm : norm;
    let vv = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = a[i * n + k]! - (i === k + 1 ? alpha : 0);
      vv += v[i]! * v[i]!;
    }
    const scale = 1 / Math.sqrt(vv);
    for (let i = k + 1; i < n; i++) v[i]! *= scale;
    e[k] = alpha;
    // S <- H S H on the trailing block: S - 2 v qᵀ - 2 q vᵀ with p = S v, q = p - (vᵀp) v
    let vp = 0;
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = k + 1; j < n; j++) s += a[row + j]! * v[j]!;
      p[i] = s;
      vp += v[i]! * s;
    }
    for (let i = k + 1; i < n; i++) p[i] = p[i]! - vp * v[i]!;
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = 2 * v[i]!;
      const qi = 2 * p[i]!;
      for (let j = k + 1; j < n; j++) a[row + j] = a[row + j]! - vi * p[j]! - qi * v[j]!;
    }
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i]!;
  if (n >= 2) e[n - 2] = a[(n - 1) * n + (n - 2)]!;
  e[n - 1] = 0;
  tridiagonalEigenvalues(d, e);
  return d;
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix with diagonal `d` and off-diagonal `e` (e[i]
 * between i and i + 1, e[n - 1] = 0), in place into `d`, by the implicit QL iteration.
 */
function tridiagonalEigenvalues(d: Float64Array, e: Float64Array): void {
  const n = d.length;
  for (let l = 0; l < n; l++) {
    for (let iter = 0; iter < 100; iter++) {
      let m = l;
      while (m < n - 1) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * dd) break;
        m++;
      }
      if (m === l) break;
      // shift from the leading 2 × 2 block
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let shift = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] = d[i + 1]! - shift;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - shift;
        r = (d[i]! - g) * s + 2 * c * b;
        shift = s * r;
        d[i + 1] = g + shift;
        g = c * r - b;
      }
      if (r === 0 && i >= l) continue;
      d[l] = d[l]! - shift;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/**
 * Singular values of a `rows × cols` matrix given by `get(r, c)`, largest first: the square roots of
 * the eigenvalues of AᵀA (computed with {@link symmetricEigenvalues}; tiny negative rounding → 0).
 * The matrix is read once into a Float64Array; AᵀA is summed row by row (contiguous reads).
 */
export function singularValues(
  get: (r: number, c: number) => number,
  rows: number,
  cols: number,
): Float64Array {
  const m = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m[r * cols + c] = get(r, c);
  const ata = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let i = 0; i < cols; i++) {
      const x = m[row + i]!;
      if (x === 0) continue; // causal patterns are half zeros
      const out = i * cols;
      for (let j = i; j < cols; j++) ata[out + j] = ata[out + j]! + x * m[row + j]!;
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) ata[i * cols + j] = ata[j * cols + i]!;
  return symmetricEigenvalues(ata, cols)
    .map((x) => Math.sqrt(Math.max(0, x)))
    .sort((x, y) => y - x);
}
