import {
  InvalidArgumentError,
  NonFiniteError,
  ShapeMismatchError,
  countNonFinite,
} from '@nidkit/core';
import type { Tensor } from '@nidkit/core';
import { neuronGramSpectrum } from './neuron-gram.js';
import { checkBasis } from './realization-cost.js';
import { fixedPositions } from './structure.js';

/**
 * Leverage scores of a basis: `ℓ_r = Σ_c U_rc²` for each row r of U (`[d, k]`).
 * @param U - `[d, k]` matrix (orthonormal columns for the usual meaning)
 * @returns `[d]` leverage scores (float64)
 * @throws InvalidArgumentError when U is not 2-d
 * @throws NonFiniteError for NaN/Inf entries
 */
export function leverageScores(U: Tensor): Float64Array {
  if (U.shape.length !== 2) {
    throw new InvalidArgumentError(
      `leverageScores: U must be 2-d [d, k] — expected 2 dimensions, got shape [${U.shape.join(', ')}]`,
    );
  }
  const bad = countNonFinite(U.data);
  if (bad > 0) throw new NonFiniteError('leverageScores: U', bad);
  const d = U.shape[0]!;
  const k = U.shape[1]!;
  const out = new Float64Array(d);
  for (let r = 0; r < d; r++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += U.data[r * k + c]! * U.data[r * k + c]!;
    out[r] = s;
  }
  return out;
}

/**
 * Coherence of a subspace, `ν(U) = max_r Σ_c U_rc²` (the largest leverage score; the paper's
 * coherence ν). For orthonormal U: `k/d ≤ ν ≤ 1`, ν = 1 iff the subspace contains a coordinate
 * axis, and ν is invariant under `U → UQ` for orthogonal Q.
 * @param U - `[d, k]` basis with orthonormal columns
 * @returns ν
 * @throws InvalidArgumentError when U is not 2-d or has no rows
 * @throws NonFiniteError for NaN/Inf entries
 */
export function coherence(U: Tensor): number {
  const lev = leverageScores(U);
  if (lev.length === 0)
    throw new InvalidArgumentError('coherence: U has no rows — expected d ≥ 1, got 0');
  let m = 0;
  for (const l of lev) m = Math.max(m, l);
  return m;
}

/** Per-neuron anisotropy of a masked layer's input subspace (function-class.md §3). */
export interface Anisotropy {
  /** `‖S_i − pI‖₂` per neuron. */
  readonly perNeuron: Float64Array;
  /** Mean over neurons. */
  readonly mean: number;
  /** Fraction of trainable entries `p = mean(D)`. */
  readonly p: number;
}

/**
 * Anisotropy of each neuron's trainable coordinates within the subspace: `S_i = Uᵀ diag(D_i) U`
 * (k×k) and `p = mean(D)`; the anisotropy of neuron i is the spectral norm `‖S_i − pI‖₂ =
 * max_t |λ_t(S_i) − p|`. Without a mask (dense or syre layers) `S_i = I`, `p = 1` and every
 * anisotropy is 0. The spectrum is computed from `U_Fi U_Fiᵀ` (fixed rows) when that is smaller.
 * @param U - orthonormal basis `[d, k]` of the layer's input subspace
 * @param mask - D `[n, d]` with entries 0/1, or null for a layer without mask
 * @param n - number of neurons when `mask` is null (default 0)
 * @returns per-neuron anisotropy, its mean and p
 * @throws ShapeMismatchError when the mask's columns differ from U's rows
 * @throws InvalidArgumentError for a non-orthonormal U or mask entries other than 0/1
 */
