import { Rng } from '@nidkit/core';
import { describe, expect, it } from 'vitest';
import { checkTridiagonalVectors, inverseIteration } from './inverse-iteration.js';

const EPS = Number.EPSILON;

/** The 1-D Laplacian tridiag(−1, 2, −1) of order m: λ_j = 2 − 2cos(jπ/(m+1)), v_j(i) ∝ sin(ijπ/(m+1)). */
function laplacian(m: number): { d: Float64Array; e: Float64Array; w: Float64Array } {
  const d = new Float64Array(m).fill(2);
  const e = new Float64Array(m).fill(-1);
  e[0] = 0;
  const w = Float64Array.from(
    { length: m },
    (_, j) => 2 - 2 * Math.cos(((j + 1) * Math.PI) / (m + 1)),
  );
  return { d, e, w };
}

describe('inverseIteration', () => {
  it('finds the known eigenvectors of the 1-D Laplacian, largest entry positive', () => {
    const m = 60;
    const { d, e, w } = laplacian(m);
    const pick = [0, 1, 30, 58, 59];
    const Z = inverseIteration(
      m,
      d,
      e,
      pick.map((j) => w[j]!),
      Rng.stream(1, 'ii-test'),
    );
    pick.forEach((j, t) => {
      const exact = Float64Array.from({ length: m }, (_, i) =>
        Math.sin(((i + 1) * (j + 1) * Math.PI) / (m + 1)),
      );
      let nn = 0;
      let big = 0;
      for (let i = 0; i < m; i++) {
        nn += exact[i]! * exact[i]!;
        if (Math.abs(exact[i]!) > Math.abs(big)) big = exact[i]!;
      }
      const s = Math.sign(big) / Math.sqrt(nn);
      for (let i = 0; i < m; i++)
        expect(Math.abs(Z[t * m + i]! - s * exact[i]!)).toBeLessThan(1e-13);
    });
  });

  it('gives orthonormal vectors for a repeated eigenvalue of a split-free matrix', () => {
    // diag(1, 1, 1) coupled by e = 1e-300: numerically a triple eigenvalue
    const d = new Float64Array([1, 1, 1]);
    const e = new Float64Array([0, 1e-300, 1e-300]);
    const Z = inverseIteration(3, d, e, [1, 1, 1], Rng.stream(2, 'ii-test'));
    for (let s = 0; s < 3; s++)
      for (let t = 0; t <= s; t++) {
        let dot = 0;
        for (let i = 0; i < 3; i++) dot += Z[s * 3 + i]! * Z[t * 3 + i]!;
        expect(Math.abs(dot - (s === t ? 1 : 0))).toBeLessThan(4 * EPS);
      }
  });
});

describe('checkTridiagonalVectors', () => {
  const m = 40;
  const { d, e, w } = laplacian(m);
  const Z = inverseIteration(m, d, e, w, Rng.stream(3, 'ii-test'));
  const tol = 64 * EPS;

  it('accepts accurate vectors', () => {
    expect(checkTridiagonalVectors(m, d, e, w, Z, 4, tol * 4, tol)).toBe(true);
  });

  it('rejects a vector with a large residual', () => {
    const bad = Z.slice();
    bad[5 * m + 3] = bad[5 * m + 3]! + 1e-9;
    expect(checkTridiagonalVectors(m, d, e, w, bad, 4, tol * 4, tol)).toBe(false);
  });

  it('rejects two vectors of close eigenvalues that are not orthogonal', () => {
    // T = I₂ with eigenvalues 1 and 1 + 1e-15: both residuals tiny, so only the inner product
    // can tell a repeated vector from an orthonormal pair
    const close = new Float64Array([1, 1 + 1e-15]);
    const dd = new Float64Array([1, 1]);
    const ee = new Float64Array([0, 0]);
    const same = new Float64Array([1, 0, 1, 0]);
    expect(checkTridiagonalVectors(2, dd, ee, close, same, 1, tol, tol)).toBe(false);
    const good = new Float64Array([1, 0, 0, 1]);
    expect(checkTridiagonalVectors(2, dd, ee, close, good, 1, tol, tol)).toBe(true);
  });

  it('rejects NaN', () => {
    const bad = Z.slice();
    bad[0] = NaN;
    expect(checkTridiagonalVectors(m, d, e, w, bad, 4, tol * 4, tol)).toBe(false);
  });
});
