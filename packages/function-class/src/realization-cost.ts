import {
  InvalidArgumentError,
  NonFiniteError,
  countNonFinite,
  tensor,
  transpose2d,
} from '@nidkit/core';
import type { Tensor } from '@nidkit/core';
import { CrossProduct } from '@nidkit/core/kernels';
import { crossProductOf, matmulOf } from './linalg/gemm.js';
import { FLOAT32_EPSILON, neuronPseudoInverse } from './neuron-gram.js';
import type { LayerStructure } from './structure.js';
import { checkStructure, fixedPositions } from './structure.js';

/** Options of {@link realizationCosts}. */
export interface RealizationCostOptions {
  /**
   * Relative pseudo-inverse cutoff: eigenvalues of `S_i` at or below `rtol·λ_max(S_i)` are
   * dropped. Default `k·ε_f32` (`ε_f32 = 2^−23`), PyTorch's default for float32, as in the reference.
   */
  readonly rtol?: number;
}

/** Realization and swap costs of one layer on a subspace (function-class.md §4–§5). */
export interface RealizationCosts {
  /** Realization cost `M` `[n, n]`: `M_ij = (a_j − v_i)ᵀ S_i⁺ (a_j − v_i)`. */
  readonly M: Tensor<Float64Array>;
  /** Swap cost `T` `[n, n]`: `T_ij = M_ij + M_ji − M_ii − M_jj`. */
  readonly T: Tensor<Float64Array>;
  /** Projected centre distances `‖v_i − v_j‖₂` `[n, n]`. */
  readonly centreDistances: Tensor<Float64Array>;
  /** Induced coefficients `a_j = Uᵀ w_j` as rows, `[n, k]`. */
  readonly a: Tensor<Float64Array>;
  /** Projected centres `v_i = Uᵀ f_i` as rows, `[n, k]`. */
  readonly v: Tensor<Float64Array>;
  /** The relative cutoff used. */
  readonly rtol: number;
  /** Per neuron: eigenvalues of `S_i` dropped by the cutoff (0 = S_i invertible). */
  readonly droppedEigenvalues: Int32Array;
}

/**
 * Checks that U is a finite `[d, k]` matrix with orthonormal columns (`‖UᵀU − I‖_max ≤ 1e−6`).
 * @returns `[d, k]`
 */
export function checkBasis(where: string, U: Tensor): [number, number] {
  if (U.shape.length !== 2) {
    throw new InvalidArgumentError(
      `${where}: U must be 2-d [d, k] — expected 2 dimensions, got shape [${U.shape.join(', ')}]`,
    );
  }
  const d = U.shape[0]!;
  const k = U.shape[1]!;
  if (k < 1 || k > d)
    throw new InvalidArgumentError(
      `${where}: U must have 1 ≤ k ≤ d columns — expected k in 1..${d}, got ${k}`,
    );
  const bad = countNonFinite(U.data);
  if (bad > 0) throw new NonFiniteError(`${where}: U`, bad);
  // UᵀU on core's kernel (no JavaScript loop to warm up: this runs once per layer)
  const u = U.data instanceof Float64Array ? U.data : Float64Array.from(U.data);
  const utu = crossProductOf(u, u, d, k, k);
  let worst = 0;
  for (let a = 0; a < k; a++)
    for (let b = a; b < k; b++)
      worst = Math.max(worst, Math.abs(utu[a * k + b]! - (a === b ? 1 : 0)));
  if (worst > 1e-6) {
    throw new InvalidArgumentError(
      `${where}: U must have orthonormal columns — expected ‖UᵀU − I‖_max ≤ 1e-6, got ${worst}`,
    );
  }
  return [d, k];
}

/** `X·U` for `X` (`n×d`) and `U` (`d×k`), row-major. */
/** The transpose (`c×r`) of a row-major `r×c` matrix. */
const transpose = (x: Float64Array, r: number, c: number): Float64Array =>
  transpose2d(tensor(x, [r, c])).data;

