import { tensor } from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mm, randomBasis, randomOrthogonal } from '../test/networks.js';
import { anisotropy, anisotropyBounds, coherence, leverageScores } from './coherence.js';

function mask(n: number, d: number, fixed: number, seed: number): Float64Array {
  const m = new Float64Array(n * d).fill(1);
  let s = seed;
  for (let i = 0; i < n; i++) {
    let left = fixed;
    while (left > 0) {
      s = (s * 16807) % 2147483647;
      const c = s % d;
      if (m[i * d + c] === 1) {
        m[i * d + c] = 0;
        left--;
      }
    }
  }
  return m;
}

describe('coherence', () => {
  it('k/d ≤ ν ≤ 1 for random orthonormal bases, and leverage scores sum to k', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 1e5 }),
        (d, f, seed) => {
          const k = Math.max(1, Math.round(f * d));
          const U = randomBasis(d, k, seed);
          const nu = coherence(U);
          expect(nu).toBeGreaterThanOrEqual(k / d - 1e-12);
          expect(nu).toBeLessThanOrEqual(1 + 1e-12);
          expectClose(
            leverageScores(U).reduce((a, b) => a + b, 0),
            k,
            { atol: 1e-10 },
          );
          expectClose(coherence(mm(U, randomOrthogonal(k, seed))), nu, { atol: 1e-12 });
        },
      ),
      { seed: 5, numRuns: 50 },
    );
  });

  it('a coordinate-aligned subspace has ν = 1; a flat one has ν = k/d', () => {
    const U = tensor(Float64Array.from([0, 1, 0, 0, 1, 0, 0, 0]), [4, 2]);
    expect(coherence(U)).toBe(1);
    const H = tensor(Float64Array.from([0.5, 0.5, 0.5, -0.5, 0.5, 0.5, 0.5, -0.5]), [4, 2]);
    expectClose(coherence(H), 0.5);
    expect(() => coherence(tensor(new Float64Array(3), [3]))).toThrow(/2-d/);
  });
});

describe('anisotropy', () => {
  it('dense layers: S_i = I, p = 1, anisotropy 0', () => {
    const a = anisotropy(randomBasis(8, 3, 1), null, 5);
    expect(a.p).toBe(1);
    expect(a.mean).toBe(0);
    expect(Array.from(a.perNeuron)).toEqual([0, 0, 0, 0, 0]);
  });

  it('equals the spectral norm of Uᵀdiag(D_i)U − pI, and is invariant under U → UQ', () => {
    const d = 12;
    const k = 5;
    const n = 4;
    const U = randomBasis(d, k, 8);
    const D = tensor(mask(n, d, 3, 3), [n, d]);
    const a = anisotropy(U, D);
    expectClose(a.p, 1 - 3 / d);
    // direct: power iteration on (S − pI)² is slow to write; use the eigen solver on S directly
    for (let i = 0; i < n; i++) {
      const S = new Float64Array(k * k);
      for (let r = 0; r < d; r++) {
        if (D.data[i * d + r] === 0) continue;
        for (let x = 0; x < k; x++)
          for (let y = 0; y < k; y++)
            S[x * k + y] = S[x * k + y]! + U.data[r * k + x]! * U.data[r * k + y]!;
      }
      for (let x = 0; x < k; x++) S[x * k + x] = S[x * k + x]! - a.p;
      // spectral norm via many power iterations of S²
      let v = new Float64Array(k).fill(1);
      let lam = 0;
      for (let it = 0; it < 2000; it++) {
        const w = new Float64Array(k);
        for (let x = 0; x < k; x++)
          for (let y = 0; y < k; y++) w[x] = w[x]! + S[x * k + y]! * v[y]!;
        const w2 = new Float64Array(k);
        for (let x = 0; x < k; x++)
          for (let y = 0; y < k; y++) w2[x] = w2[x]! + S[x * k + y]! * w[y]!;
        const nn = Math.hypot(...w2);
        lam = Math.sqrt(nn / Math.hypot(...v));
        v = w2.map((t) => t / nn);
      }
      expectClose(a.perNeuron[i]!, lam, { atol: 1e-8 });
    }
    const b = anisotropy(mm(U, randomOrthogonal(k, 8)), D);
    expectClose(b.perNeuron, a.perNeuron, { atol: 1e-12 });
  });

  it('rejects a mask with the wrong width or non-binary entries', () => {
    const U = randomBasis(6, 2, 1);
    expect(() => anisotropy(U, tensor(new Float64Array(10).fill(1), [2, 5]))).toThrow(
      /expected \[2, 6\], got \[2, 5\]/,
    );
    expect(() => anisotropy(U, tensor(new Float64Array(12).fill(2), [2, 6]))).toThrow(/0 or 1/);
  });
});

describe('anisotropyBounds', () => {
  it('the spec example: p = 0.875, ν = 0.2, k = 10, δ = 0.1 → 1.09959', () => {
    const b = anisotropyBounds(0.875, 0.2, 10);
    expect(Object.keys(b)).toEqual([
      '0.2',
      '0.1',
      '0.05',
      '0.02',
      '0.01',
      '0.005',
      '0.002',
      '0.001',
    ]);
    expect(b['0.1']).toBeCloseTo(1.09959, 5);
    // p ≥ ½: b = max(p, 1−p) = p, the reference value
    expect(anisotropyBounds(0.875, 0.2, 10, { anisotropyB: 'reference' })['0.1']).toBe(b['0.1']);
    // bounds grow as δ shrinks
    const vals = Object.values(b);
    for (let i = 1; i < vals.length; i++) expect(vals[i]!).toBeGreaterThan(vals[i - 1]!);
  });

  it('sparse masks: nidkit b = 1 − p exceeds the reference b = p; dense layers give 0', () => {
    const ours = anisotropyBounds(0.15, 0.3, 4, { deltas: [0.1] })['0.1']!;
    const ref = anisotropyBounds(0.15, 0.3, 4, { deltas: [0.1], anisotropyB: 'reference' })['0.1']!;
    const L = Math.log(80);
    expectClose(
      ours,
      (2 / 3) * 0.85 * 0.3 * L + Math.sqrt(0.15 * 0.85) * Math.sqrt(0.3) * Math.sqrt(2 * L),
    );
    expect(ours).toBeGreaterThan(ref);
    expect(anisotropyBounds(1, 0.5, 3)['0.01']).toBe(0);
  });

  it('rejects out-of-range arguments', () => {
    expect(() => anisotropyBounds(1.2, 0.1, 3)).toThrow(/expected 0 ≤ p ≤ 1/);
    expect(() => anisotropyBounds(0.5, -0.1, 3)).toThrow(/ν/);
    expect(() => anisotropyBounds(0.5, 0.1, 0)).toThrow(/k/);
    expect(() => anisotropyBounds(0.5, 0.1, 3, { deltas: [0] })).toThrow(/δ/);
  });
});
