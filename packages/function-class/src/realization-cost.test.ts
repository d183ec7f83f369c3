import { InvalidArgumentError, ShapeMismatchError, tensor } from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import fc from 'fast-check';
import { Matrix, pseudoInverse } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { mm, randomBasis, randomOrthogonal } from '../test/networks.js';
import { realizationCosts, signedSqrt, swapCostSummary, swapCosts } from './realization-cost.js';
import type { LayerStructure } from './structure.js';
import { fixedPositions } from './structure.js';
import { neuronGramSpectrum } from './neuron-gram.js';

function randomMatrix(rows: number, cols: number, seed: number): Float64Array {
  let s = seed * 9301 + 49297;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    s = (s * 16807) % 2147483647;
    out[i] = (s / 2147483647) * 2 - 1;
  }
  return out;
}

function randomMask(n: number, d: number, fixedPerRow: number, seed: number): Float64Array {
  const m = new Float64Array(n * d).fill(1);
  const r = randomMatrix(n, d, seed);
  for (let i = 0; i < n; i++) {
    const order = Array.from({ length: d }, (_, c) => c).sort(
      (a, b) => r[i * d + a]! - r[i * d + b]!,
    );
    for (const c of order.slice(0, fixedPerRow)) m[i * d + c] = 0;
  }
  return m;
}

/** A W-asym structure: W_eff = D ⊙ W + F with F = (1 − D) ⊙ κN. */
function wStructure(
  n: number,
  d: number,
  fixedPerRow: number,
  seed: number,
  kappa = 1,
): LayerStructure {
  const D = randomMask(n, d, fixedPerRow, seed);
  const W = randomMatrix(n, d, seed + 1);
  const N = randomMatrix(n, d, seed + 2);
  const F = new Float64Array(n * d);
  const E = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) {
    F[i] = (1 - D[i]!) * kappa * N[i]!;
    E[i] = D[i]! * W[i]! + F[i]!;
  }
  return { weight: tensor(E, [n, d]), mask: tensor(D, [n, d]), fixed: tensor(F, [n, d]) };
}

function aOf(U: Float64Array, w: Float64Array, d: number, k: number, j: number): Float64Array {
  const a = new Float64Array(k);
  for (let c = 0; c < k; c++)
    for (let r = 0; r < d; r++) a[c] = a[c]! + U[r * k + c]! * w[j * d + r]!;
  return a;
}

describe('realizationCosts — closed forms', () => {
  it('dense layer: M_ij = ‖Uᵀw_j‖² for every i and T ≡ 0', () => {
    const d = 12;
    const k = 5;
    const n = 7;
    const U = randomBasis(d, k, 1);
    const W = tensor(randomMatrix(n, d, 3), [n, d]);
    const r = realizationCosts(U, { weight: W, mask: null, fixed: null });
    for (let j = 0; j < n; j++) {
      const a = aOf(U.data, W.data, d, k, j);
      const norm = a.reduce((s, x) => s + x * x, 0);
      for (let i = 0; i < n; i++) expectClose(r.M.data[i * n + j]!, norm);
    }
    expectClose(r.T, tensor(new Float64Array(n * n), [n, n]), { atol: 1e-12 });
  });

  it('syre layer: T_ij = 2(a_i − a_j)·(v_i − v_j)', () => {
    const d = 10;
    const k = 4;
    const n = 6;
    const U = randomBasis(d, k, 2);
    const raw = randomMatrix(n, d, 5);
    const F = randomMatrix(n, d, 6);
    const E = raw.map((x, i) => x + F[i]!);
    const r = realizationCosts(U, {
      weight: tensor(E, [n, d]),
      mask: null,
      fixed: tensor(F, [n, d]),
    });
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let t = 0;
        for (let c = 0; c < k; c++) {
          const ai = r.a.data[i * k + c]!;
          const aj = r.a.data[j * k + c]!;
          const vi = r.v.data[i * k + c]!;
          const vj = r.v.data[j * k + c]!;
          t += 2 * (ai - aj) * (vi - vj);
        }
        expectClose(r.T.data[i * n + j]!, t, { atol: 1e-12 });
      }
    }
  });

  it('hand example: D_i = (1,1,0), f_i = (0,0,c), w_j = (1,2,3), U = I ⇒ M_ij = 5 for every c', () => {
    for (const c of [0, 1.5, -7]) {
      const I = tensor(Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), [3, 3]);
      const weight = tensor(Float64Array.from([0.5, -1, c, 1, 2, 3]), [2, 3]);
      const mask = tensor(Float64Array.from([1, 1, 0, 1, 1, 1]), [2, 3]);
      const fixed = tensor(Float64Array.from([0, 0, c, 0, 0, 0]), [2, 3]);
      const r = realizationCosts(I, { weight, mask, fixed });
      expectClose(r.M.data[0 * 2 + 1]!, 5);
      expect(r.droppedEigenvalues[0]).toBe(1);
    }
  });

  it('U = I (k = d): M_ij = Σ_{r: D_ir = 1} (w_jr − f_ir)²', () => {
    const d = 6;
    const n = 5;
    const I = tensor(
      new Float64Array(d * d).map((_, i) => (i % (d + 1) === 0 ? 1 : 0)),
      [d, d],
    );
    const s = wStructure(n, d, 2, 11);
    const r = realizationCosts(I, s);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let want = 0;
        for (let c = 0; c < d; c++)
          if (s.mask!.data[i * d + c] === 1)
            want += (s.weight.data[j * d + c]! - s.fixed!.data[i * d + c]!) ** 2;
        expectClose(r.M.data[i * n + j]!, want, { atol: 1e-12 });
      }
    }
  });

  it('W-layer with κ = 0: v = 0 and M_ij = a_jᵀ S_i⁺ a_j', () => {
    const s = wStructure(4, 9, 3, 21, 0);
    const r = realizationCosts(randomBasis(9, 4, 4), s);
    expect(r.v.data.every((x) => x === 0)).toBe(true);
    expect(r.M.data.every((x) => x >= 0 && Number.isFinite(x))).toBe(true);
  });
});

