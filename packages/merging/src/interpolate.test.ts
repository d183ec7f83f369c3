import type { LinearLayer, Network, NormLayer } from '@nidkit/core';
import {
  IncompatibleFixedPartsError,
  IncompatibleModelsError,
  InvalidArgumentError,
  effectiveWeight,
  forward,
  linearLayers,
  namedTensors,
  toDense,
} from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { f32, gaussianInputs, permuteHidden, randomMlp } from '../test/helpers.js';
import { interpolate } from './interpolate.js';

const families = ['standard', 'w-asym', 'syre', 'sigma-asym'] as const;

function state(net: Network): Record<string, number[]> {
  return Object.fromEntries(namedTensors(net).map((t) => [t.name, Array.from(t.tensor.data)]));
}

describe('interpolate: endpoints and self-interpolation', () => {
  for (const family of families) {
    it(`${family}: λ = 0 gives A and λ = 1 gives B bit for bit`, () => {
      const a = randomMlp({ widths: [5, 6, 4, 3], family, norm: 'batch', seed: 1, maskSeed: 9 });
      const b = randomMlp({ widths: [5, 6, 4, 3], family, norm: 'batch', seed: 2, maskSeed: 9 });
      expect(state(interpolate(a, b, 0))).toEqual(state(a));
      expect(state(interpolate(a, b, 1))).toEqual(state(b));
    });
  }

  it('interpolating a network with itself returns it for every λ (property, all families)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...families),
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (family, seed, lambda) => {
          const a = randomMlp({
            widths: [4, 5, 3],
            family,
            norm: 'layer',
            seed,
            maskSeed: seed + 1,
          });
          expect(state(interpolate(a, a, lambda))).toEqual(state(a));
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  it('lerps every trained tensor and BatchNorm statistic entrywise; counters come from A', () => {
    const a = randomMlp({ widths: [3, 4, 2], norm: 'batch', seed: 1 });
    const b = randomMlp({ widths: [3, 4, 2], norm: 'batch', seed: 2 });
    const bNorm = b.layers.find((l) => l.type === 'norm') as NormLayer;
    const b2: Network = {
      ...b,
      layers: b.layers.map((l) => (l === bNorm ? { ...bNorm, numBatchesTracked: 7 } : l)),
    };
    const mid = interpolate(a, b2, 0.25);
    const sa = state(a);
    const sb = state(b2);
    for (const [name, values] of Object.entries(state(mid))) {
      const expected = sa[name]!.map((x, i) => Math.fround(0.75 * x + 0.25 * sb[name]![i]!));
      expect(values, name).toEqual(expected);
    }
    expect(Object.keys(state(mid))).toContain('norms.0.running_var');
    expect((mid.layers.find((l) => l.type === 'norm') as NormLayer).numBatchesTracked).toBe(100);
  });

  it('never mutates its inputs', () => {
    const a = randomMlp({
      widths: [3, 4, 2],
      family: 'w-asym',
      norm: 'batch',
      seed: 1,
      maskSeed: 3,
    });
    const b = randomMlp({
      widths: [3, 4, 2],
      family: 'w-asym',
      norm: 'batch',
      seed: 2,
      maskSeed: 3,
    });
    const before = [state(a), state(b)];
    const mid = interpolate(a, b, 0.5);
    expect([state(a), state(b)]).toEqual(before);
    // and the result shares no buffer with the inputs
    const ta = namedTensors(a).map((t) => t.tensor.data.buffer);
    for (const t of namedTensors(mid)) expect(ta).not.toContain(t.tensor.data.buffer);
  });
});

describe('interpolate: asymmetric models', () => {
  for (const family of ['w-asym', 'syre'] as const) {
    it(`${family}: effective weights of the interpolant are the lerp of the effective weights`, () => {
      const a = randomMlp({
        widths: [6, 5, 4],
        family,
        norm: 'layer',
        seed: 1,
        maskSeed: 4,
        kappa: 0.7,
      });
      const b = randomMlp({
        widths: [6, 5, 4],
        family,
        norm: 'layer',
        seed: 2,
        maskSeed: 4,
        kappa: 0.7,
      });
      for (const lambda of [0.3, 0.5, 0.9]) {
        const mid = linearLayers(interpolate(a, b, lambda));
        mid.forEach((layer, l) => {
          const ea = effectiveWeight(linearLayers(a)[l]!).data;
          const eb = effectiveWeight(linearLayers(b)[l]!).data;
          const expected = Float64Array.from(ea, (x, i) => (1 - lambda) * x + lambda * eb[i]!);
          // float32 rounding of W before adding κN: within a few float32 ulps
          expectClose(Float64Array.from(effectiveWeight(layer).data), expected, {
            atol: 1e-6,
            rtol: 1e-6,
          });
        });
      }
    });
  }

  it('models with different masks raise IncompatibleFixedPartsError naming the first differing tensors', () => {
    const a = randomMlp({ widths: [6, 5, 4], family: 'w-asym', seed: 1, maskSeed: 4 });
    const b = randomMlp({ widths: [6, 5, 4], family: 'w-asym', seed: 2, maskSeed: 5 });
    let error: unknown;
    try {
      interpolate(a, b, 0.5);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IncompatibleFixedPartsError);
    expect(error).toBeInstanceOf(IncompatibleModelsError);
    const e = error as IncompatibleFixedPartsError;
    expect(e.code).toBe('INCOMPATIBLE_FIXED_PARTS');
    expect(e.differences[0]).toMatchObject({ layer: 'lins.0', tensor: 'lins.0.mask' });
    expect(e.differences[1]).toMatchObject({ layer: 'lins.0', tensor: 'lins.0.normal_mask' });
    expect(e.differences.map((d) => d.tensor)).toEqual([
      'lins.0.mask',
      'lins.0.normal_mask',
      'lins.1.mask',
      'lins.1.normal_mask',
    ]);
    // entry counts are exact
    const da = (linearLayers(a)[0]!.fixed as { mask: { data: Float32Array } }).mask.data;
    const db = (linearLayers(b)[0]!.fixed as { mask: { data: Float32Array } }).mask.data;
    expect(e.differences[0]!.entries).toBe(da.filter((v, i) => v !== db[i]).length);
    expect(e.message).toMatch(
      /^interpolate: the models are incompatible — lins\.0\.mask: masks D differ in \d+ of 30 entries/,
    );
  });

  it('a single flipped mask entry, a different κ or a different gate matrix is reported', () => {
    const a = randomMlp({ widths: [4, 3, 2], family: 'w-asym', seed: 1, maskSeed: 4 });
    const la = linearLayers(a)[1]!;
    const fixed = la.fixed as Extract<LinearLayer['fixed'], { kind: 'mask' }>;
    const flipped = Float32Array.from(fixed.mask.data);
    flipped[3] = 1 - flipped[3]!;
    const b: Network = {
      ...a,
      layers: a.layers.map((l) =>
        l === la
          ? {
              ...la,
              fixed: { ...fixed, mask: f32(flipped, fixed.mask.shape), kappa: Math.fround(0.25) },
            }
          : l,
      ),
    };
    expect(() => interpolate(a, b, 0.5)).toThrow(IncompatibleFixedPartsError);
    try {
      interpolate(a, b, 0.5);
    } catch (e) {
      expect((e as IncompatibleFixedPartsError).differences).toEqual([
        {
          layer: 'lins.1',
          tensor: 'lins.1.kappa',
          description: 'κ differs — A 0.5, B 0.25',
          entries: 1,
        },
        {
          layer: 'lins.1',
          tensor: 'lins.1.mask',
          description: 'masks D differ in 1 of 6 entries',
          entries: 1,
        },
      ]);
    }
    const s1 = randomMlp({ widths: [4, 3, 2], family: 'sigma-asym', seed: 1, maskSeed: 4 });
    const s2 = randomMlp({ widths: [4, 3, 2], family: 'sigma-asym', seed: 2, maskSeed: 5 });
    expect(() => interpolate(s1, s2, 0.5)).toThrow(
      /activations\.0\.C: gate matrices C differ in 9 of 9 entries/,
    );
  });

  it('allowFixedPartInterpolation lerps differing σ-gate matrices and flags the result', () => {
    const s1 = randomMlp({ widths: [4, 3, 2], family: 'sigma-asym', seed: 1, maskSeed: 4 });
    const s2 = randomMlp({ widths: [4, 3, 2], family: 'sigma-asym', seed: 2, maskSeed: 5 });
    const mid = interpolate(s1, s2, 0.5, { allowFixedPartInterpolation: true });
    expect(mid.meta.provenance?.fixedPartsInterpolated).toBe(true);
    const c1 = state(s1)['activations.0.C']!;
    const c2 = state(s2)['activations.0.C']!;
    expect(state(mid)['activations.0.C']).toEqual(
      c1.map((x, i) => Math.fround(0.5 * x + 0.5 * c2[i]!)),
    );
    // masks are never averaged, even with the flag
    const w1 = randomMlp({ widths: [4, 3, 2], family: 'w-asym', seed: 1, maskSeed: 4 });
    const w2 = randomMlp({ widths: [4, 3, 2], family: 'w-asym', seed: 2, maskSeed: 5 });
    expect(() => interpolate(w1, w2, 0.5, { allowFixedPartInterpolation: true })).toThrow(
      IncompatibleFixedPartsError,
    );
  });

  it("space: 'dense' interpolates effective weights of models whose fixed parts differ (aligned case)", () => {
    const a = randomMlp({ widths: [5, 4, 3], family: 'w-asym', seed: 1, maskSeed: 4 });
    const b = permuteHidden(
      randomMlp({ widths: [5, 4, 3], family: 'w-asym', seed: 2, maskSeed: 4 }),
      [Int32Array.from([3, 2, 0, 1])],
    );
    expect(() => interpolate(a, b, 0.5)).toThrow(IncompatibleFixedPartsError);
    const mid = interpolate(a, b, 0.5, { space: 'dense' });
    expect(mid.family).toBe('standard');
    expect(mid.meta.provenance?.space).toBe('dense');
    const expected = interpolate(toDense(a), toDense(b), 0.5);
    expect(state(mid)).toEqual(state(expected));
    // at the endpoints the dense path computes exactly A's and B's functions
    const x = gaussianInputs(3, 16, 5);
    expectClose(forward(interpolate(a, b, 0, { space: 'dense' }), x).logits, forward(a, x).logits);
    expectClose(forward(interpolate(a, b, 1, { space: 'dense' }), x).logits, forward(b, x).logits);
  });
});

describe('interpolate: bad input', () => {
  const a = randomMlp({ widths: [3, 4, 2], seed: 1 });
  it('rejects λ outside [0, 1] or not finite', () => {
    for (const l of [-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => interpolate(a, a, l)).toThrow(InvalidArgumentError);
    }
    expect(() => interpolate(a, a, 2)).toThrow(
      'interpolate: λ must be a finite number in [0, 1] — expected 0 ≤ λ ≤ 1, got 2',
    );
  });
  it('rejects different architectures with IncompatibleModelsError (not a fixed-part error)', () => {
    const wider = randomMlp({ widths: [3, 5, 2], seed: 1 });
    const ln = randomMlp({ widths: [3, 4, 2], seed: 1, norm: 'layer' });
    const gelu = randomMlp({ widths: [3, 4, 2], seed: 1, activation: 'gelu' });
    for (const other of [wider, ln, gelu]) {
      let error: unknown;
      try {
        interpolate(a, other, 0.5);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(IncompatibleModelsError);
      expect(error).not.toBeInstanceOf(IncompatibleFixedPartsError);
    }
    expect(() => interpolate(a, gelu, 0.5)).toThrow(/activation differs — A relu, B gelu/);
    expect(() => interpolate(a, wider, 0.5)).toThrow(
      /weight shape differs — A \[4, 3\], B \[5, 3\]/,
    );
    const w = randomMlp({ widths: [3, 4, 2], family: 'w-asym', seed: 1 });
    expect(() => interpolate(a, w, 0.5)).toThrow(/family differs — A standard, B w-asym/);
  });
  it('rejects NaN weights before computing anything', () => {
    const lin = linearLayers(a)[0]!;
    const bad = Float32Array.from(lin.weight.data);
    bad[0] = Number.NaN;
    const b: Network = {
      ...a,
      layers: a.layers.map((l) => (l === lin ? { ...lin, weight: f32(bad, lin.weight.shape) } : l)),
    };
    expect(() => interpolate(a, b, 0.5)).toThrow(/lins\.0\.weight: 1 non-finite value/);
  });
});
