import { InvalidArgumentError, Rng } from '@nidkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from './symmetric-eigen.js';
import { lazySymmetricEigen } from './top-eigen.js';
import type { LazyEigenOptions } from './top-eigen.js';
import { teamStats } from './wasm-team.js';
import { defaultThreads, threadsAvailable } from '@nidkit/core/kernels';

/** Every kernel × tridiagonal-eigenvector method combination. */
const CONFIGS: LazyEigenOptions[] = [
  { simd: true, method: 'auto' },
  { simd: false, method: 'auto' },
  { simd: true, method: 'inverse-iteration' },
  { simd: false, method: 'inverse-iteration' },
  { simd: true, method: 'replay' },
  { simd: false, method: 'replay' },
];
const label = (o: LazyEigenOptions): string => `${o.simd ? 'wasm' : 'js'}/${o.method}`;

/** `Q diag(lambda) Qᵀ` with a random orthogonal Q (product of n random Householder reflectors). */
function withSpectrum(lambda: readonly number[], rng: Rng): Float64Array {
  const n = lambda.length;
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  const v = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    rng.fillNormal(v);
    let vv = 0;
    for (let i = 0; i < n; i++) vv += v[i]! * v[i]!;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += Q[i * n + j]! * v[j]!;
      for (let j = 0; j < n; j++) Q[i * n + j] = Q[i * n + j]! - (2 * s * v[j]!) / vv;
    }
  }
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += Q[i * n + t]! * lambda[t]! * Q[j * n + t]!;
      A[i * n + j] = s;
      A[j * n + i] = s;
    }
  }
  return A;
}

function tridiagonal(d: readonly number[], e: readonly number[]): Float64Array {
  const n = d.length;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    A[i * n + i] = d[i]!;
    if (i > 0) {
      A[i * n + i - 1] = e[i - 1]!;
      A[(i - 1) * n + i] = e[i - 1]!;
    }
  }
  return A;
}

/** Wilkinson's W⁺_{2m+1} (pairs of eigenvalues agreeing to many digits). */
function wilkinsonDiagonal(m: number): number[] {
  return Array.from({ length: 2 * m + 1 }, (_, i) => Math.abs(m - i));
}

/** `copies` Wilkinson W⁺₂₁ glued by off-diagonal `delta` (a classic hard case for clusters). */
function gluedWilkinson(copies: number, delta: number): Float64Array {
  const d: number[] = [];
  const e: number[] = [];
  for (let c = 0; c < copies; c++) {
    if (c > 0) e.push(delta);
    d.push(...wilkinsonDiagonal(10));
    e.push(...new Array<number>(20).fill(1));
  }
  return tridiagonal(d, e);
}

/**
 * max |A v − λ v| / max|λ| and max |VᵀV − I| over the columns of V (`n×k`) for the eigenvalues
 * at `pick`.
 */