/** M_ij by an explicit minimum-norm least-squares solve (ml-matrix pseudo-inverse). */
function explicitM(U: Float64Array, s: LayerStructure, d: number, k: number, i: number, j: number) {
  const train: number[] = [];
  for (let c = 0; c < d; c++) if (s.mask!.data[i * d + c] === 1) train.push(c);
  if (train.length === 0) return 0;
  // B = (U[train, :])ᵀ, k × |train|
  const B = new Matrix(k, train.length);
  train.forEach((row, t) => {
    for (let c = 0; c < k; c++) B.set(c, t, U[row * k + c]!);
  });
  const vi = aOf(U, s.fixed!.data, d, k, i);
  const aj = aOf(U, s.weight.data, d, k, j);
  const e = Matrix.columnVector(Array.from(aj, (x, c) => x - vi[c]!));
  return pseudoInverse(B, 1e-10)
    .mmul(e)
    .to1DArray()
    .reduce((acc, x) => acc + x * x, 0);
}

describe('realizationCosts — properties', () => {
  const cases = fc.record({
    d: fc.integer({ min: 3, max: 12 }),
    kFrac: fc.double({ min: 0.2, max: 1, noNaN: true }),
    n: fc.integer({ min: 2, max: 6 }),
    fixedFrac: fc.double({ min: 0, max: 0.7, noNaN: true }),
    seed: fc.integer({ min: 1, max: 10000 }),
  });

  it('M equals the squared norm of the minimum-norm least-squares solution (explicit pseudo-inverse solve)', () => {
    fc.assert(
      fc.property(cases, ({ d, kFrac, n, fixedFrac, seed }) => {
        const k = Math.max(1, Math.round(kFrac * d));
        const fixedPerRow = Math.floor(fixedFrac * d);
        const U = randomBasis(d, k, seed);
        const s = wStructure(n, d, fixedPerRow, seed);
        const r = realizationCosts(U, s);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++)
            expectClose(r.M.data[i * n + j]!, explicitM(U.data, s, d, k, i, j), {
              atol: 1e-9,
              rtol: 1e-7,
            });
      }),
      { seed: 4242, numRuns: 40 },
    );
  });

  it('T is symmetric with zero diagonal; M, T and centre distances are invariant under U → UQ', () => {
    fc.assert(
      fc.property(cases, ({ d, kFrac, n, fixedFrac, seed }) => {
        const k = Math.max(1, Math.round(kFrac * d));
        const U = randomBasis(d, k, seed);
        const s = wStructure(n, d, Math.floor(fixedFrac * d), seed + 3);
        const r = realizationCosts(U, s);
        for (let i = 0; i < n; i++) {
          expect(r.T.data[i * n + i]).toBe(0);
          for (let j = 0; j < n; j++) expect(r.T.data[i * n + j]).toBe(r.T.data[j * n + i]);
        }
        const r2 = realizationCosts(mm(U, randomOrthogonal(k, seed)), s);
        const tol = { atol: 1e-9, rtol: 1e-7 };
        expectClose(r2.M, r.M, tol);
        expectClose(r2.T, r.T, tol);
        expectClose(r2.centreDistances, r.centreDistances, tol);
      }),
      { seed: 777, numRuns: 40 },
    );
  });

  it('neurons of every route in one layer (none, few and many fixed inputs, in any order) each get their own row', () => {
    // per row: 0 fixed (identity), 3 (Cholesky, m < k), 12 (full, m ≥ k); the Cholesky products
    // finish on the worker threads while later rows are computed
    const d = 20;
    const k = 8;
    const counts = [3, 0, 0, 3, 12, 3, 3, 0, 12, 12, 3, 0, 3];
    const n = counts.length;
    const U = randomBasis(d, k, 31);
    const s = wStructure(n, d, 0, 17);
    const D = s.mask!.data;
    const F = s.fixed!.data;
    const W = s.weight.data;
    const noise = randomMatrix(n, d, 23);
    counts.forEach((m, i) => {
      for (let c = 0; c < m; c++) {
        const r = (i * 7 + c * 3) % d;
        D[i * d + r] = 0;
        F[i * d + r] = noise[i * d + r]!;
        W[i * d + r] = F[i * d + r]!;
      }
    });
    expect(fixedPositions(s.mask, n, d).map((p) => p.length)).toEqual(counts);
    const r = realizationCosts(U, s);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        expectClose(r.M.data[i * n + j]!, explicitM(U.data, s, d, k, i, j), {
          atol: 1e-9,
          rtol: 1e-7,
        });
  });

  it('the Cholesky and low-rank eigen routes agree', () => {
    // rtol just below the smallest eigenvalue of any S_i: nothing is dropped, but the certificate
    // λ_min ≥ 1/trace(S⁻¹) > rtol fails for that neuron, so it takes the eigen route
    const d = 16;
    const k = 8;
    const U = randomBasis(d, k, 99);
    const s = wStructure(6, d, 3, 5);
    const positions = fixedPositions(s.mask, 6, d);
    let lmin = Infinity;
    for (const idx of positions) lmin = Math.min(lmin, neuronGramSpectrum(U.data, k, idx)[0]!);
    expect(lmin).toBeGreaterThan(0.01);
    const chol = realizationCosts(U, s);
    const eig = realizationCosts(U, s, { rtol: 0.999 * lmin });
    expect(eig.droppedEigenvalues.every((x) => x === 0)).toBe(true);
    expectClose(eig.M, chol.M, { atol: 1e-12, rtol: 1e-10 });
    // and above it, exactly one eigenvalue is dropped for the minimizing neuron
    const dropped = realizationCosts(U, s, { rtol: 1.001 * lmin });
    expect(dropped.droppedEigenvalues.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
  });
});

