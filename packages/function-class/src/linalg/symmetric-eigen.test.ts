import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from './symmetric-eigen.js';

describe('symmetricEigen', () => {
  it('A·v = λ·v, orthonormal vectors, ascending values; values-only path agrees', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 1e6 }), (n, seed) => {
        let s = seed;
        const a = new Float64Array(n * n);
        for (let i = 0; i < n; i++) {
          for (let j = i; j < n; j++) {
            s = (s * 16807) % 2147483647;
            const v = (s / 2147483647) * 2 - 1;
            a[i * n + j] = v;
            a[j * n + i] = v;
          }
        }
        const { values, vectors } = symmetricEigen(a, n);
        const scale = Math.max(1, ...Array.from(values, Math.abs));
        for (let t = 0; t < n; t++) {
          if (t > 0) expect(values[t]!).toBeGreaterThanOrEqual(values[t - 1]!);
          for (let i = 0; i < n; i++) {
            let av = 0;
            for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[t * n + j]!;
            expect(Math.abs(av - values[t]! * vectors[t * n + i]!)).toBeLessThan(1e-12 * scale * n);
          }
          for (let u = 0; u <= t; u++) {
            let dot = 0;
            for (let j = 0; j < n; j++) dot += vectors[t * n + j]! * vectors[u * n + j]!;
            expect(Math.abs(dot - (t === u ? 1 : 0))).toBeLessThan(1e-12 * n);
          }
        }
        const only = symmetricEigen(a, n, false).values;
        for (let t = 0; t < n; t++)
          expect(Math.abs(only[t]! - values[t]!)).toBeLessThan(1e-12 * scale * n);
      }),
      { seed: 31, numRuns: 60 },
    );
  });

  it('handles diagonal, zero and repeated-eigenvalue matrices', () => {
    expect(Array.from(symmetricEigen([3, 0, 0, 1], 2).values)).toEqual([1, 3]);
    expect(Array.from(symmetricEigen([0, 0, 0, 0], 2).values)).toEqual([0, 0]);
    const I = new Float64Array(9).map((_, i) => (i % 4 === 0 ? 2 : 0));
    expect(Array.from(symmetricEigen(I, 3).values)).toEqual([2, 2, 2]);
    expect(symmetricEigen([], 0).values.length).toBe(0);
  });
});
