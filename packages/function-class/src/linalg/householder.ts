/**
 * Householder reduction of a symmetric matrix to tridiagonal form, `A = Q T Qᵀ` (the reduction of
 * EISPACK tred2 — same reflectors, same scaling — reorganized for row-major storage).
 *
 * The matrix is read from the lower triangle of `A` (`A[j·n + k]`, k ≤ j). Reflector `i`
 * (i = n−1 … 1) annihilates `A[i, 0..i−2]`; the symmetric update of the leading block by reflector
 * i and the product of that block with reflector i−1 are done in ONE pass over the lower triangle
 * (row-contiguous inner loops), so each step streams the shrinking triangle through the cache once
 * instead of twice. Steps with at least 160 active rows split them in two parts of about equal
 * area, each with its own partial product (summed afterwards); from n = 320 on a worker thread
 * takes the second part (householder-helper.ts). The split depends on the step only, so the
 * result is the same, bit for bit, on any number of threads.
 */
import { ReductionHelper, computeRows } from './householder-helper.js';
import type { WasmWorkspace } from './wasm-tridiagonal.js';
import { ROWS, wasmWorkspace } from './wasm-tridiagonal.js';

/**
 * Tridiagonalizes the symmetric row-major `n×n` matrix `a` (only its lower triangle is read; `a`
 * is not modified), `a = Q T Qᵀ`.
 *
 * On exit
 * - `d[j]` is the diagonal of T and `e[j] = T[j, j−1]` its sub-diagonal (`e[0] = 0`);
 * - row `i` of the returned `n×n` row-major matrix R holds reflector i in `R[i·n + 0 … i·n + i−1]`
 *   (vector `u_i`) and `hs[i]` its scale, `P_i = I − u_i u_iᵀ / hs[i]` acting on coordinates
 *   `0..i−1` (`P_i = I` when `hs[i] = 0`); `Q = P_{n−1} ⋯ P_1`, so an eigenvector `z` of T maps to
 *   `Q z` (apply P_1 first). The diagonal and upper triangle of R are unspecified, and R may be a
 *   view into a larger buffer (WebAssembly memory).
 *
 * @param n - order
 * @param a - symmetric matrix, row-major, length ≥ n²
 * @param d - length n, diagonal of T (output)
 * @param e - length n, sub-diagonal of T in `e[1..n−1]` (output)
 * @param hs - length n, reflector scales (output; `hs[0] = 0`)
 * @param simd - use the WebAssembly SIMD kernel when available (default true; false runs the
 *   plain-JS loops, which compute the same quantities in a different summation order)
 * @returns R, the reflectors
 */
export function householderReduce(
  n: number,
  a: ArrayLike<number>,
  d: Float64Array,
  e: Float64Array,
  hs: Float64Array,
  simd = true,
): Float64Array {
  if (n === 0) return new Float64Array(0);
  e[0] = 0;
  hs[0] = 0;
  // workspace: the matrix, then u, w, p, q, s, p2 (n each); in WebAssembly memory when available,
  // shared with a second thread for large matrices
  const vec = n + (n & 1);
  const bytes = reductionBytes(n);
  const helper = simd && n >= HELPER_MIN ? ReductionHelper.create(bytes) : null;
  try {
    const R = reduce(n, a, d, e, hs, simd, helper, vec, bytes);
    // the helper's memory goes back to a pool for reuse: the reflectors get their own copy
    return helper ? R.slice() : R;
  } finally {
    helper?.close();
  }
}

/**
 * {@link householderReduce} (WebAssembly kernel) with a given helper of at least
 * {@link reductionBytes} bytes, which stays open (for tests).
 * @internal
 */
export function householderReduceWith(
  helper: ReductionHelper,
  n: number,
  a: ArrayLike<number>,
  d: Float64Array,
  e: Float64Array,
  hs: Float64Array,
): Float64Array {
  e[0] = 0;
  hs[0] = 0;
  return reduce(n, a, d, e, hs, true, helper, n + (n & 1), reductionBytes(n));
}

/** Bytes of the reduction's workspace for order n. @internal */
export const reductionBytes = (n: number): number => (n * n + (n & 1) + 6 * (n + (n & 1))) * 8;

/** Steps with at least this many active rows split them in two (see {@link splitBlock}). */
const SPLIT_MIN = 160;
/**
 * Orders from which a second thread takes the second part of each split step. Below, starting
 * and stopping it (≈0.1–0.5 ms) costs about what it saves (n = 200: 1.0 vs 1.2 ms; 400: 6.9 vs
 * 5.2 ms; 673: 30 vs 19 ms).
 */
const HELPER_MIN = 320;

/**
 * The first row block of the second part of a step's `nb` row blocks, splitting the lower
 * triangle's area about in half (rows `0 … 2·split−1` hold ≈ half of its entries). It depends on
 * the step only, never on the threads, so results are identical with or without the helper.
 */
const splitBlock = (nb: number, m: number): number =>
  m >= SPLIT_MIN ? Math.round(nb / Math.SQRT2) : nb;

