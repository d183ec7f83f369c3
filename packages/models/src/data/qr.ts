/**
 * Thin Householder QR of a row-major `m × n` matrix (m ≥ n), float64: returns `Q` (`m × n`,
 * orthonormal columns) with the signs chosen so that `diag(R) > 0` (datasets.md §5). `a` is not
 * modified.
 * @param a - row-major `m × n` values
 * @param m - rows
 * @param n - columns, n ≤ m
 * @returns Q, row-major `m × n`
 */
export function householderQ(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  const signs = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let norm = 0;
    for (let i = j; i < m; i++) norm += r[i * n + j]! * r[i * n + j]!;
    norm = Math.sqrt(norm);
    const x0 = r[j * n + j]!;
    const alpha = x0 >= 0 ? -norm : norm; // R_jj = alpha
    const v = new Float64Array(m - j);
    for (let i = j; i < m; i++) v[i - j] = r[i * n + j]!;
    v[0]! -= alpha;
    let vn = 0;
    for (let i = 0; i < v.length; i++) vn += v[i]! * v[i]!;
    if (vn > 0) {
      const inv = 1 / Math.sqrt(vn);
      for (let i = 0; i < v.length; i++) v[i]! *= inv;
      for (let c = j; c < n; c++) {
        let dot = 0;
        for (let i = j; i < m; i++) dot += v[i - j]! * r[i * n + c]!;
        for (let i = j; i < m; i++) r[i * n + c]! -= 2 * v[i - j]! * dot;
      }
    }
    vs.push(v);
    signs[j] = r[j * n + j]! < 0 ? -1 : 1;
  }
  // Q = H_0 … H_{n−1} [I_n; 0]
  const q = new Float64Array(m * n);
  for (let c = 0; c < n; c++) q[c * n + c] = 1;
  for (let j = n - 1; j >= 0; j--) {
    const v = vs[j]!;
    for (let c = 0; c < n; c++) {
      let dot = 0;
      for (let i = j; i < m; i++) dot += v[i - j]! * q[i * n + c]!;
      if (dot !== 0) for (let i = j; i < m; i++) q[i * n + c]! -= 2 * v[i - j]! * dot;
    }
  }
  for (let c = 0; c < n; c++)
    if (signs[c]! < 0) for (let i = 0; i < m; i++) q[i * n + c] = -q[i * n + c]!;
  return q;
}
