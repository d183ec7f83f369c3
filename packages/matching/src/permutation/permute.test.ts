import { Rng, forward, mapTensors, namedTensors } from '@nidkit/core';
import type { Network } from '@nidkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAMILIES, forwardFloat32, randomInputs, randomNetwork } from '../../test/helpers.js';
import { InvalidPermutationError, PermutationVerificationError } from '../errors.js';
import { permuteNetwork, permuteTensor } from './permute.js';
import { composePermutations, invertPermutation, isPermutation } from './permutation.js';
import { permutationSpec } from './spec.js';

function maxLogitDiff(a: Network, b: Network, seed: number): number {
  const x = randomInputs(64, a.inputShape[0]!, seed);
  const la = forward(a, x).logits.data;
  const lb = forward(b, x).logits.data;
  let m = 0;
  for (let i = 0; i < la.length; i++) m = Math.max(m, Math.abs(la[i]! - lb[i]!));
  return m;
}

function randomPerms(net: Network, seed: number): Int32Array[] {
  const rng = Rng.stream(seed, 'perms');
  return permutationSpec(net).perms.map((p) => rng.permutation(p.size));
}

describe('permutationSpec', () => {
  it('maps every tensor of a W-asym BatchNorm MLP as in matching.md §5', () => {
    const net = randomNetwork({ family: 'w-asym', widths: [5, 4, 3, 2], norm: 'batch', seed: 1 });
    const spec = permutationSpec(net);
    expect(spec.perms).toEqual([
      { name: 'P_0', layer: 0, size: 4 },
      { name: 'P_1', layer: 1, size: 3 },
    ]);
    expect(spec.axes['lins.0.weight']).toEqual([0, null]);
    expect(spec.axes['lins.0.mask']).toEqual([0, null]);
    expect(spec.axes['lins.1.normal_mask']).toEqual([1, 0]);
    expect(spec.axes['lins.1.bias']).toEqual([1]);
    expect(spec.axes['norms.1.running_var']).toEqual([1]);
    expect(spec.axes['lins.2.weight']).toEqual([null, 1]);
    expect(spec.axes['lins.2.bias']).toEqual([null]);
    expect(spec.permToAxes[0]).toContainEqual({ tensor: 'lins.1.mask', axis: 1 });
    expect(spec.permToAxes[1]).toContainEqual({ tensor: 'norms.1.running_mean', axis: 0 });
    // Every (tensor, axis) with a permutation appears exactly once in the inverse map.
    const count = Object.values(spec.axes)
      .flat()
      .filter((a) => a !== null).length;
    expect(spec.permToAxes.flat().length).toBe(count);
  });

  it('puts the σ-gate C under P_l on both axes, and syre noise like the weight', () => {
    const sigma = permutationSpec(
      randomNetwork({ family: 'sigma-asym', widths: [3, 4, 2], seed: 2 }),
    );
    expect(sigma.axes['activations.0.C']).toEqual([0, 0]);
    const syre = permutationSpec(randomNetwork({ family: 'syre', widths: [3, 4, 4, 2], seed: 3 }));
    expect(syre.axes['lins.1.noise']).toEqual([1, 0]);
  });
});