function reduce(
  n: number,
  a: ArrayLike<number>,
  d: Float64Array,
  e: Float64Array,
  hs: Float64Array,
  simd: boolean,
  helper: ReductionHelper | null,
  vec: number,
  bytes: number,
): Float64Array {
  const ws = helper ? helper.ws : simd && n > 8 ? wasmWorkspace(bytes) : null;
  const buf = ws ? ws.buffer : new ArrayBuffer(bytes);
  const at = helper ? helper.base : 0; // byte offset of the matrix
  const M = new Float64Array(buf, at, n * n);
  if (a instanceof Float64Array) {
    for (let j = 0; j < n; j++) M.set(a.subarray(j * n, j * n + j + 1), j * n);
  } else {
    for (let j = 0; j < n; j++) for (let k = 0; k <= j; k++) M[j * n + k] = a[j * n + k]!;
  }
  const base = at / 8 + n * n + (n & 1);
  let uOff = base;
  let wOff = base + vec;
  const pOff = base + 2 * vec;
  const qOff = base + 3 * vec;
  const sOff = base + 4 * vec;
  const p2Off = base + 5 * vec;
  let u = new Float64Array(buf, uOff * 8, n);
  let w = new Float64Array(buf, wOff * 8, n);
  const p = new Float64Array(buf, pOff * 8, n);
  const q = new Float64Array(buf, qOff * 8, n);
  const sv = new Float64Array(buf, sOff * 8, n);
  const p2 = new Float64Array(buf, p2Off * 8, n);
  const rows = ws ? ROWS : JS_ROWS;
  // the wasm kernel on row blocks [0, split) here and [split, nb) on the helper (or here, into p2
  // as well), then p += p2
  const bulkWasm = (ws: WasmWorkspace, nb: number, m: number): void => {
    const split = splitBlock(nb, m);
    const second = {
      a: at,
      ld: n * 8,
      b0: split,
      b1: nb,
      u: uOff * 8,
      q: qOff * 8,
      w: wOff * 8,
      p: p2Off * 8,
    };
    if (split < nb) {
      if (helper) helper.post(second);
      else computeRows(ws, second);
    }
    ws.us(at, n * 8, 0, split, uOff * 8, qOff * 8, wOff * 8, pOff * 8);
    if (split < nb) {
      helper?.wait();
      for (let k = 0; k < 2 * nb; k++) p[k] = p[k]! + p2[k]!;
    }
  };
  const bulk = ws
    ? (nb: number, m: number): void => bulkWasm(ws, nb, m)
    : (nb: number): void => bulkJs(M, n, nb, u, q, w, p, sv);
  let i = n - 1;
  let h = i > 0 ? reflector(M, n, i, u, e, hs) : 0;
  if (h !== 0) symv(M, n, i, u, p);
  for (; i >= 1; i--) {
    // invariant: rows ≥ i are final; reflector i is in u (and row i), p = M[0..i−1, 0..i−1]·u
    const ri = i * n;
    d[i] = M[ri + i]!;
    let h2: number;
    if (h !== 0) {
      let f = 0;
      for (let k = 0; k < i; k++) {
        const pk = p[k]! / h;
        p[k] = pk;
        f += pk * u[k]!;
      }
      // q = p − K·u; row i−1 updated first (it yields reflector i−1), its scale summed on the way
      const kk = f / (h + h);
      const r = ri - n;
      const ul = u[i - 1]!;
      const ql = p[i - 1]! - kk * ul;
      q[i - 1] = ql;
      let scale = 0;
      for (let k = 0; k < i - 1; k++) {
        const uk = u[k]!;
        const qk = p[k]! - kk * uk;
        q[k] = qk;
        const v = M[r + k]! - (ul * qk + ql * uk);
        M[r + k] = v;
        scale += Math.abs(v);
      }
      M[r + i - 1] = M[r + i - 1]! - (ul * ql + ql * ul);
      if (i === 1) break;
      h2 = reflector(M, n, i - 1, w, e, hs, scale);
    } else {
      if (i === 1) break;
      h2 = reflector(M, n, i - 1, w, e, hs);
    }
    const m = i - 1; // rows 0..m−1 remain active
    p.fill(0, 0, m);
    if (h !== 0 && h2 !== 0) {
      const nb = Math.floor(m / rows);
      bulk(nb, m);
      // the wasm kernel also did the diagonal blocks; JS rows need theirs, and any leftover rows
      finish(M, n, nb * rows, rows, ws ? nb * rows : 0, m, u, q, w, p, sv);
    } else if (h !== 0) update(M, n, m, u, q);
    else if (h2 !== 0) symv(M, n, m, w, p);
    const t = u;
    u = w;
    w = t;
    const o = uOff;
    uOff = wOff;
    wOff = o;
    h = h2;
  }
  d[0] = M[0]!;
  return M;
}

/**
 * Reflector i from row i of `A` (entries 0..i−1), tred2's scaling: u = x / Σ|x|, then the last
 * entry shifted by `g = −sign(f)·‖u‖`. Writes u to `u` and back to row i, `e[i]` and `hs[i]`;
 * returns the scale h (0 for a zero row, no reflector). `scale = Σ|x|` when already known.
 */
