/**
 * The one module of `reproduce` that calls the science packages. Every function here composes
 * package functions and turns their results into the plain records the experiments store; none
 * computes a paper quantity itself.
 */
import type { Dataset, Evaluator, Network, Split, Tensor } from '@nidkit/core';
import { linearLayers } from '@nidkit/core';
import * as fc from '@nidkit/function-class';
import * as models from '@nidkit/models';
import type { CoherenceConfig, MnistScaleConfig } from './configs.js';
import type { Variant } from './families.js';
import { ReproduceError } from './errors.js';

/** Temporary: a package function this experiment composes is not released yet. */
function missing(what: string): never {
  throw new ReproduceError(`reproduce: ${what} is not available yet — expected it in the package, got nothing`);
}

/** The barrier metrics of merging.md §4 reported for the MNIST experiments. */
export const BARRIER_NAMES = [
  'lossBarrier',
  'midpointLossBarrier',
  'accuracyBarrierPp',
  'midpointAccuracyBarrierPp',
  'accuracyDropPp',
  'relativeAccuracyDropPct',
] as const;
export type BarrierName = (typeof BARRIER_NAMES)[number];

/** mnist-10k (embedded digits). */
export function loadMnist(): Dataset {
  return models.loadMnist10k();
}

function mnistConfig(variant: Variant, width: number, maskSeed: number, runSeed: number, index: number): models.MlpConfig {
  const seeds = models.deriveModelSeeds(runSeed, index);
  const base = models.paperMlpConfig({ family: variant.family, width, kappa: 'kappa1', maskSeed, ...seeds });
  return variant.kappa === undefined ? base : { ...base, kappa: variant.kappa };
}

/**
 * The paper's MNIST MLP `784 → w → w → w → 10` (LayerNorm, GELU, num_fixed scaled with the row
 * length) of a variant, at initialization. Seeds: shared `maskSeed`, per-model init and
 * optimization seeds from `deriveModelSeeds(runSeed, index)`.
 */
export function buildMnistMlp(variant: Variant, width: number, maskSeed: number, runSeed: number, index: number): Network {
  return models.buildMlp(mnistConfig(variant, width, maskSeed, runSeed, index));
}

/** The same model as {@link buildMnistMlp}, untrained (epoch 0). */
export const untrainedMnistMlp = buildMnistMlp;

/** What is kept of a training run. */
export interface TrainSummary {
  readonly backend: string;
  readonly epochs: number;
  readonly seconds: number;
  readonly finalTrainLoss: number | null;
  readonly finalTrainAccuracy: number | null;
  readonly finalValAccuracy: number | null;
  readonly history: readonly { epoch: number; trainLoss: number; trainAccuracy: number | null; valAccuracy: number | null }[];
}

/** Trains a classifier with AdamW (models.md §12 with the scale's epochs and data). */
export async function trainClassifier(
  net: Network,
  dataset: Dataset,
  cfg: MnistScaleConfig,
  onMessage: (msg: string) => void,
): Promise<{ network: Network; summary: TrainSummary }> {
  const t0 = Date.now();
  const r = await models.trainNetwork(net, dataset, {
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    lr: cfg.lr,
    weightDecay: cfg.weightDecay,
    testSplit: null,
    progressEvery: 50,
    onProgress: (e) => {
      if (e.kind === 'epoch') {
        onMessage(`epoch ${e.epoch}/${e.epochs}: train loss ${e.loss.toFixed(4)}${e.val?.accuracy != null ? `, val ${e.val.accuracy.toFixed(2)} %` : ''}`);
      }
    },
  });
  const history = r.history.map((h) => ({
    epoch: h.epoch,
    trainLoss: h.trainLoss,
    trainAccuracy: h.trainAccuracy,
    valAccuracy: h.val?.accuracy ?? null,
  }));
  const last = history[history.length - 1];
  return {
    network: r.network,
    summary: {
      backend: r.backend,
      epochs: cfg.epochs,
      seconds: (Date.now() - t0) / 1000,
      finalTrainLoss: last?.trainLoss ?? null,
      finalTrainAccuracy: last?.trainAccuracy ?? null,
      finalValAccuracy: last?.valAccuracy ?? null,
      history,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Realization and swap costs (function-class.md §2–§5)

/** Per-layer summary of the Mahalanobis realization and swap costs. */
export interface LayerCostSummary {
  /** `lins.{l}`. */
  readonly layer: string;
  readonly d: number;
  readonly k: number;
  readonly explainedVariance: number;
  readonly coherence: number;
  readonly neurons: number;
  readonly negativeFraction: number;
  /** Quantiles of the off-diagonal signed √T (function-class's `swapCostSummary`). */
  readonly signedSqrtQuantiles: readonly { readonly q: number; readonly value: number }[];
  readonly signedSqrtMedian: number;
  readonly signedSqrtMaxAbs: number;
  /** Median of √M_ii: each neuron's cost of its own function. */
  readonly diagonalSqrtMMedian: number;
  /** Swap costs `[n, n]` (kept for plots; dropped from result.json where large). */
  readonly T?: number[][];
}

function rows(t: Tensor): number[][] {
  const [n, m] = [t.shape[0]!, t.shape[1]!];
  return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * m, (i + 1) * m)));
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return fc.quantileSorted(s, 0.5);
}

