import { ReferenceEvaluator, evaluateSplit } from '@nidkit/core';
import { describe, expect, it } from 'vitest';
import {
  bnScaleNet,
  gaussianInputs,
  randomMlp,
  teacherDataset,
  teacherLabels,
} from '../test/helpers.js';
import { recomputeBatchNormStats } from './batchnorm.js';
import { evaluateAverage, evaluateNetwork } from './evaluate.js';

const ev = new ReferenceEvaluator();

describe('evaluateNetwork / evaluateAverage', () => {
  const a = randomMlp({ widths: [5, 6, 3], norm: 'layer', seed: 1 });
  const data = teacherDataset(a, 3, { train: 60, val: 30, test: 40 });

  it('evaluateNetwork matches core evaluateSplit on every split', async () => {
    const r = await evaluateNetwork(ev, a, data);
    expect(Object.keys(r)).toEqual(['train', 'val', 'test']);
    for (const [name, m] of Object.entries(r)) {
      const e = await evaluateSplit(ev, a, data.splits[name]!, 'classification');
      expect(m).toEqual({ n: e.n, loss: e.loss, accuracy: e.accuracy });
    }
    expect(r.test!.accuracy).toBe(100);
  });

  it('the average of identical models evaluates like the model (midpoint record, plain JSON)', async () => {
    const r = await evaluateAverage(ev, [a, a, a], data, { splits: ['test'] });
    expect(r).toMatchObject({
      schemaVersion: 1,
      kind: 'average-evaluation',
      evaluationType: 'midpoint',
      numModels: 3,
      space: 'stored',
      bnStats: 'none',
    });
    expect(r.weights).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(r.splits.test).toEqual((await evaluateNetwork(ev, a, data, { splits: ['test'] })).test);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('recomputes BatchNorm statistics of the average by default', async () => {
    const train = gaussianInputs(11, 1000, 1);
    const m1 = recomputeBatchNormStats(bnScaleNet(1), train, { batchSize: 100 });
    const m2 = recomputeBatchNormStats(bnScaleNet(100), train, { batchSize: 100 });
    const bn = {
      name: 'bn',
      task: 'classification' as const,
      inputShape: [1],
      numOutputs: 2,
      splits: { train: { inputs: train, labels: teacherLabels(m1, train) } },
    };
    const repaired = await evaluateAverage(ev, [m1, m2], bn, { bnBatchSize: 100 });
    const lerped = await evaluateAverage(ev, [m1, m2], bn, { bnStats: 'lerp' });
    expect(repaired.bnStats).toBe('recompute');
    expect(repaired.splits.train!.accuracy).toBeGreaterThanOrEqual(99.9);
    expect(lerped.splits.train!.accuracy).toBeLessThan(92);
  });

  it('rejects an empty list', async () => {
    await expect(evaluateAverage(ev, [], data)).rejects.toThrow(
      /expected at least 1 network, got 0/,
    );
  });
});
