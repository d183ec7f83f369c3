import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from './symmetric-eigen.js';
import { lazySymmetricEigen } from './top-eigen.js';

describe('lazySymmetricEigen', () => {
  it('agrees with the full solver: same values, eigenvectors up to sign, for any selection', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.boolean(),
        (n, seed, lowRank) => {
          let s = seed;
          const rnd = (): number => {
            s = (s * 16807) % 2147483647;
            return (s / 2147483647) * 2 - 1;
          };
          const a = new Float64Array(n * n);
          if (lowRank) {
            // PSD of rank ≤ 3 (repeated zero eigenvalues)
            const r = Math.min(3, n);
            const b = Array.from({ length: n * r }, rnd);
            for (let i = 0; i < n; i++)
              for (let j = 0; j < n; j++)
                for (let t = 0; t < r; t++)
                  a[i * n + j] = a[i * n + j]! + b[i * r + t]! * b[j * r + t]!;
          } else {
            for (let i = 0; i < n; i++) {
              for (let j = i; j < n; j++) {
                const v = rnd();
                a[i * n + j] = v;
                a[j * n + i] = v;
              }
            }
          }
          const full = symmetricEigen(a, n);
          const lazy = lazySymmetricEigen(a, n);
          const scale = Math.max(1, ...Array.from(full.values, Math.abs));
          for (let i = 0; i < n; i++)
            expect(Math.abs(lazy.values[i]! - full.values[i]!)).toBeLessThan(1e-12 * scale * n);
          const pick = Array.from({ length: Math.min(n, 4) }, (_, t) => n - 1 - t);
          const X = lazy.vectors(pick);
          const k = pick.length;
          pick.forEach((pos, t) => {
            // residual ‖A x − λ x‖ and unit norm
            let norm = 0;
            for (let r = 0; r < n; r++) norm += X[r * k + t]! ** 2;
            expect(Math.abs(norm - 1)).toBeLessThan(1e-12 * n);
            for (let r = 0; r < n; r++) {
              let ax = 0;
              for (let c = 0; c < n; c++) ax += a[r * n + c]! * X[c * k + t]!;
              expect(Math.abs(ax - lazy.values[pos]! * X[r * k + t]!)).toBeLessThan(
                1e-11 * scale * n,
              );
            }
            for (let u = 0; u < t; u++) {
              let dot = 0;
              for (let r = 0; r < n; r++) dot += X[r * k + t]! * X[r * k + u]!;
              expect(Math.abs(dot)).toBeLessThan(1e-11 * n);
            }
          });
        },
      ),
      { seed: 17, numRuns: 60 },
    );
  });
});
