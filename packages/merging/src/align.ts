/**
 * Alignment of one model to another before interpolation or averaging (merging.md §9): the
 * permutation comes from `@nidkit/matching` (activation matching, weight matching or the
 * reference implementation's anti-alignment) and is applied to the structured model, fixed parts
 * included, with a function-preservation check.
 */
import type { Evaluator, Network, Tensor } from '@nidkit/core';
import { InvalidArgumentError, sliceRows } from '@nidkit/core';
import type { ActivationMatchingResult, WeightMatchingResult } from '@nidkit/matching';
import { activationMatching, permuteNetwork, weightMatching } from '@nidkit/matching';
import type { CombineOptions } from './combine.js';
import { AlignmentError } from './errors.js';

/** How model B is aligned to model A: not at all, or by one of the matching methods. */
export type AlignmentMode = 'none' | 'activation' | 'weight' | 'reference-anti';

/** The alignment modes that permute B. */
export type AligningMode = Exclude<AlignmentMode, 'none'>;

const MODES: readonly AlignmentMode[] = ['none', 'activation', 'weight', 'reference-anti'];

/** @throws InvalidArgumentError for an unknown alignment mode */
export function checkAlignmentMode(where: string, mode: unknown): AlignmentMode {
  if (typeof mode !== 'string' || !MODES.includes(mode as AlignmentMode)) {
    throw new InvalidArgumentError(
      `${where}: unknown alignment — expected one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`,
    );
  }
  return mode as AlignmentMode;
}

/** Options of {@link alignNetwork}. */
export interface AlignOptions {
  /** `activation` (real alignment, maximize Pearson ρ), `weight` (Git Re-Basin) or `reference-anti`. */
  readonly alignment: AligningMode;
  /** Inputs `[N, ...inputShape]` for activation matching (the training split in the protocol). */
  readonly inputs?: Tensor;
  /** Seed of the random baselines (activation) or of the visiting order (weight). Default 0. */
  readonly seed?: number;
  /** Random permutations per layer for the activation-matching baseline (default 100). */
  readonly randomSamples?: number;
  /** Samples per evaluator call during activation matching (default: matching's). */
  readonly batchSize?: number;
  /** Weight-matching restarts and sweeps (defaults 10 and 100). */
  readonly weightMatching?: { readonly restarts?: number; readonly maxIter?: number };
  /**
   * Check that the permuted B computes the same function as B (max |Δlogit| ≤ 1e−4·max(1, max|logit|)
   * on up to 256 probe inputs: the first rows of `inputs`, else N(0, 1)). Default true.
   */
  readonly verify?: boolean;
}

/** One hidden layer of an alignment (plain JSON). */
export interface LayerAlignment {
  readonly layer: number;
  readonly size: number;
  /** π: unit i of the aligned B is unit `permutation[i]` of B. */
  readonly permutation: number[];
  /** Fraction of units with π(i) = i. */
  readonly fixedPointFraction: number;
  /** Activation matching: mean similarity of the optimal pairing, `(1/n) Σ_i S[i, π(i)]`; null for weight matching. */
  readonly optimal: number | null;
  /** Activation matching: mean similarity of the identity pairing, `(1/n) Σ_i S[i, i]`; null for weight matching. */
  readonly identity: number | null;
  /** Activation matching: mean and std of random pairings; null for weight matching. */
  readonly randomMean: number | null;
  readonly randomStd: number | null;
  /** Activation matching: constant units of A and B. */
  readonly constantA: number[];
  readonly constantB: number[];
}

/** What an alignment did (plain JSON): method, settings and the per-layer matching objective. */
export interface AlignmentSummary {
  readonly method: AligningMode;
  /** Activation matching only: recording point, similarity, whether S was maximized, samples used. */
  readonly point: string | null;
  readonly similarity: string | null;
  readonly maximize: boolean | null;
  readonly samples: number | null;
  readonly seed: number;
  /** Weight matching only: final `Σ_t ‖A[t] − π(B)[t]‖₂` and sweeps of the best restart. */
  readonly score: number | null;
  readonly sweeps: number | null;
  /** True when the permuted model was checked to compute B's function. */
  readonly verified: boolean;
  readonly layers: LayerAlignment[];
}