/**
 * Realization cost matrix, swap costs and projected centre distances of a layer on the subspace
 * U (function-class.md §4–§5; the paper's realization cost `M_ij` and swap cost Δ_(ij)).
 *
 * With `a_j = Uᵀ w_j`, `v_i = Uᵀ f_i` and `S_i = Uᵀ diag(D_i) U = I − U_FiᵀU_Fi` (U_Fi: the rows of
 * U at neuron i's fixed positions), `M_ij = (a_j − v_i)ᵀ S_i⁺ (a_j − v_i)` is the minimal squared
 * norm of trainable weights with which neuron i realizes neuron j's function on the subspace.
 * Components outside range(S_i) are dropped by the pseudo-inverse, whose cutoff is
 * `rtol·λ_max(S_i)` (eigenvalues at or below it are not inverted; default `rtol = k·2^−23`).
 * Computed row by row; when neuron i has `m < k` fixed positions, through the `m×m` matrix
 * `U_Fi U_Fiᵀ` (a Cholesky factor when S_i is certified invertible, an eigendecomposition
 * otherwise). Rounding residue below 0 is clamped to 0, so M ≥ 0.
 * `T_ij = M_ij + M_ji − M_ii − M_jj` (symmetric, zero diagonal, may be negative).
 *
 * @param U - orthonormal basis `[d, k]` (e.g. {@link estimateSubspace}'s U)
 * @param structure - effective weights, mask D and fixed part F (`[n, d]` each; see {@link layerStructure})
 * @param options - pseudo-inverse cutoff
 * @returns M, T, centre distances, a, v, the cutoff and the per-neuron count of dropped eigenvalues
 * @throws ShapeMismatchError when the structure's columns differ from U's rows
 * @throws InvalidArgumentError for a U without orthonormal columns, a mask that is not 0/1 or a bad rtol
 * @throws NonFiniteError for NaN/Inf in U or the structure
 */
