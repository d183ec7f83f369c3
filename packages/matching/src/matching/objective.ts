import { InvalidArgumentError, Rng } from '@nidkit/core';
import type { Tensor } from '@nidkit/core';
import { assignDense } from '../assignment/linear-sum-assignment.js';

/** Options of {@link matchingObjective}. */
export interface MatchingObjectiveOptions {
  /** Maximize (similarities, default) or minimize (dissimilarities) the total. */
  readonly maximize?: boolean;
  /** Seed of the random-permutation baseline (default 0). */
  readonly seed?: number;
  /** Extra stream labels, e.g. the layer index, so that layers draw independent baselines. */
  readonly streamLabels?: readonly (string | number)[];
  /** Number of uniformly random permutations in the baseline (default 100). */
  readonly randomSamples?: number;
}

/** The matching objective of one square similarity matrix (function-class.md §7). */
export interface MatchingObjective {
  /** π*: `permutation[i]` = the unit of B matched to unit i of A. */
  readonly permutation: Int32Array;
  /** `(1/n) Σ_i S[i, π*(i)]`. */
  readonly optimal: number;
  /** `(1/n) Σ_i S[i, i]`. */
  readonly identity: number;
  /** Mean of `(1/n) Σ_i S[i, σ(i)]` over uniformly random σ. */
  readonly randomMean: number;
  /** Sample standard deviation (ddof = 1) of the same; 0 with fewer than 2 samples. */
  readonly randomStd: number;
  /** Fraction of i with π*(i) = i. */
  readonly fixedPointFraction: number;
}

/**
 * The identity-vs-optimal matching test on a square similarity matrix `S` (`n × n`, row = unit
 * of A, column = unit of B): the optimal pairing π* from the exact assignment solver and the mean
 * matched similarity `(1/n) Σ_i S[i, π(i)]` for π*, for the identity, and for random
 * permutations (seeded baseline). This is the paper's operational test of neuron
 * identifiability: identity ≈ optimal ≫ random means the units of both runs already correspond.
 *
 * @param S - `[n, n]` float64 similarity (or dissimilarity with `maximize: false`); not modified
 * @param options - `maximize` (default true), `seed` (0), `randomSamples` (100), `streamLabels`
 * @returns π*, optimal, identity, randomMean, randomStd and fixedPointFraction
 * @throws InvalidArgumentError when S is not square or randomSamples < 1
 */
export function matchingObjective(
  S: Tensor,
  options: MatchingObjectiveOptions = {},
): MatchingObjective {
  const n = S.shape[0] ?? 0;
  if (S.shape.length !== 2 || S.shape[1] !== n || n === 0) {
    throw new InvalidArgumentError(
      `matchingObjective: expected a non-empty square matrix, got shape [${S.shape.join(', ')}]`,
    );
  }
  const samples = options.randomSamples ?? 100;
  if (!Number.isSafeInteger(samples) || samples < 1) {
    throw new InvalidArgumentError(
      `matchingObjective: randomSamples must be a positive integer — expected ≥ 1, got ${samples}`,
    );
  }
  const maximize = options.maximize ?? true;
  const data = S.data;
  const res = assignDense(Float64Array.from(data), n, n, maximize, true);
  const permutation = res.colInd;
  let fixed = 0;
  let identity = 0;
  for (let i = 0; i < n; i++) {
    identity += data[i * n + i]!;
    if (permutation[i] === i) fixed++;
  }
  const rng = Rng.stream(options.seed ?? 0, 'matching-objective', ...(options.streamLabels ?? []));
  const values = new Float64Array(samples);
  const p = new Int32Array(n);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < n; i++) p[i] = i;
    rng.shuffleInPlace(p);
    let v = 0;
    for (let i = 0; i < n; i++) v += data[i * n + p[i]!]!;
    values[s] = v / n;
  }
  let mean = 0;
  for (const v of values) mean += v;
  mean /= samples;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return {
    permutation,
    optimal: res.total / n,
    identity: identity / n,
    randomMean: mean,
    randomStd: samples > 1 ? Math.sqrt(ss / (samples - 1)) : 0,
    fixedPointFraction: fixed / n,
  };
}
