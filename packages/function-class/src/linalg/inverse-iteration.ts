/**
 * Eigenvectors of an unreduced symmetric tridiagonal matrix for given eigenvalues by inverse
 * iteration, after LAPACK dstein (with its helpers dlagtf / dlagts): for each eigenvalue an LU
 * factorization of `T − λI` with partial pivoting, a random start, at most five solves with
 * small-pivot perturbation, and Gram–Schmidt against the previous vectors of the same cluster.
 * Eigenvalues closer than `10·ε·|λ|` are pulled apart first so that repeated ones get distinct
 * vectors.
 *
 * Clusters (chains of eigenvalues with gaps ≤ `10⁻³‖T‖₁`, as in dstein) are orthogonalized in two
 * tiers. Within a tight cluster (gaps ≤ `10⁻⁹‖T‖₁`) inverse iteration alone cannot tell the vectors
 * apart, so, as in dstein, every solve is followed by Gram–Schmidt against the cluster's previous
 * vectors. Farther apart, each iterate converges on its own to within `ε‖T‖/gap ≤ 2·10⁻⁷` of its
 * eigenvector, so one Gram–Schmidt pass after convergence suffices (it removes components of that
 * size, with no cancellation): O(m·k) per vector instead of O(m·k) per solve.
 *
 * {@link checkTridiagonalVectors} measures what was obtained (residuals and the orthogonality that
 * the residuals do not already guarantee), so callers can fall back to a slower method when inverse
 * iteration did not deliver.
 */
import type { Rng } from '@nidkit/core';

const EPS = Number.EPSILON; // LAPACK dlamch('P')
const HALF_EPS = EPS / 2; // dlamch('E')
const SFMIN = 2.2250738585072014e-308; // dlamch('S')
const BIGNUM = 1 / SFMIN;
const MAXITS = 5;
/** Solves after the growth criterion is met (LAPACK: 2; the results are checked afterwards). */
const EXTRA = 1;

/**
 * Unit eigenvectors of the `m×m` unreduced symmetric tridiagonal matrix with diagonal `d[0..m−1]`
 * and sub-diagonal `e[1..m−1]` (`e[i] = T[i, i−1]`; `e[0]` ignored) for the ascending eigenvalues
 * `w` (`k` of them, each of this matrix, computed to working accuracy), by inverse iteration.
 * @param m - order
 * @param d - diagonal (not modified)
 * @param e - sub-diagonal in `e[1..m−1]` (not modified)
 * @param w - eigenvalues, ascending
 * @param rng - source of the random starting vector (cyclically shifted for each eigenvalue)
 * @returns `k×m` row-major: row t is the eigenvector of `w[t]`, its largest entry positive
 */