describe('realizationCosts — bad input and rank deficiency', () => {
  it('a rank-deficient S_i (subspace contains a fixed coordinate axis) gives finite, documented costs', () => {
    const d = 5;
    const k = 2;
    // U = [e_0, (e_1 + e_2)/√2]; neuron 0 has coordinate 0 fixed ⇒ S_0 = diag(0, 1)
    const U = tensor(Float64Array.from([1, 0, 0, Math.SQRT1_2, 0, Math.SQRT1_2, 0, 0, 0, 0]), [
      d,
      k,
    ]);
    const weight = tensor(Float64Array.from([9, 1, 1, 0, 0, 2, 4, 0, 0, 0]), [2, d]);
    const mask = tensor(Float64Array.from([0, 1, 1, 1, 1, 1, 1, 1, 1, 1]), [2, d]);
    const fixed = tensor(Float64Array.from([9, 0, 0, 0, 0, 0, 0, 0, 0, 0]), [2, d]);
    const r = realizationCosts(U, { weight, mask, fixed });
    expect(r.droppedEigenvalues[0]).toBe(1);
    expect(r.M.data.every((x) => Number.isFinite(x))).toBe(true);
    // neuron 0 realizing neuron 1: a_1 = (2, 4/√2), v_0 = (9, 0); only the second component counts
    expectClose(r.M.data[1]!, 8);
  });

  it('rejects mismatched dimensions, a non-orthonormal U, a non-binary mask and NaN', () => {
    const U = randomBasis(6, 3, 1);
    const w = tensor(new Float64Array(4 * 5), [4, 5]);
    expect(() => realizationCosts(U, { weight: w, mask: null, fixed: null })).toThrow(
      ShapeMismatchError,
    );
    expect(() => realizationCosts(U, { weight: w, mask: null, fixed: null })).toThrow(
      /expected \[4, 6\], got \[4, 5\]/,
    );
    const w6 = tensor(new Float64Array(4 * 6), [4, 6]);
    const notOrtho = tensor(
      U.data.map((x) => 2 * x),
      [6, 3],
    );
    expect(() => realizationCosts(notOrtho, { weight: w6, mask: null, fixed: null })).toThrow(
      InvalidArgumentError,
    );
    const mask = tensor(new Float64Array(24).fill(0.5), [4, 6]);
    expect(() => realizationCosts(U, { weight: w6, mask, fixed: null })).toThrow(/0 or 1/);
    const nan = tensor(new Float64Array(24).fill(NaN), [4, 6]);
    expect(() => realizationCosts(U, { weight: nan, mask: null, fixed: null })).toThrow(
      /non-finite/,
    );
    expect(() =>
      realizationCosts(U, { weight: w6, mask: null, fixed: null }, { rtol: -1 }),
    ).toThrow(/rtol/);
  });

  it('does not mutate its inputs', () => {
    const U = randomBasis(8, 3, 2);
    const s = wStructure(3, 8, 2, 9);
    const copies = [
      U.data.slice(),
      s.weight.data.slice(),
      s.mask!.data.slice(),
      s.fixed!.data.slice(),
    ];
    realizationCosts(U, s);
    expect([U.data, s.weight.data, s.mask!.data, s.fixed!.data]).toEqual(copies);
  });
});

