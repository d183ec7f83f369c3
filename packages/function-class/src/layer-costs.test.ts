import { ReferenceEvaluator, forward } from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import { describe, expect, it } from 'vitest';
import { makeMlp, randomInputs } from '../test/networks.js';
import { coherence } from './coherence.js';
import { coherenceRecords, layerCosts } from './layer-costs.js';
import { realizationCosts } from './realization-cost.js';
import { layerStructure } from './structure.js';
import { estimateSubspace } from './subspace.js';

const evaluator = new ReferenceEvaluator();

describe('layerCosts', () => {
  it('dense network: every layer has T ≡ 0 and M_ij = ‖a_j‖²', async () => {
    const net = makeMlp(8, [{ out: 6 }, { out: 5 }, { out: 3 }], 1, 'gelu');
    const recs = await layerCosts(evaluator, net, randomInputs(120, 8, 1));
    expect(recs.map((r) => r.layer)).toEqual(['lins.0', 'lins.1', 'lins.2']);
    for (const r of recs) {
      expect(r.recording).toBe('input');
      expect(r.T.data.every((t) => Math.abs(t) < 1e-12)).toBe(true);
      const n = r.M.shape[0]!;
      for (let i = 1; i < n; i++)
        for (let j = 0; j < n; j++) expectClose(r.M.data[i * n + j]!, r.M.data[j]!);
      expect(r.summaries.count).toBe(n * (n - 1));
      // regression: rounding residue of T ≡ 0 used to be reported as ~25 % negative swap costs
      expect(r.summaries.negativeFraction).toBe(0);
    }
  });

  it('W-asym network: matches the step-by-step computation on the recorded layer inputs', async () => {
    const net = makeMlp(
      10,
      [
        { out: 7, family: 'w-asym', numFixed: 3, kappa: 2 },
        { out: 6, family: 'w-asym', numFixed: 2 },
        { out: 4 },
      ],
      2,
    );
    const inputs = randomInputs(150, 10, 2);
    const progress: string[] = [];
    const recs = await layerCosts(evaluator, net, inputs, {
      tau: 0.8,
      layers: [1, 0],
      onProgress: (p) => progress.push(`${p.layer}:${p.stage}`),
    });
    expect(recs.map((r) => r.layer)).toEqual(['lins.1', 'lins.0']);
    expect(progress).toEqual([
      'lins.1:subspace',
      'lins.1:costs',
      'lins.1:done',
      'lins.0:subspace',
      'lins.0:costs',
      'lins.0:done',
    ]);
    const fwd = forward(net, inputs, { record: [{ layer: 1, point: 'input' }] });
    const sub = estimateSubspace(fwd.activations[0]!, { tau: 0.8 });
    const lin = net.layers.find((l) => l.type === 'linear' && l.index === 1);
    if (lin?.type !== 'linear') throw new Error('unreachable');
    const direct = realizationCosts(sub.U, layerStructure(lin));
    const r = recs[0]!;
    expect(r.k).toBe(sub.k);
    expect(r.d).toBe(7);
    expectClose(r.M, direct.M);
    expectClose(r.coherence, coherence(sub.U));
    expect(r.T.data.some((t) => t !== 0)).toBe(true);
  });

  it('streams the inputs in chunks: the result does not depend on chunkSize', async () => {
    const net = makeMlp(
      10,
      [
        { out: 7, family: 'w-asym', numFixed: 3 },
        { out: 6, family: 'w-asym', numFixed: 2 },
        { out: 4 },
      ],
      6,
      'relu',
    );
    const inputs = randomInputs(157, 10, 6);
    const whole = await layerCosts(evaluator, net, inputs);
    const chunked = await layerCosts(evaluator, net, inputs, { chunkSize: 37 });
    whole.forEach((w, i) => {
      const c = chunked[i]!;
      expect(c.k).toBe(w.k);
      expectClose(c.explainedVariance, w.explainedVariance, { atol: 1e-12 });
      expectClose(c.M, w.M, { atol: 1e-9, rtol: 1e-9 });
      expectClose(c.T, w.T, { atol: 1e-9, rtol: 1e-9 });
    });
    const cw = await coherenceRecords(evaluator, net, inputs);
    const cc = await coherenceRecords(evaluator, net, inputs, { chunkSize: 50 });
    cw.forEach((w, i) => expectClose(cc[i]!.coherence, w.coherence, { atol: 1e-9 }));
    await expect(layerCosts(evaluator, net, inputs, { chunkSize: 0 })).rejects.toThrow(/chunkSize/);
  });

  it('rejects an unknown layer and τ out of range', async () => {
    const net = makeMlp(4, [{ out: 3 }, { out: 2 }], 3);
    await expect(
      layerCosts(evaluator, net, randomInputs(10, 4, 1), { layers: [5] }),
    ).rejects.toThrow(/expected one of 0, 1, got 5/);
    await expect(layerCosts(evaluator, net, randomInputs(10, 4, 1), { tau: 2 })).rejects.toThrow(
      /τ/,
    );
  });
});

describe('coherenceRecords', () => {
  it('one record per layer input plus the model output; dense layers have zero anisotropy', async () => {
    const net = makeMlp(9, [{ out: 6, family: 'w-asym', numFixed: 3 }, { out: 5 }, { out: 3 }], 4);
    const recs = await coherenceRecords(evaluator, net, randomInputs(100, 9, 4));
    expect(recs.map((r) => r.point)).toEqual(['lins.0', 'lins.1', 'lins.2', 'model-output']);
    const [l0, l1, , out] = recs;
    expect(l0!.p).toBeCloseTo(6 / 9, 12);
    expect(l0!.anisotropy).toHaveLength(6);
    expect(l0!.meanAnisotropy!).toBeGreaterThan(0);
    expect(Object.keys(l0!.anisotropyBounds!)).toHaveLength(8);
    expect(l1!.anisotropy).toEqual([0, 0, 0, 0, 0]);
    expect(Object.values(l1!.anisotropyBounds!).every((b) => b === 0)).toBe(true);
    expect(out!.anisotropy).toBeNull();
    expect(out!.anisotropyBounds).toBeNull();
    for (const r of recs) {
      expect(r.coherence).toBeGreaterThanOrEqual(r.k / r.d - 1e-12);
      expect(r.coherence).toBeLessThanOrEqual(1 + 1e-12);
    }
  });
});
