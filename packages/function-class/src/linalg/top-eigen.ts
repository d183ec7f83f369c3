/**
 * Eigenvalues of a symmetric matrix and eigenvectors for a chosen few, without forming the full
 * eigenvector matrix (the plan of LAPACK dsyevx):
 * 1. Householder tridiagonalization `A = Q T Qᵀ` (reflectors kept, see householderReduce);
 * 2. T split where an off-diagonal entry is negligible (`|e_i| ≤ ε·√|d_{i−1} d_i|`), then all
 *    eigenvalues by the implicit QL iteration per block, without accumulating rotations;
 * 3. on demand, eigenvectors of T for the requested eigenvalues only, by inverse iteration per block
 *    (dstein, see inverseIteration); their residuals and orthogonality are checked, and a block
 *    where inverse iteration falls short is redone by replaying the QL rotations of that block on
 *    unit vectors (O(rotations·k));
 * 4. back-transformation `v = Q z` with the reflectors: two reflectors per pass over four vectors
 *    in WebAssembly SIMD, or one reflector per pass in plain JS.
 * Cost ≈ (4/3)n³ for the reduction, O(n²) for the eigenvalues and ≈ 2n²k for k eigenvectors (plus
 * O(n·c²) for Gram–Schmidt within clusters of c close eigenvalues).
 */
import { InvalidArgumentError, Rng } from '@nidkit/core';
import { householderReduce } from './householder.js';
import { implicitQl } from './implicit-ql.js';
import { checkTridiagonalVectors, inverseIteration } from './inverse-iteration.js';
import { BT_META, VECS, wasmWorkspace } from './wasm-tridiagonal.js';
import { TEAM_BASE, wasmTeam } from './wasm-team.js';

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
 * Options of {@link lazySymmetricEigen}, for tests and benchmarks.
 * @internal
 */
export interface LazyEigenOptions {
  /** Use the WebAssembly SIMD kernels when available (default true; false: plain-JS loops). */
  readonly simd?: boolean;
  /**
   * How eigenvectors of the tridiagonal matrix are found: `'auto'` (default) inverse iteration,
   * checked, with the rotation replay where the check fails; `'inverse-iteration'` unchecked;
   * `'replay'` always the rotation replay.
   */
  readonly method?: 'auto' | 'inverse-iteration' | 'replay';
}

const EPS = Number.EPSILON;
/**
 * Accepted inverse-iteration results for a block of order m, in units of ε: residual
 * `‖T z − λ z‖₂ ≤ tol·ε·‖T‖₁` and `|z_sᵀ z_t| ≤ tol·ε` (also `|‖z‖² − 1|`), with
 * `tol = max(64, m)` — what the QL rotation replay itself typically achieves (its loss of
 * orthogonality grows like m·ε/2), so the fallback is only taken where it does better.
 */
const tolFactor = (m: number): number => Math.max(64, m);

/**
 * Lazy symmetric eigendecomposition of the row-major `n×n` matrix `a` (not modified; only its
 * lower triangle is read).
 * @param a - symmetric matrix
 * @param n - order
 * @param options - kernel and method choices (internal; defaults are the fastest accurate ones)
 * @returns the eigenvalues (ascending) and a function computing eigenvectors for chosen positions
 * @throws InvalidArgumentError (from `vectors`) for a position that is not an integer in [0, n)
 */
