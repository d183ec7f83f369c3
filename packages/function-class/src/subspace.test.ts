import { InvalidArgumentError, NonFiniteError, tensor } from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import { describe, expect, it } from 'vitest';
import { mm, randomBasis, randomOrthogonal } from '../test/networks.js';
import { coherence } from './coherence.js';
import { ZeroVarianceError } from './errors.js';
import { centredGram } from './linalg/covariance.js';
import { estimateSubspace, subspaceDimension } from './subspace.js';

/** Data X = Z·diag(s)·Qᵀ with orthonormal-column Z (centred) and orthonormal Q: singular values s. */
function withSingularValues(
  n: number,
  s: readonly number[],
  d: number,
  seed: number,
): { X: Float64Array; Q: Float64Array } {
  const k = s.length;
  const Z = randomBasis(n, k + 1, seed); // the extra column is used to centre: Z ⟂ 1 is not guaranteed, so
  // project out the mean direction explicitly by Gram–Schmidt against 1/√n first
  const ones = new Float64Array(n).fill(1 / Math.sqrt(n));
  const z = new Float64Array(n * k);
  for (let c = 0; c < k; c++) {
    for (let r = 0; r < n; r++) z[r * k + c] = Z.data[r * (k + 1) + c]!;
    for (let pass = 0; pass < 2; pass++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += z[r * k + c]! * ones[r]!;
      for (let r = 0; r < n; r++) z[r * k + c] = z[r * k + c]! - dot * ones[r]!;
      for (let p = 0; p < c; p++) {
        let dp = 0;
        for (let r = 0; r < n; r++) dp += z[r * k + c]! * z[r * k + p]!;
        for (let r = 0; r < n; r++) z[r * k + c] = z[r * k + c]! - dp * z[r * k + p]!;
      }
    }
    let nn = 0;
    for (let r = 0; r < n; r++) nn += z[r * k + c]! ** 2;
    for (let r = 0; r < n; r++) z[r * k + c] = z[r * k + c]! / Math.sqrt(nn);
  }
  const Q = randomBasis(d, k, seed + 1).data;
  const X = new Float64Array(n * d);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < k; c++)
      for (let j = 0; j < d; j++)
        X[r * d + j] = X[r * d + j]! + z[r * k + c]! * s[c]! * Q[j * k + c]!;
  for (let i = 0; i < X.length; i++) X[i] = X[i]! + 5; // a constant offset: centring removes it
  return { X, Q };
}