/**
 * Mahalanobis realization/swap costs of linear layer `l` on the τ = 0.9 principal subspace of its
 * recorded inputs: `estimateSubspace` → `realizationCosts` → `swapCostSummary`.
 */
export async function layerSwapCosts(evaluator: Evaluator, net: Network, inputs: Tensor, l: number, keepT = true): Promise<LayerCostSummary & { T: number[][] }> {
  const { activations } = await evaluator.run(net, inputs, { record: [{ layer: l, point: 'input' }] });
  const X = activations[0]!;
  const sub = fc.estimateSubspace(X, { tau: 0.9 });
  const layer = linearLayers(net)[l]!;
  const costs = fc.realizationCosts(sub.U, fc.layerStructure(layer));
  const summary = fc.swapCostSummary(costs.T);
  const n = costs.M.shape[0]!;
  const diag: number[] = [];
  for (let i = 0; i < n; i++) diag.push(Math.sqrt(costs.M.data[i * n + i]!));
  const q = (level: number) => summary.signedSqrtQuantiles.find((x) => x.q === level)?.value ?? NaN;
  return {
    layer: `lins.${l}`,
    d: sub.d,
    k: sub.k,
    explainedVariance: sub.explainedVariance,
    coherence: fc.coherence(sub.U),
    neurons: n,
    negativeFraction: summary.negativeFraction,
    signedSqrtQuantiles: summary.signedSqrtQuantiles,
    signedSqrtMedian: q(0.5),
    signedSqrtMaxAbs: Math.max(Math.abs(q(0)), Math.abs(q(1))),
    diagonalSqrtMMedian: median(diag),
    T: keepT ? rows(costs.T) : [],
  };
}

