import type { Network } from '@nidkit/core';
import { InvalidArgumentError, validateNetwork } from '@nidkit/core';
import type { CombineOptions } from './combine.js';
import { combinePrepared, prepareCombination } from './combine.js';

/** Options of {@link averageNetworks}. */
export interface AverageOptions extends CombineOptions {
  /** Non-negative weights, one per model (normalized to sum 1). Default: uniform. */
  readonly weights?: readonly number[];
}

/**
 * Normalized averaging weights `w_k / Σ w` (uniform `1/K` when `weights` is absent).
 * @throws InvalidArgumentError for a wrong count, a negative or non-finite weight, or a zero sum
 */
export function normalizeWeights(
  where: string,
  count: number,
  weights?: readonly number[],
): number[] {
  if (!weights) return new Array<number>(count).fill(1 / count);
  if (weights.length !== count) {
    throw new InvalidArgumentError(
      `${where}: one weight per model is needed — expected ${count} weights, got ${weights.length}`,
    );
  }
  weights.forEach((w, k) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new InvalidArgumentError(
        `${where}: weight ${k} must be a finite number ≥ 0 — expected w ≥ 0, got ${String(w)}`,
      );
    }
  });
  const sum = weights.reduce((s, w) => s + w, 0);
  if (!(sum > 0))
    throw new InvalidArgumentError(
      `${where}: the weights sum to 0 — expected a positive sum, got ${sum}`,
    );
  return weights.map((w) => w / sum);
}

/**
 * Weighted average of K networks, `θ = Σ_k w_k θ_k` with `Σ w_k = 1` (uniform `1/K` by default;
 * merging.md §7, the multi-model midpoint). The same entrywise rule as {@link interpolate}: trained
 * tensors and BatchNorm statistics are averaged in float64 and rounded once to float32; fixed parts
 * must be identical and are copied (or `space: 'dense'` averages effective weights of densified
 * models; `allowFixedPartInterpolation` also averages differing σ-gate matrices C). Averaging
 * identical models returns the same model. BatchNorm statistics are averaged as stored — use
 * {@link recomputeBatchNormStats} afterwards (or {@link mergeNetworks} with `bnData`).
 *
 * @param nets - one or more networks with the same architecture
 * @param options - `weights`, `space`, `allowFixedPartInterpolation`
 * @returns the averaged network (inputs unchanged)
 * @throws InvalidArgumentError for an empty list or bad weights; IncompatibleModelsError /
 *   IncompatibleFixedPartsError when the models cannot be averaged (each difference listed)
 */
export function averageNetworks(nets: readonly Network[], options: AverageOptions = {}): Network {
  if (nets.length === 0) {
    throw new InvalidArgumentError(
      'averageNetworks: no models given — expected at least 1 network, got 0',
    );
  }
  const w = normalizeWeights('averageNetworks', nets.length, options.weights);
  nets.forEach((n) => validateNetwork(n));
  const prepared = prepareCombination('averageNetworks', nets, options);
  return combinePrepared(prepared, w, { operation: 'average', weights: w, numModels: nets.length });
}
