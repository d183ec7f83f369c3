import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accuracyBarrierPp,
  accuracyDropPp,
  barriers,
  linearity,
  lossBarrier,
  midpointAccuracyBarrierPp,
  midpointBarrier,
  midpointLossBarrier,
  peakBarrier,
  relativeAccuracyDropPct,
} from './barriers.js';
import { InvalidCurveError } from './errors.js';
import { lambdaGrid } from './grid.js';

describe('reference examples (merging.md §10)', () => {
  it('relativeAccuracyDropPct([90, 80, 95]) = −15.789…%', () => {
    expect(relativeAccuracyDropPct([90, 80, 95])).toBeCloseTo(((80 - 95) / 95) * 100, 12);
    expect(relativeAccuracyDropPct([90, 80, 95])).toBeCloseTo(-15.789473684, 8);
  });
  it('relativeAccuracyDropPct([50, 60, 70]) = −28.571…% and [0, 0, 0] → 0', () => {
    expect(relativeAccuracyDropPct([50, 60, 70])).toBeCloseTo(-28.5714285714, 8);
    expect(relativeAccuracyDropPct([0, 0, 0])).toBe(0);
  });
  it('linearity([90, 80, 95]) is false and linearity([90, 92.4, 95]) is true; n < 3 is true', () => {
    expect(linearity([90, 80, 95])).toBe(false);
    expect(linearity([90, 92.4, 95])).toBe(true);
    expect(linearity([10, 90])).toBe(true);
    expect(linearity([10])).toBe(true);
  });
  it('synthetic barriers on losses [1, 3, 2]: peak = 1, midpoint = 1', () => {
    expect(peakBarrier([1, 3, 2])).toBe(1);
    expect(midpointBarrier([1, 3, 2])).toBe(1);
  });
});

