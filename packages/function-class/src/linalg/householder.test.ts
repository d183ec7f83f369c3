import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { householderReduce } from './householder.js';
import { wasmWorkspace } from './wasm-tridiagonal.js';

/** Q = P_{n−1} ⋯ P_1 from the reflectors, as a dense row-major matrix. */
function explicitQ(n: number, R: Float64Array, hs: Float64Array): Float64Array {
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  // columns: Q e_c = P_{n−1}(⋯(P_1 e_c))
  for (let c = 0; c < n; c++) {
    for (let m = 1; m < n; m++) {
      const h = hs[m]!;
      if (h === 0) continue;
      let g = 0;
      for (let r = 0; r < m; r++) g += R[m * n + r]! * Q[r * n + c]!;
      for (let r = 0; r < m; r++) Q[r * n + c] = Q[r * n + c]! - (g / h) * R[m * n + r]!;
    }
  }
  return Q;
}

describe('householderReduce', () => {
  it('the WebAssembly SIMD kernel is available here (so the tests below exercise it)', () => {
    expect(wasmWorkspace(1024)).not.toBeNull();
  });

  it('A = Q T Qᵀ with orthogonal Q, in both kernels, which agree', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 41 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.boolean(),
        (n, seed, sparse) => {
          let s = seed;
          const rnd = (): number => {
            s = (s * 16807) % 2147483647;
            return (s / 2147483647) * 2 - 1;
          };
          const a = new Float64Array(n * n);
          for (let i = 0; i < n; i++)
            for (let j = 0; j <= i; j++) {
              // sparse: zero rows and entries, so some reflectors vanish
              const v = sparse && (i % 3 === 1 || rnd() < 0) ? 0 : rnd();
              a[i * n + j] = v;
              a[j * n + i] = v;
            }
          const copy = a.slice();
          const out = [true, false].map((simd) => {
            const d = new Float64Array(n);
            const e = new Float64Array(n);
            const hs = new Float64Array(n);
            const R = householderReduce(n, a, d, e, hs, simd);
            return { d, e, hs, R };
          });
          expect(a).toEqual(copy);
          for (const { d, e, hs, R } of out) {
            expect(e[0]).toBe(0);
            const Q = explicitQ(n, R, hs);
            for (let i = 0; i < n; i++)
              for (let j = 0; j < n; j++) {
                // (Q T Qᵀ)_ij and (QᵀQ)_ij
                let qtq = 0;
                let qtqT = 0;
                for (let k = 0; k < n; k++) {
                  qtq += Q[k * n + i]! * Q[k * n + j]!;
                  let tk = d[k]! * Q[j * n + k]!;
                  if (k > 0) tk += e[k]! * Q[j * n + k - 1]!;
                  if (k < n - 1) tk += e[k + 1]! * Q[j * n + k + 1]!;
                  qtqT += Q[i * n + k]! * tk;
                }
                expect(Math.abs(qtq - (i === j ? 1 : 0))).toBeLessThan(1e-14 * n);
                expect(Math.abs(qtqT - a[i * n + j]!)).toBeLessThan(1e-14 * n);
              }
          }
          for (let i = 0; i < n; i++) {
            expect(Math.abs(out[0]!.d[i]! - out[1]!.d[i]!)).toBeLessThan(1e-13 * n);
            expect(Math.abs(Math.abs(out[0]!.e[i]!) - Math.abs(out[1]!.e[i]!))).toBeLessThan(
              1e-13 * n,
            );
          }
        },
      ),
      { seed: 23, numRuns: 80 },
    );
  });

  it('n = 0 and n = 1', () => {
    const d = new Float64Array(1);
    const e = new Float64Array(1);
    const hs = new Float64Array(1);
    expect(householderReduce(0, [], d, e, hs).length).toBe(0);
    householderReduce(1, [7], d, e, hs);
    expect([d[0], e[0], hs[0]]).toEqual([7, 0, 0]);
  });
});