/** Result of {@link alignNetwork}. */
export interface AlignResult {
  /** B permuted (fixed parts included) to match A. */
  readonly aligned: Network;
  /** One permutation per hidden layer (`permuteNetwork(b, permutations)`). */
  readonly permutations: Int32Array[];
  readonly summary: AlignmentSummary;
}

/** Keeps results JSON-clean: a non-finite statistic (e.g. a std over one sample) becomes null. */
function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function fixedPoints(p: Int32Array): number {
  let k = 0;
  p.forEach((v, i) => (k += v === i ? 1 : 0));
  return p.length === 0 ? 0 : k / p.length;
}

function fromActivation(
  r: ActivationMatchingResult,
  method: AligningMode,
): Omit<AlignmentSummary, 'verified'> {
  return {
    method,
    point: r.point,
    similarity: r.similarity,
    maximize: r.maximize,
    samples: r.samples,
    seed: r.seed,
    score: null,
    sweeps: null,
    layers: r.layers.map((l) => ({
      layer: l.layer,
      size: l.size,
      permutation: Array.from(l.permutation),
      fixedPointFraction: l.fixedPointFraction,
      optimal: finiteOrNull(l.optimal),
      identity: finiteOrNull(l.identity),
      randomMean: finiteOrNull(l.randomMean),
      randomStd: finiteOrNull(l.randomStd),
      constantA: [...l.constantA],
      constantB: [...l.constantB],
    })),
  };
}

function fromWeight(r: WeightMatchingResult, seed: number): Omit<AlignmentSummary, 'verified'> {
  return {
    method: 'weight',
    point: null,
    similarity: null,
    maximize: null,
    samples: null,
    seed,
    score: r.score,
    sweeps: r.sweeps,
    layers: r.permutations.map((p, layer) => ({
      layer,
      size: p.length,
      permutation: Array.from(p),
      fixedPointFraction: fixedPoints(p),
      optimal: null,
      identity: null,
      randomMean: null,
      randomStd: null,
      constantA: [],
      constantB: [],
    })),
  };
}