export function realizationCosts(
  U: Tensor,
  structure: LayerStructure,
  options: RealizationCostOptions = {},
): RealizationCosts {
  const where = 'realizationCosts';
  const [d, k] = checkBasis(where, U);
  const n = checkStructure(where, structure, d);
  const rtol = options.rtol ?? k * FLOAT32_EPSILON;
  if (!(rtol >= 0 && rtol < 1))
    throw new InvalidArgumentError(`${where}: invalid rtol — expected 0 ≤ rtol < 1, got ${rtol}`);
  const u = U.data instanceof Float64Array ? U.data : Float64Array.from(U.data);
  const a = matmulOf(structure.weight.data, u, n, d, k);
  const v = structure.fixed ? matmulOf(structure.fixed.data, u, n, d, k) : new Float64Array(n * k);
  const positions = fixedPositions(structure.mask, n, d);
  const anyFixed = positions.some((p) => p.length > 0);
  // Zt = U·Aᵀ (d×n): column j is U a_j (the projection of w_j), so G a_j = Zt[idx, j] with
  // contiguous rows; At = Aᵀ (k×n) for the full route. All work per neuron i runs on rows of
  // length n (independent multiply-adds), so the inner loops vectorize well.
  let zt: Float64Array | null = null;
  // UUᵀ (d×d): the Gram matrix GGᵀ of any neuron's fixed rows is a gather from it
  let uut: Float64Array | undefined;
  if (anyFixed) {
    const ut = transpose(u, d, k);
    zt = crossProductOf(ut, transpose(a, n, k), k, d, n);
    if (positions.some((p) => p.length > 0 && p.length < k)) uut = crossProductOf(ut, ut, k, d, d);
  }
  // Z = L⁻¹Y per neuron (Cholesky route) as a product on core's kernel, one per fixed count m.
  // The product of neuron i runs on the worker threads (CrossProduct.submit) while this thread
  // prepares neuron i+1; row i of M is completed when the product is collected.
  const M = new Float64Array(n * n);
  const dropped = new Int32Array(n);
  const solvers = new Map<number, CrossProduct>();
  type Pending = { row: number; m: number; solver: CrossProduct; acc: Float64Array };
  let pending = null as Pending | null;
  /** Row `row` of M from its sums (rounding residue below 0 clamped to 0). */
  const storeRow = (row: number, sum: Float64Array): void => {
    for (let j = 0; j < n; j++) M[row + j] = sum[j]! > 0 ? sum[j]! : 0;
  };
  const collect = (): void => {
    if (!pending) return;
    const { row, m, solver, acc: sum } = pending;
    pending = null;
    const Z = solver.result();
    for (let t = 0; t < m; t++) {
      const zt0 = t * n;
      for (let j = 0; j < n; j++) sum[j] = sum[j]! + Z[zt0 + j]! * Z[zt0 + j]!;
    }
    storeRow(row, sum);
  };
  let at: Float64Array | null = null;
  let Y = new Float64Array(0);
  // two accumulators, alternating: neuron i's row is summed while an earlier neuron's product may
  // still be pending (collected first if it holds the accumulator neuron i is about to use)
  const accs = [new Float64Array(n), new Float64Array(n)] as const;
  try {
    for (let i = 0; i < n; i++) {
      const acc = accs[i & 1]!;
      if (pending?.acc === acc) collect();
      const idx = positions[i]!;
      const m = idx.length;
      const vi = i * k;
      const { pinv, g, dropped: dr } = neuronPseudoInverse(u, k, idx, rtol, uut);
      dropped[i] = dr;
      const row = i * n;
      if (pinv.kind === 'full') {
        if (!at) {
          at = new Float64Array(k * n);
          for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) at[c * n + j] = a[j * k + c]!;
        }
        // y_t = q_t·(a_j − v_i) = Σ_c Q[t,c]·At[c,j] − q_t·v_i;  M_ij = Σ_t y_t² / λ_t
        acc.fill(0);
        const y = new Float64Array(n);
        for (let t = 0; t < pinv.kept; t++) {
          const qt = t * k;
          let qv = 0;
          for (let c = 0; c < k; c++) qv += pinv.Q[qt + c]! * v[vi + c]!;
          y.fill(-qv);
          for (let c = 0; c < k; c++) {
            const q = pinv.Q[qt + c]!;
            if (q === 0) continue;
            const ac = c * n;
            for (let j = 0; j < n; j++) y[j] = y[j]! + q * at[ac + j]!;
          }
          const inv = pinv.inv[t]!;
          for (let j = 0; j < n; j++) acc[j] = acc[j]! + inv * y[j]! * y[j]!;
        }
        storeRow(row, acc);
        continue;
      }
      // ‖a_j − v_i‖²
      for (let j = 0; j < n; j++) {
        const aj = j * k;
        let ee = 0;
        for (let c = 0; c < k; c++) {
          const t = a[aj + c]! - v[vi + c]!;
          ee += t * t;
        }
        acc[j] = ee;
      }
      if (pinv.kind !== 'identity') {
        // rows of Gz (m×n): g_j = G a_j − G v_i = Zt[idx[t], j] − (G v_i)_t
        if (Y.length < m * n) Y = new Float64Array(m * n);
        for (let t = 0; t < m; t++) {
          let gv = 0;
          for (let c = 0; c < k; c++) gv += g[t * k + c]! * v[vi + c]!;
          const src = idx[t]! * n;
          const dst = t * n;
          for (let j = 0; j < n; j++) Y[dst + j] = zt![src + j]! - gv;
        }
        if (pinv.kind === 'cholesky') {
          // Z = L⁻¹·Y (m×n) as (L⁻ᵀ)ᵀ·Y; M += ‖column of Z‖²
          let solver = solvers.get(m);
          if (!solver) {
            solver = new CrossProduct(m, n, { chunkRows: m });
            solvers.set(m, solver);
          }
          collect(); // the previous product (it may use this solver)
          solver.reset();
          solver.submit(transpose(pinv.Linv, m, m), null, Y.subarray(0, m * n), null, m);
          pending = { row, m, solver, acc };
          continue;
        } else {
          // M += Σ_t w_t (v_tᵀ g_j)²
          const z = new Float64Array(n);
          for (let t = 0; t < m; t++) {
            z.fill(0);
            const vt = t * m;
            for (let p = 0; p < m; p++) {
              const c = pinv.V[vt + p]!;
              if (c === 0) continue;
              const yp = p * n;
              for (let j = 0; j < n; j++) z[j] = z[j]! + c * Y[yp + j]!;
            }
            const w = pinv.w[t]!;
            for (let j = 0; j < n; j++) acc[j] = acc[j]! + w * z[j]! * z[j]!;
          }
        }
      }
      storeRow(row, acc);
    }
    collect();
  } finally {
    for (const solver of solvers.values()) solver.dispose();
  }
  const T = swapCostData(M, n);
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) {
        const t = v[i * k + c]! - v[j * k + c]!;
        s += t * t;
      }
      const dist = Math.sqrt(s);
      D[i * n + j] = dist;
      D[j * n + i] = dist;
    }
  }
  return {
    M: tensor(M, [n, n]),
    T: tensor(T, [n, n]),
    centreDistances: tensor(D, [n, n]),
    a: tensor(a, [n, k]),
    v: tensor(v, [n, k]),
    rtol,
    droppedEigenvalues: dropped,
  };
}

function swapCostData(M: ArrayLike<number>, n: number): Float64Array {
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      // (M_ij − M_ii) + (M_ji − M_jj): the differences first, so that M_ij = c_j (a dense layer)
      // gives T = (c_j − c_i) + (c_i − c_j) = 0 exactly, and cancellation is confined to each pair
      const t = M[i * n + j]! - M[i * n + i]! + (M[j * n + i]! - M[j * n + j]!);
      T[i * n + j] = t;
      T[j * n + i] = t;
    }
  }
  return T;
}

/**
 * Swap costs from a square cost matrix: `T_ij = M_ij + M_ji − M_ii − M_jj` (the paper's Δ_(ij)),
 * symmetric with zero diagonal. Also the post-processing of the ridge grid (`R` in place of M).
 * @param M - square `[n, n]` cost matrix
 * @returns T `[n, n]` (float64)
 * @throws InvalidArgumentError when M is not square
 * @throws NonFiniteError when M contains NaN/Inf
 */
