/**
 * Every size and setting of the reproduction experiments, per scale. `paper` follows the paper's
 * protocol (results.md, datasets.md §5/§7, merging.md §9, models.md §12); `small` is sized for a
 * 2-core machine (all five experiments in well under 30 minutes); `tiny` runs in seconds for tests
 * and shows nothing scientific.
 */
import type { Scale } from './types.js';

/** Training and evaluation sizes of the MNIST MLPs (experiments lmc-families, kappa-sweep, realization-costs). */
export interface MnistScaleConfig {
  /** Hidden width w of the `784 → w → w → w → 10` MLP (paper 512); num_fixed scales with the row length. */
  readonly width: number;
  readonly epochs: number;
  /** Independent model pairs per configuration (paper 8). */
  readonly pairs: number;
  /** Training samples used (of the 7,200 of mnist-10k's train split); undefined = all. */
  readonly trainLimit?: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly weightDecay: number;
  /** Train-split samples on which every interpolant is evaluated; undefined = all. */
  readonly evalLimit?: number;
  /** Train-split samples whose activations drive activation matching; undefined = all. */
  readonly matchLimit?: number;
  /** λ grid points (paper figures: 37; 9 includes λ = 0.5). */
  readonly points: number;
  /** Epochs at which the standard MLPs are checkpointed for the identifiability-over-training table (R6). */
  readonly checkpointEpochs: readonly number[];
}

/** Settings of the GMM swap-cost experiment (results.md §4, datasets.md §5). */
export interface SwapCostsConfig {
  readonly ks: readonly number[];
  readonly kappas: readonly number[];
  /** Ambient dimension D (paper 512). */
  readonly ambientDim: number;
  /** Hidden width (paper 64). */
  readonly width: number;
  /** GMM samples whose principal subspace defines U (train split; paper 50,000). */
  readonly samples: number;
  /**
   * Ridge estimate (function-class.md §6) on all ordered pairs of the first `numNeurons` neurons of
   * lins.0, on `samples` validation samples, or null to skip it (it is the heaviest analysis).
   */
  readonly ridge: {
    readonly numNeurons: number;
    readonly iterations: number;
    readonly samples: number;
  } | null;
}

/** Settings of the synthetic coherence experiment (datasets.md §7). */
export interface CoherenceConfig {
  readonly copies: number;
  readonly width: number;
  readonly activeProbability: number;
  readonly nTrain: number;
  readonly nTest: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly lr: number;
  readonly weightDecay: number;
  readonly outerSeeds: readonly number[];
  readonly pairsPerSeed: number;
  /** Numbers of active copies m (coherence 1/m). */
  readonly ms: readonly number[];
  readonly points: number;
  readonly families: readonly ('exact_copy' | 'random_tight_frame')[];
}

/** Settings of the per-layer realization-cost summaries (function-class.md §5–§6). */
export interface RealizationConfig {
  /** Samples of the train split whose layer inputs define U for the Mahalanobis estimate; undefined = all. */
  readonly mahalanobisSamples?: number;
  /** Linear layers of the Mahalanobis estimate; undefined = all (tiny skips the 784-d input layer, whose eigendecomposition dominates). */
  readonly layers?: readonly number[];
  /** Ridge estimate: sampled neuron pairs per layer, full-batch iterations per β, val samples. */
  readonly ridge: {
    readonly numPairs: number;
    readonly iterations: number;
    readonly samples?: number;
    readonly layers: readonly number[];
  };
  /** Models analyzed per family (model A of the first pairs). */
  readonly modelsPerFamily: number;
}

