/**
 * Aligning B to A with `@nidkit/matching` (activation matching on data, or weight matching), as
 * the commands `lmc`, `merge` and `demo` need it.
 */
import type { Evaluator, Network, Tensor } from '@nidkit/core';

/** B permuted to A and the matching record behind it. */
export interface Alignment {
  readonly method: 'activation' | 'weights';
  readonly network: Network;
  readonly permutations: Int32Array[];
  /** Per hidden layer (activation matching only): optimal, identity and random objectives. */
  readonly layers: readonly {
    readonly layer: number;
    readonly size: number;
    readonly optimal: number | null;
    readonly identity: number | null;
    readonly randomMean: number | null;
    readonly randomStd: number | null;
    readonly fixedPointFraction: number;
  }[];
}

/**
 * Aligns `b` to `a` and returns the permuted copy of `b` (fixed parts permuted with it).
 * @param evaluator - runs the networks (activation matching)
 * @param inputs - the data the activations are recorded on (activation matching)
 */
export async function alignTo(
  evaluator: Evaluator,
  a: Network,
  b: Network,
  inputs: Tensor,
  method: 'activation' | 'weights',
  seed = 0,
): Promise<Alignment> {
  const matching = await import('@nidkit/matching');
  if (method === 'activation') {
    const r = await matching.activationMatching(evaluator, a, b, inputs, { seed });
    const permutations = r.layers.map((l) => l.permutation);
    return {
      method,
      network: matching.permuteNetwork(b, permutations, { verify: true }),
      permutations,
      layers: r.layers.map((l) => ({
        layer: l.layer,
        size: l.size,
        optimal: l.optimal,
        identity: l.identity,
        randomMean: l.randomMean,
        randomStd: l.randomStd,
        fixedPointFraction: l.fixedPointFraction,
      })),
    };
  }
  const r = matching.weightMatching(a, b, { seed });
  return {
    method,
    network: matching.permuteNetwork(b, r.permutations, { verify: true }),
    permutations: r.permutations,
    layers: r.permutations.map((p, layer) => {
      let kept = 0;
      for (let i = 0; i < p.length; i++) if (p[i] === i) kept++;
      return { layer, size: p.length, optimal: null, identity: null, randomMean: null, randomStd: null, fixedPointFraction: p.length ? kept / p.length : 1 };
    }),
  };
}

/**
 * The interpolation space of an aligned pair (merging.md §9): W- and syre-models no longer share
 * fixed parts after permutation, so their dense equivalents are interpolated.
 */
export function alignedSpace(net: Network): 'stored' | 'dense' {
  return net.family === 'w-asym' || net.family === 'syre' ? 'dense' : 'stored';
}
