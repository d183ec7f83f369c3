import type { Network } from './types.js';
import { namedTensors } from './state.js';

/** Parameter counts of a network. */
export interface ParameterCount {
  /** Trainable scalars: weights, biases, norm γ/β (frozen layers excluded). */
  readonly trainable: number;
  /** Entries of W-asym weights that are pinned by the mask (D = 0): stored but not trained. */
  readonly maskedEntries: number;
  /** `trainable − maskedEntries`: the free parameters (merging.md's `numParams`). */
  readonly free: number;
  /** Scalars in buffers and fixed parts (running stats, D, N, C). */
  readonly nonTrainable: number;
}

/** Counts trainable, masked and non-trainable scalars (MLP 784-512-512-512-10 + LayerNorm: 935,434 trainable). */
export function countParameters(net: Network): ParameterCount {
  let trainable = 0;
  let nonTrainable = 0;
  for (const t of namedTensors(net)) {
    if (t.role === 'trainable') trainable += t.tensor.data.length;
    else nonTrainable += t.tensor.data.length;
  }
  let maskedEntries = 0;
  for (const l of net.layers) {
    if (l.type === 'linear' && !l.frozen && l.fixed?.kind === 'mask') {
      for (const v of l.fixed.mask.data) if (v === 0) maskedEntries++;
    }
  }
  return { trainable, maskedEntries, free: trainable - maskedEntries, nonTrainable };
}
