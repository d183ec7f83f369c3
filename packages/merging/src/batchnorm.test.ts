import type { Dataset, Network, NormLayer } from '@nidkit/core';
import {
  DataError,
  InvalidArgumentError,
  ReferenceEvaluator,
  evaluateSplit,
  forward,
  sliceRows,
} from '@nidkit/core';
import { describe, expect, it } from 'vitest';
import { bnScaleNet, gaussianInputs, randomMlp, teacherLabels } from '../test/helpers.js';
import { recomputeBatchNormStats } from './batchnorm.js';
import { interpolate } from './interpolate.js';

const norms = (net: Network): NormLayer[] =>
  net.layers.filter((l): l is NormLayer => l.type === 'norm');

describe('recomputeBatchNormStats', () => {
  const net = randomMlp({ widths: [4, 6, 5, 3], norm: 'batch', seed: 3 });
  const x = gaussianInputs(1, 50, 4);

  it('one batch: running mean = batch mean, running variance = unbiased batch variance (train-mode flow)', () => {
    const r = recomputeBatchNormStats(net, x, { batchSize: 50 });
    const { batchStats } = forward(net, x, { mode: 'train' });
    expect(batchStats).toHaveLength(2);
    norms(r).forEach((n, i) => {
      expect(Array.from(n.runningMean!.data)).toEqual(
        Array.from(Float32Array.from(batchStats[i]!.mean)),
      );
      expect(Array.from(n.runningVar!.data)).toEqual(
        Array.from(Float32Array.from(batchStats[i]!.varUnbiased)),
      );
      expect(n.numBatchesTracked).toBe(1);
    });
    // layer 0's statistic by hand: z = W x + b over the batch, unbiased variance
    const w = net.layers[0]!.type === 'linear' ? net.layers[0] : null;
    const z = Array.from(
      { length: 50 },
      (_, r) =>
        w!.weight.data[0]! * x.data[r * 4]! +
        w!.weight.data[1]! * x.data[r * 4 + 1]! +
        w!.weight.data[2]! * x.data[r * 4 + 2]! +
        w!.weight.data[3]! * x.data[r * 4 + 3]! +
        w!.bias!.data[0]!,
    );
    const mean = z.reduce((s, v) => s + v, 0) / 50;
    const varU = z.reduce((s, v) => s + (v - mean) ** 2, 0) / 49;
    expect(norms(r)[0]!.runningMean!.data[0]).toBeCloseTo(mean, 5);
    expect(norms(r)[0]!.runningVar!.data[0]).toBeCloseTo(varU, 4);
  });

  it('several batches: the cumulative average of per-batch statistics (no momentum); a trailing batch of one sample is skipped', () => {
    const r = recomputeBatchNormStats(net, x, { batchSize: 7 }); // 7 batches of 7, then 1 sample
    const per = [0, 7, 14, 21, 28, 35, 42].map(
      (s) => forward(net, sliceRows(x, s, s + 7), { mode: 'train' }).batchStats,
    );
    norms(r).forEach((n, l) => {
      const m = Array.from(
        { length: n.gamma.data.length },
        (_, j) => per.reduce((s, b) => s + b[l]!.mean[j]!, 0) / 7,
      );
      const v = Array.from(
        { length: n.gamma.data.length },
        (_, j) => per.reduce((s, b) => s + b[l]!.varUnbiased[j]!, 0) / 7,
      );
      m.forEach((mj, j) => expect(n.runningMean!.data[j]).toBeCloseTo(mj, 5));
      v.forEach((vj, j) => expect(n.runningVar!.data[j]).toBeCloseTo(vj, 5));
      expect(n.numBatchesTracked).toBe(7);
    });
    expect(r.meta.provenance?.bnStats).toEqual({
      method: 'recompute',
      batches: 7,
      batchSize: 7,
      samples: 49,
    });
  });

  it('does not depend on the stored statistics, does not mutate, and is deterministic with a shuffle seed', () => {
    const before = norms(net).map((n) => Array.from(n.runningVar!.data));
    const r1 = recomputeBatchNormStats(net, { inputs: x }, { batchSize: 10, shuffleSeed: 4 });
    const r2 = recomputeBatchNormStats(net, x, { batchSize: 10, shuffleSeed: 4 });
    expect(norms(net).map((n) => Array.from(n.runningVar!.data))).toEqual(before);
    expect(norms(r1).map((n) => Array.from(n.runningVar!.data))).toEqual(
      norms(r2).map((n) => Array.from(n.runningVar!.data)),
    );
    const plain = recomputeBatchNormStats(net, x, { batchSize: 10 });
    expect(norms(plain).map((n) => Array.from(n.runningVar!.data))).not.toEqual(
      norms(r1).map((n) => Array.from(n.runningVar!.data)),
    );
    // the full-batch mean does not depend on the order
    const a = recomputeBatchNormStats(net, x, { batchSize: 50, shuffleSeed: 1 });
    const b = recomputeBatchNormStats(net, x, { batchSize: 50 });
    norms(a).forEach((n, l) =>
      n.runningMean!.data.forEach((v, j) =>
        expect(v).toBeCloseTo(norms(b)[l]!.runningMean!.data[j]!, 5),
      ),
    );
  });

  it('returns networks without BatchNorm unchanged and rejects bad input', () => {
    const ln = randomMlp({ widths: [4, 6, 3], norm: 'layer', seed: 3 });
    expect(recomputeBatchNormStats(ln, x)).toBe(ln);
    expect(() => recomputeBatchNormStats(net, sliceRows(x, 0, 1))).toThrow(DataError);
    expect(() => recomputeBatchNormStats(net, x, { batchSize: 1 })).toThrow(InvalidArgumentError);
    const bad = Float32Array.from(x.data);
    bad[5] = Number.NaN;
    expect(() => recomputeBatchNormStats(net, { data: bad, shape: x.shape })).toThrow(
      /1 non-finite values/,
    );
    expect(() => recomputeBatchNormStats(net, gaussianInputs(1, 10, 3))).toThrow(
      /expected 4, got 3/,
    );
  });
});

