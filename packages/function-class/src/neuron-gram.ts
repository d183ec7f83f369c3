import { choleskyInPlace, lowerInverse } from './linalg/small.js';
import { symmetricEigen } from './linalg/symmetric-eigen.js';

/** ε of float32, 2^−23: the pseudo-inverse cutoff is `rtol = k·ε_f32` by default (PyTorch's default). */
export const FLOAT32_EPSILON = 2 ** -23;

/**
 * `G = U[idx, :]` (`m×k`), the rows of U at the fixed positions of one neuron.
 * @internal
 */
export function gatherRows(U: Float64Array, k: number, idx: Int32Array): Float64Array {
  const m = idx.length;
  const g = new Float64Array(m * k);
  for (let t = 0; t < m; t++) g.set(U.subarray(idx[t]! * k, idx[t]! * k + k), t * k);
  return g;
}

/** `G·Gᵀ` (`m×m`) for row-major `G` (`m×k`). @internal */
export function gramRows(g: Float64Array, m: number, k: number): Float64Array {
  const h = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    const ra = a * k;
    for (let b = a; b < m; b++) {
      const rb = b * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += g[ra + p]! * g[rb + p]!;
      h[a * m + b] = s;
      h[b * m + a] = s;
    }
  }
  return h;
}

/** `H[a, b] = uut[idx_a, idx_b]`: the rows and columns `idx` of a `d×d` matrix. @internal */
export function gatherSquare(uut: Float64Array, d: number, idx: Int32Array): Float64Array {
  const m = idx.length;
  const h = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    const ra = idx[a]! * d;
    for (let b = 0; b < m; b++) h[a * m + b] = uut[ra + idx[b]!]!;
  }
  return h;
}

/** The positions of 0..d−1 that are not in the sorted list `idx` (the trainable coordinates). @internal */
export function complementIndices(idx: Int32Array, d: number): Int32Array {
  const out = new Int32Array(d - idx.length);
  let o = 0;
  let p = 0;
  for (let r = 0; r < d; r++) {
    if (p < idx.length && idx[p] === r) p++;
    else out[o++] = r;
  }
  return out;
}

/** `GᵀG` (`k×k`) for row-major `G` (`t×k`). @internal */
export function gramColumns(g: Float64Array, t: number, k: number): Float64Array {
  const s = new Float64Array(k * k);
  for (let r = 0; r < t; r++) {
    const rr = r * k;
    for (let a = 0; a < k; a++) {
      const ga = g[rr + a]!;
      if (ga === 0) continue;
      const ra = a * k;
      for (let b = a; b < k; b++) s[ra + b] = s[ra + b]! + ga * g[rr + b]!;
    }
  }
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) s[b * k + a] = s[a * k + b]!;
  return s;
}

/**
 * `S_i` as a k×k matrix when `m ≥ k`: `I − U_FᵀU_F`, or directly `U_TᵀU_T` over the trainable rows
 * when there are fewer of those (cheaper, and exact when S_i is tiny: no cancellation against I). @internal
 */
export function neuronGramMatrix(
  U: Float64Array,
  k: number,
  idx: Int32Array,
  g: Float64Array,
): Float64Array {
  const d = U.length / k;
  const m = idx.length;
  if (d - m < m) {
    const trainable = complementIndices(idx, d);
    return gramColumns(gatherRows(U, k, trainable), trainable.length, k);
  }
  return complementGram(g, m, k);
}

/** `S = I_k − GᵀG` (`k×k`) for row-major `G` (`m×k`). @internal */
export function complementGram(g: Float64Array, m: number, k: number): Float64Array {
  const s = new Float64Array(k * k);
  for (let t = 0; t < m; t++) {
    const rt = t * k;
    for (let a = 0; a < k; a++) {
      const ga = g[rt + a]!;
      if (ga === 0) continue;
      const ra = a * k;
      for (let b = a; b < k; b++) s[ra + b] = s[ra + b]! - ga * g[rt + b]!;
    }
  }
  for (let a = 0; a < k; a++) {
    s[a * k + a] = s[a * k + a]! + 1;
    for (let b = a + 1; b < k; b++) s[b * k + a] = s[a * k + b]!;
  }
  return s;
}

/**
 * Eigenvalues of `S_i = Uᵀ diag(D_i) U = I − GᵀG` (ascending), via the `m×m` matrix `GGᵀ` when
 * `m < k` (the other `k − m` eigenvalues equal 1). @internal
 */
