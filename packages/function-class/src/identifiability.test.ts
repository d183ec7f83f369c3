import { ReferenceEvaluator, Rng } from '@nidkit/core';
import { permuteNetwork } from '@nidkit/matching';
import { describe, expect, it } from 'vitest';
import { makeMlp, randomInputs } from '../test/networks.js';
import { identifiability } from './identifiability.js';
import type { IdentifiabilityReport } from './identifiability.js';

const evaluator = new ReferenceEvaluator();

describe('identifiability', () => {
  const net = makeMlp(
    6,
    [
      { out: 12, family: 'w-asym', numFixed: 2 },
      { out: 10, family: 'w-asym', numFixed: 3 },
      { out: 3 },
    ],
    5,
    'gelu',
  );
  const inputs = randomInputs(200, 6, 5);

  it('a model against itself: identity = optimal, every neuron its own partner, mergeable', async () => {
    const r = await identifiability(evaluator, net, net, inputs, { randomSamples: 50 });
    expect(r.schemaVersion).toBe(1);
    expect(r.layers.map((l) => l.layer)).toEqual(['lins.0', 'lins.1']);
    for (const l of r.layers) {
      expect(l.identity).toBeCloseTo(l.optimal, 12);
      expect(l.fixedPointFraction).toBe(1);
      expect(l.verdict).toBe('identifiable');
      expect(l.swapCosts!.a.count).toBe(l.size * (l.size - 1));
      expect(l.swapCosts!.a).toEqual(l.swapCosts!.b);
    }
    expect(r.mergeableWithoutAlignment).toBe(true);
    expect(r.verdict).toMatch(/plain averaging should work/);
  });

  it('relabelled hidden units: not identifiable, and the mean identity over relabellings ≈ randomMean', async () => {
    const rng = Rng.stream(9, 'relabel');
    const identities: number[] = [];
    const reports: IdentifiabilityReport[] = [];
    for (let t = 0; t < 12; t++) {
      const perms = [rng.permutation(12), rng.permutation(10)];
      const b = permuteNetwork(net, perms);
      const rep = await identifiability(evaluator, net, b, inputs, {
        randomSamples: 100,
        swapCosts: false,
      });
      reports.push(rep);
      identities.push(rep.layers[0]!.identity);
    }
    const last = reports[reports.length - 1]!;
    const l0 = last.layers[0]!;
    expect(l0.swapCosts).toBeNull();
    expect(last.mergeableWithoutAlignment).toBe(false);
    expect(last.verdict).toMatch(/align first/);
    const mean = identities.reduce((a, b) => a + b, 0) / identities.length;
    expect(Math.abs(mean - l0.randomMean)).toBeLessThan(
      4 * (l0.randomStd / Math.sqrt(identities.length)) + 0.02,
    );
    // the optimal matching recovers the relabelling: optimal ≈ 1
    expect(l0.optimal).toBeGreaterThan(0.999);
  });

  it('rejects a dissimilarity kind', async () => {
    await expect(
      identifiability(evaluator, net, net, inputs, { similarity: 'uncorrelatedness' }),
    ).rejects.toThrow(/needs a similarity/);
  });
});
