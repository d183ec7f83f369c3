import type { Network } from '@nidkit/core';
import { InvalidArgumentError, validateNetwork } from '@nidkit/core';
import type { CombineOptions } from './combine.js';
import { combinePrepared, prepareCombination } from './combine.js';

/** Options of {@link interpolate}. */
export type InterpolateOptions = CombineOptions;

/** @throws InvalidArgumentError unless λ is a finite number in [0, 1]. */
export function checkLambda(where: string, lambda: number): void {
  if (typeof lambda !== 'number' || !Number.isFinite(lambda) || lambda < 0 || lambda > 1) {
    throw new InvalidArgumentError(
      `${where}: λ must be a finite number in [0, 1] — expected 0 ≤ λ ≤ 1, got ${String(lambda)}`,
    );
  }
}

/**
 * Linear interpolation of two networks, `θ(λ) = (1 − λ)·θ_A + λ·θ_B` (merging.md §1; the path of
 * the paper's linear mode connectivity). Applied entrywise, in float64 and rounded once to float32,
 * to every trainable tensor (raw weights W, biases, norm γ/β) and to BatchNorm running mean and
 * variance (plain lerp — see {@link recomputeBatchNormStats}). `num_batches_tracked` comes from A.
 *
 * Fixed parts (masks D, normal/noise matrices N, κ per layer, σ-gate matrices C, frozen weights)
 * must be identical bit for bit; they are copied, never averaged. Since D and F are shared,
 * lerping raw W of W-/syre-models lerps the effective weights exactly. λ = 0 returns A's values
 * and λ = 1 B's, bit for bit; `interpolate(θ, θ, λ) = θ`.
 *
 * Escapes for models whose fixed parts differ (aligned asymmetric models): `space: 'dense'`
 * interpolates `toDense(A)` and `toDense(B)` (effective weights; result is a standard network);
 * `allowFixedPartInterpolation: true` also lerps differing gate matrices C (σ-MLPs), recorded as
 * `meta.provenance.fixedPartsInterpolated`.
 *
 * @param a - model A (λ = 0)
 * @param b - model B (λ = 1)
 * @param lambda - λ ∈ [0, 1]
 * @param options - `space` (`stored` | `dense`), `allowFixedPartInterpolation`
 * @returns a new network; A and B are not modified
 * @throws InvalidArgumentError for λ outside [0, 1]; IncompatibleModelsError when the structures
 *   differ; IncompatibleFixedPartsError listing each differing fixed tensor (layer, tensor, number
 *   of entries); InvalidNetworkError / NonFiniteError for an invalid network
 */
export function interpolate(
  a: Network,
  b: Network,
  lambda: number,
  options: InterpolateOptions = {},
): Network {
  checkLambda('interpolate', lambda);
  validateNetwork(a);
  validateNetwork(b);
  const prepared = prepareCombination('interpolate', [a, b], options);
  return combinePrepared(prepared, [1 - lambda, lambda], { operation: 'interpolate', lambda });
}