export function inverseIteration(
  m: number,
  d: ArrayLike<number>,
  e: ArrayLike<number>,
  w: ArrayLike<number>,
  rng: Rng,
): Float64Array {
  const k = w.length;
  const Z = new Float64Array(k * m);
  if (m === 1) {
    for (let t = 0; t < k; t++) Z[t] = 1;
    return Z;
  }
  let onenrm = Math.max(
    Math.abs(d[0]!) + Math.abs(e[1]!),
    Math.abs(d[m - 1]!) + Math.abs(e[m - 1]!),
  );
  for (let i = 1; i < m - 1; i++)
    onenrm = Math.max(onenrm, Math.abs(d[i]!) + Math.abs(e[i]!) + Math.abs(e[i + 1]!));
  const ortol = 1e-3 * onenrm;
  const tight = 1e-9 * onenrm;
  const dtpcrt = Math.sqrt(0.1 / m);
  const a = new Float64Array(m); // U diagonal
  const b = new Float64Array(m); // U first super-diagonal
  const c = new Float64Array(m); // L multipliers
  const d2 = new Float64Array(m); // U second super-diagonal
  const piv = new Uint8Array(m);
  const x = new Float64Array(m);
  const h = new Float64Array(k);
  // starting vectors: cyclic shifts of one random vector (drawing m numbers per eigenvalue would
  // cost more than the iteration itself)
  const start = rng.fillUniform(new Float64Array(m), -1, 1);
  let gpind = 0; // first vector of the current cluster (chain of gaps ≤ ortol)
  let tpind = 0; // first vector of the current tight cluster (chain of gaps ≤ tight)
  let xjm = 0;
  for (let j = 0; j < k; j++) {
    let xj = w[j]!;
    if (j > 0) {
      const pertol = 10 * Math.abs(EPS * xj);
      if (xj - xjm < pertol) xj = xjm + pertol;
    }
    const shift = (j * 7919) % m;
    x.set(start.subarray(shift));
    x.set(start.subarray(0, shift), m - shift);
    for (let i = 0; i < m; i++) a[i] = d[i]!;
    for (let i = 0; i < m - 1; i++) {
      b[i] = e[i + 1]!;
      c[i] = e[i + 1]!;
    }
    lagtf(m, a, xj, b, c, d2, piv);
    let tol = 0;
    let nrmchk = 0;
    if (j > 0) {
      if (Math.abs(xj - xjm) > ortol) gpind = j;
      if (Math.abs(xj - xjm) > tight) tpind = j;
    }
    for (let its = 1; its <= MAXITS; its++) {
      let big = 0;
      for (let i = 0; i < m; i++) big = Math.max(big, Math.abs(x[i]!));
      const scl = (m * onenrm * Math.max(EPS, Math.abs(a[m - 1]!))) / big;
      for (let i = 0; i < m; i++) x[i] = x[i]! * scl;
      tol = lagts(m, a, b, c, d2, piv, x, tol);
      if (tpind < j) orthogonalize(x, Z, m, tpind, j, h);
      let nrm = 0;
      for (let i = 0; i < m; i++) nrm = Math.max(nrm, Math.abs(x[i]!));
      if (nrm < dtpcrt) continue;
      nrmchk++;
      if (nrmchk >= EXTRA + 1) break;
    }
    // the rest of the cluster once, after convergence (see the file comment)
    if (gpind < tpind) orthogonalize(x, Z, m, gpind, tpind, h);
    // normalize (scaled 2-norm), largest entry positive
    let big = 0;
    let at = 0;
    for (let i = 0; i < m; i++) {
      const v = Math.abs(x[i]!);
      if (v > big) {
        big = v;
        at = i;
      }
    }
    let ss = 0;
    for (let i = 0; i < m; i++) {
      const v = x[i]! / big;
      ss += v * v;
    }
    const scl = (x[at]! < 0 ? -1 : 1) / (big * Math.sqrt(ss));
    const zo = j * m;
    for (let i = 0; i < m; i++) Z[zo + i] = x[i]! * scl;
    xjm = xj;
  }
  return Z;
}

function sumSquares(x: Float64Array, m: number): number {
  let big = 0;
  for (let i = 0; i < m; i++) big = Math.max(big, Math.abs(x[i]!));
  if (big === 0) return 0;
  let ss = 0;
  for (let i = 0; i < m; i++) {
    const v = x[i]! / big;
    ss += v * v;
  }
  return ss * big * big;
}

/**
 * x ← x − Σ (z_sᵀx) z_s over the rows `from ≤ s < to` of Z (classical Gram–Schmidt), with a
 * second pass when the first cancelled most of x ("twice is enough"); `h` is scratch of length ≥ to.
 */
function orthogonalize(
  x: Float64Array,
  Z: Float64Array,
  m: number,
  from: number,
  to: number,
  h: Float64Array,
): void {
  const before = sumSquares(x, m);
  cgs(x, Z, m, from, to, h);
  if (sumSquares(x, m) < 0.25 * before) cgs(x, Z, m, from, to, h);
}

/**
 * One classical Gram–Schmidt pass of x against the rows `from ≤ s < to` of Z: all inner products
 * first, then one update, four rows of Z per sweep over x.
 */
