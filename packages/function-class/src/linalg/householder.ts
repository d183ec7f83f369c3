/**
 * Householder reduction of a symmetric matrix to tridiagonal form (the reduction of EISPACK
 * tred2, JAMA's transposed layout). On entry `H` (`n×n`, row-major) holds the matrix with
 * `H[j·n + i] = a[i][j]`; on exit row `i` of `H` keeps reflector `i`, `d[i]` holds the reflector's
 * scale `h_i` and `e[1..n−1]` the sub-diagonal. Callers then read the diagonal from `H` or
 * accumulate the transformation (see symmetricEigen and topEigen).
 */
export function householderReduce(
  n: number,
  H: Float64Array,
  d: Float64Array,
  e: Float64Array,
): void {
  for (let j = 0; j < n; j++) d[j] = H[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = H[j * n + i - 1]!;
        H[j * n + i] = 0;
        H[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h = h - f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        const rj = j * n;
        H[i * n + j] = f;
        g = e[j]! + H[rj + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = H[rj + k]!;
          g += v * d[k]!;
          e[k] = e[k]! + v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        const rj = j * n;
        for (let k = j; k <= i - 1; k++) H[rj + k] = H[rj + k]! - (f * e[k]! + g * d[k]!);
        d[j] = H[rj + i - 1]!;
        H[rj + i] = 0;
      }
    }
    d[i] = h;
  }
}
