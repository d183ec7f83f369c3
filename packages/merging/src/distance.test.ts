import type { Network } from '@nidkit/core';
import {
  IncompatibleModelsError,
  countParameters,
  effectiveWeight,
  linearLayers,
  namedTensors,
} from '@nidkit/core';
import { describe, expect, it } from 'vitest';
import { f32, permuteHidden, randomMlp } from '../test/helpers.js';
import { weightDistance } from './distance.js';

describe('weightDistance', () => {
  it('is 0 between identical models, and symmetric', () => {
    const a = randomMlp({
      widths: [5, 4, 3],
      family: 'w-asym',
      norm: 'batch',
      seed: 1,
      maskSeed: 2,
    });
    expect(weightDistance(a, a)).toMatchObject({ distance: 0, normalizedDistance: 0 });
    const b = randomMlp({
      widths: [5, 4, 3],
      family: 'w-asym',
      norm: 'batch',
      seed: 2,
      maskSeed: 2,
    });
    expect(weightDistance(a, b).distance).toBe(weightDistance(b, a).distance);
  });

  it('matches a hand computation on a tiny standard network with BatchNorm statistics', () => {
    const net = (w: number[], b: number[], g: number[], rv: number[]): Network => ({
      family: 'standard',
      inputShape: [2],
      meta: {},
      layers: [
        { type: 'linear', index: 0, weight: f32(w, [1, 2]), bias: f32(b, [1]) },
        {
          type: 'norm',
          index: 0,
          kind: 'batch',
          gamma: f32(g, [1]),
          beta: f32([0], [1]),
          eps: 1e-5,
          runningMean: f32([0], [1]),
          runningVar: f32(rv, [1]),
        },
        { type: 'act', index: 0, kind: 'relu' },
        { type: 'linear', index: 1, weight: f32([1], [1, 1]), bias: null },
      ],
    });
    const a = net([1, 2], [0], [1], [1]);
    const b = net([1, 0], [1], [3], [2]);
    // Δ: weight (0, 2), bias 1, γ 2, running_var 1 → 4 + 1 + 4 + 1 = 10
    const r = weightDistance(a, b);
    expect(r.distance).toBeCloseTo(Math.sqrt(10), 14);
    // trainable: 2 + 1 + γ + β + 1 = 6 (buffers not counted)
    expect(r.numParams).toBe(6);
    expect(r.normalizedDistance).toBeCloseTo(Math.sqrt(10) / Math.sqrt(6), 14);
  });

  it('W-MLP: compares effective weights (raw values at fixed positions never count) and normalizes by free parameters', () => {
    const a = randomMlp({ widths: [6, 5, 3], family: 'w-asym', seed: 1, maskSeed: 2 });
    // B = A with different raw values only where the mask pins the entry: same function, distance 0
    const b: Network = {
      ...a,
      layers: a.layers.map((l) => {
        if (l.type !== 'linear' || l.fixed?.kind !== 'mask') return l;
        const mask = l.fixed.mask.data;
        return {
          ...l,
          weight: f32(
            l.weight.data.map((v, i) => (mask[i] === 0 ? v + 100 : v)),
            l.weight.shape,
          ),
        };
      }),
    };
    expect(namedTensors(b).find((t) => t.name === 'lins.0.weight')!.tensor.data).not.toEqual(
      namedTensors(a).find((t) => t.name === 'lins.0.weight')!.tensor.data,
    );
    expect(weightDistance(a, b).distance).toBe(0);
    const c = randomMlp({ widths: [6, 5, 3], family: 'w-asym', seed: 3, maskSeed: 2 });
    const count = countParameters(a);
    expect(count.maskedEntries).toBeGreaterThan(0);
    const r = weightDistance(a, c);
    expect(r.numParams).toBe(count.trainable - count.maskedEntries);
    expect(r.normalizedDistance).toBeCloseTo(r.distance / Math.sqrt(count.free), 14);
    let sum = 0;
    linearLayers(a).forEach((la, l) => {
      const lc = linearLayers(c)[l]!;
      const ea = effectiveWeight(la).data;
      const ec = effectiveWeight(lc).data;
      ea.forEach((x, i) => (sum += (x - ec[i]!) ** 2));
      la.bias!.data.forEach((x, i) => (sum += (x - lc.bias!.data[i]!) ** 2));
    });
    expect(r.distance).toBeCloseTo(Math.sqrt(sum), 12);
  });

  it('a permuted copy is at positive distance although it computes the same function', () => {
    const a = randomMlp({ widths: [4, 6, 3], norm: 'layer', seed: 5 });
    const b = permuteHidden(a, [Int32Array.from([5, 4, 3, 2, 1, 0])]);
    expect(weightDistance(a, b).distance).toBeGreaterThan(0.5);
  });

  it('rejects different architectures', () => {
    const a = randomMlp({ widths: [4, 6, 3], seed: 5 });
    expect(() => weightDistance(a, randomMlp({ widths: [4, 5, 3], seed: 5 }))).toThrow(
      IncompatibleModelsError,
    );
    expect(() => weightDistance(a, randomMlp({ widths: [4, 5, 3], seed: 5 }))).toThrow(
      /^weightDistance: the models are incompatible/,
    );
  });
});
