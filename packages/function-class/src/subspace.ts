import { InvalidArgumentError, tensor } from '@nidkit/core';
import type { Tensor } from '@nidkit/core';
import { ZeroVarianceError } from './errors.js';
import { centredGram } from './linalg/covariance.js';
import { lazySymmetricEigen } from './linalg/top-eigen.js';

/** Options of {@link estimateSubspace}. */
export interface SubspaceOptions {
  /** Explained-variance threshold τ ∈ (0, 1] (default 0.9). */
  readonly tau?: number;
}

/** A principal subspace of a layer's inputs (function-class.md §2). */
export interface Subspace {
  /** Orthonormal basis `[d, k]` (float64, row-major): the top-k principal directions. */
  readonly U: Tensor<Float64Array>;
  /** Subspace dimension. */
  readonly k: number;
  /** Ambient dimension. */
  readonly d: number;
  /** Explained variance reached, `r_k = Σ_{s≤k} λ_s / Σ_s λ_s`. */
  readonly explainedVariance: number;
  /** The threshold τ used. */
  readonly tau: number;
  /** All eigenvalues of `XcᵀXc`, descending (negative rounding residue clamped to 0). */
  readonly eigenvalues: Float64Array;
  /** Column means of X (the centring). */
  readonly mean: Float64Array;
}

/**
 * The smallest `k` with `r_k ≥ τ` for descending eigenvalues `λ` (SciPy terms:
 * `min(searchsorted(r, τ, 'left') + 1, d)`), and `r_k`.
 * @param eigenvalues - descending, non-negative
 * @param tau - threshold in (0, 1]
 * @returns k and the explained variance r_k
 * @throws InvalidArgumentError when τ ∉ (0, 1]
 * @throws ZeroVarianceError when all eigenvalues are zero
 */
export function subspaceDimension(
  eigenvalues: ArrayLike<number>,
  tau: number,
): { k: number; explainedVariance: number } {
  checkTau('subspaceDimension', tau);
  const d = eigenvalues.length;
  let total = 0;
  for (let i = 0; i < d; i++) total += eigenvalues[i]!;
  if (!(total > 0)) throw new ZeroVarianceError('subspaceDimension', 0, d);
  let below = 0;
  let cum = 0;
  let rk = 0;
  for (let i = 0; i < d; i++) {
    cum += eigenvalues[i]!;
    const r = cum / total;
    if (r < tau) below++;
  }
  const k = Math.min(below + 1, d);
  cum = 0;
  for (let i = 0; i < k; i++) cum += eigenvalues[i]!;
  rk = cum / total;
  return { k, explainedVariance: rk };
}

function checkTau(where: string, tau: number): void {
  if (!(typeof tau === 'number' && tau > 0 && tau <= 1)) {
    throw new InvalidArgumentError(`${where}: τ out of range — expected 0 < τ ≤ 1, got ${tau}`);
  }
}

/**
 * Principal subspace of the inputs `X` (`[N, d]`) at explained variance τ (function-class.md §2):
 * centre the columns, eigendecompose the covariance `XcᵀXc` (float64), sort `λ_1 ≥ … ≥ λ_d`,
 * take the smallest `k` with `r_k = Σ_{s≤k} λ_s / Σ λ_s ≥ τ` (capped at d) and `U` = the top-k
 * eigenvectors. Each column of U is signed so that its largest-magnitude entry is positive.
 * Only the subspace (the projector UUᵀ) is unique; quantities built on it (ν, M, T) are
 * invariant to `U → UQ`.
 *
 * @param X - layer inputs `[N, d]` (float32 or float64), N ≥ 2
 * @param options - `tau` (default 0.9)
 * @returns U `[d, k]`, k, d, explained variance, all eigenvalues (descending) and the column means
 * @throws InvalidArgumentError for a non-2-d X, fewer than 2 rows, or τ ∉ (0, 1]
 * @throws NonFiniteError when X contains NaN or ±Infinity
 * @throws ZeroVarianceError when every column is constant
 */
