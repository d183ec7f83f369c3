import { Rng, tensor } from '@nidkit/core';
import type { CrossChunk } from '@nidkit/core';
import { crossStatisticsByDefinition, expectClose } from '@nidkit/core/testing';
import fc from 'fast-check';
import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { ConstantUnitError } from '../errors.js';
import { CrossStatistics, similarityMatrix } from './similarity.js';

/** Naive two-pass reference: the textbook definitions, element by element. */
function naive(
  x: Float64Array,
  y: Float64Array,
  N: number,
  nA: number,
  nB: number,
  kind: 'dot' | 'pearson',
): Float64Array {
  const out = new Float64Array(nA * nB);
  for (let i = 0; i < nA; i++) {
    for (let j = 0; j < nB; j++) {
      if (kind === 'dot') {
        let s = 0;
        for (let r = 0; r < N; r++) s += x[r * nA + i]! * y[r * nB + j]!;
        out[i * nB + j] = s / N;
      } else {
        let ma = 0;
        let mb = 0;
        for (let r = 0; r < N; r++) {
          ma += x[r * nA + i]!;
          mb += y[r * nB + j]!;
        }
        ma /= N;
        mb /= N;
        let c = 0;
        let va = 0;
        let vb = 0;
        for (let r = 0; r < N; r++) {
          const a = x[r * nA + i]! - ma;
          const b = y[r * nB + j]! - mb;
          c += a * b;
          va += a * a;
          vb += b * b;
        }
        out[i * nB + j] = c / Math.sqrt(va * vb);
      }
    }
  }
  return out;
}

