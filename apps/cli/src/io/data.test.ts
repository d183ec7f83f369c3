import { describe, expect, it } from 'vitest';
import { tensor } from '@nidkit/core';
import { UsageError } from '../errors.js';
import { evenSubset, parseDataSpec, syntheticOptions } from './data.js';

describe('--data', () => {
  it('parses names, synthetic specs and folders', () => {
    expect(parseDataSpec('mnist')).toEqual({ kind: 'mnist' });
    expect(parseDataSpec('fashion-mnist')).toEqual({ kind: 'fashion-mnist' });
    expect(parseDataSpec('gmm:d=64,k=8')).toEqual({ kind: 'gmm', options: { d: 64, k: 8 } });
    expect(parseDataSpec('parity')).toEqual({ kind: 'parity', options: {} });
    expect(parseDataSpec('./data/mnist')).toEqual({ kind: 'idx', dir: './data/mnist' });
    expect(() => parseDataSpec('gmm:d=')).toThrow(UsageError);
  });

  it('maps synthetic keys to the generator options and rejects unknown keys', () => {
    expect(syntheticOptions('gmm', { d: 32, k: 4, n: 100 })).toEqual({
      ambientDim: 32,
      latentDim: 4,
      nTrain: 100,
    });
    expect(syntheticOptions('multilabel', { k: 5 })).toEqual({ numLabels: 5 });
    expect(() => syntheticOptions('parity', { classes: 3 })).toThrow(/unknown option "classes"/);
  });

  it('evenSubset keeps every class of a split sorted by label', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => Math.floor(i / 10));
    const split = {
      inputs: tensor(
        Float32Array.from({ length: 200 }, (_, i) => i),
        [100, 2],
      ),
      labels,
    };
    const sub = evenSubset(split, 10);
    expect(Array.from(sub.labels!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sub.inputs.shape).toEqual([10, 2]);
    expect(Array.from(sub.inputs.data.subarray(2, 4))).toEqual([20, 21]);
    expect(evenSubset(split, 500)).toBe(split);
  });
});
