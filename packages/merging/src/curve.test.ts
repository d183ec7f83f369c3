import type { Dataset, Network } from '@nidkit/core';
import {
  DataError,
  IncompatibleFixedPartsError,
  ReferenceEvaluator,
  Rng,
  forward,
  tensor,
} from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import { describe, expect, it } from 'vitest';
import {
  bnScaleNet,
  gaussianInputs,
  permuteHidden,
  randomMlp,
  signPairNet,
  swapHalves,
  teacherDataset,
  teacherLabels,
} from '../test/helpers.js';
import { recomputeBatchNormStats } from './batchnorm.js';
import { lmcCurve } from './curve.js';
import { interpolate } from './interpolate.js';

const ev = new ReferenceEvaluator();

describe('lmcCurve: a network interpolated with itself', () => {
  for (const family of ['standard', 'w-asym', 'syre', 'sigma-asym'] as const) {
    it(`${family}: identical outputs along the path and zero barrier of every kind`, async () => {
      const a = randomMlp({
        widths: [6, 8, 8, 4],
        family,
        norm: 'layer',
        activation: 'gelu',
        seed: 2,
        maskSeed: 3,
      });
      const data = teacherDataset(randomMlp({ widths: [6, 8, 4], seed: 99 }), 1, {
        train: 200,
        val: 100,
        test: 100,
      });
      const curve = await lmcCurve(ev, a, a, data, { points: 9 });
      expect(curve.lambdas).toEqual([0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]);
      expect(Object.keys(curve.splits)).toEqual(['train', 'val', 'test']);
      const x = data.splits.test!.inputs;
      const ref = forward(a, x).logits;
      for (const lambda of curve.lambdas)
        expect(forward(interpolate(a, a, lambda), x).logits.data).toEqual(ref.data);
      for (const s of Object.values(curve.splits)) {
        expect(new Set(s.loss).size).toBe(1);
        expect(new Set(s.accuracy).size).toBe(1);
        const b = s.barriers!;
        for (const v of [
          b.lossBarrier,
          b.midpointLossBarrier,
          b.accuracyBarrierPp,
          b.midpointAccuracyBarrierPp,
          b.accuracyDropPp,
          b.relativeAccuracyDropPct,
          b.peakBarrier,
          b.midpointBarrier,
        ]) {
          expect(Math.abs(v!)).toBe(0);
        }
        expect(b.linearity).toBe(true);
      }
    });
  }
});

describe('lmcCurve: a permuted copy (unaligned) must show a barrier', () => {
  it('constructed sign-pair MLP: the midpoint collapses to a constant prediction', async () => {
    const d = 4;
    const a = signPairNet(d);
    const b = permuteHidden(a, [swapHalves(d), Rng.stream(1, 'p').permutation(2 * d)]);
    const data = teacherDataset(a, 5, { train: 400, test: 400 });
    const x = data.splits.test!.inputs;
    expectClose(forward(b, x).logits, forward(a, x).logits); // same function
    const curve = await lmcCurve(ev, a, b, data, { points: 9 });
    const test = curve.splits.test!;
    expect(test.accuracy![0]).toBe(100);
    expect(test.accuracy![8]).toBe(100);
    // midpoint: every logit is 0, argmax picks class 0 for all samples
    const class0 = (100 * data.splits.test!.labels!.filter((y) => y === 0).length) / 400;
    expect(test.accuracy![4]).toBeCloseTo(class0, 10);
    expect(test.loss[4]).toBeCloseTo(Math.log(d), 10);
    expect(test.barriers!.accuracyBarrierPp).toBeGreaterThan(60);
    expect(test.barriers!.lossBarrier).toBeGreaterThanOrEqual(
      Math.log(d) - (test.loss[0]! + test.loss[8]!) / 2 - 1e-9,
    );
    expect(test.barriers!.lossBarrier).toBeGreaterThan(0.3);
    expect(test.barriers!.relativeAccuracyDropPct).toBeLessThan(-60);
    expect(test.barriers!.linearity).toBe(false);
  });
});