export function lazySymmetricEigen(
  a: ArrayLike<number>,
  n: number,
  options: LazyEigenOptions = {},
): LazyEigen {
  const simd = options.simd ?? true;
  const method = options.method ?? 'auto';
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const hs = new Float64Array(n);
  if (n === 0) return { values: d, vectors: () => new Float64Array(0) };
  const H = householderReduce(n, a, d, e, hs, simd);

  // unreduced blocks [starts[b], starts[b+1])
  const starts = [0];
  for (let i = 1; i < n; i++) {
    if (Math.abs(e[i]!) <= EPS * Math.sqrt(Math.abs(d[i - 1]!)) * Math.sqrt(Math.abs(d[i]!))) {
      e[i] = 0;
      starts.push(i);
    }
  }
  starts.push(n);
  const blockOf = new Int32Array(n);
  for (let b = 0; b + 1 < starts.length; b++) blockOf.fill(b, starts[b], starts[b + 1]);

  // eigenvalues per block (QL leaves them unsorted: position p holds one of block p's values)
  const lam = d.slice();
  const work = e.slice();
  for (let b = 0; b + 1 < starts.length; b++) {
    const b0 = starts[b]!;
    const b1 = starts[b + 1]!;
    implicitQl(b1 - b0, lam.subarray(b0, b1), work.subarray(b0, b1));
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => lam[x]! - lam[y]! || x - y);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = lam[order[i]!]!;

  const vectors = (indices: readonly number[]): Float64Array => {
    const k = indices.length;
    for (const pos of indices) {
      if (!(Number.isInteger(pos) && pos >= 0 && pos < n)) {
        throw new InvalidArgumentError(
          `lazySymmetricEigen.vectors: eigenvalue position out of range — expected an integer in [0, ${n}), got ${pos}`,
        );
      }
    }
    // distinct positions, ascending (so ascending eigenvalues); Y: one full-length vector per row
    const wanted = [...new Set(indices)].sort((x, y) => x - y);
    const rowOf = new Map<number, number>();
    wanted.forEach((pos, r) => rowOf.set(pos, r));
    const kk = wanted.length;
    const Y = new Float64Array(kk * n);
    const first = new Int32Array(kk); // first possibly nonzero coordinate of each vector
    const rng = Rng.stream(0, 'lazySymmetricEigen', 'inverse-iteration');
    // rows of each block, in ascending order of their eigenvalues
    const byBlock = new Map<number, number[]>();
    for (let r = 0; r < kk; r++) {
      const b = blockOf[order[wanted[r]!]!]!;
      const rows = byBlock.get(b);
      if (rows) rows.push(r);
      else byBlock.set(b, [r]);
    }
    for (const [b, rows] of byBlock) {
      const b0 = starts[b]!;
      const m = starts[b + 1]! - b0;
      const Z = blockVectors(
        m,
        d.subarray(b0, b0 + m),
        e.subarray(b0, b0 + m),
        rows.map((r) => values[wanted[r]!]!),
        rows.map((r) => order[wanted[r]!]! - b0),
        rng,
        method,
      );
      rows.forEach((r, t) => {
        Y.set(Z.subarray(t * m, t * m + m), r * n + b0);
        first[r] = b0;
      });
    }
    if (!(simd && backTransformWasm(n, H, hs, Y, kk))) backTransform(n, H, hs, Y, kk, first);
    const X = new Float64Array(n * k);
    for (let t = 0; t < k; t++) {
      const yo = rowOf.get(indices[t]!)! * n;
      for (let r = 0; r < n; r++) X[r * k + t] = Y[yo + r]!;
    }
    return X;
  };
  return { values, vectors };
}

/**
 * Eigenvectors (`k×m`, one per row) of the unreduced tridiagonal block (`d`, `e[1..m−1]`) for its
 * ascending eigenvalues `w`, which the QL iteration left at `positions`: inverse iteration, checked;
 * if the check fails, the QL rotations of the block are replayed instead.
 */
function blockVectors(
  m: number,
  d: Float64Array,
  e: Float64Array,
  w: number[],
  positions: number[],
  rng: Rng,
  method: 'auto' | 'inverse-iteration' | 'replay',
): Float64Array {
  if (m === 1) return new Float64Array(w.length).fill(1);
  if (method === 'replay') return replayVectors(m, d, e, positions);
  let tnorm = 0;
  for (let i = 0; i < m; i++) {
    const left = i > 0 ? Math.abs(e[i]!) : 0;
    const right = i < m - 1 ? Math.abs(e[i + 1]!) : 0;
    tnorm = Math.max(tnorm, Math.abs(d[i]!) + left + right);
  }
  const Z = inverseIteration(m, d, e, w, rng);
  if (method === 'inverse-iteration') return Z;
  const tol = tolFactor(m) * EPS;
  if (checkTridiagonalVectors(m, d, e, w, Z, tnorm, tol * tnorm, tol)) return Z;
  return replayVectors(m, d, e, positions);
}