export function anisotropy(U: Tensor, mask: Tensor | null, n = 0): Anisotropy {
  const where = 'anisotropy';
  const [d, k] = checkBasis(where, U);
  if (!mask) return { perNeuron: new Float64Array(n), mean: 0, p: 1 };
  if (mask.shape.length !== 2 || mask.shape[1] !== d) {
    throw new ShapeMismatchError(
      where,
      [mask.shape[0] ?? 0, d],
      mask.shape,
      'mask columns do not match the subspace dimension d',
    );
  }
  const rows = mask.shape[0]!;
  let ones = 0;
  for (let i = 0; i < mask.data.length; i++) {
    const x = mask.data[i]!;
    if (x !== 0 && x !== 1)
      throw new InvalidArgumentError(
        `${where}: mask entries must be 0 or 1 — expected 0/1 at flat index ${i}, got ${x}`,
      );
    ones += x;
  }
  const p = mask.data.length === 0 ? 1 : ones / mask.data.length;
  const u = U.data instanceof Float64Array ? U.data : Float64Array.from(U.data);
  const positions = fixedPositions(mask, rows, d);
  const per = new Float64Array(rows);
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    const spec = neuronGramSpectrum(u, k, positions[i]!);
    let worst = 0;
    for (const l of spec) worst = Math.max(worst, Math.abs(l - p));
    per[i] = worst;
    sum += worst;
  }
  return { perNeuron: per, mean: rows === 0 ? 0 : sum / rows, p };
}

/** The default δ grid of the matrix-Bernstein bound. */
export const DEFAULT_DELTAS: readonly number[] = [0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001];

/** Options of {@link anisotropyBounds}. */
export interface AnisotropyBoundOptions {
  /** Failure probabilities δ (default 0.2 … 0.001). */
  readonly deltas?: readonly number[];
  /**
   * The bound `b` on `|d_ir − p|`: `'max'` uses `max(p, 1 − p)` (nidkit, valid for every p);
   * `'reference'` uses `b = p` as the reference implementation (too small when p < ½).
   */
  readonly anisotropyB?: 'max' | 'reference';
}

/**
 * Matrix-Bernstein bound on the anisotropy `‖S_i − pI‖₂` for masks with i.i.d. Bernoulli(p)
 * entries (function-class.md §3): for each δ,
 * `bound(δ) = (2/3)·b·ν·ln(2k/δ) + σ·sqrt(ν)·sqrt(2·ln(2k/δ))`, `σ = sqrt(p(1−p))`,
 * holding with probability ≥ 1 − δ. Dense layers (p = 1) give 0.
 * Example: p = 0.875, ν = 0.2, k = 10, δ = 0.1 → 1.09959.
 * @param p - trainable fraction in [0, 1]
 * @param nu - coherence ν of the subspace, in [0, 1]
 * @param k - subspace dimension (≥ 1)
 * @param options - δ grid and the choice of b
 * @returns `{ "δ": bound }` keyed by `String(δ)`
 * @throws InvalidArgumentError for p, ν or δ outside their ranges or a bad k
 */
export function anisotropyBounds(
  p: number,
  nu: number,
  k: number,
  options: AnisotropyBoundOptions = {},
): Record<string, number> {
  const where = 'anisotropyBounds';
  if (!(p >= 0 && p <= 1))
    throw new InvalidArgumentError(`${where}: invalid p — expected 0 ≤ p ≤ 1, got ${p}`);
  if (!(nu >= 0 && nu <= 1))
    throw new InvalidArgumentError(`${where}: invalid coherence — expected 0 ≤ ν ≤ 1, got ${nu}`);
  if (!Number.isSafeInteger(k) || k < 1)
    throw new InvalidArgumentError(`${where}: invalid k — expected an integer ≥ 1, got ${k}`);
  const deltas = options.deltas ?? DEFAULT_DELTAS;
  const b = options.anisotropyB === 'reference' ? p : Math.max(p, 1 - p);
  const sigma = Math.sqrt(p * (1 - p));
  const dense = p === 1;
  const out: Record<string, number> = {};
  for (const delta of deltas) {
    if (!(delta > 0 && delta < 1))
      throw new InvalidArgumentError(`${where}: invalid δ — expected 0 < δ < 1, got ${delta}`);
    const L = Math.log((2 * k) / delta);
    out[String(delta)] = dense
      ? 0
      : (2 / 3) * b * nu * L + sigma * Math.sqrt(nu) * Math.sqrt(2 * L);
  }
  return out;
}
