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

  it('orthonormal eigenvectors for a 5-fold eigenvalue and a rank-deficient Gram matrix (n = 60)', () => {
    const n = 60;
    let s = 99;
    const rnd = (): number => {
      s = (s * 16807) % 2147483647;
      return (s / 2147483647) * 2 - 1;
    };
    // B Bᵀ with B 60×9 random: rank ≤ 9, so ≥ 51 (numerically) zero eigenvalues
    const gram = new Float64Array(n * n);
    const B = Array.from({ length: n * 9 }, rnd);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        for (let t = 0; t < 9; t++)
          gram[i * n + j] = gram[i * n + j]! + B[i * 9 + t]! * B[j * 9 + t]!;
    // diag(2, 2, 2, 2, 2, 5, 6, …, 59): a 5-fold eigenvalue
    const block = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) block[i * n + j] = i < 5 ? (i === j ? 2 : 0) : i === j ? i : 0;
    for (const a of [gram, block]) {
      const { values, vectors } = symmetricEigen(a, n);
      const scale = Math.max(...Array.from(values, Math.abs));
      for (let t = 0; t < n; t++) {
        for (let i = 0; i < n; i++) {
          let av = 0;
          for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[t * n + j]!;
          expect(Math.abs(av - values[t]! * vectors[t * n + i]!)).toBeLessThan(1e-13 * scale);
        }
        for (let u = 0; u <= t; u++) {
          let dot = 0;
          for (let j = 0; j < n; j++) dot += vectors[t * n + j]! * vectors[u * n + j]!;
          expect(Math.abs(dot - (t === u ? 1 : 0))).toBeLessThan(1e-13);
        }
      }
    }
  });

  it('handles diagonal, zero and repeated-eigenvalue matrices', () => {
    expect(Array.from(symmetricEigen([3, 0, 0, 1], 2).values)).toEqual([1, 3]);
    expect(Array.from(symmetricEigen([0, 0, 0, 0], 2).values)).toEqual([0, 0]);
    const I = new Float64Array(9).map((_, i) => (i % 4 === 0 ? 2 : 0));
    expect(Array.from(symmetricEigen(I, 3).values)).toEqual([2, 2, 2]);
    expect(symmetricEigen([], 0).values.length).toBe(0);
  });
});