export function neuronGramSpectrum(U: Float64Array, k: number, idx: Int32Array): Float64Array {
  const m = idx.length;
  if (m === 0) return new Float64Array(k).fill(1);
  const g = gatherRows(U, k, idx);
  if (m < k) {
    const s = symmetricEigen(gramRows(g, m, k), m, false).values;
    const out = new Float64Array(k).fill(1);
    for (let t = 0; t < m; t++) out[t] = 1 - s[m - 1 - t]!;
    return out.sort();
  }
  return symmetricEigen(neuronGramMatrix(U, k, idx, g), k, false).values;
}

/**
 * A factorization of one neuron's `S_i⁺` that evaluates `M_ij = eᵀ S_i⁺ e` for many `e`.
 * With `g = G e`: low-rank forms give `‖e‖² + Σ_t w_t (v_tᵀ g)²` (or `‖e‖² + ‖L⁻¹g‖²`);
 * the full form gives `Σ_t (q_tᵀ e)² / λ_t` over the kept eigenpairs of S_i. @internal
 */
export type PseudoInverse =
  | { readonly kind: 'identity' }
  | {
      readonly kind: 'cholesky';
      readonly m: number;
      readonly L: Float64Array;
      /** `L⁻¹`, lower triangular: `‖L⁻¹g‖² = gᵀ(I − GGᵀ)⁻¹g`. */
      readonly Linv: Float64Array;
    }
  | {
      readonly kind: 'lowrank';
      readonly m: number;
      readonly V: Float64Array;
      readonly w: Float64Array;
    }
  | {
      readonly kind: 'full';
      readonly Q: Float64Array;
      readonly inv: Float64Array;
      readonly kept: number;
      readonly dropped: number;
    };

/**
 * Builds the pseudo-inverse representation of `S_i = I − GᵀG` with cutoff `rtol·λ_max(S_i)`.
 * `dropped` counts eigenvalues at or below the cutoff (a rank-deficient S_i). @internal
 */
export function neuronPseudoInverse(
  U: Float64Array,
  k: number,
  idx: Int32Array,
  rtol: number,
  uut?: Float64Array,
): { pinv: PseudoInverse; g: Float64Array; dropped: number } {
  const m = idx.length;
  if (m === 0) return { pinv: { kind: 'identity' }, g: new Float64Array(0), dropped: 0 };
  const g = gatherRows(U, k, idx);
  if (m < k) {
    // eigenvalues of S: 1 − s_t (s_t eigenvalues of H = GGᵀ) and 1 (k − m times), so λ_max = 1
    const h = uut ? gatherSquare(uut, U.length / k, idx) : gramRows(g, m, k);
    const c = new Float64Array(m * m);
    for (let a = 0; a < m * m; a++) c[a] = -h[a]!;
    for (let a = 0; a < m; a++) c[a * m + a] = c[a * m + a]! + 1;
    // fast path: Cholesky of I − H, certified full rank by λ_min ≥ 1/trace((I−H)⁻¹) > rtol
    if (choleskyInPlace(c, m)) {
      const Linv = lowerInverse(c, m);
      let trace = 0; // trace((I−H)⁻¹) = ‖L⁻¹‖_F²
      for (let a = 0; a < m * m; a++) trace += Linv[a]! * Linv[a]!;
      if (1 / trace > rtol) return { pinv: { kind: 'cholesky', m, L: c, Linv }, g, dropped: 0 };
    }
    const eig = symmetricEigen(h, m, true);
    const w = new Float64Array(m);
    let dropped = 0;
    for (let t = 0; t < m; t++) {
      const s = eig.values[t]!;
      if (1 - s > rtol) w[t] = 1 / (1 - s);
      else {
        w[t] = -1 / s;
        dropped++;
      }
    }
    return { pinv: { kind: 'lowrank', m, V: eig.vectors, w }, g, dropped };
  }
  const S = neuronGramMatrix(U, k, idx, g);
  const eig = symmetricEigen(S, k, true);
  const lmax = eig.values[k - 1]!;
  const cut = rtol * lmax;
  let kept = 0;
  for (let t = 0; t < k; t++) if (eig.values[t]! > cut) kept++;
  const Q = new Float64Array(kept * k);
  const inv = new Float64Array(kept);
  let o = 0;
  for (let t = 0; t < k; t++) {
    if (eig.values[t]! > cut) {
      Q.set(eig.vectors.subarray(t * k, t * k + k), o * k);
      inv[o] = 1 / eig.values[t]!;
      o++;
    }
  }
  return { pinv: { kind: 'full', Q, inv, kept, dropped: k - kept }, g, dropped: k - kept };
}