describe('estimateSubspace', () => {
  it('singular values [3, 2, 1] give r = [9/14, 13/14, 1] and k = 2 at τ = 0.9', () => {
    const { X, Q } = withSingularValues(40, [3, 2, 1], 6, 5);
    const sub = estimateSubspace(tensor(X, [40, 6]), { tau: 0.9 });
    expect(sub.k).toBe(2);
    expectClose(sub.explainedVariance, 13 / 14);
    expectClose(Array.from(sub.eigenvalues.slice(0, 3)), [9, 4, 1], { atol: 1e-11 });
    // U spans the top-2 directions of Q: projector agreement
    for (let a = 0; a < 6; a++) {
      for (let b = 0; b < 6; b++) {
        let pu = 0;
        let pq = 0;
        for (let c = 0; c < 2; c++) {
          pu += sub.U.data[a * 2 + c]! * sub.U.data[b * 2 + c]!;
          pq += Q[a * 3 + c]! * Q[b * 3 + c]!;
        }
        expectClose(pu, pq, { atol: 1e-10 });
      }
    }
    expect(estimateSubspace(tensor(X, [40, 6]), { tau: 0.6 }).k).toBe(1);
    expect(estimateSubspace(tensor(X, [40, 6]), { tau: 1 }).k).toBe(3);
  });

  it('data in an exact 3-dim subspace give k ≤ 3, and U is orthonormal', () => {
    const { X } = withSingularValues(50, [1, 1, 1], 20, 9);
    const sub = estimateSubspace(tensor(X, [50, 20]));
    expect(sub.k).toBeLessThanOrEqual(3);
    for (let a = 0; a < sub.k; a++) {
      for (let b = 0; b < sub.k; b++) {
        let s = 0;
        for (let r = 0; r < 20; r++) s += sub.U.data[r * sub.k + a]! * sub.U.data[r * sub.k + b]!;
        expectClose(s, a === b ? 1 : 0, { atol: 1e-12 });
      }
    }
    const nu = coherence(sub.U);
    expect(nu).toBeGreaterThanOrEqual(sub.k / 20 - 1e-12);
    expect(nu).toBeLessThanOrEqual(1 + 1e-12);
  });

  it('the sparse (with dense columns) and dense Gram kernels agree with the naive sum (background-valued image-like data)', () => {
    const n = 300;
    const d = 37;
    const X = new Float64Array(n * d).fill(-0.4242);
    let s = 7;
    for (let i = 0; i < X.length; i++) {
      s = (s * 16807) % 2147483647;
      // columns 0..4 are nonzero in most rows (dense kernel), the others in ~10 % (sparse kernel)
      if (i % d < 5 ? s % 10 < 7 : s % 10 === 0) X[i] = (s / 2147483647) * 3;
    }
    const naive = (Y: Float64Array): { gram: Float64Array; mean: Float64Array } => {
      const mean = new Float64Array(d);
      for (let r = 0; r < n; r++)
        for (let c = 0; c < d; c++) mean[c] = mean[c]! + Y[r * d + c]! / n;
      const gram = new Float64Array(d * d);
      for (let r = 0; r < n; r++)
        for (let a = 0; a < d; a++)
          for (let b = 0; b < d; b++)
            gram[a * d + b] =
              gram[a * d + b]! + (Y[r * d + a]! - mean[a]!) * (Y[r * d + b]! - mean[b]!);
      return { gram, mean };
    };
    const sparse = centredGram(X, n, d);
    expect(sparse.kernel).toBe('sparse');
    const want = naive(X);
    expectClose(sparse.gram, want.gram, { atol: 1e-10 });
    const mean = want.mean;
    const Xd = X.map((x, i) => x + (i % 3) * 1e-3 * (i % 7));
    const dense = centredGram(Xd, n, d);
    expect(dense.kernel).toBe('dense');
    expectClose(dense.gram, naive(Xd).gram, { atol: 1e-10 });
    expectClose(sparse.mean, mean, { atol: 1e-12 });
  });

  it('coherence and U → UQ: the projector, hence ν, is unchanged', () => {
    const U = randomBasis(15, 4, 3);
    const UQ = mm(U, randomOrthogonal(4, 3));
    expectClose(coherence(UQ), coherence(U), { atol: 1e-12 });
  });

  it('rejects τ outside (0, 1], non-2-d or too-small X, NaN, and zero variance', () => {
    const X = tensor(Float64Array.from([1, 2, 3, 4, 5, 7]), [3, 2]);
    for (const tau of [0, -0.1, 1.5, NaN]) {
      expect(() => estimateSubspace(X, { tau })).toThrow(InvalidArgumentError);
      expect(() => estimateSubspace(X, { tau })).toThrow(/expected 0 < τ ≤ 1/);
    }
    expect(() => estimateSubspace(tensor(new Float64Array(6), [6]))).toThrow(/2-d/);
    expect(() => estimateSubspace(tensor(new Float64Array(3), [1, 3]))).toThrow(/N ≥ 2/);
    expect(() => estimateSubspace(tensor(Float64Array.from([1, NaN, 3, 4]), [2, 2]))).toThrow(
      NonFiniteError,
    );
    expect(() => estimateSubspace(tensor(new Float64Array(8).fill(3), [4, 2]))).toThrow(
      ZeroVarianceError,
    );
    expect(() => subspaceDimension([0, 0], 0.9)).toThrow(ZeroVarianceError);
  });

  it('does not mutate X', () => {
    const { X } = withSingularValues(20, [2, 1], 5, 2);
    const copy = X.slice();
    estimateSubspace(tensor(X, [20, 5]));
    expect(X).toEqual(copy);
  });
});

describe('estimateSubspace — constant columns', () => {
  it('drops constant columns exactly: zero eigenvalues, U zero on them, τ = 1 gives the live rank', () => {
    const n = 30;
    const d = 5;
    const X = new Float64Array(n * d);
    let s = 3;
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < d; c++) {
        s = (s * 16807) % 2147483647;
        X[r * d + c] = c === 1 || c === 3 ? 7 : s / 2147483647;
      }
    }
    const sub = estimateSubspace(tensor(X, [n, d]), { tau: 1 });
    expect(sub.k).toBe(3);
    expect(sub.eigenvalues[3]).toBe(0);
    expect(sub.eigenvalues[4]).toBe(0);
    for (let c = 0; c < sub.k; c++) {
      expect(sub.U.data[1 * sub.k + c]).toBe(0);
      expect(sub.U.data[3 * sub.k + c]).toBe(0);
    }
    expect(sub.explainedVariance).toBe(1);
  });
});
