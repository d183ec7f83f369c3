import { describe, expect, it } from 'vitest';
import { COHERENCE, KAPPAS, MNIST, REALIZATION, SWAP_COSTS } from './configs.js';

// The paper scale must be the protocol of the spec; these pin it against drift.
describe('paper-scale configurations follow the spec', () => {
  it('MNIST MLPs: models.md §12 and results.md §1/§3', () => {
    expect(MNIST.paper).toMatchObject({
      width: 512,
      epochs: 100,
      pairs: 8,
      batchSize: 64,
      lr: 1e-3,
      weightDecay: 0.01,
      points: 37,
    });
    expect(MNIST.paper.evalLimit).toBeUndefined();
    expect(MNIST.paper.matchLimit).toBeUndefined();
    expect(MNIST.paper.trainLimit).toBeUndefined();
    expect(MNIST.paper.checkpointEpochs).toEqual([0, 5, 10, 20, 40, 60, 80, 100]);
    expect(KAPPAS.paper).toEqual([0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]);
    // the κ list at the default scale
    expect(KAPPAS.small).toEqual([0, 0.05, 0.2, 0.5, 1, 2, 5]);
  });

  it('GMM swap costs: results.md §4 and datasets.md §5', () => {
    expect(SWAP_COSTS.paper).toMatchObject({
      ks: [2, 8, 32],
      kappas: [0, 1],
      ambientDim: 512,
      width: 64,
      samples: 50000,
    });
    expect(SWAP_COSTS.paper.ridge).toMatchObject({ numNeurons: 64, iterations: 3000 });
    expect(SWAP_COSTS.small).toMatchObject({
      ks: [2, 8, 32],
      kappas: [0, 1],
      ambientDim: 512,
      width: 64,
    });
  });

  it('synthetic coherence: datasets.md §7 exactly (2 × 5 × 10 × 10 pairs)', () => {
    expect(COHERENCE.paper).toEqual({
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
    });
    // small keeps every per-training setting of the protocol and only runs fewer seeds, pairs and m
    const { outerSeeds: _s, pairsPerSeed: _p, ms: _m, ...perTraining } = COHERENCE.paper;
    expect(COHERENCE.small).toMatchObject(perTraining);
  });

  it('ridge: the spec full grid of 64 neurons, 3000 steps per β at paper scale', () => {
    expect(REALIZATION.paper.ridge).toMatchObject({ numPairs: 4096, iterations: 3000 });
    expect(REALIZATION.paper.mahalanobisSamples).toBeUndefined();
  });
});