export function swapCosts(M: Tensor): Tensor<Float64Array> {
  if (M.shape.length !== 2 || M.shape[0] !== M.shape[1]) {
    throw new InvalidArgumentError(
      `swapCosts: M must be square — expected [n, n], got [${M.shape.join(', ')}]`,
    );
  }
  const bad = countNonFinite(M.data);
  if (bad > 0) throw new NonFiniteError('swapCosts: M', bad);
  const n = M.shape[0]!;
  return tensor(swapCostData(M.data, n), [n, n]);
}

/** Elementwise signed square root `sign(x)·sqrt|x|`, the display scale of swap costs. */
export function signedSqrt(x: Tensor): Tensor<Float64Array> {
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const t = x.data[i]!;
    out[i] = t < 0 ? -Math.sqrt(-t) : Math.sqrt(t);
  }
  return tensor(out, x.shape);
}

/** Default quantile levels of {@link swapCostSummary}. */
export const DEFAULT_QUANTILES: readonly number[] = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1];

/** Summary of the off-diagonal swap costs of a layer. */
export interface SwapCostSummary {
  /**
   * Fraction of off-diagonal entries with `T_ij < −tolerance` (swap cheaper than the current
   * assignment); entries within rounding of 0 are not counted.
   */
  readonly negativeFraction: number;
  /** Quantiles of the signed square root of the off-diagonal T (linear interpolation, as NumPy). */
  readonly signedSqrtQuantiles: { readonly q: number; readonly value: number }[];
  /** Number of off-diagonal entries summarized, n(n − 1). */
  readonly count: number;
}

/**
 * Linear-interpolation quantile of sorted values (NumPy's default `linear` method).
 * @param sorted - ascending values (non-empty)
 * @param q - level in [0, 1]
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  const f = pos - lo;
  return sorted[lo]! + f * (sorted[hi]! - sorted[lo]!);
}

/**
 * Summaries of a swap-cost matrix (function-class.md §5): the fraction of negative off-diagonal
 * `T_ij` and the quantiles of `sign(T)·sqrt|T|` over the off-diagonal entries.
 * For n = 1 there are no off-diagonal entries: fraction 0 and no quantiles.
 * @param T - square `[n, n]` swap costs
 * @param quantiles - levels in [0, 1] (default 0, 0.05, 0.25, 0.5, 0.75, 0.95, 1)
 * @param options - `tolerance` (default 0): `T_ij` counts as negative only below `−tolerance`.
 *   Pass {@link swapCostTolerance}`(M)` for closed-form costs, so that float64 rounding of an
 *   exactly-zero T (dense layers) is not reported as negative.
 * @returns negative fraction, quantiles and count
 * @throws InvalidArgumentError for a non-square T, a level outside [0, 1] or a negative tolerance
 */
export function swapCostSummary(
  T: Tensor,
  quantiles: readonly number[] = DEFAULT_QUANTILES,
  options: { readonly tolerance?: number } = {},
): SwapCostSummary {
  const tolerance = options.tolerance ?? 0;
  if (!(tolerance >= 0)) {
    throw new InvalidArgumentError(
      `swapCostSummary: invalid tolerance — expected ≥ 0, got ${tolerance}`,
    );
  }
  if (T.shape.length !== 2 || T.shape[0] !== T.shape[1]) {
    throw new InvalidArgumentError(
      `swapCostSummary: T must be square — expected [n, n], got [${T.shape.join(', ')}]`,
    );
  }
  for (const q of quantiles) {
    if (!(q >= 0 && q <= 1))
      throw new InvalidArgumentError(
        `swapCostSummary: invalid quantile level — expected 0 ≤ q ≤ 1, got ${q}`,
      );
  }
  const n = T.shape[0]!;
  const vals = new Float64Array(n * (n - 1));
  let o = 0;
  let neg = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const t = T.data[i * n + j]!;
      if (t < -tolerance) neg++;
      vals[o++] = t < 0 ? -Math.sqrt(-t) : Math.sqrt(t);
    }
  }
  vals.sort();
  return {
    negativeFraction: vals.length === 0 ? 0 : neg / vals.length,
    signedSqrtQuantiles:
      vals.length === 0 ? [] : quantiles.map((q) => ({ q, value: quantileSorted(vals, q) })),
    count: vals.length,
  };
}

/**
 * The rounding tolerance of swap costs computed from realization costs `M`:
 * `1e−10 · max_ij |M_ij|` (T sums four entries of M, each exact to ~1e−15 relative in float64).
 * @param M - realization costs `[n, n]`
 * @returns the absolute tolerance for {@link swapCostSummary}
 */
export function swapCostTolerance(M: Tensor): number {
  let max = 0;
  for (const v of M.data) if (Math.abs(v) > max) max = Math.abs(v);
  return 1e-10 * max;
}
