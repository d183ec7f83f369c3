import { InvalidArgumentError } from '@nidkit/core';
import { describe, expect, it } from 'vitest';
import { barriers } from './barriers.js';
import type { LmcRecord, LmcReport } from './protocol.js';
import { summarizeLmcReports } from './summary.js';

function record(
  alignment: LmcRecord['alignment'],
  accuracy: number[],
  distance: number,
): LmcRecord {
  const lambdas = accuracy.map((_, t) => t / (accuracy.length - 1));
  const loss = accuracy.map((a) => (100 - a) / 100);
  return {
    alignment,
    lambdas,
    splits: { train: { n: 10, loss, accuracy, barriers: barriers({ lambdas, loss, accuracy }) } },
    distance,
    normalizedDistance: distance / 10,
    numParams: 100,
    space: 'stored',
    fixedPartsInterpolated: false,
    bnStats: 'none',
    matching: null,
  };
}

function report(records: LmcRecord[]): LmcReport {
  const info = {
    id: null,
    family: 'standard' as const,
    maskSeed: null,
    initSeed: null,
    optimizationSeed: null,
    epoch: null,
  };
  return {
    schemaVersion: 1,
    kind: 'lmc-report',
    evaluator: 'reference',
    dataset: 'd',
    task: 'classification',
    family: 'standard',
    models: { a: info, b: info },
    records,
  };
}

describe('summarizeLmcReports', () => {
  it('averages curves, barriers and distances over pairs per mode (sample std)', () => {
    const s = summarizeLmcReports([
      report([record('none', [90, 60, 94], 2), record('activation', [90, 92, 94], 1)]),
      report([record('none', [92, 70, 96], 4), record('activation', [92, 94.2, 96], 1)]),
    ]);
    expect(s).toMatchObject({
      schemaVersion: 1,
      kind: 'lmc-summary',
      numPairs: 2,
      families: ['standard'],
    });
    const none = s.modes.none!;
    expect(none.numPairs).toBe(2);
    expect(none.splits.train!.meanAccuracy).toEqual([91, 65, 95]);
    expect(none.splits.train!.stdAccuracy![1]).toBeCloseTo(Math.sqrt(50), 12);
    // accuracy drops 34 and 26 pp
    expect(none.splits.train!.barriers.accuracyDropPp).toEqual({ mean: 30, std: Math.sqrt(32) });
    expect(none.splits.train!.linearFraction).toBe(0);
    expect(none.distance).toEqual({ mean: 3, std: Math.sqrt(2) });
    expect(s.modes.activation!.splits.train!.linearFraction).toBe(1);
    expect(s.modes.weight).toBeUndefined();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('rejects an empty list and mismatched grids', () => {
    expect(() => summarizeLmcReports([])).toThrow(InvalidArgumentError);
    expect(() =>
      summarizeLmcReports([
        report([record('none', [90, 60, 94], 2)]),
        report([record('none', [90, 80, 70, 94], 2)]),
      ]),
    ).toThrow(/pair 1 uses another λ grid — expected 3 points/);
  });
});
