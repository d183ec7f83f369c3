import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evaluator } from '@nidkit/core';
import { Rng } from '@nidkit/core';
import { createOnnxEvaluator } from './evaluator.js';

let ev: Evaluator;
beforeAll(async () => {
  ev = await createOnnxEvaluator();
});
afterAll(async () => {
  await ev.dispose();
});

/** The definition, in float64. */
function naive(
  a: ArrayLike<number>,
  ha: Float64Array,
  b: ArrayLike<number>,
  hb: Float64Array,
  rows: number,
) {
  const m = ha.length;
  const n = hb.length;
  const cross = new Float64Array(m * n);
  for (let p = 0; p < rows; p++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++)
        cross[i * n + j]! += (a[p * m + i]! - ha[i]!) * (b[p * n + j]! - hb[j]!);
  const stats = (x: ArrayLike<number>, h: Float64Array) => {
    const w = h.length;
    const sum = new Float64Array(w);
    const sumSq = new Float64Array(w);
    const min = new Float64Array(w).fill(Infinity);
    const max = new Float64Array(w).fill(-Infinity);
    for (let p = 0; p < rows; p++)
      for (let c = 0; c < w; c++) {
        const v = x[p * w + c]!;
        sum[c]! += v - h[c]!;
        sumSq[c]! += (v - h[c]!) ** 2;
        min[c] = Math.min(min[c]!, v);
        max[c] = Math.max(max[c]!, v);
      }
    return { sum, sumSq, min, max };
  };
  return { cross, a: stats(a, ha), b: stats(b, hb) };
}

function maxRel(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++)
    worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / Math.max(1, Math.abs(y[i]!)));
  return worst;
}

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
      const want = naive(a, ha, b, hb, rows);
      expect(got.cross.length).toBe(m * n);
      expect(maxRel(got.cross, want.cross)).toBeLessThan(1e-12);
      for (const side of ['a', 'b'] as const) {
        expect(maxRel(got[side].sum, want[side].sum)).toBeLessThan(1e-12);
        expect(maxRel(got[side].sumSq, want[side].sumSq)).toBeLessThan(1e-12);
        expect(Array.from(got[side].min)).toEqual(Array.from(want[side].min));
        expect(Array.from(got[side].max)).toEqual(Array.from(want[side].max));
      }
    }
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
