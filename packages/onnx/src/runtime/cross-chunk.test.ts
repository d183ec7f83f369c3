import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evaluator } from '@nidkit/core';
import { Rng } from '@nidkit/core';
import { crossStatisticsByDefinition, maxRelativeDifference } from '@nidkit/core/testing';
import { createOnnxEvaluator } from './evaluator.js';

let ev: Evaluator;
beforeAll(async () => {
  ev = await createOnnxEvaluator();
});
afterAll(async () => {
  await ev.dispose();
});

describe('OnnxEvaluator.crossChunk', () => {
  it('equals the definition in float64 for float32 and float64 inputs of odd sizes', async () => {
    const rng = Rng.stream(3, 'cross-chunk');
    for (const [m, n, rows, f64] of [
      [7, 5, 33, false],
      [40, 13, 301, false],
      [9, 11, 64, true],
    ] as const) {
      const a32 = rng.fillNormal(new Float32Array(rows * m), 2, 1);
      const b32 = rng.fillNormal(new Float32Array(rows * n), -1, 3);
      const a = f64 ? Float64Array.from(a32) : a32;
      const b = f64 ? Float64Array.from(b32) : b32;
      const ha = Float64Array.from({ length: m }, (_, i) => 2 + 0.01 * i);
      const hb = Float64Array.from({ length: n }, (_, i) => -1 - 0.02 * i);
      const got = await ev.crossChunk!(a, ha, b, hb, rows);
      const want = crossStatisticsByDefinition(a, ha, b, hb, rows);
      expect(got.cross.length).toBe(m * n);
      expect(maxRelativeDifference(got.cross, want.cross)).toBeLessThan(1e-12);
      for (const side of ['a', 'b'] as const) {
        expect(maxRelativeDifference(got[side].sum, want[side].sum)).toBeLessThan(1e-12);
        expect(maxRelativeDifference(got[side].sumSq, want[side].sumSq)).toBeLessThan(1e-12);
      }
    }
  });

  it('a column equal to its shift sums to exactly 0; one sample an ulp away does not', async () => {
    const rows = 300;
    const a = new Float32Array(rows * 2).fill(0.1);
    const b = new Float32Array(rows * 1).fill(-3.7);
    const tiny = new Float32Array([0.1]);
    tiny[0] = tiny[0]! + 2 ** -27; // the next float32 above fl32(0.1)
    expect(tiny[0]).not.toBe(a[0]);
    a[2 * 150 + 1] = tiny[0]!;
    const h = (x: Float32Array, i: number) => new Float64Array([x[i]!]);
    const got = await ev.crossChunk!(a, Float64Array.from([a[0]!, a[0]!]), b, h(b, 0), rows);
    expect(got.a.sumSq[0]).toBe(0);
    expect(got.a.sum[0]).toBe(0);
    expect(got.a.sumSq[1]).toBeGreaterThan(0);
    expect(got.b.sumSq[0]).toBe(0);
  });

  it('NaN or ±∞ shows as a non-finite sum of squares', async () => {
    const a = new Float32Array(4 * 3).fill(1);
    const b = new Float32Array(4 * 2).fill(2);
    a[5] = NaN;
    b[3] = -Infinity;
    const got = await ev.crossChunk!(a, new Float64Array(3), b, new Float64Array(2), 4);
    expect(Number.isFinite(got.a.sumSq[2]!)).toBe(false);
    expect(Number.isFinite(got.b.sumSq[1]!)).toBe(false);
    expect(Number.isFinite(got.a.sumSq[0]!)).toBe(true);
  });

  it('rejects inputs that do not hold the rows, and calls after dispose', async () => {
    await expect(
      ev.crossChunk!(
        new Float32Array(5),
        new Float64Array(2),
        new Float32Array(4),
        new Float64Array(2),
        2,
      ),
    ).rejects.toThrow(/do not hold 2 rows of 2 and 2 columns/);
    const other = await createOnnxEvaluator();
    await other.dispose();
    await expect(
      other.crossChunk!(
        new Float32Array(4),
        new Float64Array(2),
        new Float32Array(4),
        new Float64Array(2),
        2,
      ),
    ).rejects.toThrow(/disposed/);
  });
});
