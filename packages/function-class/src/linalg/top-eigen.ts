/**
 * Eigenvalues of a symmetric matrix and eigenvectors for a chosen few, without forming the full
 * eigenvector matrix: Householder tridiagonalization (tred2's reduction, reflectors kept), the
 * implicit QL iteration on the tridiagonal matrix with every Givens rotation recorded, then, for
 * the requested eigenvalues only, the recorded rotations are replayed on unit vectors and the
 * reflectors applied. Cost ≈ (4/3)n³ for the reduction plus O(n²·k) for k eigenvectors, instead
 * of ≈ 9n³ for all of them.
 */
import { householderReduce } from './householder.js';

import { implicitQl } from './implicit-ql.js';

/** Eigenvalues of a symmetric matrix, with eigenvectors on demand. */
export interface LazyEigen {
  /** Eigenvalues, ascending. */
  readonly values: Float64Array;
  /**
   * Unit eigenvectors for the given positions of `values`, as an `n × indices.length` row-major
   * matrix (column t is the eigenvector of `values[indices[t]]`).
   */
  vectors(indices: readonly number[]): Float64Array;
}

/**
 * Lazy symmetric eigendecomposition of the row-major `n×n` matrix `a` (not modified).
 * @param a - symmetric matrix
 * @param n - order
 */
export function lazySymmetricEigen(a: ArrayLike<number>, n: number): LazyEigen {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const hs = new Float64Array(n);
  // H[r*n + c]: working storage as in tred2 (transposed JAMA layout); row i keeps reflector i
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) H[j * n + i] = a[i * n + j]!;
  if (n === 0) return { values: d, vectors: () => new Float64Array(0) };

  // --- tred2 reduction ---
  householderReduce(n, H, d, e);
  for (let i = 0; i < n; i++) hs[i] = d[i]!;
  for (let j = 0; j < n; j++) d[j] = H[j * n + j]!;
  e[0] = 0;

  // --- tql2 with recorded rotations ---
  let rc = new Float64Array(1 << 16);
  let rs = new Float64Array(1 << 16);
  let ri = new Int32Array(1 << 16);
  let count = 0;
  const push = (i: number, c: number, s: number): void => {
    if (count === ri.length) {
      const grow = <T extends Float64Array | Int32Array>(x: T): T => {
        const y = new (x.constructor as new (m: number) => T)(x.length * 2);
        y.set(x);
        return y;
      };
      rc = grow(rc);
      rs = grow(rs);
      ri = grow(ri);
    }
    rc[count] = c;
    rs[count] = s;
    ri[count] = i;
    count++;
  };
  implicitQl(n, d, e, push);
  // sort ascending, remembering each value's column before sorting
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const sorted = Array.from(order).sort((x, y) => d[x]! - d[y]! || x - y);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = d[sorted[i]!]!;

  const vectors = (indices: readonly number[]): Float64Array => {
    const k = indices.length;
    const X = new Float64Array(n * k);
    indices.forEach((pos, t) => {
      X[sorted[pos]! * k + t] = 1;
    });
    // replay rotations in reverse: x ← G x with (Gx)_i = c x_i + s x_{i+1}, (Gx)_{i+1} = −s x_i + c x_{i+1}
    for (let q = count - 1; q >= 0; q--) {
      const c = rc[q]!;
      const s = rs[q]!;
      const o0 = ri[q]! * k;
      const o1 = o0 + k;
      for (let t = 0; t < k; t++) {
        const x0 = X[o0 + t]!;
        const x1 = X[o1 + t]!;
        X[o0 + t] = c * x0 + s * x1;
        X[o1 + t] = c * x1 - s * x0;
      }
    }
    // apply the reflectors: Q = P_{n−1} ⋯ P_1, P_m = I − u uᵀ/h_m with u = H[m, 0..m−1]
    const g = new Float64Array(k);
    for (let mm = 1; mm < n; mm++) {
      const h = hs[mm]!;
      if (h === 0) continue;
      const ro = mm * n;
      g.fill(0);
      for (let r = 0; r < mm; r++) {
        const u = H[ro + r]!;
        if (u === 0) continue;
        const xr = r * k;
        for (let t = 0; t < k; t++) g[t] = g[t]! + u * X[xr + t]!;
      }
      for (let t = 0; t < k; t++) g[t] = g[t]! / h;
      for (let r = 0; r < mm; r++) {
        const u = H[ro + r]!;
        if (u === 0) continue;
        const xr = r * k;
        for (let t = 0; t < k; t++) X[xr + t] = X[xr + t]! - u * g[t]!;
      }
    }
    return X;
  };
  return { values, vectors };
}
