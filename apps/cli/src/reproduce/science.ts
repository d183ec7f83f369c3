/**
 * The one module of `reproduce` that calls the science packages. Every function here composes
 * package functions and turns their results into the plain records the experiments store; none
 * computes a paper quantity itself.
 */
import type { Dataset, Evaluator, Network, Tensor } from '@nidkit/core';
import { getSplit } from '@nidkit/core';
import * as fc from '@nidkit/function-class';
import * as matching from '@nidkit/matching';
import * as merging from '@nidkit/merging';
import * as models from '@nidkit/models';
import type { CoherenceConfig, MnistScaleConfig } from './configs.js';
import { subsetSplit } from './data.js';
import type { Variant } from './families.js';

/** The barrier metrics of merging.md §4 reported for the MNIST experiments. */
export const BARRIER_NAMES = [
  'lossBarrier',
  'midpointLossBarrier',
  'accuracyBarrierPp',
  'midpointAccuracyBarrierPp',
  'accuracyDropPp',
  'relativeAccuracyDropPct',
] as const;
/** One of {@link BARRIER_NAMES}. */
export type BarrierName = (typeof BARRIER_NAMES)[number];

/** mnist-10k (embedded digits). */
export function loadMnist(): Dataset {
  return models.loadMnist10k();
}

function mnistConfig(
  variant: Variant,
  width: number,
  maskSeed: number,
  runSeed: number,
  index: number,
): models.MlpConfig {
  const seeds = models.deriveModelSeeds(runSeed, index);
  const base = models.paperMlpConfig({
    family: variant.family,
    width,
    kappa: 'kappa1',
    maskSeed,
    ...seeds,
  });
  return variant.kappa === undefined ? base : { ...base, kappa: variant.kappa };
}

/**
 * The paper's MNIST MLP `784 → w → w → w → 10` (LayerNorm, GELU, num_fixed scaled with the row
 * length) of a variant, at initialization. Seeds: shared `maskSeed`, per-model init and
 * optimization seeds from `deriveModelSeeds(runSeed, index)`.
 */
export function buildMnistMlp(
  variant: Variant,
  width: number,
  maskSeed: number,
  runSeed: number,
  index: number,
): Network {
  return models.buildMlp(mnistConfig(variant, width, maskSeed, runSeed, index));
}

/** What is kept of a training run. */
export interface TrainSummary {
  readonly backend: string;
  readonly epochs: number;
  readonly seconds: number;
  readonly finalTrainLoss: number | null;
  readonly finalTrainAccuracy: number | null;
  readonly finalValAccuracy: number | null;
  readonly history: readonly {
    epoch: number;
    trainLoss: number;
    trainAccuracy: number | null;
    valAccuracy: number | null;
  }[];
}