function applyPermutations(
  where: string,
  b: Network,
  perms: readonly Int32Array[],
  verify: boolean,
  inputs?: Tensor,
): Network {
  try {
    const probes =
      inputs && (inputs.shape[0] ?? 0) > 0
        ? sliceRows(inputs, 0, Math.min(256, inputs.shape[0]!))
        : undefined;
    return permuteNetwork(b, perms, {
      verify: verify ? (probes ? { inputs: probes } : true) : false,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new AlignmentError(
      `${where}: permuting model B failed — expected a function-preserving permutation, got: ${message}`,
      { cause: e },
    );
  }
}

/**
 * Weight-matching alignment (synchronous; no data needed): π from `@nidkit/matching`'s
 * `weightMatching(A, B)` on dense effective weights, applied to the structured B.
 * @param a - the reference model A
 * @param b - the model to permute
 * @param options - `seed`, `weightMatching` (`restarts`, `maxIter`), `verify` (default true)
 * @returns the aligned model, the permutations and the summary
 * @throws IncompatibleModelsError when the architectures differ; AlignmentError when the permuted
 *   model does not compute B's function
 */
export function alignByWeights(
  a: Network,
  b: Network,
  options: Omit<AlignOptions, 'alignment' | 'inputs' | 'randomSamples' | 'batchSize'> & {
    readonly probes?: Tensor;
  } = {},
): AlignResult {
  const seed = options.seed ?? 0;
  const r = weightMatching(a, b, { seed, ...(options.weightMatching ?? {}) });
  const verify = options.verify ?? true;
  const aligned = applyPermutations('alignByWeights', b, r.permutations, verify, options.probes);
  return {
    aligned,
    permutations: r.permutations,
    summary: { ...fromWeight(r, seed), verified: verify },
  };
}

/**
 * Aligns B to A (merging.md §9 steps 3–5): finds one permutation per hidden layer with
 * `@nidkit/matching` and applies it to B **including its fixed parts** (masks, normal/noise
 * matrices, σ-gate C on both axes, BatchNorm statistics), so the aligned B computes B's function.
 * * `activation`: activation matching on `inputs` at `post_activation` with
 *   `pearson_zero_for_constant`, maximized (real alignment); reports per layer the matching
 *   objective (optimal, identity, random mean ± std, fixed points) — the paper's identity-vs-optimal
 *   test of neuron identifiability.
 * * `reference-anti`: the reference implementation's aligned-LMC behaviour, maximizing `1 − |ρ|`
 *   (pairs the least correlated units; matching.md §8).
 * * `weight`: Git Re-Basin weight matching on dense effective weights (no data needed).
 *
 * @param evaluator - core's `Evaluator` (used by activation matching; may be null for `weight`)
 * @param a - the reference model A
 * @param b - the model to align
 * @param options - `alignment`, `inputs` (required for activation modes), `seed`, `randomSamples`,
 *   `batchSize`, `weightMatching`, `verify`
 * @returns the aligned B, the permutations and a JSON summary
 * @throws InvalidArgumentError for an unknown mode or missing inputs; IncompatibleModelsError when
 *   the architectures differ; AlignmentError when the permuted model fails verification
 */
export async function alignNetwork(
  evaluator: Evaluator | null,
  a: Network,
  b: Network,
  options: AlignOptions,
): Promise<AlignResult> {
  const where = 'alignNetwork';
  const mode = checkAlignmentMode(where, options.alignment);
  if (mode === 'none')
    throw new InvalidArgumentError(
      `${where}: alignment 'none' does not align — expected activation, weight or reference-anti, got none`,
    );
  const seed = options.seed ?? 0;
  if (mode === 'weight') {
    return alignByWeights(a, b, {
      seed,
      ...(options.weightMatching ? { weightMatching: options.weightMatching } : {}),
      ...(options.verify !== undefined ? { verify: options.verify } : {}),
      ...(options.inputs ? { probes: options.inputs } : {}),
    });
  }
  if (!evaluator)
    throw new InvalidArgumentError(
      `${where}: ${mode} alignment needs an evaluator — expected an Evaluator, got null`,
    );
  if (!options.inputs)
    throw new InvalidArgumentError(
      `${where}: ${mode} alignment needs inputs — expected a tensor [N, ...inputShape], got none`,
    );
  const r = await activationMatching(evaluator, a, b, options.inputs, {
    alignment: mode === 'reference-anti' ? 'reference-anti' : 'real',
    seed,
    ...(options.randomSamples !== undefined ? { randomSamples: options.randomSamples } : {}),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  });
  const verify = options.verify ?? true;
  const aligned = applyPermutations(where, b, r.permutations, verify, options.inputs);
  return {
    aligned,
    permutations: r.permutations,
    summary: { ...fromActivation(r, mode), verified: verify },
  };
}

/**
 * How an aligned pair is interpolated (merging.md §9): standard networks as stored; W-asymmetric
 * and syre networks in the dense representation (alignment moved B's fixed parts); σ-asymmetric
 * networks as stored with `allowFixedPartInterpolation` (flagged in results).
 * @param net - either model of the pair
 * @returns the interpolation options for the aligned pair
 */
export function alignedInterpolation(net: Network): CombineOptions {
  switch (net.family) {
    case 'w-asym':
    case 'syre':
      return { space: 'dense' };
    case 'sigma-asym':
      return { space: 'stored', allowFixedPartInterpolation: true };
    default:
      return { space: 'stored' };
  }
}