describe('similarityMatrix', () => {
  it('dot equals XᵀY/N and Pearson equals the two-pass definition, in [−1, 1] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        (N, nA, nB, seed, offset) => {
          const rng = Rng.stream(seed, 'sim');
          const x = rng.fillNormal(new Float64Array(N * nA), offset, 2);
          const y = rng.fillNormal(new Float64Array(N * nB), -offset, 0.5);
          const dot = similarityMatrix(tensor(x, [N, nA]), tensor(y, [N, nB]), {
            similarity: 'dot',
          });
          expectClose(dot.matrix.data, naive(x, y, N, nA, nB, 'dot'), { atol: 1e-9, rtol: 1e-9 });
          const p = similarityMatrix(tensor(x, [N, nA]), tensor(y, [N, nB]), {
            similarity: 'pearson',
          });
          expectClose(p.matrix.data, naive(x, y, N, nA, nB, 'pearson'), { atol: 1e-9, rtol: 1e-7 });
          for (const v of p.matrix.data) expect(Math.abs(v)).toBeLessThanOrEqual(1);
          const u = similarityMatrix(tensor(x, [N, nA]), tensor(y, [N, nB]), {
            similarity: 'uncorrelatedness',
          });
          expectClose(
            u.matrix.data,
            p.matrix.data.map((v) => 1 - Math.abs(v)),
          );
        },
      ),
      { seed: 99, numRuns: 60 },
    );
  });

  it('streams: adding in uneven batches (> 2048 rows) equals one pass, with a large offset (cancellation guard)', () => {
    const N = 5000;
    const nA = 7;
    const nB = 5;
    const rng = Rng.stream(3, 'stream');
    const x = rng.fillNormal(new Float64Array(N * nA), 1e4, 1);
    const y = rng.fillNormal(new Float64Array(N * nB), -3e3, 1);
    for (const simd of [true, false]) {
      const s = new CrossStatistics(nA, nB, { simd });
      expect(s.kernel).toBe(simd ? 'simd' : 'js');
      let start = 0;
      for (const rows of [1, 999, 3000, 1000]) {
        s.add(
          x.subarray(start * nA, (start + rows) * nA),
          y.subarray(start * nB, (start + rows) * nB),
          rows,
        );
        start += rows;
      }
      expect(s.samples).toBe(N);
      expectClose(
        s.similarity({ similarity: 'pearson' }).matrix.data,
        naive(x, y, N, nA, nB, 'pearson'),
        { atol: 1e-10, rtol: 1e-8 },
      );
      expectClose(s.similarity({ similarity: 'dot' }).matrix.data, naive(x, y, N, nA, nB, 'dot'), {
        atol: 1e-6,
        rtol: 1e-12,
      });
    }
  });

  it('release() frees the kernel and keeps the statistics; rows added afterwards still count', () => {
    const N = 3000;
    const nA = 9;
    const nB = 6;
    const rng = Rng.stream(4, 'release');
    const x = rng.fillNormal(new Float64Array(N * nA), 2, 1);
    const y = rng.fillNormal(new Float64Array(N * nB), -1, 1);
    const s = new CrossStatistics(nA, nB);
    s.add(x.subarray(0, 2000 * nA), y.subarray(0, 2000 * nB), 2000);
    const before = s.similarity({ similarity: 'pearson' }).matrix.data;
    s.release();
    expect(s.similarity({ similarity: 'pearson' }).matrix.data).toEqual(before);
    s.release(); // nothing left to free
    s.add(x.subarray(2000 * nA), y.subarray(2000 * nB), 1000);
    expect(s.samples).toBe(N);
    expectClose(
      s.similarity({ similarity: 'pearson' }).matrix.data,
      naive(x, y, N, nA, nB, 'pearson'),
      {
        atol: 1e-10,
        rtol: 1e-8,
      },
    );
    s.release();
    expect(s.constantUnits('A')).toEqual([]);
  });

  it('identical columns give ρ = 1 exactly after clamping, and a perfect anti-correlation −1', () => {
    const x = [
      [1, 2],
      [2, 5],
      [4, -1],
      [0, 3],
    ];
    const y = x.map(([a, b]) => [-a!, b!]);
    const r = similarityMatrix(x, new Matrix(y), { similarity: 'pearson' });
    expectClose(r.matrix.data[1 * 2 + 1]!, 1);
    expectClose(r.matrix.data[0]!, -1);
  });

  it('pearson_zero_for_constant gives 0 for constant units (never NaN) and reports them; pearson names the unit', () => {
    const x = [
      [1, 3, 0],
      [1, 4, 2],
      [1, 9, 1],
    ];
    const y = [
      [5, 7, 2],
      [6, 7, 2],
      [2, 7, 2],
    ];
    const r = similarityMatrix(x, y);
    expect(r.kind).toBe('pearson_zero_for_constant');
    expect(r.constantA).toEqual([0]);
    expect(r.constantB).toEqual([1, 2]);
    for (const v of r.matrix.data) expect(Number.isNaN(v)).toBe(false);
    expect([...r.matrix.data.slice(0, 3)]).toEqual([0, 0, 0]);
    expect(r.matrix.data[1 * 3 + 1]).toBe(0);
    expect(Math.abs(r.matrix.data[1 * 3 + 0]!)).toBeGreaterThan(0);
    const one = similarityMatrix(x, y, { similarity: 'uncorrelatedness_one_for_constant' });
    expect(one.matrix.data[0]).toBe(1);
    expect(() =>
      similarityMatrix(x, y, { similarity: 'pearson', point: 'post_activation@2' }),
    ).toThrow(ConstantUnitError);
    expect(() =>
      similarityMatrix(x, y, { similarity: 'pearson', point: 'post_activation@2' }),
    ).toThrow(/unit 0 of model A at post_activation@2 is constant/);
    expect(() => similarityMatrix(y, y, { similarity: 'uncorrelatedness' })).toThrow(
      /unit 1 of model A/,
    );
  });

  it('rejects mismatched sample counts, NaN activations and no samples', () => {
    expect(() => similarityMatrix([[1], [2]], [[1]])).toThrow(/same samples/);
    expect(() => similarityMatrix([[1], [NaN]], [[1], [2]])).toThrow(
      /non-finite.*sample 1, unit 0/,
    );
    expect(() => new CrossStatistics(2, 2).similarity()).toThrow(/no samples/);
    expect(() => new CrossStatistics(0, 2)).toThrow(/positive integer/);
  });
});

/** A CrossChunk by the definition (what an evaluator's runtime must return). */
const naiveChunk: CrossChunk = (a, ha, b, hb, rows) =>
  Promise.resolve(crossStatisticsByDefinition(a, ha, b, hb, rows));