describe('swap-cost helpers', () => {
  it('swapCosts reproduces the T formula with zero diagonal (ridge post-processing)', () => {
    const R = tensor(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 10]), [3, 3]);
    const T = swapCosts(R);
    expectClose(
      T,
      tensor(
        Float64Array.from([
          0,
          2 + 4 - 1 - 5,
          3 + 7 - 1 - 10,
          2 + 4 - 1 - 5,
          0,
          6 + 8 - 5 - 10,
          3 + 7 - 1 - 10,
          6 + 8 - 5 - 10,
          0,
        ]),
        [3, 3],
      ),
    );
    expect(() => swapCosts(tensor(new Float64Array(6), [2, 3]))).toThrow(/square/);
  });

  it('signedSqrt and the summary quantiles', () => {
    expectClose(
      signedSqrt(tensor(Float64Array.from([-4, 0, 9]), [3])),
      tensor(Float64Array.from([-2, 0, 3]), [3]),
    );
    const T = tensor(Float64Array.from([0, -4, 9, -4, 0, 1, 9, 1, 0]), [3, 3]);
    const s = swapCostSummary(T, [0, 0.5, 1]);
    expect(s.count).toBe(6);
    expectClose(s.negativeFraction, 2 / 6);
    expect(s.signedSqrtQuantiles).toEqual([
      { q: 0, value: -2 },
      { q: 0.5, value: 1 },
      { q: 1, value: 3 },
    ]);
  });
});

describe('realizationCosts — neurons with few or no trainable coordinates', () => {
  it('regression: an all-fixed neuron got huge M from the cancellation in I − UᵀU; now S_i = 0 gives M_i· = 0, and one trainable coordinate matches the explicit solve', () => {
    const d = 6;
    const k = 3;
    const U = randomBasis(d, k, 12);
    const n = 3;
    const W = randomMatrix(n, d, 4);
    const N = randomMatrix(n, d, 5);
    const D = new Float64Array(n * d).fill(1);
    for (let c = 0; c < d; c++) D[c] = 0; // neuron 0: all fixed
    for (let c = 1; c < d; c++) D[d + c] = 0; // neuron 1: only coordinate 0 trainable
    const F = N.map((x, i) => (1 - D[i]!) * x);
    const E = W.map((w, i) => D[i]! * w + F[i]!);
    const r = realizationCosts(U, {
      weight: tensor(E, [n, d]),
      mask: tensor(D, [n, d]),
      fixed: tensor(F, [n, d]),
    });
    expect(Array.from(r.M.data.slice(0, n))).toEqual([0, 0, 0]);
    expect(r.droppedEigenvalues[0]).toBe(k);
    // neuron 1: B = U[0, :]ᵀ (k×1); min-norm u = B⁺ e, ‖u‖² = (B·e)² / ‖B‖⁴
    const b = Array.from({ length: k }, (_, c) => U.data[c]!);
    const bb = b.reduce((s, x) => s + x * x, 0);
    const v1 = aOf(U.data, F, d, k, 1);
    for (let j = 0; j < n; j++) {
      const aj = aOf(U.data, E, d, k, j);
      const be = b.reduce((s, x, c) => s + x * (aj[c]! - v1[c]!), 0);
      expectClose(r.M.data[n + j]!, (be * be) / (bb * bb), { atol: 1e-12, rtol: 1e-9 });
    }
    expect(r.droppedEigenvalues[1]).toBe(k - 1);
  });
});
