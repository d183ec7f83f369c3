import type { Network } from '@nidkit/core';
import {
  IncompatibleFixedPartsError,
  ReferenceEvaluator,
  Rng,
  forward,
  namedTensors,
} from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import { invertPermutation } from '@nidkit/matching';
import { describe, expect, it } from 'vitest';
import {
  permuteHidden,
  randomMlp,
  signPairNet,
  swapHalves,
  teacherDataset,
} from '../test/helpers.js';
import type { LmcRecord } from './protocol.js';
import { lmcProtocol } from './protocol.js';

const ev = new ReferenceEvaluator();

function state(net: Network): Record<string, number[]> {
  return Object.fromEntries(namedTensors(net).map((t) => [t.name, Array.from(t.tensor.data)]));
}

function zeroBarriers(rec: LmcRecord): void {
  for (const s of Object.values(rec.splits)) {
    const b = s.barriers!;
    for (const key of [
      'lossBarrier',
      'accuracyBarrierPp',
      'accuracyDropPp',
      'relativeAccuracyDropPct',
      'peakBarrier',
    ] as const) {
      expect(Math.abs(b[key]!), key).toBe(0);
    }
    expect(b.linearity).toBe(true);
  }
}

describe('lmcProtocol: a hidden-unit permutation of a standard MLP', () => {
  const d = 4;
  const a = signPairNet(d);
  const sigma = [swapHalves(d), Rng.stream(3, 'sigma').permutation(2 * d)];
  const b = permuteHidden(a, sigma);
  const data = teacherDataset(a, 7, { train: 300, val: 100, test: 200 });

  it('unaligned shows a barrier; activation-aligned shows none and recovers the permutation', async () => {
    const report = await lmcProtocol(ev, a, b, data, {
      alignment: ['none', 'activation'],
      points: 9,
      ids: { a: 'A.onnx', b: 'B.onnx' },
    });
    expect(report).toMatchObject({
      schemaVersion: 1,
      kind: 'lmc-report',
      evaluator: 'reference',
      dataset: 'teacher',
      family: 'standard',
    });
    expect(report.models.a.id).toBe('A.onnx');
    expect(report.records.map((r) => r.alignment)).toEqual(['none', 'activation']);
    const [none, act] = report.records as [(typeof report.records)[0], (typeof report.records)[0]];

    // unaligned: the midpoint predicts a constant class on every split
    for (const s of Object.values(none.splits)) {
      expect(s.accuracy![0]).toBe(100);
      expect(s.accuracy![8]).toBe(100);
      expect(s.barriers!.accuracyBarrierPp).toBeGreaterThan(50);
      expect(s.barriers!.lossBarrier).toBeGreaterThan(0.3);
    }
    expect(none.matching).toBeNull();
    expect(none.distance).toBeGreaterThan(1);

    // aligned: B' = A exactly, so the path is flat and the distance 0
    zeroBarriers(act);
    expect(act.distance).toBe(0);
    expect(act.space).toBe('stored');
    act.matching!.layers.forEach((l, i) =>
      expect(l.permutation).toEqual(Array.from(invertPermutation(sigma[i]!))),
    );
    expect(act.matching!.verified).toBe(true);
    // the matching objective of each layer: optimal Pearson 1, identity far below
    for (const l of act.matching!.layers) {
      expect(l.optimal).toBeCloseTo(1, 6);
      expect(l.identity!).toBeLessThan(0.5);
      expect(l.size).toBe(2 * d);
    }
    expect(act.matching).toMatchObject({
      method: 'activation',
      point: 'post_activation',
      similarity: 'pearson_zero_for_constant',
      maximize: true,
      samples: 300,
    });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("reference-anti reproduces the reference's anti-alignment: it does not recover the permutation and keeps a barrier", async () => {
    const report = await lmcProtocol(ev, a, b, data, {
      alignment: 'reference-anti',
      points: 5,
      splits: ['test'],
    });
    const rec = report.records[0]!;
    const recovered = rec.matching!.layers.map((l, i) => {
      const inv = invertPermutation(sigma[i]!);
      return l.permutation.filter((p, j) => p === inv[j]).length / l.size;
    });
    expect(Math.max(...recovered)).toBeLessThan(0.5);
    expect(rec.splits.test!.barriers!.accuracyBarrierPp).toBeGreaterThan(10);
  });
});

describe('lmcProtocol: asymmetric families are permuted with their fixed parts', () => {
  for (const family of ['standard', 'w-asym', 'syre', 'sigma-asym'] as const) {
    it(`${family}: activation- and weight-aligned LMC of a permuted copy is flat and recovers π = σ⁻¹`, async () => {
      const a = randomMlp({
        widths: [6, 10, 8, 3],
        family,
        norm: family === 'standard' ? 'batch' : 'layer',
        activation: 'gelu',
        seed: 4,
        maskSeed: 5,
      });
      const rng = Rng.stream(6, family);
      const sigma = [rng.permutation(10), rng.permutation(8)];
      const b = permuteHidden(a, sigma);
      const data = teacherDataset(a, 8, { train: 200, test: 100 });
      const x = data.splits.test!.inputs;
      expectClose(forward(b, x).logits, forward(a, x).logits, { atol: 1e-9, rtol: 1e-9 });
      if (family === 'w-asym' || family === 'syre') {
        // the permuted copy no longer shares fixed parts: unaligned interpolation must refuse
        await expect(lmcProtocol(ev, a, b, data, { alignment: 'none', points: 3 })).rejects.toThrow(
          IncompatibleFixedPartsError,
        );
      }
      const report = await lmcProtocol(ev, a, b, data, {
        alignment: ['activation', 'weight'],
        points: 5,
        bnStats: 'lerp',
      });
      for (const rec of report.records) {
        zeroBarriers(rec);
        rec.matching!.layers.forEach((l, i) =>
          expect(l.permutation).toEqual(Array.from(invertPermutation(sigma[i]!))),
        );
        expect(rec.space).toBe(family === 'w-asym' || family === 'syre' ? 'dense' : 'stored');
        expect(rec.fixedPartsInterpolated).toBe(false); // the re-permuted gate equals A's
        expect(rec.distance).toBeCloseTo(0, 12);
      }
      expect(report.records[1]!.matching).toMatchObject({ method: 'weight', score: 0 });
    });
  }
});

describe('lmcProtocol: bad input', () => {
  const a = randomMlp({ widths: [3, 4, 2], seed: 1 });
  const data = teacherDataset(a, 1, { train: 20 });
  it('rejects unknown modes and an empty mode list', async () => {
    await expect(lmcProtocol(ev, a, a, data, { alignment: 'procrustes' as never })).rejects.toThrow(
      /unknown alignment — expected one of none, activation, weight, reference-anti, got "procrustes"/,
    );
    await expect(lmcProtocol(ev, a, a, data, { alignment: [] })).rejects.toThrow(
      /no alignment mode/,
    );
  });
  it('needs the matching split for activation alignment', async () => {
    await expect(lmcProtocol(ev, a, a, data, { matchSplit: 'val' })).rejects.toThrow(
      /no split "val"/,
    );
  });
  it('stays plain JSON (no NaN) even with a single random baseline sample', async () => {
    const r = await lmcProtocol(ev, a, a, data, {
      alignment: 'activation',
      points: 2,
      randomSamples: 1,
    });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
  it('a model aligned with itself keeps the identity, and the inputs are not modified', async () => {
    const before = state(a);
    const r = await lmcProtocol(ev, a, a, data, { alignment: ['activation', 'weight'], points: 3 });
    expect(r.records[0]!.matching!.layers[0]!.fixedPointFraction).toBe(1);
    expect(r.records[1]!.matching!.layers[0]!.fixedPointFraction).toBe(1);
    expect(state(a)).toEqual(before);
  });
});