describe('BatchNorm recomputation restores accuracy where lerped statistics break it', () => {
  it('constructed variance-collapse case (scales 1 and 100)', async () => {
    const train = gaussianInputs(11, 2000, 1);
    const test = gaussianInputs(12, 2000, 1);
    const a = recomputeBatchNormStats(bnScaleNet(1), train, { batchSize: 100 });
    const b = recomputeBatchNormStats(bnScaleNet(100), train, { batchSize: 100 });
    const data: Dataset = {
      name: 'bn-scale',
      task: 'classification',
      inputShape: [1],
      numOutputs: 2,
      splits: { test: { inputs: test, labels: teacherLabels(a, test) } },
    };
    const ev = new ReferenceEvaluator();
    const acc = async (n: Network): Promise<number> =>
      (await evaluateSplit(ev, n, data.splits.test!, 'classification')).accuracy!;
    expect(await acc(a)).toBe(100);
    expect(await acc(b)).toBeGreaterThanOrEqual(99.9);
    const lerped = interpolate(a, b, 0.5);
    // lerped variance ≈ (1 + 100²)/2 · v, actual 50.5² · v: |x̂| shrinks by ≈ 0.714
    const ratio =
      norms(lerped)[0]!.runningVar!.data[0]! /
      norms(recomputeBatchNormStats(lerped, train, { batchSize: 100 }))[0]!.runningVar!.data[0]!;
    expect(ratio).toBeCloseTo(5000.5 / 2550.25, 3);
    const broken = await acc(lerped);
    expect(broken).toBeLessThan(90);
    const repaired = await acc(recomputeBatchNormStats(lerped, train, { batchSize: 100 }));
    expect(repaired).toBeGreaterThanOrEqual(99.9);
  });
});