function quality(
  a: Float64Array,
  n: number,
  values: Float64Array,
  V: Float64Array,
  pick: readonly number[],
): { residual: number; orthogonality: number } {
  const k = pick.length;
  const scale = Math.max(Number.MIN_VALUE, ...Array.from(values, Math.abs));
  let residual = 0;
  let orthogonality = 0;
  for (let t = 0; t < k; t++) {
    const lam = values[pick[t]!]!;
    for (let r = 0; r < n; r++) {
      let av = 0;
      for (let c = 0; c < n; c++) av += a[r * n + c]! * V[c * k + t]!;
      residual = Math.max(residual, Math.abs(av - lam * V[r * k + t]!) / scale);
    }
    for (let u = 0; u <= t; u++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += V[r * k + t]! * V[r * k + u]!;
      orthogonality = Math.max(orthogonality, Math.abs(dot - (u === t ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

describe('lazySymmetricEigen', () => {
  it('agrees with the full solver and gives LAPACK-accurate vectors, every kernel and method', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.boolean(),
        fc.constantFrom(...CONFIGS),
        (n, seed, lowRank, options) => {
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
          const lazy = lazySymmetricEigen(a, n, options);
          const scale = Math.max(1, ...Array.from(full.values, Math.abs));
          for (let i = 0; i < n; i++) {
            if (i > 0) expect(lazy.values[i]!).toBeGreaterThanOrEqual(lazy.values[i - 1]!);
            expect(Math.abs(lazy.values[i]! - full.values[i]!)).toBeLessThan(1e-13 * scale);
          }
          for (const pick of [
            Array.from({ length: Math.min(n, 4) }, (_, t) => n - 1 - t),
            Array.from({ length: n }, (_, t) => t),
          ]) {
            const q = quality(a, n, lazy.values, lazy.vectors(pick), pick);
            expect(q.residual).toBeLessThan(1e-13);
            expect(q.orthogonality).toBeLessThan(1e-13);
          }
        },
      ),
      { seed: 17, numRuns: 90 },
    );
  });

  const rng = Rng.stream(5, 'top-eigen-test');
  const gram = (rows: number, d: number): Float64Array => {
    const X = rng.fillNormal(new Float64Array(rows * d));
    const G = new Float64Array(d * d);
    for (let r = 0; r < rows; r++)
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) G[i * d + j] = G[i * d + j]! + X[r * d + i]! * X[r * d + j]!;
    return G;
  };
  const diagonal = (values: readonly number[]): Float64Array =>
    tridiagonal(values, new Array<number>(Math.max(0, values.length - 1)).fill(0));
  const hard: { name: string; a: Float64Array; exact?: number[] }[] = [
    { name: 'n = 1', a: new Float64Array([-2.5]), exact: [-2.5] },
    { name: '2×2', a: new Float64Array([2, 1, 1, 2]), exact: [1, 3] },
    { name: '2×2 with a tiny coupling', a: new Float64Array([1, 1e-300, 1e-300, 1]) },
    { name: 'zero matrix', a: new Float64Array(25), exact: [0, 0, 0, 0, 0] },
    {
      name: 'diagonal with repeats',
      a: diagonal([3, 1, 3, 0, 1, 3, 2]),
      exact: [0, 1, 1, 2, 3, 3, 3],
    },
    { name: '3·I (30)', a: withSpectrum(new Array<number>(30).fill(3), rng) },
    {
      name: 'a 5-fold eigenvalue (40)',
      a: withSpectrum(
        Array.from({ length: 40 }, (_, i) => (i < 5 ? 2 : i - 20)),
        rng,
      ),
    },
    {
      name: 'two 5-fold eigenvalues at the top (60)',
      a: withSpectrum(
        Array.from({ length: 60 }, (_, i) => (i < 5 ? 100 : i < 10 ? 99 : i / 10)),
        rng,
      ),
    },
    { name: 'rank-deficient Gram, 60 zero eigenvalues (80)', a: gram(20, 80) },
    {
      name: 'cluster 1 + 1e-10·i (50)',
      a: withSpectrum(
        Array.from({ length: 50 }, (_, i) => 1 + 1e-10 * i),
        rng,
      ),
    },
    {
      name: 'graded 10^(−i/3) (40)',
      a: withSpectrum(
        Array.from({ length: 40 }, (_, i) => 10 ** (-i / 3)),
        rng,
      ),
    },
    {
      name: 'Wilkinson W⁺₁₀₁',
      a: tridiagonal(wilkinsonDiagonal(50), new Array<number>(100).fill(1)),
    },
    { name: 'five W⁺₂₁ glued by 1e-14', a: gluedWilkinson(5, 1e-14) },
    { name: 'ten W⁺₂₁ glued by √ε', a: gluedWilkinson(10, Math.sqrt(Number.EPSILON)) },
    { name: 'all ones (50)', a: new Float64Array(2500).fill(1) },
    {
      // uncoupled blocks: void reflectors between live ones, and T splits
      name: 'block diagonal 7 + 1 + 12 + 9',
      a: (() => {
        const n = 29;
        const a = new Float64Array(n * n);
        let b0 = 0;
        for (const size of [7, 1, 12, 9]) {
          const block = withSpectrum(
            Array.from({ length: size }, () => rng.normal()),
            rng,
          );
          for (let i = 0; i < size; i++)
            for (let j = 0; j < size; j++) a[(b0 + i) * n + b0 + j] = block[i * size + j]!;
          b0 += size;
        }
        return a;
      })(),
    },
  ];

  for (const options of CONFIGS) {
    it.each(hard)(`$name (${label(options)})`, ({ a, exact }) => {
      const n = Math.round(Math.sqrt(a.length));
      const lazy = lazySymmetricEigen(a, n, options);
      const full = symmetricEigen(a, n, false).values;
      const scale = Math.max(Number.MIN_VALUE, ...Array.from(full, Math.abs));
      for (let i = 0; i < n; i++) {
        expect(Math.abs(lazy.values[i]! - full[i]!)).toBeLessThanOrEqual(1e-13 * scale);
        if (exact) expect(Math.abs(lazy.values[i]! - exact[i]!)).toBeLessThanOrEqual(1e-14 * scale);
      }
      const top = Array.from({ length: Math.ceil(n / 3) }, (_, t) => n - 1 - t);
      const all = Array.from({ length: n }, (_, t) => t);
      for (const pick of [top, all]) {
        const q = quality(a, n, lazy.values, lazy.vectors(pick), pick);
        expect(q.residual).toBeLessThan(1e-13);
        expect(q.orthogonality).toBeLessThan(1e-13);
      }
    });
  }

  it('returns columns in the requested order, repeats included, and leaves the input alone', () => {
    const n = 12;
    const a = withSpectrum(
      Array.from({ length: n }, (_, i) => i * i - 20),
      rng,
    );
    const copy = a.slice();
    const lazy = lazySymmetricEigen(a, n);
    const pick = [3, 11, 3, 0];
    const V = lazy.vectors(pick);
    const single = pick.map((p) => lazy.vectors([p]));
    pick.forEach((_, t) => {
      // same vector up to sign whether requested alone or with others
      let dot = 0;
      for (let r = 0; r < n; r++) dot += V[r * 4 + t]! * single[t]![r]!;
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-13);
    });
    for (let r = 0; r < n; r++) expect(V[r * 4 + 0]).toBe(V[r * 4 + 2]);
    expect(a).toEqual(copy);
    expect(lazy.vectors([]).length).toBe(0);
  });

  it('large problems: the same bits on one thread and on two (reduction and back-transform shared with a worker)', () => {
    const n = 450;
    const rng = Rng.stream(3, 'top-eigen-threads');
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        const v = rng.normal() / (1 + Math.abs(i - j));
        a[i * n + j] = v;
        a[j * n + i] = v;
      }
    const top = Array.from({ length: 90 }, (_, t) => n - 1 - t); // n²·90 > 2²⁴: shared
    const saved = process.env.NIDKIT_THREADS;
    try {
      process.env.NIDKIT_THREADS = '1';
      const teams = teamStats.created;
      const one = lazySymmetricEigen(a, n);
      const v1 = one.vectors(top);
      expect(teamStats.created).toBe(teams);
      delete process.env.NIDKIT_THREADS;
      const two = lazySymmetricEigen(a, n);
      const v2 = two.vectors(top);
      if (threadsAvailable() && defaultThreads() >= 2) expect(teamStats.created).toBe(teams + 2);
      expect(two.values).toEqual(one.values);
      expect(v2).toEqual(v1);
      // and they are eigenvectors: ‖A v − λ v‖ small
      for (const t of [0, 45, 89]) {
        const lam = one.values[top[t]!]!;
        let worst = 0;
        for (let i = 0; i < n; i++) {
          let s = -lam * v1[i * 90 + t]!;
          for (let j = 0; j < n; j++) s += a[i * n + j]! * v1[j * 90 + t]!;
          worst = Math.max(worst, Math.abs(s));
        }
        expect(worst).toBeLessThan(1e-11);
      }
    } finally {
      if (saved === undefined) delete process.env.NIDKIT_THREADS;
      else process.env.NIDKIT_THREADS = saved;
    }
  });

  it('rejects positions outside [0, n)', () => {
    const lazy = lazySymmetricEigen(new Float64Array([1, 0, 0, 2]), 2);
    expect(() => lazy.vectors([2])).toThrow(InvalidArgumentError);
    expect(() => lazy.vectors([-1])).toThrow(/expected an integer in \[0, 2\), got -1/);
    expect(() => lazy.vectors([0.5])).toThrow(InvalidArgumentError);
  });

  it('handles n = 0', () => {
    const lazy = lazySymmetricEigen([], 0);
    expect(lazy.values.length).toBe(0);
    expect(lazy.vectors([]).length).toBe(0);
  });
});