describe('permuteNetwork', () => {
  it('preserves the function for random networks of all four families, norms and permutations (property, float64 ≤ 1e-12)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FAMILIES),
        fc.constantFrom('layer' as const, 'batch' as const, 'none' as const),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.boolean(),
        (family, norm, hidden, seed, bias) => {
          const net = randomNetwork({
            family,
            widths: [4, ...hidden, 3],
            norm,
            seed,
            bias,
            activation: seed % 2 ? 'relu' : 'gelu',
          });
          const perms = randomPerms(net, seed);
          const permuted = permuteNetwork(net, perms, { verify: true });
          expect(maxLogitDiff(net, permuted, seed)).toBeLessThanOrEqual(1e-12);
          // Undo with the inverses: the original tensors come back exactly.
          const back = permuteNetwork(permuted, perms.map(invertPermutation));
          const orig = namedTensors(net);
          namedTensors(back).forEach((t, k) => expect(t.tensor.data).toEqual(orig[k]!.tensor.data));
        },
      ),
      { seed: 777, numRuns: 120 },
    );
  });

  it.each(FAMILIES)(
    'preserves the function of a %s network in float32 arithmetic (max |Δlogit| ≤ 1e-5)',
    (family) => {
      for (const norm of ['layer', 'batch', 'none'] as const) {
        const net = randomNetwork({ family, widths: [16, 32, 24, 32, 10], norm, seed: 13 });
        const permuted = permuteNetwork(net, randomPerms(net, 13));
        const x = randomInputs(32, 16, 13);
        const a = forwardFloat32(net, x);
        const b = forwardFloat32(permuted, x);
        let m = 0;
        for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
        expect(m).toBeLessThanOrEqual(1e-5);
        // Sanity: the float32 pass agrees with core's float64 reference to float32 accuracy.
        const ref = forward(net, x).logits.data;
        for (let i = 0; i < a.length; i++)
          expect(Math.abs(a[i]! - ref[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref[i]!)));
      }
    },
  );

  it('moves rows and columns of every tensor, including masks, noise, C and running stats', () => {
    const net = randomNetwork({ family: 'w-asym', widths: [3, 4, 5, 2], norm: 'batch', seed: 9 });
    const p0 = Int32Array.from([2, 0, 3, 1]);
    const p1 = Int32Array.from([4, 3, 0, 1, 2]);
    const out = permuteNetwork(net, [p0, p1]);
    const get = (n: Network, name: string): Float32Array =>
      namedTensors(n).find((t) => t.name === name)!.tensor.data;
    const mask = get(net, 'lins.1.mask');
    const maskP = get(out, 'lins.1.mask');
    for (let r = 0; r < 5; r++)
      for (let c = 0; c < 4; c++) expect(maskP[r * 4 + c]).toBe(mask[p1[r]! * 4 + p0[c]!]);
    const rv = get(net, 'norms.0.running_var');
    const rvP = get(out, 'norms.0.running_var');
    for (let r = 0; r < 4; r++) expect(rvP[r]).toBe(rv[p0[r]!]);
    const w2 = get(net, 'lins.2.weight');
    const w2P = get(out, 'lins.2.weight');
    for (let r = 0; r < 2; r++)
      for (let c = 0; c < 5; c++) expect(w2P[r * 5 + c]).toBe(w2[r * 5 + p1[c]!]);
    expect(get(out, 'lins.2.bias')).toEqual(get(net, 'lins.2.bias'));
    // The input is not mutated.
    expect(get(net, 'lins.1.mask')).toBe(mask);
    expect(Array.from(mask)).toEqual(
      Array.from(
        get(
          randomNetwork({ family: 'w-asym', widths: [3, 4, 5, 2], norm: 'batch', seed: 9 }),
          'lins.1.mask',
        ),
      ),
    );
  });

  it('σ-gate: C′[r, c] = C[P[r], P[c]]', () => {
    const net = randomNetwork({ family: 'sigma-asym', widths: [3, 4, 2], seed: 4 });
    const p = Int32Array.from([3, 1, 0, 2]);
    const c = namedTensors(net).find((t) => t.name === 'activations.0.C')!.tensor;
    const cp = namedTensors(permuteNetwork(net, [p])).find(
      (t) => t.name === 'activations.0.C',
    )!.tensor;
    for (let r = 0; r < 4; r++)
      for (let k = 0; k < 4; k++) expect(cp.data[r * 4 + k]).toBe(c.data[p[r]! * 4 + p[k]!]);
  });

  it('negative case: permuting only the trainable W of a W-MLP with κ ≠ 0 (reference behaviour) changes the function', () => {
    const net = randomNetwork({
      family: 'w-asym',
      widths: [6, 8, 8, 3],
      norm: 'layer',
      seed: 5,
      kappa: 1,
    });
    const perms = randomPerms(net, 5);
    const spec = permutationSpec(net);
    const trainableOnly = mapTensors(net, (e) => {
      if (e.role !== 'trainable') return e.tensor;
      return permuteTensor(
        e.tensor,
        spec.axes[e.name]!.map((a) => (a === null ? null : perms[a]!)),
      );
    });
    expect(maxLogitDiff(net, trainableOnly, 1)).toBeGreaterThan(1e-3);
    expect(() => permuteNetwork(net, perms, { verify: true })).not.toThrow();
  });

  it('verify reports a non-function-preserving permutation', () => {
    // A gate network whose C is permuted on rows only would change the function; emulate a bad spec.
    const net = randomNetwork({ family: 'sigma-asym', widths: [4, 6, 3], seed: 6 });
    const spec = permutationSpec(net);
    const bad = { ...spec, axes: { ...spec.axes, 'activations.0.C': [0, null] } };
    const p = Int32Array.from([5, 4, 3, 2, 1, 0]);
    expect(() => permuteNetwork(net, [p], { spec: bad, verify: true })).toThrow(
      PermutationVerificationError,
    );
  });

  it('rejects wrong counts, sizes and non-permutations', () => {
    const net = randomNetwork({ family: 'standard', widths: [3, 4, 2], seed: 7 });
    expect(() => permuteNetwork(net, [])).toThrow(/expected 1 \(one per hidden layer\), got 0/);
    expect(() => permuteNetwork(net, [Int32Array.from([0, 1, 2])])).toThrow(
      InvalidPermutationError,
    );
    expect(() => permuteNetwork(net, [Int32Array.from([0, 1, 1, 3])])).toThrow(/got 1 twice/);
    expect(() => permuteNetwork(net, [Int32Array.from([0, 1, 2, 9])])).toThrow(/out of range/);
  });
});

describe('permutation helpers', () => {
  it('invert and compose', () => {
    const p = Int32Array.from([2, 0, 1, 3]);
    const inv = invertPermutation(p);
    expect([...composePermutations(p, inv)]).toEqual([0, 1, 2, 3]);
    expect(isPermutation(p)).toBe(true);
    expect(isPermutation([0, 0])).toBe(false);
  });
});
