/**
 * Symmetric eigendecomposition on flat `Float64Array`s: Householder tridiagonalization (tred2's
 * reflectors, see householderReduce) followed by the implicit QL algorithm (tql2), after JAMA /
 * EISPACK. The eigenvector matrix is
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
  const hs = new Float64Array(n);
  if (n === 0) return { values: d, vectors: new Float64Array(0) };
  const R = householderReduce(n, a, d, e, hs);
  // R may be a view into WebAssembly memory: the returned vectors get their own buffer
  const V = wantVectors ? R.slice() : R;
  if (wantVectors) accumulate(n, V, hs);
  tql2(n, e, d, V, wantVectors);
  return { values: d, vectors: wantVectors ? V : new Float64Array(0) };
}

/**
 * Overwrites the reflector storage `V` with `Qᵀ = P_1 P_2 ⋯ P_{n−1}` (row j = column j of Q), in
 * place: after step m the leading m×m block holds `P_1 ⋯ P_m`, and reflector m+1 still sits in
 * row m+1 outside that block.
 */
function accumulate(n: number, V: Float64Array, hs: Float64Array): void {
  const z = new Float64Array(n);
  V[0] = 1;
  for (let m = 1; m < n; m++) {
    const uo = m * n;
    // extend the block to (m+1)×(m+1) as [[W, 0], [0, 1]] after using reflector m (row m)
    const h = hs[m]!;
    if (h !== 0) {
      for (let c = 0; c < m; c++) z[c] = V[uo + c]! / h;
      for (let r = 0; r < m; r++) {
        const ro = r * n;
        let g = 0;
        for (let c = 0; c < m; c++) g += V[ro + c]! * V[uo + c]!;
        for (let c = 0; c < m; c++) V[ro + c] = V[ro + c]! - g * z[c]!;
      }
    }
    for (let c = 0; c < m; c++) {
      V[uo + c] = 0;
      V[c * n + m] = 0;
    }
    V[uo + m] = 1;
  }
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
