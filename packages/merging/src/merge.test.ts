import type { Dataset, Network } from '@nidkit/core';
import {
  IncompatibleFixedPartsError,
  InvalidArgumentError,
  ReferenceEvaluator,
  Rng,
  evaluateSplit,
  forward,
  namedTensors,
} from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import { invertPermutation } from '@nidkit/matching';
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
import { AlignmentError } from './errors.js';
import { recomputeBatchNormStats } from './batchnorm.js';
import { mergeNetworks, mergePair } from './merge.js';

const ev = new ReferenceEvaluator();

function state(net: Network): Record<string, number[]> {
  return Object.fromEntries(namedTensors(net).map((t) => [t.name, Array.from(t.tensor.data)]));
}

describe('mergeNetworks', () => {
  const a = randomMlp({ widths: [6, 10, 8, 3], norm: 'layer', seed: 4 });
  const rng = Rng.stream(9, 'merge');
  const s1 = [rng.permutation(10), rng.permutation(8)];
  const s2 = [rng.permutation(10), rng.permutation(8)];
  const copies = [a, permuteHidden(a, s1), permuteHidden(a, s2)];

  it('weight-aligning permuted copies to the reference and averaging returns the reference', () => {
    expect(state(mergeNetworks(copies, { align: 'weight' }))).toEqual(state(a));
    // with another reference, the result is that copy
    expect(state(mergeNetworks(copies, { align: 'weight', reference: 1 }))).toEqual(
      state(copies[1]!),
    );
  });

  it('precomputed permutations (e.g. from activation matching) are applied before averaging', () => {
    const perms = [null, s1.map(invertPermutation), s2.map(invertPermutation)];
    const merged = mergeNetworks(copies, { permutations: perms, weights: [1, 2, 3] });
    expect(state(merged)).toEqual(state(a));
    expect(merged.meta.provenance).toMatchObject({
      operation: 'merge',
      aligned: 'permutations',
      numModels: 3,
    });
  });

  it('without alignment the average of permuted copies is a different function', () => {
    const merged = mergeNetworks(copies);
    const x = gaussianInputs(2, 20, 6);
    const diff = forward(merged, x).logits.data.map((v, i) =>
      Math.abs(v - forward(a, x).logits.data[i]!),
    );
    expect(Math.max(...diff)).toBeGreaterThan(0.1);
  });

  it('aligned W-asymmetric models are averaged densely (a standard network with the same function)', () => {
    const w = randomMlp({ widths: [6, 10, 3], family: 'w-asym', seed: 4, maskSeed: 2 });
    const wp = permuteHidden(w, [s1[0]!]);
    expect(() => mergeNetworks([w, wp])).toThrow(IncompatibleFixedPartsError);
    const merged = mergeNetworks([w, wp], { align: 'weight' });
    expect(merged.family).toBe('standard');
    const x = gaussianInputs(3, 20, 6);
    expectClose(forward(merged, x).logits, forward(w, x).logits, { atol: 1e-5, rtol: 1e-5 });
  });

  it('recomputes BatchNorm statistics on bnData', () => {
    const train = gaussianInputs(11, 1000, 1);
    const m1 = recomputeBatchNormStats(bnScaleNet(1), train, { batchSize: 100 });
    const m2 = recomputeBatchNormStats(bnScaleNet(100), train, { batchSize: 100 });
    const merged = mergeNetworks([m1, m2], { bnData: train, bnBatchSize: 100 });
    const lerped = mergeNetworks([m1, m2]);
    const norm = (n: Network): number => {
      const l = n.layers[1]!;
      return l.type === 'norm' ? l.runningVar!.data[0]! : Number.NaN;
    };
    const m1Var = norm(m1);
    expect(norm(merged) / m1Var).toBeCloseTo(50.5 ** 2, 0);
    expect(norm(lerped) / m1Var).toBeCloseTo((1 + 100 ** 2) / 2, 0);
  });

  it('rejects bad arguments and a permutation that is not one', () => {
    expect(() => mergeNetworks([])).toThrow(InvalidArgumentError);
    expect(() => mergeNetworks(copies, { reference: 3 })).toThrow(/expected 0..2, got 3/);
    expect(() => mergeNetworks(copies, { align: 'activation' as never })).toThrow(
      /use alignNetwork for activation matching/,
    );
    expect(() => mergeNetworks(copies, { permutations: [null] })).toThrow(/expected 3, got 1/);
    const bad = [null, [Int32Array.from([0, 0, 1, 2, 3, 4, 5, 6, 7, 8]), s1[1]!], null];
    expect(() => mergeNetworks(copies, { permutations: bad })).toThrow(AlignmentError);
  });
});

describe('mergePair', () => {
  it('activation-aligned midpoint of a permuted copy is the model itself; unaligned collapses', async () => {
    const d = 3;
    const a = signPairNet(d);
    const b = permuteHidden(a, [swapHalves(d), Rng.stream(2, 'p').permutation(2 * d)]);
    const data: Dataset = teacherDataset(a, 4, { train: 200, test: 200 });
    const aligned = await mergePair(ev, a, b, data, { alignment: 'activation' });
    expect(state(aligned.network)).toEqual(state(a));
    expect(aligned.record).toMatchObject({
      schemaVersion: 1,
      kind: 'merge',
      lambda: 0.5,
      alignment: 'activation',
      space: 'stored',
      bnStats: 'none',
    });
    expect(JSON.parse(JSON.stringify(aligned.record))).toEqual(aligned.record);
    const naive = await mergePair(null, a, b, null);
    expect(naive.record.matching).toBeNull();
    const acc = (await evaluateSplit(ev, naive.network, data.splits.test!, 'classification'))
      .accuracy!;
    expect(acc).toBeLessThan(50);
  });

  it('recomputes BatchNorm statistics by default and validates its arguments', async () => {
    const train = gaussianInputs(11, 1000, 1);
    const m1 = recomputeBatchNormStats(bnScaleNet(1), train, { batchSize: 100 });
    const m2 = recomputeBatchNormStats(bnScaleNet(100), train, { batchSize: 100 });
    const data: Dataset = {
      name: 'bn',
      task: 'classification',
      inputShape: [1],
      numOutputs: 2,
      splits: { train: { inputs: train, labels: teacherLabels(m1, train) } },
    };
    const r = await mergePair(null, m1, m2, data, { bnBatchSize: 100 });
    expect(r.record.bnStats).toBe('recompute');
    expect(
      (await evaluateSplit(ev, r.network, data.splits.train!, 'classification')).accuracy,
    ).toBeGreaterThanOrEqual(99.9);
    await expect(mergePair(null, m1, m2, null)).rejects.toThrow(
      /recomputing BatchNorm statistics needs data/,
    );
    await expect(mergePair(null, m1, m2, data, { lambda: 2 })).rejects.toThrow(
      /λ must be a finite number in \[0, 1\]/,
    );
    await expect(mergePair(null, m1, m2, null, { alignment: 'activation' })).rejects.toThrow(
      /activation alignment needs data/,
    );
    await expect(mergePair(null, m1, m2, data, { alignment: 'activation' })).rejects.toThrow(
      /needs an evaluator/,
    );
  });
});
