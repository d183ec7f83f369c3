import type { Network } from '@nidkit/core';
import {
  IncompatibleModelsError,
  InvalidArgumentError,
  countParameters,
  effectiveWeight,
  validateNetwork,
} from '@nidkit/core';
import { compareStructure } from './compare.js';

/** The weight-space distance between two networks (merging.md §5). */
export interface WeightDistance {
  /** `sqrt(Σ ‖θ_A − θ_B‖²)` over effective weights, biases, norm γ/β and BatchNorm statistics. */
  readonly distance: number;
  /** `distance / sqrt(numParams)`. */
  readonly normalizedDistance: number;
  /** Free trainable scalars of A: weights, biases, γ/β minus the mask-fixed entries of W-layers. */
  readonly numParams: number;
}

/**
 * Weight-space distance (merging.md §5):
 * `distance = sqrt(Σ ‖θ_A − θ_B‖²)` over **effective** weights `W_eff` (each layer's own κ),
 * biases, norm γ/β and BatchNorm running mean/variance, accumulated in float64; shared fixed parts
 * contribute 0 (σ-gate matrices C are not part of θ). For compatible unaligned models this equals
 * the distance over the raw state. `normalizedDistance = distance / sqrt(numParams)` with `numParams`
 * the free trainable scalars (buffers not counted). Fixed parts may differ (e.g. an aligned model),
 * since effective weights are compared.
 *
 * @param a - model A
 * @param b - model B (same architecture)
 * @returns `{ distance, normalizedDistance, numParams }`
 * @throws IncompatibleModelsError when the architectures differ; InvalidArgumentError when A has no
 *   free parameter; InvalidNetworkError / NonFiniteError for an invalid network
 */
export function weightDistance(a: Network, b: Network): WeightDistance {
  validateNetwork(a);
  validateNetwork(b);
  const differences = compareStructure(a, b).filter(
    (d) => !d.tensor.endsWith('.fixed') && d.tensor !== 'family',
  );
  if (differences.length > 0) throw new IncompatibleModelsError('weightDistance', differences);
  let sum = 0;
  const add = (x: ArrayLike<number>, y: ArrayLike<number>): void => {
    for (let i = 0; i < x.length; i++) {
      const d = x[i]! - y[i]!;
      sum += d * d;
    }
  };
  a.layers.forEach((la, i) => {
    const lb = b.layers[i]!;
    if (la.type === 'linear' && lb.type === 'linear') {
      add(effectiveWeight(la).data, effectiveWeight(lb).data);
      if (la.bias && lb.bias) add(la.bias.data, lb.bias.data);
    } else if (la.type === 'norm' && lb.type === 'norm') {
      add(la.gamma.data, lb.gamma.data);
      add(la.beta.data, lb.beta.data);
      if (la.runningMean && lb.runningMean) add(la.runningMean.data, lb.runningMean.data);
      if (la.runningVar && lb.runningVar) add(la.runningVar.data, lb.runningVar.data);
    }
  });
  const numParams = countParameters(a).free;
  if (numParams <= 0) {
    throw new InvalidArgumentError(
      `weightDistance: model A has no free parameter to normalize by — expected numParams > 0, got ${numParams}`,
    );
  }
  const distance = Math.sqrt(sum);
  return { distance, normalizedDistance: distance / Math.sqrt(numParams), numParams };
}
