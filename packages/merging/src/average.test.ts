import type { Network } from '@nidkit/core';
import { IncompatibleFixedPartsError, InvalidArgumentError, namedTensors } from '@nidkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomMlp } from '../test/helpers.js';
import { averageNetworks } from './average.js';
import { interpolate } from './interpolate.js';

function state(net: Network): Record<string, number[]> {
  return Object.fromEntries(namedTensors(net).map((t) => [t.name, Array.from(t.tensor.data)]));
}

describe('averageNetworks', () => {
  it('averaging identical models returns the same model (property, any count and weights)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('standard', 'w-asym', 'syre', 'sigma-asym' as const),
        fc.array(fc.double({ min: 0.01, max: 10, noNaN: true }), { minLength: 1, maxLength: 6 }),
        (family, weights) => {
          const a = randomMlp({ widths: [4, 5, 3], family, norm: 'batch', seed: 3, maskSeed: 1 });
          const avg = averageNetworks(
            weights.map(() => a),
            { weights },
          );
          expect(state(avg)).toEqual(state(a));
        },
      ),
      { seed: 5, numRuns: 40 },
    );
  });

  it('the uniform average of three models is the entrywise mean; of two it equals interpolate(·, ·, 0.5)', () => {
    const nets = [1, 2, 3].map((seed) =>
      randomMlp({ widths: [4, 5, 3], family: 'syre', norm: 'layer', seed, maskSeed: 8 }),
    );
    const avg = state(averageNetworks(nets));
    const s = nets.map(state);
    for (const [name, values] of Object.entries(avg)) {
      const mean = values.map((_, i) =>
        Math.fround(s[0]![name]![i]! / 3 + s[1]![name]![i]! / 3 + s[2]![name]![i]! / 3),
      );
      const fixedPart = name.endsWith('.noise');
      expect(values, name).toEqual(fixedPart ? s[0]![name] : mean);
    }
    expect(state(averageNetworks(nets.slice(0, 2)))).toEqual(
      state(interpolate(nets[0]!, nets[1]!, 0.5)),
    );
  });

  it('weights are normalized: weights [1, 3] equal interpolate at λ = 0.75', () => {
    const a = randomMlp({ widths: [4, 5, 3], seed: 1 });
    const b = randomMlp({ widths: [4, 5, 3], seed: 2 });
    expect(state(averageNetworks([a, b], { weights: [1, 3] }))).toEqual(
      state(interpolate(a, b, 0.75)),
    );
    expect(state(averageNetworks([a, b], { weights: [0, 2] }))).toEqual(state(b));
    expect(averageNetworks([a, b]).meta.provenance).toMatchObject({
      operation: 'average',
      numModels: 2,
      weights: [0.5, 0.5],
    });
  });

  it('rejects an empty list, bad weights and incompatible fixed parts', () => {
    const a = randomMlp({ widths: [4, 5, 3], family: 'w-asym', seed: 1, maskSeed: 1 });
    const b = randomMlp({ widths: [4, 5, 3], family: 'w-asym', seed: 2, maskSeed: 2 });
    expect(() => averageNetworks([])).toThrow(InvalidArgumentError);
    expect(() => averageNetworks([a, a], { weights: [1] })).toThrow(/expected 2 weights, got 1/);
    expect(() => averageNetworks([a, a], { weights: [1, -1] })).toThrow(
      /weight 1 must be a finite number ≥ 0/,
    );
    expect(() => averageNetworks([a, a], { weights: [0, 0] })).toThrow(/sum to 0/);
    expect(() => averageNetworks([a, a, b])).toThrow(IncompatibleFixedPartsError);
    expect(() => averageNetworks([a, a, b])).toThrow(/model 2: masks D differ/);
    expect(averageNetworks([a, b], { space: 'dense' }).family).toBe('standard');
  });
});
