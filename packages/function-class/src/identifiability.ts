import { InvalidArgumentError, hiddenWidths } from '@nidkit/core';
import type { Evaluator, Network, Tensor } from '@nidkit/core';
import { activationMatching, isDissimilarity } from '@nidkit/matching';
import type { MatchingPoint, SimilarityKind } from '@nidkit/matching';
import type { LayerVerdict, VerdictThresholds } from './identifiability-verdict.js';
import {
  DEFAULT_VERDICT_THRESHOLDS,
  identifiabilityVerdict,
  overallVerdict,
} from './identifiability-verdict.js';
import { layerCosts } from './layer-costs.js';
import type { SwapCostSummary } from './realization-cost.js';

/** Options of {@link identifiability}. */
export interface IdentifiabilityOptions {
  /** Recording point of the activation matching (default `post_activation`). */
  readonly point?: MatchingPoint;
  /** A similarity (not a dissimilarity; default `pearson_zero_for_constant`). */
  readonly similarity?: SimilarityKind;
  /** Seed of the random-permutation baseline (default 0). */
  readonly seed?: number;
  /** Random permutations in the baseline (default 100). */
  readonly randomSamples?: number;
  /** Evaluator batch size. */
  readonly batchSize?: number;
  /** Verdict thresholds (defaults 0.95, 0.9, 3σ). */
  readonly thresholds?: Partial<VerdictThresholds>;
  /** Also compute swap-cost summaries of both models' hidden layers (default true). */
  readonly swapCosts?: boolean;
  /** τ of the swap-cost subspaces (default 0.9). */
  readonly tau?: number;
  /** Quantile levels of the signed-sqrt swap costs. */
  readonly quantiles?: readonly number[];
}

/** Swap-cost summary of one model's hidden layer. */
export interface SwapCostDigest extends SwapCostSummary {
  readonly k: number;
  readonly d: number;
  readonly coherence: number;
}

/** The identifiability numbers of one hidden layer. */
export interface IdentifiabilityLayer {
  /** `lins.{l}`: the layer whose output neurons are matched. */
  readonly layer: string;
  readonly index: number;
  /** Number of neurons. */
  readonly size: number;
  /** `(1/n) Σ_i S[i, i]`. */
  readonly identity: number;
  /** `(1/n) Σ_i S[i, π*(i)]`. */
  readonly optimal: number;
  readonly randomMean: number;
  readonly randomStd: number;
  /** Share of neurons whose optimal partner is themselves. */
  readonly fixedPointFraction: number;
  readonly verdict: LayerVerdict;
  /** Swap-cost summaries of model A and model B (null when disabled). */
  readonly swapCosts: { readonly a: SwapCostDigest; readonly b: SwapCostDigest } | null;
}

/** Report of {@link identifiability}: per hidden layer numbers, verdicts and the overall prediction. */
export interface IdentifiabilityReport {
  readonly schemaVersion: 1;
  readonly point: MatchingPoint;
  readonly similarity: SimilarityKind;
  readonly samples: number;
  readonly seed: number;
  readonly randomSamples: number;
  readonly evaluator: string;
  readonly thresholds: VerdictThresholds;
  readonly layers: IdentifiabilityLayer[];
  /** True when every hidden layer is `identifiable`: plain averaging is predicted to work. */
  readonly mergeableWithoutAlignment: boolean;
  /** A plain-language verdict with its thresholds. */
  readonly verdict: string;
}

/**
 * The identifiability test of two compatible models (function-class.md §7): activation matching
 * (matching.md §7) of every hidden layer gives the identity pairing's mean similarity, the
 * optimal assignment's, a random-permutation baseline and the share of neurons that are their
 * own optimal partner; each layer gets a verdict (`identifiable`: identity ≥ 0.95·optimal and
 * fixed-point fraction ≥ 0.9; `not-identifiable`: identity ≤ randomMean + 3·randomStd; else
 * `partial`), and the pair is predicted mergeable without alignment when every hidden layer is
 * identifiable. Swap-cost summaries of both models' hidden layers are attached (the paper's
 * explanation: near-zero or negative swap costs mean interchangeable neurons).
 *
 * @param evaluator - core `Evaluator`
 * @param netA - model A
 * @param netB - model B (same hidden widths; normally the same fixed parts)
 * @param inputs - `[N, ...inputShape]` (the training split in the paper)
 * @param options - matching point, similarity, seed, baseline size, thresholds, swap costs
 * @returns the report (`schemaVersion` 1)
 * @throws InvalidArgumentError for a dissimilarity kind or a network without hidden layers
 * @throws IncompatibleModelsError when the hidden widths differ
 */
export async function identifiability(
  evaluator: Evaluator,
  netA: Network,
  netB: Network,
  inputs: Tensor,
  options: IdentifiabilityOptions = {},
): Promise<IdentifiabilityReport> {
  const where = 'identifiability';
  const similarity = options.similarity ?? 'pearson_zero_for_constant';
  if (isDissimilarity(similarity)) {
    throw new InvalidArgumentError(
      `${where}: the verdict needs a similarity — expected pearson_zero_for_constant, pearson or dot, got ${similarity}`,
    );
  }
  const thresholds: VerdictThresholds = {
    ...DEFAULT_VERDICT_THRESHOLDS,
    ...(options.thresholds ?? {}),
  };
  const batch = options.batchSize === undefined ? {} : { batchSize: options.batchSize };
  const matching = await activationMatching(evaluator, netA, netB, inputs, {
    point: options.point ?? 'post_activation',
    similarity,
    alignment: 'real',
    seed: options.seed ?? 0,
    randomSamples: options.randomSamples ?? 100,
    ...batch,
  });
  let costs: { a: SwapCostDigest[]; b: SwapCostDigest[] } | null = null;
  if (options.swapCosts ?? true) {
    const hidden = hiddenWidths(netA).map((_, l) => l);
    const costOpts = {
      layers: hidden,
      tau: options.tau ?? 0.9,
      ...batch,
      ...(options.quantiles ? { quantiles: options.quantiles } : {}),
    };
    const digest = async (net: Network): Promise<SwapCostDigest[]> =>
      (await layerCosts(evaluator, net, inputs, costOpts)).map((r) => ({
        ...r.summaries,
        k: r.k,
        d: r.d,
        coherence: r.coherence,
      }));
    costs = { a: await digest(netA), b: await digest(netB) };
  }
  const layers = matching.layers.map((m, i): IdentifiabilityLayer => ({
    layer: `lins.${m.layer}`,
    index: m.layer,
    size: m.size,
    identity: m.identity,
    optimal: m.optimal,
    randomMean: m.randomMean,
    randomStd: m.randomStd,
    fixedPointFraction: m.fixedPointFraction,
    verdict: identifiabilityVerdict(m, thresholds),
    swapCosts: costs ? { a: costs.a[i]!, b: costs.b[i]! } : null,
  }));
  const overall = overallVerdict(layers, thresholds);
  return {
    schemaVersion: 1,
    point: matching.point,
    similarity: matching.similarity,
    samples: matching.samples,
    seed: matching.seed,
    randomSamples: matching.randomSamples,
    evaluator: evaluator.name,
    thresholds,
    layers,
    ...overall,
  };
}