function cgs(
  x: Float64Array,
  Z: Float64Array,
  m: number,
  from: number,
  to: number,
  h: Float64Array,
): void {
  let s = from;
  for (; s + 3 < to; s += 4) {
    const o0 = s * m;
    const o1 = o0 + m;
    const o2 = o1 + m;
    const o3 = o2 + m;
    let h0 = 0;
    let h1 = 0;
    let h2 = 0;
    let h3 = 0;
    for (let i = 0; i < m; i++) {
      const xi = x[i]!;
      h0 += xi * Z[o0 + i]!;
      h1 += xi * Z[o1 + i]!;
      h2 += xi * Z[o2 + i]!;
      h3 += xi * Z[o3 + i]!;
    }
    h[s] = h0;
    h[s + 1] = h1;
    h[s + 2] = h2;
    h[s + 3] = h3;
  }
  for (; s < to; s++) {
    const o = s * m;
    let hs = 0;
    for (let i = 0; i < m; i++) hs += x[i]! * Z[o + i]!;
    h[s] = hs;
  }
  s = from;
  for (; s + 3 < to; s += 4) {
    const o0 = s * m;
    const o1 = o0 + m;
    const o2 = o1 + m;
    const o3 = o2 + m;
    const h0 = h[s]!;
    const h1 = h[s + 1]!;
    const h2 = h[s + 2]!;
    const h3 = h[s + 3]!;
    for (let i = 0; i < m; i++)
      x[i] = x[i]! - (h0 * Z[o0 + i]! + h1 * Z[o1 + i]! + (h2 * Z[o2 + i]! + h3 * Z[o3 + i]!));
  }
  for (; s < to; s++) {
    const o = s * m;
    const hs = h[s]!;
    for (let i = 0; i < m; i++) x[i] = x[i]! - hs * Z[o + i]!;
  }
}

/**
 * LU factorization with partial pivoting of `T − λI` (LAPACK dlagtf): on entry `a` the diagonal,
 * `b` the super- and `c` the sub-diagonal (`b[i] = T[i, i+1]`, `c[i] = T[i+1, i]`); on exit `a`,
 * `b`, `d2` the diagonals of U, `c` the multipliers and `piv[i] = 1` where rows i, i+1 were swapped.
 */
function lagtf(
  m: number,
  a: Float64Array,
  lambda: number,
  b: Float64Array,
  c: Float64Array,
  d2: Float64Array,
  piv: Uint8Array,
): void {
  a[0] = a[0]! - lambda;
  if (m === 1) return;
  let scale1 = Math.abs(a[0]) + Math.abs(b[0]!);
  for (let k = 0; k < m - 1; k++) {
    a[k + 1] = a[k + 1]! - lambda;
    let scale2 = Math.abs(c[k]!) + Math.abs(a[k + 1]!);
    if (k < m - 2) scale2 += Math.abs(b[k + 1]!);
    const piv1 = a[k] === 0 ? 0 : Math.abs(a[k]!) / scale1;
    if (c[k] === 0) {
      piv[k] = 0;
      scale1 = scale2;
      if (k < m - 2) d2[k] = 0;
    } else {
      const piv2 = Math.abs(c[k]!) / scale2;
      if (piv2 <= piv1) {
        piv[k] = 0;
        scale1 = scale2;
        c[k] = c[k]! / a[k]!;
        a[k + 1] = a[k + 1]! - c[k]! * b[k]!;
        if (k < m - 2) d2[k] = 0;
      } else {
        piv[k] = 1;
        const mult = a[k]! / c[k]!;
        a[k] = c[k]!;
        const temp = a[k + 1]!;
        a[k + 1] = b[k]! - mult * temp;
        if (k < m - 2) {
          d2[k] = b[k + 1]!;
          b[k + 1] = -mult * d2[k]!;
        }
        b[k] = temp;
        c[k] = mult;
      }
    }
  }
}

/**
 * Solves `(T − λI) x = y` in place from the factors of {@link lagtf}, perturbing tiny pivots by
 * multiples of `tol` instead of overflowing (LAPACK dlagts, job −1). `tol ≤ 0` asks for the
 * default `ε·max|U|`; the tolerance used is returned for the next solve with the same factors.
 */
