/** Aligning B to A through `@nidkit/merging`'s `alignNetwork`, as `merge --align` needs it. */
import type { Evaluator, Network, Tensor } from '@nidkit/core';

/** B permuted to A and the matching record behind it. */
export interface Alignment {
  readonly network: Network;
  readonly permutations: Int32Array[];
  /** Per hidden layer: the share of units kept in place and (activation matching) the objectives. */
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
 * Aligns `b` to `a` (activation matching on `inputs`, or weight matching) and returns the permuted,
 * verified copy of `b` with its fixed parts permuted along.
 */
export async function alignTo(
  evaluator: Evaluator,
  a: Network,
  b: Network,
  inputs: Tensor,
  method: 'activation' | 'weights',
  seed = 0,
): Promise<Alignment> {
  const merging = await import('@nidkit/merging');
  const r = await merging.alignNetwork(evaluator, a, b, {
    alignment: method === 'weights' ? 'weight' : 'activation',
    inputs,
    seed,
  });
  return {
    network: r.aligned,
    permutations: r.permutations,
    layers: r.summary.layers.map((l) => ({
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
