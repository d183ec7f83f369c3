import { ReferenceEvaluator, Rng, namedTensors, tensor } from '@nidkit/core';
import type { Evaluator, Network, RunOptions, Tensor } from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import { describe, expect, it } from 'vitest';
import { FAMILIES, perturbTrainable, randomInputs, randomNetwork } from '../../test/helpers.js';
import { permuteNetwork } from '../permutation/permute.js';
import { invertPermutation } from '../permutation/permutation.js';
import { permutationSpec } from '../permutation/spec.js';
import { activationMatching } from './activation-matching.js';
import { matchingObjective } from './objective.js';
import { weightMatching } from './weight-matching.js';

/** A reference evaluator that records the size of every call (to check chunking). */
class CountingEvaluator implements Evaluator {
  readonly name = 'counting-reference';
  readonly calls: number[] = [];
  private readonly inner = new ReferenceEvaluator();
  run(net: Network, inputs: Tensor, options?: RunOptions) {
    this.calls.push(inputs.shape[0]!);
    return this.inner.run(net, inputs, options);
  }
  dispose() {
    return Promise.resolve();
  }
}

function planted(family: (typeof FAMILIES)[number], seed: number, noise: number) {
  const a = randomNetwork({
    family,
    widths: [8, 16, 12, 16, 5],
    norm: family === 'syre' ? 'batch' : 'layer',
    seed,
    kappa: 0.5,
  });
  const rng = Rng.stream(seed, 'sigma');
  const sigma = permutationSpec(a).perms.map((p) => rng.permutation(p.size));
  const permuted = permuteNetwork(a, sigma);
  const b = noise > 0 ? perturbTrainable(permuted, noise, seed) : permuted;
  return { a, b, sigma, inv: sigma.map(invertPermutation) };
}