function lagts(
  m: number,
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  d2: Float64Array,
  piv: Uint8Array,
  y: Float64Array,
  tolIn: number,
): number {
  let tol = tolIn;
  if (tol <= 0) {
    tol = Math.abs(a[0]!);
    if (m > 1) tol = Math.max(tol, Math.abs(a[1]!), Math.abs(b[0]!));
    for (let k = 2; k < m; k++)
      tol = Math.max(tol, Math.abs(a[k]!), Math.abs(b[k - 1]!), Math.abs(d2[k - 2]!));
    tol *= HALF_EPS;
    if (tol === 0) tol = HALF_EPS;
  }
  for (let k = 1; k < m; k++) {
    if (piv[k - 1] === 0) {
      y[k] = y[k]! - c[k - 1]! * y[k - 1]!;
    } else {
      const temp = y[k - 1]!;
      y[k - 1] = y[k]!;
      y[k] = temp - c[k - 1]! * y[k]!;
    }
  }
  for (let k = m - 1; k >= 0; k--) {
    let temp = y[k]!;
    if (k <= m - 2) temp -= b[k]! * y[k + 1]!;
    if (k <= m - 3) temp -= d2[k]! * y[k + 2]!;
    let ak = a[k]!;
    let pert = ak < 0 ? -tol : tol;
    for (;;) {
      const absak = Math.abs(ak);
      if (absak < 1) {
        if (absak < SFMIN) {
          if (absak === 0 || Math.abs(temp) * SFMIN > absak) {
            ak += pert;
            pert *= 2;
            continue;
          }
          temp *= BIGNUM;
          ak *= BIGNUM;
        } else if (Math.abs(temp) > absak * BIGNUM) {
          ak += pert;
          pert *= 2;
          continue;
        }
      }
      break;
    }
    y[k] = temp / ak;
  }
  return tol;
}

/**
 * Checks eigenvectors of the tridiagonal matrix `T` (as in {@link inverseIteration}): every
 * residual `‖T z_t − w_t z_t‖₂ ≤ resTol`, and `|z_sᵀ z_t| ≤ orthTol` for every pair whose
 * orthogonality the residuals do not already imply (`|z_sᵀz_t| ≤ (ρ_s + ρ_t) / |w_s − w_t|`).
 * @param m - order
 * @param d - diagonal
 * @param e - sub-diagonal in `e[1..m−1]`
 * @param w - eigenvalues, ascending
 * @param Z - `k×m`, row t the vector of `w[t]`
 * @param tnorm - a bound on ‖T‖ (for the rounding error of the computed residuals)
 * @param resTol - residual bound (absolute)
 * @param orthTol - bound on the inner products of distinct vectors
 * @returns true when all bounds hold (false on NaN)
 */
export function checkTridiagonalVectors(
  m: number,
  d: ArrayLike<number>,
  e: ArrayLike<number>,
  w: ArrayLike<number>,
  Z: Float64Array,
  tnorm: number,
  resTol: number,
  orthTol: number,
): boolean {
  const k = w.length;
  const rho = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    const zo = t * m;
    const lam = w[t]!;
    let ss = 0;
    let nn = 0;
    for (let i = 0; i < m; i++) {
      let r = (d[i]! - lam) * Z[zo + i]!;
      if (i > 0) r += e[i]! * Z[zo + i - 1]!;
      if (i < m - 1) r += e[i + 1]! * Z[zo + i + 1]!;
      ss += r * r;
      nn += Z[zo + i]! * Z[zo + i]!;
    }
    const res = Math.sqrt(ss);
    if (!(res <= resTol) || !(Math.abs(nn - 1) <= orthTol)) return false;
    rho[t] = res;
  }
  const rows = new Int32Array(k);
  for (let t = 1; t < k; t++) {
    // the pairs the residual bound leaves open (ρ inflated by its rounding error, ≤ 4ε‖T‖ each)
    let cnt = 0;
    for (let s = 0; s < t; s++)
      if (rho[s]! + rho[t]! + 8 * EPS * tnorm > orthTol * Math.abs(w[t]! - w[s]!)) rows[cnt++] = s;
    const to = t * m;
    let c = 0;
    for (; c + 3 < cnt; c += 4) {
      const o0 = rows[c]! * m;
      const o1 = rows[c + 1]! * m;
      const o2 = rows[c + 2]! * m;
      const o3 = rows[c + 3]! * m;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let i = 0; i < m; i++) {
        const zi = Z[to + i]!;
        d0 += zi * Z[o0 + i]!;
        d1 += zi * Z[o1 + i]!;
        d2 += zi * Z[o2 + i]!;
        d3 += zi * Z[o3 + i]!;
      }
      if (!(Math.max(Math.abs(d0), Math.abs(d1), Math.abs(d2), Math.abs(d3)) <= orthTol))
        return false;
    }
    for (; c < cnt; c++) {
      const so = rows[c]! * m;
      let dot = 0;
      for (let i = 0; i < m; i++) dot += Z[so + i]! * Z[to + i]!;
      if (!(Math.abs(dot) <= orthTol)) return false;
    }
  }
  return true;
}
