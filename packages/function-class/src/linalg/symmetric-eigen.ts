/**
 * Symmetric eigendecomposition on flat `Float64Array`s: Householder tridiagonalization (tred2)
 * followed by the implicit QL algorithm (tql2), after JAMA / EISPACK. The eigenvector matrix is
 * stored transposed so that every hot loop scans contiguous memory; eigenvector `j` is row `j` of
 * the returned `vectors`.
 */
import { householderReduce } from './householder.js';

import { implicitQl } from './implicit-ql.js';

/** Result of {@link symmetricEigen}. */
export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  readonly values: Float64Array;
  /** `n×n` row-major; row `j` is the unit eigenvector of `values[j]` (empty when not requested). */
  readonly vectors: Float64Array;
}

/**
 * Eigenvalues (ascending) and, optionally, orthonormal eigenvectors of the symmetric `n×n`
 * row-major matrix `a` (only symmetric input is meaningful; `a` is not modified).
 * @param a - symmetric matrix, row-major, length ≥ n²
 * @param n - order
 * @param wantVectors - compute eigenvectors (default true)
 * @returns values ascending, vectors as rows
 */
export function symmetricEigen(
  a: ArrayLike<number>,
  n: number,
  wantVectors = true,
): SymmetricEigen {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: new Float64Array(0) };
  // V holds the transpose of JAMA's V: V[r*n + c] == JAMA V(c, r).
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) V[j * n + i] = a[i * n + j]!;
  tred2(n, e, d, V, wantVectors);
  tql2(n, e, d, V, wantVectors);
  return { values: d, vectors: wantVectors ? V : new Float64Array(0) };
}

function tred2(
  n: number,
  e: Float64Array,
  d: Float64Array,
  V: Float64Array,
  wantVectors: boolean,
): void {
  let g: number, h: number;
  householderReduce(n, V, d, e);
  if (wantVectors) {
    for (let i = 0; i < n - 1; i++) {
      V[i * n + n - 1] = V[i * n + i]!;
      V[i * n + i] = 1;
      h = d[i + 1]!;
      const ri1 = (i + 1) * n;
      if (h !== 0) {
        for (let k = 0; k <= i; k++) d[k] = V[ri1 + k]! / h;
        for (let j = 0; j <= i; j++) {
          const rj = j * n;
          g = 0;
          for (let k = 0; k <= i; k++) g += V[ri1 + k]! * V[rj + k]!;
          for (let k = 0; k <= i; k++) V[rj + k] = V[rj + k]! - g * d[k]!;
        }
      }
      for (let k = 0; k <= i; k++) V[ri1 + k] = 0;
    }
    for (let j = 0; j < n; j++) {
      d[j] = V[j * n + n - 1]!;
      V[j * n + n - 1] = 0;
    }
    V[(n - 1) * n + n - 1] = 1;
  } else {
    for (let j = 0; j < n; j++) d[j] = V[j * n + j]!;
  }
  e[0] = 0;
}

function tql2(
  n: number,
  e: Float64Array,
  d: Float64Array,
  V: Float64Array,
  wantVectors: boolean,
): void {
  implicitQl(
    n,
    d,
    e,
    wantVectors
      ? (i, c, s) => {
          const r0 = i * n;
          const r1 = r0 + n;
          for (let k = 0; k < n; k++) {
            const hk = V[r1 + k]!;
            const vk = V[r0 + k]!;
            V[r1 + k] = s * vk + c * hk;
            V[r0 + k] = c * vk - s * hk;
          }
        }
      : undefined,
  );
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i]!;
    for (let j = i + 1; j < n; j++) {
      if (d[j]! < p) {
        k = j;
        p = d[j]!;
      }
    }
    if (k !== i) {
      d[k] = d[i]!;
      d[i] = p;
      if (wantVectors) {
        const ri = i * n;
        const rk = k * n;
        for (let j = 0; j < n; j++) {
          const t = V[ri + j]!;
          V[ri + j] = V[rk + j]!;
          V[rk + j] = t;
        }
      }
    }
  }
}