describe('activationMatching (planted permutation)', () => {
  it.each(FAMILIES)(
    'recovers σ⁻¹ exactly on every layer of a permuted, slightly perturbed %s network',
    async (family) => {
      const { a, b, inv } = planted(family, 21, 1e-3);
      const x = randomInputs(1500, 8, 1);
      const ev = new CountingEvaluator();
      for (const similarity of ['pearson_zero_for_constant', 'dot'] as const) {
        const res = await activationMatching(ev, a, b, x, {
          similarity,
          batchSize: 600,
          randomSamples: 20,
        });
        expect(res.layers.map((l) => l.size)).toEqual([16, 12, 16]);
        res.permutations.forEach((p, l) => expect([...p]).toEqual([...inv[l]!]));
        expect(res.samples).toBe(1500);
      }
      // Chunks of 600 rows, A then B per chunk: memory bounded by the chunk.
      expect(ev.calls.slice(0, 6)).toEqual([600, 600, 600, 600, 300, 300]);
    },
  );

  it('re-permuted B equals A exactly; the Pearson objective is 1 and identity = optimal after alignment', async () => {
    const { a, b, inv } = planted('w-asym', 5, 0);
    const x = randomInputs(800, 8, 2);
    const ev = new ReferenceEvaluator();
    const res = await activationMatching(ev, a, b, x, { point: 'post_linear', randomSamples: 30 });
    res.permutations.forEach((p, l) => expect([...p]).toEqual([...inv[l]!]));
    const aligned = permuteNetwork(b, res.permutations);
    const ta = namedTensors(a);
    namedTensors(aligned).forEach((t, k) => expect(t.tensor.data).toEqual(ta[k]!.tensor.data));
    for (const layer of res.layers) {
      expectClose(layer.optimal, 1, { atol: 1e-9 });
      expect(layer.identity).toBeLessThan(layer.optimal);
      expect(layer.optimal).toBeGreaterThan(layer.randomMean + 3 * layer.randomStd);
    }
    const again = await activationMatching(ev, a, aligned, x, {
      point: 'post_norm',
      randomSamples: 30,
    });
    for (const layer of again.layers) {
      expectClose(layer.identity, layer.optimal, { atol: 1e-12 });
      expect(layer.fixedPointFraction).toBe(1);
    }
  });

  it('reference-anti maximizes 1 − |ρ| and pairs the least correlated units (matching.md §8)', async () => {
    const { a, b, inv } = planted('standard', 8, 1e-3);
    const x = randomInputs(1000, 8, 3);
    const ev = new ReferenceEvaluator();
    const anti = await activationMatching(ev, a, b, x, {
      alignment: 'reference-anti',
      randomSamples: 10,
      keepSimilarity: true,
    });
    expect(anti.similarity).toBe('uncorrelatedness_one_for_constant');
    expect(anti.maximize).toBe(true);
    let recovered = 0;
    let total = 0;
    anti.layers.forEach((layer, l) => {
      layer.permutation.forEach((j, i) => (recovered += j === inv[l]![i] ? 1 : 0));
      total += layer.size;
      // Matched pairs have high uncorrelatedness (low |ρ|): above the random baseline.
      expect(layer.optimal).toBeGreaterThan(layer.randomMean);
      expect(layer.similarity!.shape).toEqual([layer.size, layer.size]);
    });
    expect(recovered / total).toBeLessThan(0.1);
    // Minimizing 1 − ρ with a dissimilarity and real alignment recovers the planted permutation.
    const real = await activationMatching(ev, a, b, x, {
      similarity: 'uncorrelatedness',
      randomSamples: 10,
    });
    expect(real.maximize).toBe(false);
    real.permutations.forEach((p, l) => expect([...p]).toEqual([...inv[l]!]));
  });

  it('reports constant units (dead ReLUs) instead of NaN, and is deterministic for a seed', async () => {
    const a = randomNetwork({ family: 'standard', widths: [4, 6, 3], activation: 'relu', seed: 2 });
    // Kill unit 2 of layer 0: zero weights and a negative bias → ReLU output constantly 0.
    const lin = a.layers[0]!;
    if (lin.type !== 'linear') throw new Error('unexpected layer');
    const w = lin.weight.data.slice();
    w.fill(0, 2 * 4, 3 * 4);
    const bias = lin.bias!.data.slice();
    bias[2] = -1;
    const dead: Network = {
      ...a,
      layers: [
        { ...lin, weight: tensor(w, [6, 4]), bias: tensor(bias, [6]) },
        ...a.layers.slice(1),
      ],
    };
    const x = randomInputs(300, 4, 4);
    const ev = new ReferenceEvaluator();
    const r1 = await activationMatching(ev, dead, a, x, { seed: 3 });
    const r2 = await activationMatching(ev, dead, a, x, { seed: 3 });
    expect(r1.layers[0]!.constantA).toEqual([2]);
    expect(r1.layers[0]!.constantB).toEqual([]);
    expect(Number.isNaN(r1.layers[0]!.optimal)).toBe(false);
    expect(r1.layers[0]!.randomMean).toBe(r2.layers[0]!.randomMean);
    await expect(activationMatching(ev, dead, a, x, { similarity: 'pearson' })).rejects.toThrow(
      /unit 2 of model A at post_activation@0 is constant/,
    );
  });

  it('rejects incompatible models and bad options', async () => {
    const a = randomNetwork({ family: 'standard', widths: [4, 6, 3], seed: 1 });
    const b = randomNetwork({ family: 'standard', widths: [4, 5, 3], seed: 1 });
    const x = randomInputs(10, 4, 1);
    const ev = new ReferenceEvaluator();
    await expect(activationMatching(ev, a, b, x)).rejects.toThrow(
      /lins.0.weight: A has 6 units, B has 5/,
    );
    await expect(
      activationMatching(ev, a, a, x, { alignment: 'reference-anti', similarity: 'pearson' }),
    ).rejects.toThrow(/expected similarity uncorrelatedness/);
    await expect(activationMatching(ev, a, a, tensor(new Float32Array(0), [0, 4]))).rejects.toThrow(
      /no input samples/,
    );
  });
});