/** Trains a classifier with AdamW (models.md §12 with the scale's epochs and data). */
export async function trainClassifier(
  net: Network,
  dataset: Dataset,
  cfg: MnistScaleConfig,
  onMessage: (msg: string) => void,
  onCheckpoint?: (epoch: number, network: Network) => Promise<void>,
): Promise<{ network: Network; summary: TrainSummary }> {
  const t0 = Date.now();
  const r = await models.trainNetwork(net, dataset, {
    ...(onCheckpoint
      ? {
          saveEvery: 1,
          keepCheckpoints: false,
          onCheckpoint: (cp: models.Checkpoint) => onCheckpoint(cp.epoch, cp.network),
        }
      : {}),
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    lr: cfg.lr,
    weightDecay: cfg.weightDecay,
    testSplit: null,
    progressEvery: 50,
    onProgress: (e) => {
      if (e.kind === 'epoch') {
        onMessage(
          `epoch ${e.epoch}/${e.epochs}: train loss ${e.loss.toFixed(4)}${e.val?.accuracy != null ? `, val ${e.val.accuracy.toFixed(2)} %` : ''}`,
        );
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

function summarizeLayer(
  r: fc.LayerCostRecord,
  keepT: boolean,
): LayerCostSummary & { T: number[][] } {
  const n = r.M.shape[0]!;
  const diag: number[] = [];
  for (let i = 0; i < n; i++) diag.push(Math.sqrt(r.M.data[i * n + i]!));
  const q = (level: number) =>
    r.summaries.signedSqrtQuantiles.find((x) => x.q === level)?.value ?? 0;
  return {
    layer: r.layer,
    d: r.d,
    k: r.k,
    explainedVariance: r.explainedVariance,
    coherence: r.coherence,
    neurons: n,
    negativeFraction: r.summaries.negativeFraction,
    signedSqrtQuantiles: r.summaries.signedSqrtQuantiles,
    signedSqrtMedian: q(0.5),
    signedSqrtMaxAbs: Math.max(Math.abs(q(0)), Math.abs(q(1))),
    diagonalSqrtMMedian: median(diag),
    T: keepT ? rows(r.T) : [],
  };
}

/**
 * Mahalanobis realization/swap costs of linear layer `l` on the τ = 0.9 principal subspace of its
 * recorded inputs (function-class `layerCosts`).
 */
export async function layerSwapCosts(
  evaluator: Evaluator,
  net: Network,
  inputs: Tensor,
  l: number,
): Promise<LayerCostSummary & { T: number[][] }> {
  const [r] = await fc.layerCosts(evaluator, net, inputs, { tau: 0.9, layers: [l] });
  return summarizeLayer(r!, true);
}

/** Costs of the given linear layers (default all; function-class `layerCosts`); T is kept for the first only. */
export async function mahalanobisLayers(
  evaluator: Evaluator,
  net: Network,
  inputs: Tensor,
  layers?: readonly number[],
): Promise<LayerCostSummary[]> {
  const records = await fc.layerCosts(
    evaluator,
    net,
    inputs,
    layers ? { tau: 0.9, layers } : { tau: 0.9 },
  );
  return records.map((r, i) => {
    const s = summarizeLayer(r, i === 0);
    return i === 0 ? s : { ...s, T: undefined };
  });
}

/** Ridge realization-cost summary of one layer (function-class.md §6). */
export interface RidgeLayerSummary {
  readonly layer: string;
  readonly neurons: number;
  readonly samples: number;
  readonly iterations: number;
  readonly normKind: string;
  readonly byBeta: readonly {
    readonly beta: number;
    /** Median over pairs of the ridge realization cost R (regularizer at the fit). */
    readonly medianR: number;
    /** Median residual MSE of the fits. */
    readonly medianMse: number;
    readonly signedSqrtMedian: number;
    readonly negativeFraction: number;
  }[];
}

/**
 * Ridge estimate (function-class `ridgeRealizationCosts`) on all ordered pairs of the first
 * `numNeurons` neurons of the given layers, so the swap costs of that sub-grid are defined.
 * Returns an empty list for σ-MLPs (no elementwise activation to regress through).
 */
export async function ridgeLayers(
  evaluator: Evaluator,
  net: Network,
  inputs: Tensor,
  opts: {
    numNeurons: number;
    iterations: number;
    layers: readonly number[];
    seed: number;
    onProgress?: (msg: string) => void;
  },
): Promise<RidgeLayerSummary[]> {
  if (net.family === 'sigma-asym') return [];
  const records = await fc.ridgeRealizationCosts(evaluator, net, inputs, {
    numNeurons: opts.numNeurons,
    iterations: opts.iterations,
    layers: opts.layers,
    seed: opts.seed,
    progressEvery: Math.max(1, Math.floor(opts.iterations / 2)),
    onProgress: (p) =>
      opts.onProgress?.(`ridge ${p.layer} β=${p.beta}: ${p.iteration}/${p.iterations}`),
  });
  return records.map((r) => ({
    layer: r.layer,
    neurons: r.numNeurons,
    samples: r.samples,
    iterations: r.iterations,
    normKind: r.normKind,
    byBeta: r.perBeta.map((b) => {
      const summary = b.T ? fc.swapCostSummary(b.T) : null;
      return {
        beta: b.beta,
        medianR: median(Array.from(b.R)),
        medianMse: median(Array.from(b.mse)),
        signedSqrtMedian: summary?.signedSqrtQuantiles.find((x) => x.q === 0.5)?.value ?? 0,
        negativeFraction: summary?.negativeFraction ?? 0,
      };
    }),
  }));
}

// ---------------------------------------------------------------------------------------------
// GMM swap costs (results.md §4)

/**
 * Inputs of the GMM Gaussian-subspace data (datasets.md §5: 20 classes, separation 0.3, structure
 * seed 789, train sampling seed 123) with intrinsic dimension k and ambient dimension D.
 */
export function gmmInputs(k: number, ambientDim: number, samples: number): Tensor {
  const ds = models.gmmSubspace({
    latentDim: k,
    ambientDim,
    nTrain: samples,
    nTest: 2,
    valSplit: false,
  });
  return getSplit(ds, 'train').inputs;
}

/**
 * A W-MLP `D → w → w → w → 20` (LayerNorm, GELU) at initialization, κ uniform, num_fixed with
 * the MNIST fractions for its row lengths (64 of 512 → 12.5 % for hidden layers, 50 % for the output).
 */
export function gmmWMlp(
  kappa: number,
  ambientDim: number,
  width: number,
  maskSeed: number,
  initSeed: number,
): Network {
  return models.buildMlp({
    family: 'w-asym',
    widths: [ambientDim, width, width, width, 20],
    kappa,
    numFixed: [
      Math.round((64 * ambientDim) / 512),
      Math.round((64 * width) / 512),
      Math.round((64 * width) / 512),
      Math.round((256 * width) / 512),
    ],
    maskSeed,
    initSeed,
  });
}

/** The ridge swap costs of one β on the full grid of the first n' neurons. */
export interface RidgeGrid {
  readonly beta: number;
  readonly neurons: number;
  readonly samples: number;
  readonly iterations: number;
  /** `T_ridge` `[n', n']`. */
  readonly T: number[][];
  /** Median residual MSE of the fits. */
  readonly medianMse: number;
}

/**
 * Ridge swap costs of linear layer `l` (function-class `ridgeRealizationCosts`) on all ordered
 * pairs of the first `numNeurons` neurons, one grid per β.
 */
export async function ridgeGrids(
  evaluator: Evaluator,
  net: Network,
  inputs: Tensor,
  l: number,
  opts: { numNeurons: number; iterations: number; seed: number },
): Promise<RidgeGrid[]> {
  const [r] = await fc.ridgeRealizationCosts(evaluator, net, inputs, {
    numNeurons: opts.numNeurons,
    iterations: opts.iterations,
    layers: [l],
    seed: opts.seed,
  });
  return r!.perBeta.map((b) => ({
    beta: b.beta,
    neurons: r!.numNeurons,
    samples: r!.samples,
    iterations: r!.iterations,
    T: b.T ? rows(b.T) : [],
    medianMse: median(Array.from(b.mse)),
  }));
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
  readonly distance: number;
  readonly normalizedDistance: number;
  /** `stored` or `dense` (aligned W-/syre-models are interpolated in effective weights). */
  readonly space: string;
  /** True when σ-gate matrices were interpolated (aligned σ-MLPs). */
  readonly fixedPartsInterpolated: boolean;
  /** Aligned mode: per hidden layer, the matching objective of the alignment. */
  readonly matching:
    | readonly {
        layer: number;
        identity: number | null;
        optimal: number | null;
        randomMean: number | null;
        randomStd: number | null;
        fixedPointFraction: number;
      }[]
    | null;
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
  readonly onProgress?: (msg: string) => void;
}

function modeRecord(r: merging.LmcRecord): ModeRecord {
  const train = r.splits['train']!;
  const b = train.barriers;
  const barriers = {} as Record<BarrierName, number | null>;
  for (const name of BARRIER_NAMES) barriers[name] = b ? b[name] : null;
  return {
    alignment: r.alignment,
    lambdas: r.lambdas,
    accuracy: train.accuracy ?? [],
    loss: train.loss,
    barriers,
    linearity: b?.linearity ?? null,
    distance: r.distance,
    normalizedDistance: r.normalizedDistance,
    space: r.space,
    fixedPartsInterpolated: r.fixedPartsInterpolated,
    matching: r.matching
      ? r.matching.layers.map((l) => ({
          layer: l.layer,
          identity: l.identity,
          optimal: l.optimal,
          randomMean: l.randomMean,
          randomStd: l.randomStd,
          fixedPointFraction: l.fixedPointFraction,
        }))
      : null,
  };
}

/**
 * Unaligned and activation-aligned LMC of a pair: merging's `lmcProtocol` (merging.md §9) on a
 * seeded random subset of `evalLimit` training digits, which also drives the activation matching.
 */
export async function lmcPair(
  evaluator: Evaluator,
  a: Network,
  b: Network,
  data: Dataset,
  opts: LmcPairOptions,
): Promise<PairLmc> {
  const train = subsetSplit(getSplit(data, 'train'), opts.evalLimit, 'mnist-eval');
  const dataset: Dataset = { ...data, splits: { train } };
  const report = await merging.lmcProtocol(evaluator, a, b, dataset, {
    alignment: ['none', 'activation'],
    points: opts.points,
    splits: ['train'],
    seed: opts.seed,
    ids: { a: opts.ids[0], b: opts.ids[1] },
    ...(opts.onProgress
      ? {
          onProgress: (e: { mode: string; stage: string; done: number; total: number }) =>
            opts.onProgress!(`${e.mode} ${e.stage} ${e.done}/${e.total}`),
        }
      : {}),
  });
  const [none, activation] = report.records;
  return { models: opts.ids, unaligned: modeRecord(none!), aligned: modeRecord(activation!) };
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

/**
 * Per hidden layer: identity vs optimal activation-matching objective (matching
 * `activationMatching`: post-activation, Pearson with zero for constant units, real alignment, 100
 * seeded random permutations) and the identifiability verdict (function-class
 * `identifiabilityVerdict`, function-class.md §7).
 */
export async function matchingObjective(
  evaluator: Evaluator,
  a: Network,
  b: Network,
  inputs: Tensor,
  seed: number,
): Promise<LayerObjective[]> {
  const r = await matching.activationMatching(evaluator, a, b, inputs, {
    point: 'post_activation',
    similarity: 'pearson_zero_for_constant',
    alignment: 'real',
    seed,
    randomSamples: 100,
  });
  return r.layers.map((l) => ({
    layer: l.layer,
    identity: l.identity,
    optimal: l.optimal,
    randomMean: l.randomMean,
    randomStd: l.randomStd,
    fixedPointFraction: l.fixedPointFraction,
    verdict: fc.identifiabilityVerdict(l),
  }));
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

/** The angle θ₀ of the first copy of the random frame of outer seed s (models `coherenceFrame`), in units of π. */
export function firstFrameAngle(s: number, copies: number): number {
  return models.coherenceFrame(s, copies).angles[0]! / Math.PI;
}

/** The dataset of one (family, outer seed, m) of the coherence experiment (datasets.md §7). */
function coherenceDataset(
  family: 'exact_copy' | 'random_tight_frame',
  s: number,
  m: number,
  cfg: CoherenceConfig,
): Dataset {
  return models.syntheticCoherenceDataset(family, s, m, {
    copies: cfg.copies,
    nTrain: cfg.nTrain,
    nTest: cfg.nTest,
    anchorAlignedEndpoint: false,
  });
}

/**
 * Trains the pairs of one (family, outer seed s, m) of the synthetic coherence experiment
 * (datasets.md §7): ScalarMaskedReLUNets with the mask of seed `10000 + s`, model seeds
 * `40000 + 1000·s + 2p` and `+1` (init and minibatch order), AdamW with weight decay on W only,
 * MSE; then the unaligned test-MSE curve (merging `lmcCurve`) and its peak and midpoint barriers.
 */
export async function coherencePairs(
  evaluator: Evaluator,
  family: 'exact_copy' | 'random_tight_frame',
  s: number,
  m: number,
  cfg: CoherenceConfig,
): Promise<CoherencePairRecord[]> {
  const dataset = coherenceDataset(family, s, m, cfg);
  const inputDim = 2 * cfg.copies;
  const mask = models.scalarMask(10000 + s, cfg.width, inputDim, cfg.activeProbability);
  const train = async (seed: number): Promise<Network> => {
    const net = models.buildScalarMaskedReluNet({
      inputDim,
      width: cfg.width,
      mask,
      initSeed: seed,
      trainHiddenBias: true,
    });
    const r = await models.trainNetwork(net, dataset, {
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      lr: cfg.lr,
      weightDecay: cfg.weightDecay,
      weightDecayBySlot: { bias: 0 },
      loss: 'mse',
      optimizationSeed: seed,
      valSplit: null,
      testSplit: null,
    });
    return r.network;
  };
  const out: CoherencePairRecord[] = [];
  for (let p = 0; p < cfg.pairsPerSeed; p++) {
    const seedA = 40000 + 1000 * s + 2 * p;
    const a = await train(seedA);
    const b = await train(seedA + 1);
    const curve = await merging.lmcCurve(evaluator, a, b, dataset, {
      points: cfg.points,
      splits: ['test'],
    });
    const test = curve.splits['test']!;
    out.push({
      pair: p,
      seeds: [seedA, seedA + 1],
      lambdas: curve.lambdas,
      losses: test.loss,
      peakBarrier: merging.peakBarrier(test.loss),
      midpointBarrier: merging.midpointBarrier(test.loss),
    });
  }
  return out;
}