export function estimateSubspace(X: Tensor, options: SubspaceOptions = {}): Subspace {
  const where = 'estimateSubspace';
  const tau = options.tau ?? 0.9;
  checkTau(where, tau);
  if (X.shape.length !== 2) {
    throw new InvalidArgumentError(
      `${where}: X must be 2-d [N, d] — expected 2 dimensions, got shape [${X.shape.join(', ')}]`,
    );
  }
  const n = X.shape[0]!;
  const d = X.shape[1]!;
  if (n < 2 || d < 1) {
    throw new InvalidArgumentError(
      `${where}: too few samples or features — expected N ≥ 2 and d ≥ 1, got [${n}, ${d}]`,
    );
  }
  // NaN or ±∞ in X: a NonFiniteError from the Gram kernels (one pass fewer over X)
  const { gram, mean } = centredGram(X.data, n, d, `${where}: X`);
  return subspaceFromGram(gram, mean, n, tau, where);
}

/**
 * The principal subspace from a centred Gram matrix `XcᵀXc` (`d×d`) of `n` samples: the second half
 * of {@link estimateSubspace}, for Gram matrices accumulated in blocks.
 * @param gram - symmetric `d×d` row-major `XcᵀXc`
 * @param mean - column means (length d)
 * @param n - number of samples (≥ 2)
 * @param tau - explained-variance threshold in (0, 1]
 * @param where - the calling function, for messages
 * @returns as {@link estimateSubspace}
 * @throws ZeroVarianceError when the trace is zero
 * @internal
 */
export function subspaceFromGram(
  gram: Float64Array,
  mean: Float64Array,
  n: number,
  tau: number,
  where = 'estimateSubspace',
): Subspace {
  checkTau(where, tau);
  const d = mean.length;
  if (n < 2) throw new InvalidArgumentError(`${where}: too few samples — expected N ≥ 2, got ${n}`);
  // constant columns have an exactly zero row/column in XcᵀXc: eigenvalue 0 with a coordinate
  // eigenvector. Drop them before the eigensolver (exact) and embed the basis back.
  const live: number[] = [];
  for (let c = 0; c < d; c++) if (gram[c * d + c]! > 0) live.push(c);
  if (live.length === 0) throw new ZeroVarianceError(where, n, d);
  const m = live.length;
  const reduced = m === d ? gram : new Float64Array(m * m);
  if (m < d)
    for (let a = 0; a < m; a++)
      for (let b = 0; b < m; b++) reduced[a * m + b] = gram[live[a]! * d + live[b]!]!;
  const eig = lazySymmetricEigen(reduced, m);
  const values = new Float64Array(d);
  for (let i = 0; i < m; i++) values[i] = Math.max(0, eig.values[m - 1 - i]!);
  let total = 0;
  for (let i = 0; i < d; i++) total += values[i]!;
  if (!(total > 0)) throw new ZeroVarianceError(where, n, d);
  const { k, explainedVariance } = subspaceDimension(values, tau);
  // the eigenvalues beyond m are exactly zero, so r reaches 1 within the first m and k ≤ m; should
  // rounding ever ask for more, the extra directions are the constant columns' coordinate axes
  const kLive = Math.min(k, m);
  const top = Array.from({ length: kLive }, (_, c) => m - 1 - c);
  const V = eig.vectors(top); // m × kLive
  const U = new Float64Array(d * k);
  if (k > m) {
    const dead: number[] = [];
    for (let c = 0, p = 0; c < d; c++) {
      if (p < m && live[p] === c) p++;
      else dead.push(c);
    }
    for (let c = m; c < k; c++) U[dead[c - m]! * k + c] = 1;
  }
  for (let c = 0; c < kLive; c++) {
    let big = 0;
    for (let r = 0; r < m; r++)
      if (Math.abs(V[r * kLive + c]!) > Math.abs(big)) big = V[r * kLive + c]!;
    const sign = big < 0 ? -1 : 1;
    for (let r = 0; r < m; r++) U[live[r]! * k + c] = sign * V[r * kLive + c]!;
  }
  return { U: tensor(U, [d, k]), k, d, explainedVariance, tau, eigenvalues: values, mean };
}