describe('weightMatching', () => {
  it.each(FAMILIES)(
    'recovers a planted permutation of a %s network with score ≈ 0 within a few sweeps',
    (family) => {
      const { a, b, inv } = planted(family, 31, 0);
      const res = weightMatching(a, b, { restarts: 3, seed: 1 });
      res.permutations.forEach((p, l) => expect([...p]).toEqual([...inv[l]!]));
      expect(res.score).toBeLessThan(1e-9);
      expect(res.sweeps).toBeLessThanOrEqual(5);
      expect(res.restartScores.length).toBe(3);
    },
  );

  it('reaches score 0 on an exactly permuted 20-16-16-16-5 MLP within a few sweeps (matching.md §11)', () => {
    const a = randomNetwork({ family: 'standard', widths: [20, 16, 16, 16, 5], seed: 6 });
    const rng = Rng.stream(6, 'sigma');
    const sigma = permutationSpec(a).perms.map((p) => rng.permutation(p.size));
    const res = weightMatching(a, permuteNetwork(a, sigma), { seed: 0 });
    expect(res.score).toBe(0);
    expect(res.sweeps).toBeLessThanOrEqual(4);
    res.permutations.forEach((p, l) => expect([...p]).toEqual([...invertPermutation(sigma[l]!)]));
  });

  it('recovers the permutation of a 20-16-16-16-5 MLP under small noise, deterministically for a seed', () => {
    const a = randomNetwork({
      family: 'standard',
      widths: [20, 16, 16, 16, 5],
      norm: 'layer',
      seed: 4,
    });
    const rng = Rng.stream(4, 'sigma');
    const sigma = permutationSpec(a).perms.map((p) => rng.permutation(p.size));
    const b = perturbTrainable(permuteNetwork(a, sigma), 1e-3, 4);
    const r1 = weightMatching(a, b, { seed: 2 });
    const r2 = weightMatching(a, b, { seed: 2 });
    r1.permutations.forEach((p, l) => expect([...p]).toEqual([...invertPermutation(sigma[l]!)]));
    expect(r1.score).toBe(r2.score);
    // The score is Σ_t ‖A_t − π(B)_t‖₂ (not squared): here exactly the noise left after alignment.
    const aligned = namedTensors(permuteNetwork(b, r1.permutations));
    let expected = 0;
    namedTensors(a).forEach((t, k) => {
      let s2 = 0;
      t.tensor.data.forEach((v, i) => (s2 += (v - aligned[k]!.tensor.data[i]!) ** 2));
      expected += Math.sqrt(s2);
    });
    expectClose(r1.score, expected, { atol: 1e-9, rtol: 1e-9 });
  });

  it('rejects different architectures and bad options', () => {
    const a = randomNetwork({ family: 'standard', widths: [4, 6, 3], seed: 1 });
    const b = randomNetwork({ family: 'standard', widths: [4, 6, 6, 3], seed: 1 });
    expect(() => weightMatching(a, b)).toThrow(/incompatible/);
    expect(() => weightMatching(a, a, { restarts: 0 })).toThrow(
      /restarts must be a positive integer/,
    );
    expect(() => weightMatching(a, a, { init: [Int32Array.from([0, 0, 1, 2, 3, 4])] })).toThrow(
      /twice/,
    );
  });
});

describe('matchingObjective', () => {
  it('optimal ≥ identity; random mean ≈ mean of S; identity averaged over relabelings ≈ randomMean', () => {
    const n = 30;
    const rng = Rng.stream(1, 'obj');
    const s = rng.fillNormal(new Float64Array(n * n));
    const obj = matchingObjective(tensor(s, [n, n]), { randomSamples: 2000, seed: 5 });
    expect(obj.optimal).toBeGreaterThanOrEqual(obj.identity);
    const mean = s.reduce((x, y) => x + y, 0) / (n * n);
    expect(Math.abs(obj.randomMean - mean)).toBeLessThan(
      4 * (obj.randomStd / Math.sqrt(2000)) + 1e-12,
    );
    // Expected std of a random matching mean: sqrt(var(S)/n) roughly.
    expect(obj.randomStd).toBeGreaterThan(0.05);
    expect(obj.randomStd).toBeLessThan(0.4);
    expect(() => matchingObjective(tensor(s.subarray(0, 6), [2, 3]))).toThrow(/square/);
  });
});