function reflector(
  A: Float64Array,
  n: number,
  i: number,
  u: Float64Array,
  e: Float64Array,
  hs: Float64Array,
  scale = -1,
): number {
  const r = i * n;
  if (scale < 0) {
    scale = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(A[r + k]!);
  }
  if (scale === 0) {
    e[i] = 0;
    hs[i] = 0;
    for (let k = 0; k < i; k++) u[k] = 0;
    return 0;
  }
  let h = 0;
  for (let k = 0; k < i; k++) {
    const v = A[r + k]! / scale;
    u[k] = v;
    A[r + k] = v;
    h += v * v;
  }
  const f = u[i - 1]!;
  const g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
  e[i] = scale * g;
  h -= f * g;
  u[i - 1] = f - g;
  A[r + i - 1] = f - g;
  hs[i] = h;
  return h;
}

/** p[0..m−1] += A[0..m−1, 0..m−1]·w over the lower triangle (p must start at zero). */
function symv(A: Float64Array, n: number, m: number, w: Float64Array, p: Float64Array): void {
  for (let j = 0; j < m; j++) {
    const r = j * n;
    const wj = w[j]!;
    let s = 0;
    for (let k = 0; k < j; k++) {
      const a = A[r + k]!;
      s += a * w[k]!;
      p[k] = p[k]! + a * wj;
    }
    p[j] = p[j]! + s + A[r + j]! * wj;
  }
}

/** A[0..m−1, 0..m−1] −= u qᵀ + q uᵀ over the lower triangle. */
function update(A: Float64Array, n: number, m: number, u: Float64Array, q: Float64Array): void {
  for (let j = 0; j < m; j++) {
    const r = j * n;
    const uj = u[j]!;
    const qj = q[j]!;
    for (let k = 0; k <= j; k++) A[r + k] = A[r + k]! - (uj * q[k]! + qj * u[k]!);
  }
}

/** Rows per block of {@link bulkJs}. */
const JS_ROWS = 4;

/**
 * The bulk of the fused update-and-product in plain JS (as the `us` WebAssembly kernel, with
 * {@link JS_ROWS} rows per block): columns left of each block's diagonal block; `s[j]` receives
 * row j's partial product with w.
 */
function bulkJs(
  A: Float64Array,
  n: number,
  nb: number,
  u: Float64Array,
  q: Float64Array,
  w: Float64Array,
  p: Float64Array,
  s: Float64Array,
): void {
  for (let b = 0; b < nb; b++) {
    const j = b * JS_ROWS;
    const r0 = j * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    const u0 = u[j]!;
    const q0 = q[j]!;
    const w0 = w[j]!;
    const u1 = u[j + 1]!;
    const q1 = q[j + 1]!;
    const w1 = w[j + 1]!;
    const u2 = u[j + 2]!;
    const q2 = q[j + 2]!;
    const w2 = w[j + 2]!;
    const u3 = u[j + 3]!;
    const q3 = q[j + 3]!;
    const w3 = w[j + 3]!;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = 0; k < j; k++) {
      const qk = q[k]!;
      const uk = u[k]!;
      const wk = w[k]!;
      const a0 = A[r0 + k]! - (u0 * qk + q0 * uk);
      const a1 = A[r1 + k]! - (u1 * qk + q1 * uk);
      const a2 = A[r2 + k]! - (u2 * qk + q2 * uk);
      const a3 = A[r3 + k]! - (u3 * qk + q3 * uk);
      A[r0 + k] = a0;
      A[r1 + k] = a1;
      A[r2 + k] = a2;
      A[r3 + k] = a3;
      s0 += a0 * wk;
      s1 += a1 * wk;
      s2 += a2 * wk;
      s3 += a3 * wk;
      p[k] = p[k]! + (a0 * w0 + a1 * w1 + (a2 * w2 + a3 * w3));
    }
    s[j] = s0;
    s[j + 1] = s1;
    s[j + 2] = s2;
    s[j + 3] = s3;
  }
}

/**
 * Completes the fused update-and-product after the bulk, from row `from` on: the diagonal blocks
 * (`rows` wide) of the first `m0` rows, whose partial products are in `s`, then rows m0..m−1
 * entirely.
 */
function finish(
  A: Float64Array,
  n: number,
  m0: number,
  rows: number,
  from: number,
  m: number,
  u: Float64Array,
  q: Float64Array,
  w: Float64Array,
  p: Float64Array,
  s: Float64Array,
): void {
  for (let jt = from; jt < m; jt++) {
    const j = jt < m0 ? jt - (jt % rows) : 0; // first column not yet done in row jt
    const r = jt * n;
    const ut = u[jt]!;
    const qt = q[jt]!;
    const wt = w[jt]!;
    let acc = jt < m0 ? s[jt]! : 0;
    for (let k = j; k < jt; k++) {
      const a = A[r + k]! - (ut * q[k]! + qt * u[k]!);
      A[r + k] = a;
      acc += a * w[k]!;
      p[k] = p[k]! + a * wt;
    }
    const a = A[r + jt]! - (ut * qt + qt * ut);
    A[r + jt] = a;
    p[jt] = p[jt]! + acc + a * wt;
  }
}