describe('chord barriers on hand-made curves', () => {
  const lambdas = [0, 0.25, 0.5, 0.75, 1];
  it('loss barrier is the largest excess over the chord', () => {
    // chord: 1, 1.25, 1.5, 1.75, 2; excess: 0, 0.75, 1.5, 0.25, 0
    const loss = [1, 2, 3, 2, 2];
    expect(lossBarrier(lambdas, loss)).toBe(1.5);
    expect(midpointLossBarrier(lambdas, loss)).toBe(1.5);
  });
  it('a convex dip below the chord gives loss barrier 0 and a negative midpoint barrier', () => {
    const loss = [2, 1, 0.5, 1, 2];
    expect(lossBarrier(lambdas, loss)).toBe(0);
    expect(midpointLossBarrier(lambdas, loss)).toBe(-1.5);
  });
  it('accuracy barrier is the largest shortfall below the chord, in percentage points', () => {
    // chord: 90, 91.25, 92.5, 93.75, 95; shortfall: 0, 11.25, 32.5, 3.75, 0
    const acc = [90, 80, 60, 90, 95];
    expect(accuracyBarrierPp(lambdas, acc)).toBe(32.5);
    expect(midpointAccuracyBarrierPp(lambdas, acc)).toBe(32.5);
    expect(accuracyDropPp(acc)).toBe(35);
    expect(relativeAccuracyDropPct(acc)).toBeCloseTo((-35 / 95) * 100, 12);
  });
  it('midpoint variants are null when 0.5 is not on the grid', () => {
    const g = [0, 1 / 3, 2 / 3, 1];
    expect(midpointLossBarrier(g, [1, 2, 2, 1])).toBeNull();
    expect(midpointAccuracyBarrierPp(g, [90, 80, 80, 90])).toBeNull();
    expect(lossBarrier(g, [1, 2, 2, 1])).toBe(1);
  });
  it('barriers() reports every variant under its own name', () => {
    const r = barriers({ lambdas: [0, 0.5, 1], loss: [0.1, 0.9, 0.3], accuracy: [90, 80, 95] });
    expect(r.lossBarrier).toBeCloseTo(0.7, 12);
    expect(r.midpointLossBarrier).toBeCloseTo(0.7, 12);
    expect(r.accuracyBarrierPp).toBeCloseTo(12.5, 12);
    expect(r.midpointAccuracyBarrierPp).toBeCloseTo(12.5, 12);
    expect(r.accuracyDropPp).toBe(15);
    expect(r.relativeAccuracyDropPct).toBeCloseTo(-15.789473684, 8);
    expect(r.linearity).toBe(false);
    expect(r.peakBarrier).toBeCloseTo(0.6, 12);
    expect(r.midpointBarrier).toBeCloseTo(0.6, 12);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
  it('regression curves (no accuracy) give null accuracy barriers', () => {
    const r = barriers({ lambdas: [0, 0.5, 1], loss: [1, 3, 2], accuracy: null });
    expect(r.accuracyBarrierPp).toBeNull();
    expect(r.relativeAccuracyDropPct).toBeNull();
    expect(r.linearity).toBeNull();
    expect(r.lossBarrier).toBe(1.5);
  });
});

describe('signs and the flat path (property tests, fixed seed)', () => {
  const curve = fc.integer({ min: 1, max: 40 }).chain((s) =>
    fc.record({
      s: fc.constant(s),
      acc: fc.array(fc.double({ min: 0, max: 100, noNaN: true }), {
        minLength: s + 1,
        maxLength: s + 1,
      }),
      loss: fc.array(fc.double({ min: 0, max: 10, noNaN: true }), {
        minLength: s + 1,
        maxLength: s + 1,
      }),
    }),
  );
  it('chord barriers and drops are ≥ 0, the relative drop is ≤ 0', () => {
    fc.assert(
      fc.property(curve, ({ s, acc, loss }) => {
        const g = lambdaGrid(s);
        expect(lossBarrier(g, loss)).toBeGreaterThanOrEqual(0);
        expect(accuracyBarrierPp(g, acc)).toBeGreaterThanOrEqual(0);
        expect(accuracyDropPp(acc)).toBeGreaterThanOrEqual(0);
        expect(relativeAccuracyDropPct(acc)).toBeLessThanOrEqual(0);
        expect(peakBarrier(loss)).toBeGreaterThanOrEqual(0);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
  it('a constant curve has every barrier 0 and is linear', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (s, v) => {
          const g = lambdaGrid(s);
          const r = barriers({ lambdas: g, loss: g.map(() => v / 10), accuracy: g.map(() => v) });
          for (const key of [
            'lossBarrier',
            'accuracyBarrierPp',
            'accuracyDropPp',
            'relativeAccuracyDropPct',
            'peakBarrier',
            'midpointBarrier',
          ] as const) {
            expect(Math.abs(r[key]!)).toBe(0);
          }
          if (r.midpointLossBarrier !== null) expect(r.midpointLossBarrier).toBe(0);
          expect(r.linearity).toBe(true);
        },
      ),
      { seed: 11, numRuns: 100 },
    );
  });
});

describe('malformed curves', () => {
  it('rejects grids that do not run from 0 to 1 or do not increase', () => {
    expect(() => lossBarrier([0.1, 1], [1, 2])).toThrow(InvalidCurveError);
    expect(() => lossBarrier([0, 0.9], [1, 2])).toThrow(/must start at 0 and end at 1/);
    expect(() => lossBarrier([0, 0.5, 0.5, 1], [1, 2, 2, 1])).toThrow(/increase strictly/);
    expect(() => lossBarrier([0], [1])).toThrow(/at least 2 values/);
  });
  it('rejects mismatched lengths, NaN and accuracies outside 0..100', () => {
    expect(() => lossBarrier([0, 1], [1, 2, 3])).toThrow(/differ in length — expected 2, got 3/);
    expect(() => lossBarrier([0, 1], [1, Number.NaN])).toThrow(
      /losses\[1\] is not a finite number/,
    );
    expect(() => relativeAccuracyDropPct([0.9, 0.95])).not.toThrow();
    expect(() => relativeAccuracyDropPct([90, 101])).toThrow(/outside 0..100/);
    expect(() => accuracyDropPp([])).toThrow(InvalidCurveError);
    try {
      peakBarrier([1, Number.POSITIVE_INFINITY]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidCurveError);
      expect((e as InvalidCurveError).field).toBe('losses');
      expect((e as InvalidCurveError).code).toBe('INVALID_CURVE');
    }
  });
});