describe('lmcCurve: BatchNorm statistics along the path', () => {
  it("recomputes by default (no barrier) and shows the variance-collapse barrier with bnStats: 'lerp'", async () => {
    const train = gaussianInputs(11, 1000, 1);
    const test = gaussianInputs(12, 1000, 1);
    const a = recomputeBatchNormStats(bnScaleNet(1), train, { batchSize: 100 });
    const b = recomputeBatchNormStats(bnScaleNet(100), train, { batchSize: 100 });
    const data: Dataset = {
      name: 'bn',
      task: 'classification',
      inputShape: [1],
      numOutputs: 2,
      splits: {
        train: { inputs: train, labels: teacherLabels(a, train) },
        test: { inputs: test, labels: teacherLabels(a, test) },
      },
    };
    const recomputed = await lmcCurve(ev, a, b, data, {
      points: 5,
      splits: ['test'],
      bnBatchSize: 100,
    });
    const lerped = await lmcCurve(ev, a, b, data, { points: 5, splits: ['test'], bnStats: 'lerp' });
    expect(recomputed.bnStats).toBe('recompute');
    expect(lerped.bnStats).toBe('lerp');
    expect(recomputed.splits.test!.barriers!.accuracyBarrierPp).toBeLessThan(0.5);
    expect(lerped.splits.test!.barriers!.accuracyBarrierPp).toBeGreaterThan(8);
    // bnLimit: statistics from the first 200 training samples only (2 batches) — still repaired
    const limited = await lmcCurve(ev, a, b, data, {
      points: 3,
      splits: ['test'],
      bnBatchSize: 100,
      bnLimit: 200,
    });
    expect(limited.splits.test!.barriers!.accuracyBarrierPp).toBeLessThan(3);
    expect(limited.splits.test!.accuracy).not.toEqual(
      recomputed.splits.test!.accuracy!.filter((_, i) => i % 2 === 0),
    );
  });
});

describe('lmcCurve: result shape and bad input', () => {
  const a = randomMlp({ widths: [3, 5, 2], seed: 1 });
  const b = randomMlp({ widths: [3, 5, 2], seed: 2 });
  const data = teacherDataset(a, 2, { train: 50, test: 30 });

  it('is plain JSON with a schemaVersion; explicit λ lists and limits are honoured', async () => {
    let calls = 0;
    const c = await lmcCurve(ev, a, b, data, {
      lambdas: [0, 0.3, 1],
      limit: 20,
      onProgress: () => calls++,
    });
    expect(calls).toBe(3);
    expect(c).toMatchObject({
      schemaVersion: 1,
      kind: 'lmc-curve',
      evaluator: 'reference',
      task: 'classification',
      space: 'stored',
      bnStats: 'none',
      fixedPartsInterpolated: false,
    });
    expect(c.lambdas).toEqual([0, 0.3, 1]);
    expect(c.splits.train!.n).toBe(20);
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
    const partial = await lmcCurve(ev, a, b, data, { lambdas: [0.5], splits: ['test'] });
    expect(partial.splits.test!.barriers).toBeNull();
  });

  it('regression: MSE losses and null accuracies', async () => {
    const x = gaussianInputs(3, 40, 3);
    const targets = tensor(Float32Array.from(forward(a, x).logits.data), [40, 2]);
    const reg: Dataset = {
      name: 'reg',
      task: 'regression',
      inputShape: [3],
      numOutputs: 2,
      splits: { test: { inputs: x, targets } },
    };
    const c = await lmcCurve(ev, a, b, reg, { points: 3 });
    expect(c.splits.test!.accuracy).toBeNull();
    expect(c.splits.test!.loss[0]).toBeCloseTo(0, 10);
    expect(c.splits.test!.barriers!.accuracyBarrierPp).toBeNull();
  });

  it('rejects a dataset that does not fit, a missing split, and incompatible models', async () => {
    const wrong = teacherDataset(randomMlp({ widths: [3, 5, 4], seed: 1 }), 2, { test: 10 });
    await expect(lmcCurve(ev, a, b, wrong)).rejects.toThrow(DataError);
    await expect(lmcCurve(ev, a, b, wrong)).rejects.toThrow(/expected 4 outputs, got 2/);
    await expect(lmcCurve(ev, a, b, data, { splits: ['val'] })).rejects.toThrow(/no split "val"/);
    const wide = teacherDataset(randomMlp({ widths: [5, 4, 2], seed: 1 }), 2, { test: 10 });
    await expect(lmcCurve(ev, a, b, wide)).rejects.toThrow(
      /reads 3 input features .* expected 3 features, got 5/,
    );
    await expect(lmcCurve(ev, a, b, data, { limit: 0 })).rejects.toThrow(
      /limit must be a positive integer/,
    );
    const w1 = randomMlp({ widths: [3, 5, 2], family: 'w-asym', seed: 1, maskSeed: 1 });
    const w2 = randomMlp({ widths: [3, 5, 2], family: 'w-asym', seed: 1, maskSeed: 2 });
    await expect(lmcCurve(ev, w1, w2, data)).rejects.toThrow(IncompatibleFixedPartsError);
    await expect(lmcCurve(ev, a, b, data, { points: 1 })).rejects.toThrow(
      /points must be an integer ≥ 2/,
    );
  });
});

export type { Network };