describe("an evaluator's crossChunk", () => {
  it("gives the same similarity as core's kernel, across chunks and mixed with add()", async () => {
    const rng = Rng.stream(21, 'cross-chunk');
    const N = 4500;
    const nA = 9;
    const nB = 6;
    const x = rng.fillNormal(new Float32Array(N * nA), 3, 1);
    const y = rng.fillNormal(new Float32Array(N * nB), -2, 2);
    // a constant unit in each model
    for (let r = 0; r < N; r++) {
      x[r * nA + 4] = 0.5;
      y[r * nB + 1] = -1;
    }
    const viaEvaluator = new CrossStatistics(nA, nB, { crossChunk: naiveChunk });
    expect(viaEvaluator.kernel).toBe('evaluator');
    await viaEvaluator.addAsync(x.subarray(0, 2500 * nA), y.subarray(0, 2500 * nB), 2500);
    viaEvaluator.add(x.subarray(2500 * nA), y.subarray(2500 * nB), N - 2500);
    const viaKernel = new CrossStatistics(nA, nB);
    await viaKernel.addAsync(x, y, N);
    expect(viaEvaluator.samples).toBe(N);
    for (const kind of ['pearson_zero_for_constant', 'dot'] as const) {
      const got = viaEvaluator.similarity({ similarity: kind });
      const want = viaKernel.similarity({ similarity: kind });
      expectClose(got.matrix.data, want.matrix.data, { atol: 1e-12, rtol: 1e-10 });
      expect(got.constantA).toEqual([4]);
      expect(got.constantB).toEqual([1]);
    }
  });

  it('constancy is exact on every route: one float32 ulp after the first batch is not constant', async () => {
    const N = 5000;
    const x = new Float32Array(N * 3);
    const y = new Float32Array(N * 2);
    const rng = Rng.stream(22, 'exact-constant');
    for (let r = 0; r < N; r++) {
      x[r * 3] = 0.3; // constant
      x[r * 3 + 1] = 0.3; // constant in the first batch, one ulp higher in one later sample
      x[r * 3 + 2] = rng.normal();
      y[r * 2] = rng.normal();
      y[r * 2 + 1] = -7.25; // constant
    }
    const up = new Float32Array([0.3]);
    up[0] = up[0]! * (1 + 2 ** -23);
    expect(up[0]).not.toBe(x[1]);
    x[4321 * 3 + 1] = up[0]!;
    const routes = [
      new CrossStatistics(3, 2, { crossChunk: naiveChunk }),
      new CrossStatistics(3, 2),
      new CrossStatistics(3, 2, { simd: false }),
    ];
    for (const s of routes) {
      await s.addAsync(x, y, N);
      const r = s.similarity();
      expect(r.constantA).toEqual([0]);
      expect(r.constantB).toEqual([1]);
      expect(Number.isFinite(r.matrix.data[1 * 2 + 0]!)).toBe(true);
      expect(r.matrix.data[1 * 2 + 0]).not.toBe(0);
    }
  });

  it('NaN from the runtime path is a NonFiniteError naming the model, sample and unit', async () => {
    const s = new CrossStatistics(3, 2, { crossChunk: naiveChunk });
    const a = new Float32Array(3000 * 3).fill(1);
    const b = new Float32Array(3000 * 2).fill(2);
    b[2500 * 2 + 1] = NaN;
    await expect(s.addAsync(a, b, 3000)).rejects.toThrow(
      /activations of B: 1 non-finite value .*first at sample 2500, unit 1: NaN/,
    );
  });
});

describe('bad activations', () => {
  it('NaN or ±∞ in either model is a NonFiniteError that names the model, sample and unit', () => {
    const s = new CrossStatistics(3, 2);
    const a = new Float32Array(4 * 3).fill(1);
    const b = new Float32Array(4 * 2).fill(2);
    a[1 * 3 + 2] = NaN;
    expect(() => s.add(a, b, 4)).toThrow(
      /CrossStatistics.add: activations of A: 1 non-finite value .*first at sample 1, unit 2: NaN/,
    );
    const t = new CrossStatistics(3, 2);
    a[1 * 3 + 2] = 0;
    b[3 * 2 + 1] = -Infinity;
    expect(() => t.add(a, b, 4)).toThrow(
      /activations of B: 1 non-finite value .*first at sample 3, unit 1: -Infinity/,
    );
  });
});

describe('cross-product kernels', () => {
  it('SIMD and JS kernels agree for widths that are not multiples of the block size and odd chunks', () => {
    const rng = Rng.stream(8, 'kernels');
    for (const [nA, nB, N] of [
      [13, 7, 301],
      [4, 2, 2],
      [1, 1, 3],
      [33, 65, 2049],
    ] as const) {
      const x = rng.fillNormal(new Float64Array(N * nA));
      const y = rng.fillNormal(new Float64Array(N * nB));
      const results = [true, false].map((simd) => {
        const s = new CrossStatistics(nA, nB, { simd, threads: 2 });
        s.add(x, y, N);
        return s.similarity({ similarity: 'dot' }).matrix.data;
      });
      expectClose(results[0]!, results[1]!, { atol: 1e-12, rtol: 1e-10 });
      expectClose(results[1]!, naive(x, y, N, nA, nB, 'dot'), { atol: 1e-12, rtol: 1e-10 });
    }
  });
});
