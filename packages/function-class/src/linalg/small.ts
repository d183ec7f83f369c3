/** Small dense kernels on flat row-major `Float64Array`s. */

/** `C = A·Bᵀ` for `A` (`m×k`) and `B` (`n×k`), both row-major; dot products of rows. */
export function matmulABt(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p]! * b[bj + p]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

/** `C = A·B` for `A` (`m×k`) and `B` (`k×n`), row-major, i-k-j order. */
export function matmulAB(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    const ai = i * k;
    for (let p = 0; p < k; p++) {
      const av = a[ai + p]!;
      if (av === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) out[ci + j] = out[ci + j]! + av * b[bp + j]!;
    }
  }
  return out;
}

/**
 * In-place Cholesky `A = L·Lᵀ` of a symmetric `m×m` matrix (lower triangle written, upper left
 * untouched). Returns false when a pivot is not positive.
 */
export function choleskyInPlace(a: Float64Array, m: number): boolean {
  for (let j = 0; j < m; j++) {
    const rj = j * m;
    let s = a[rj + j]!;
    for (let p = 0; p < j; p++) s -= a[rj + p]! * a[rj + p]!;
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    a[rj + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      const ri = i * m;
      let t = a[ri + j]!;
      for (let p = 0; p < j; p++) t -= a[ri + p]! * a[rj + p]!;
      a[ri + j] = t / ljj;
    }
  }
  return true;
}

/** `L⁻¹` (lower triangular, `m×m`, row-major) of a lower-triangular `L`, column by column. */
export function lowerInverse(l: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let c = 0; c < m; c++) {
    for (let i = c; i < m; i++) {
      const ri = i * m;
      let s = i === c ? 1 : 0;
      for (let p = c; p < i; p++) s -= l[ri + p]! * out[p * m + c]!;
      out[ri + c] = s / l[ri + i]!;
    }
  }
  return out;
}