/** MNIST MLP sizes per scale (paper: models.md §12 with the embedded mnist-10k). */
export const MNIST: Record<Scale, MnistScaleConfig> = {
  tiny: {
    width: 16,
    epochs: 1,
    pairs: 1,
    trainLimit: 256,
    batchSize: 64,
    lr: 1e-3,
    weightDecay: 0.01,
    evalLimit: 128,
    matchLimit: 128,
    points: 3,
    checkpointEpochs: [0, 1],
  },
  small: {
    width: 128,
    epochs: 15,
    pairs: 2,
    batchSize: 64,
    lr: 1e-3,
    weightDecay: 0.01,
    evalLimit: 2000,
    matchLimit: 2000,
    points: 9,
    checkpointEpochs: [0, 1, 2, 5, 10, 15],
  },
  paper: {
    width: 512,
    epochs: 100,
    pairs: 8,
    batchSize: 64,
    lr: 1e-3,
    weightDecay: 0.01,
    points: 37,
    checkpointEpochs: [0, 5, 10, 20, 40, 60, 80, 100],
  },
};

/** κ values of the κ sweep (the list; paper scale adds the paper's 0.01, 0.02, 0.1). */
export const KAPPAS: Record<Scale, readonly number[]> = {
  tiny: [0, 1],
  small: [0, 0.05, 0.2, 0.5, 1, 2, 5],
  paper: [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
};

/** GMM swap-cost settings per scale (paper: results.md §4, datasets.md §5). */
export const SWAP_COSTS: Record<Scale, SwapCostsConfig> = {
  tiny: {
    ks: [2, 8],
    kappas: [0, 1],
    ambientDim: 64,
    width: 16,
    samples: 256,
    ridge: { numNeurons: 3, iterations: 3, samples: 64 },
  },
  small: { ks: [2, 8, 32], kappas: [0, 1], ambientDim: 512, width: 64, samples: 5000, ridge: null },
  paper: {
    ks: [2, 8, 32],
    kappas: [0, 1],
    ambientDim: 512,
    width: 64,
    samples: 50000,
    ridge: { numNeurons: 64, iterations: 3000, samples: 5000 },
  },
};

/** Synthetic coherence settings per scale (paper: datasets.md §7 exactly). */
export const COHERENCE: Record<Scale, CoherenceConfig> = {
  tiny: {
    copies: 10,
    width: 32,
    activeProbability: 0.15,
    nTrain: 256,
    nTest: 256,
    batchSize: 128,
    epochs: 3,
    lr: 1e-2,
    weightDecay: 1e-2,
    outerSeeds: [0],
    pairsPerSeed: 1,
    ms: [1, 10],
    points: 3,
    families: ['exact_copy', 'random_tight_frame'],
  },
  small: {
    copies: 10,
    width: 128,
    activeProbability: 0.15,
    nTrain: 1024,
    nTest: 2048,
    batchSize: 512,
    epochs: 100,
    lr: 1e-2,
    weightDecay: 1e-2,
    outerSeeds: [0, 1],
    pairsPerSeed: 4,
    ms: [1, 2, 3, 5, 10],
    points: 21,
    families: ['exact_copy', 'random_tight_frame'],
  },
  paper: {
    copies: 10,
    width: 128,
    activeProbability: 0.15,
    nTrain: 1024,
    nTest: 2048,
    batchSize: 512,
    epochs: 100,
    lr: 1e-2,
    weightDecay: 1e-2,
    outerSeeds: [0, 1, 2, 3, 4],
    pairsPerSeed: 10,
    ms: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    points: 21,
    families: ['exact_copy', 'random_tight_frame'],
  },
};

/** Realization-cost settings per scale (function-class.md §5–§6). */
export const REALIZATION: Record<Scale, RealizationConfig> = {
  tiny: {
    mahalanobisSamples: 128,
    layers: [1, 2, 3],
    ridge: { numPairs: 4, iterations: 5, samples: 64, layers: [1] },
    modelsPerFamily: 1,
  },
  small: {
    mahalanobisSamples: 2000,
    ridge: { numPairs: 64, iterations: 50, samples: 400, layers: [1] },
    modelsPerFamily: 1,
  },
  paper: { ridge: { numPairs: 4096, iterations: 3000, layers: [0, 1, 2] }, modelsPerFamily: 2 },
};