/** {@link layerSwapCosts} for every linear layer; T is kept for `lins.0` only. */
export async function mahalanobisLayers(evaluator: Evaluator, net: Network, inputs: Tensor): Promise<LayerCostSummary[]> {
  const out: LayerCostSummary[] = [];
  const L = linearLayers(net).length;
  for (let l = 0; l < L; l++) {
    const r = await layerSwapCosts(evaluator, net, inputs, l, l === 0);
    out.push(l === 0 ? r : { ...r, T: undefined });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// GMM swap costs (results.md §4)

/**
 * Inputs of the GMM Gaussian-subspace data (datasets.md §5: 20 classes, separation 0.3, structure
 * seed 789, train sampling seed 123) with intrinsic dimension k and ambient dimension D.
 */
export function gmmInputs(k: number, ambientDim: number, samples: number): Tensor {
  void k;
  void ambientDim;
  void samples;
  return missing('@nidkit/models gmmSubspace');
}

/**
 * A W-MLP `D → w → w → w → 20` (LayerNorm, GELU) at initialization, κ uniform, num_fixed with
 * the MNIST fractions for its row lengths (64 of 512 → 12.5 % for hidden layers, 50 % for the output).
 */
export function gmmWMlp(kappa: number, ambientDim: number, width: number, maskSeed: number, initSeed: number): Network {
  return models.buildMlp({
    family: 'w-asym',
    widths: [ambientDim, width, width, width, 20],
    kappa,
    numFixed: [Math.round((64 * ambientDim) / 512), Math.round((64 * width) / 512), Math.round((64 * width) / 512), Math.round((256 * width) / 512)],
    maskSeed,
    initSeed,
  });
}

/** What the swap-cost experiment keeps of a layer. */
export type SwapCostLayer = LayerCostSummary & { T: number[][] };

// ---------------------------------------------------------------------------------------------
// LMC (merging.md §9)

/** One alignment mode of one pair: the train-split curve and its barriers. */
export interface ModeRecord {
  readonly alignment: string;
  readonly lambdas: number[];
  /** Train accuracy (%) per λ. */
  readonly accuracy: number[];
  /** Train loss per λ. */
  readonly loss: number[];
  readonly barriers: Record<BarrierName, number | null>;
  readonly linearity: boolean | null;
}

/** The LMC record of one pair. */
export interface PairLmc {
  readonly models: readonly [string, string];
  readonly unaligned: ModeRecord;
  readonly aligned: ModeRecord;
}

/** Options of {@link lmcPair}. */
export interface LmcPairOptions {
  readonly points: number;
  readonly evalLimit?: number;
  readonly matchLimit?: number;
  readonly seed: number;
  readonly ids: readonly [string, string];
}

/** Unaligned and activation-aligned LMC of a pair (merging.md §9). */
export function lmcPair(_ev: Evaluator, _a: Network, _b: Network, _data: Dataset, _opts: LmcPairOptions): Promise<PairLmc> {
  return missing('@nidkit/merging lmcProtocol');
}

// ---------------------------------------------------------------------------------------------
// Identifiability (function-class.md §7)

/** The activation-matching objective of one hidden layer. */
export interface LayerObjective {
  readonly layer: number;
  readonly identity: number;
  readonly optimal: number;
  readonly randomMean: number;
  readonly randomStd: number;
  readonly fixedPointFraction: number;
  readonly verdict: string;
}

/** Per hidden layer: identity vs optimal activation-matching objective and the verdict. */
export function matchingObjective(_ev: Evaluator, _a: Network, _b: Network, _inputs: Tensor, _seed: number): Promise<LayerObjective[]> {
  return missing('@nidkit/function-class identifiability');
}

/** Ridge realization-cost summary of one layer (function-class.md §6). */
export interface RidgeLayerSummary {
  readonly layer: string;
  readonly neurons: number;
  readonly byBeta: readonly { readonly beta: number; readonly signedSqrtMedian: number; readonly negativeFraction: number }[];
}

/** Ridge estimate on all pairs of the first `numNeurons` neurons of the given layers. */
export function ridgeLayers(
  _net: Network,
  _split: Split,
  _opts: { numNeurons: number; iterations: number; layers: readonly number[]; seed: number },
): Promise<RidgeLayerSummary[]> {
  return missing('@nidkit/function-class ridge realization costs');
}

// ---------------------------------------------------------------------------------------------
// Synthetic coherence experiment (datasets.md §7)

/** One trained pair of the coherence experiment. */
export interface CoherencePairRecord {
  readonly pair: number;
  readonly seeds: readonly [number, number];
  readonly lambdas: number[];
  readonly losses: number[];
  readonly peakBarrier: number;
  readonly midpointBarrier: number;
}

/** Trains the pairs of one (family, outer seed, m) and records their unaligned test-MSE curves. */
export function coherencePairs(
  _family: 'exact_copy' | 'random_tight_frame',
  _s: number,
  _m: number,
  _cfg: CoherenceConfig,
): Promise<CoherencePairRecord[]> {
  return missing('@nidkit/models synthetic coherence data');
}