/**
 * The QL iteration of the block rerun (bit for bit as when its eigenvalues were computed) with its
 * rotations recorded, then replayed in reverse on the unit vectors of `positions`: `k×m`, one
 * eigenvector per row.
 */
function replayVectors(
  m: number,
  d: Float64Array,
  e: Float64Array,
  positions: number[],
): Float64Array {
  let rc = new Float64Array(1024);
  let rs = new Float64Array(1024);
  let ri = new Int32Array(1024);
  let count = 0;
  implicitQl(m, d.slice(), e.slice(), (i, c, s) => {
    if (count === ri.length) {
      const grow = <T extends Float64Array | Int32Array>(x: T): T => {
        const y = new (x.constructor as new (len: number) => T)(x.length * 2);
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
  });
  const k = positions.length;
  const X = new Float64Array(m * k); // m×k: the rotations mix rows
  positions.forEach((p, t) => {
    X[p * k + t] = 1;
  });
  // x ← G x with (Gx)_i = c x_i + s x_{i+1}, (Gx)_{i+1} = −s x_i + c x_{i+1}, last rotation first
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
  const Z = new Float64Array(k * m);
  for (let t = 0; t < k; t++) for (let r = 0; r < m; r++) Z[t * m + r] = X[r * k + t]!;
  return Z;
}

/**
 * {@link backTransform} with the WebAssembly `bt` kernel: the reflectors are copied in pairs
 * (zero-padded, with a table of scales) and applied in one call, each group of four vectors taking
 * all pairs in turn; false when WebAssembly SIMD is unavailable.
 */
function backTransformWasm(
  n: number,
  H: Float64Array,
  hs: Float64Array,
  Y: Float64Array,
  kk: number,
): boolean {
  // memory: Y (groups·VECS rows of ld), then per pair its table entry and two padded vectors
  const ld = n + (n & 1);
  const groups = Math.ceil(kk / VECS);
  const pairs = n >> 1; // pair p holds reflectors 2p+1 and 2p+2 (the latter < n or void)
  let vecWords = 0;
  for (let p = 0; p < pairs; p++) vecWords += 2 * pairLength(p, n);
  const metaAt = groups * VECS * ld;
  const vecAt = metaAt + pairs * BT_META;
  const bytes = (vecAt + vecWords) * 8;
  // large jobs share the vector groups with a worker thread (each group is independent)
  const team = n * n * kk >= TEAM_WORK ? wasmTeam(bytes) : null;
  const ws = team ? team.ws : wasmWorkspace(bytes);
  if (!ws) return false;
  const b = team ? TEAM_BASE / 8 : 0; // the layout starts at float64 b of the memory
  const mem = new Float64Array(ws.buffer, b * 8, vecAt + vecWords);
  for (let t = 0; t < kk; t++) mem.set(Y.subarray(t * n, t * n + n), t * ld);
  let at = vecAt;
  let used = 0;
  for (let p = 0; p < pairs; p++) {
    const m = 2 * p + 1;
    const len = pairLength(p, n);
    const h1 = hs[m]!;
    const h2 = m + 1 < n ? hs[m + 1]! : 0;
    if (h1 === 0 && h2 === 0) continue;
    const u1 = at;
    const u2 = at + len;
    if (h1 !== 0) mem.set(H.subarray(m * n, m * n + m), u1);
    if (h2 !== 0) mem.set(H.subarray((m + 1) * n, (m + 1) * n + m + 1), u2);
    let c = 0;
    for (let r = 0; r < m; r++) c += mem[u2 + r]! * mem[u1 + r]!;
    const o = metaAt + used * BT_META;
    mem[o] = (b + u1) * 8;
    mem[o + 1] = (b + u2) * 8;
    mem[o + 2] = len * 8;
    mem[o + 3] = h1 !== 0 ? 1 / h1 : 0;
    mem[o + 4] = h2 !== 0 ? 1 / h2 : 0;
    mem[o + 5] = c;
    at += 2 * len;
    used++;
  }
  const meta = (b + metaAt) * 8;
  try {
    if (team) {
      const jobs: number[][][] = [];
      for (let g0 = 0; g0 < groups; g0 += TEAM_GROUPS)
        jobs.push([
          [BT, (b + g0 * VECS * ld) * 8, ld * 8, Math.min(TEAM_GROUPS, groups - g0), meta, used],
        ]);
      team.kernel.run(jobs, (calls) => {
        for (const c of calls) ws.bt(c[1]!, c[2]!, c[3]!, c[4]!, c[5]!);
      });
    } else ws.bt(b * 8, ld * 8, groups, meta, used);
    for (let t = 0; t < kk; t++) Y.set(mem.subarray(t * ld, t * ld + n), t * n);
  } finally {
    team?.release(); // only after the copy: the memory may be handed out again
  }
  return true;
}

/** `n²·k` from which the back-transform shares its vector groups with a worker (≈3 ms of work). */
const TEAM_WORK = 1 << 24;
/** Vector groups per job of the shared back-transform. */
const TEAM_GROUPS = 3;
/** Index of the `bt` function among the kernels' exports. */
const BT = 1;

/** Entries of reflector pair p's padded vectors: reflector 2p+2 has 2p+2 entries, rounded to even. */
function pairLength(p: number, n: number): number {
  const m = 2 * p + 1;
  const len = m + 1 < n ? m + 1 : m;
  return len + (len & 1);
}

/**
 * `Y ← Q Y` for the `kk` full-length vectors in the rows of `Y`, `Q = P_{n−1} ⋯ P_1` from
 * householderReduce (P_1 applied first). Row r is zero before coordinate `first[r]`, so reflectors
 * acting on coordinates below it are skipped. Four vectors share each pass over a reflector.
 */
function backTransform(
  n: number,
  H: Float64Array,
  hs: Float64Array,
  Y: Float64Array,
  kk: number,
  first: Int32Array,
): void {
  for (let t0 = 0; t0 < kk; t0 += 4) {
    const cnt = Math.min(4, kk - t0);
    let from = n;
    for (let t = t0; t < t0 + cnt; t++) from = Math.min(from, first[t]!);
    const y0 = t0 * n;
    const y1 = y0 + (cnt > 1 ? n : 0);
    const y2 = y0 + (cnt > 2 ? 2 * n : 0);
    const y3 = y0 + (cnt > 3 ? 3 * n : 0);
    for (let m = from + 1; m < n; m++) {
      const h = hs[m]!;
      if (h === 0) continue;
      const uo = m * n;
      let g0 = 0;
      let g1 = 0;
      let g2 = 0;
      let g3 = 0;
      for (let r = 0; r < m; r++) {
        const u = H[uo + r]!;
        g0 += u * Y[y0 + r]!;
        g1 += u * Y[y1 + r]!;
        g2 += u * Y[y2 + r]!;
        g3 += u * Y[y3 + r]!;
      }
      g0 /= h;
      g1 /= h;
      g2 /= h;
      g3 /= h;
      // rows beyond cnt alias row t0 and are written last-to-first with their own g: skip them
      if (cnt === 4) {
        for (let r = 0; r < m; r++) {
          const u = H[uo + r]!;
          Y[y0 + r] = Y[y0 + r]! - g0 * u;
          Y[y1 + r] = Y[y1 + r]! - g1 * u;
          Y[y2 + r] = Y[y2 + r]! - g2 * u;
          Y[y3 + r] = Y[y3 + r]! - g3 * u;
        }
      } else {
        const g = [g0, g1, g2];
        for (let t = 0; t < cnt; t++) {
          const yo = y0 + t * n;
          const gt = g[t]!;
          for (let r = 0; r < m; r++) Y[yo + r] = Y[yo + r]! - gt * H[uo + r]!;
        }
      }
    }
  }
}
