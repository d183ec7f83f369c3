import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng.js';
import { CrossProduct } from './cross-product.js';
import { defaultThreads, sharedSlotStats } from './threads.js';
import { crossStatisticsByDefinition, maxRelativeDifference } from '../testing/index.js';

/** (A − 1hₐᵀ)ᵀ(B − 1h_bᵀ) by the definition (no shift for null), in float64. */
const naive = (
  a: ArrayLike<number>,
  ha: ArrayLike<number> | null,
  b: ArrayLike<number>,
  hb: ArrayLike<number> | null,
  rows: number,
  m: number,
  n: number,
): Float64Array =>
  crossStatisticsByDefinition(a, ha ?? new Float64Array(m), b, hb ?? new Float64Array(n), rows)
    .cross;
const maxRel = maxRelativeDifference;

const rng = Rng.stream(11, 'cross-product-test');
const data = (len: number): Float32Array => rng.fillNormal(new Float32Array(len));

describe('CrossProduct', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [8, 8, 2],
    [9, 17, 33],
    [64, 40, 301],
    [130, 70, 515],
  ];
  for (const simd of [true, false])
    for (const [m, n, rows] of shapes)
      it(`${simd ? 'SIMD' : 'JS'} kernel: ${m}×${n} over ${rows} rows in uneven batches, with shifts, equals the definition`, () => {
        const a = data(rows * m);
        const b = data(rows * n);
        const ha = Float64Array.from(data(m));
        const hb = Float64Array.from(data(n));
        const xp = new CrossProduct(m, n, { simd, chunkRows: 64, threads: 2 });
        expect(xp.kernel).toBe(simd ? 'simd' : 'js');
        // batches of 1, 2, 5, … rows exercise odd chunks (the zero pad sample)
        let start = 0;
        for (let size = 1; start < rows; size = size * 2 + 1) {
          const r = Math.min(size, rows - start);
          xp.add(
            a.subarray(start * m, (start + r) * m),
            ha,
            b.subarray(start * n, (start + r) * n),
            hb,
            r,
          );
          start += r;
        }
        expect(xp.samples).toBe(rows);
        expect(maxRel(xp.result(), naive(a, ha, b, hb, rows, m, n))).toBeLessThan(1e-12);
        const want = crossStatisticsByDefinition(a, ha, b, hb, rows);
        for (const [which, st0, w] of [
          ['A', want.a, m],
          ['B', want.b, n],
        ] as const) {
          const st = xp.columnStats(which);
          for (let c = 0; c < w; c++) {
            expect(st.sum[c]).toBeCloseTo(st0.sum[c]!, 10);
            expect(st.sumSq[c]).toBeCloseTo(st0.sumSq[c]!, 9);
            expect(st.min[c]).toBe(st0.min[c]);
            expect(st.max[c]).toBe(st0.max[c]);
          }
        }
        xp.dispose();
      });

  it('a chunk longer than one pack call (3,001 rows at once, float32 and float64) equals the definition', () => {
    const m = 21;
    const n = 11;
    const rows = 3001;
    const a = data(rows * m);
    const b = Float64Array.from(data(rows * n));
    const ha = Float64Array.from(data(m));
    for (const threads of [1, 2]) {
      const xp = new CrossProduct(m, n, { chunkRows: 4096, threads });
      xp.add(a, ha, b, null, rows);
      expect(maxRel(xp.result(), naive(a, ha, b, null, rows, m, n))).toBeLessThan(1e-12);
      const want = crossStatisticsByDefinition(a, ha, b, new Float64Array(n), rows);
      const st = xp.columnStats('A');
      for (let c = 0; c < m; c++) {
        expect(st.sum[c]).toBeCloseTo(want.a.sum[c]!, 9);
        expect(st.min[c]).toBe(want.a.min[c]);
        expect(st.max[c]).toBe(want.a.max[c]);
      }
      xp.dispose();
    }
  });

  it('symmetric mode gives the full, exactly symmetric AᵀA', () => {
    const m = 37;
    const rows = 211;
    const a = data(rows * m);
    const h = Float64Array.from(data(m));
    const xp = new CrossProduct(m, m, { symmetric: true, chunkRows: 50 });
    xp.add(a, h, null, null, rows);
    const c = xp.result();
    expect(maxRel(c, naive(a, h, a, h, rows, m, m))).toBeLessThan(1e-12);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) expect(c[i * m + j]).toBe(c[j * m + i]);
  });

  it('splits large chunks over worker threads and still equals the single-thread result', () => {
    const m = 96;
    const n = 200;
    const rows = 600;
    const a = data(rows * m);
    const b = data(rows * n);
    const one = new CrossProduct(m, n, { threads: 1 });
    const two = new CrossProduct(m, n, { threads: 2 });
    const sym2 = new CrossProduct(n, n, { threads: 2, symmetric: true });
    one.add(a, null, b, null, rows);
    two.add(a, null, b, null, rows);
    sym2.add(b, null, null, null, rows);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    // same kernel, same summation order per entry: identical bits
    expect(two.result()).toEqual(one.result());
    expect(maxRel(sym2.result(), naive(b, null, b, null, rows, n, n))).toBeLessThan(1e-12);
    for (const x of [one, two, sym2]) x.dispose();
  });

  it('submit() leaves the multiplication to the workers and gives the same bits as add()', () => {
    const m = 128;
    const rows = 900;
    const a = data(rows * m);
    const h = Float64Array.from(data(m));
    const sync = new CrossProduct(m, m, { threads: 2, symmetric: true, chunkRows: 512 });
    const async = new CrossProduct(m, m, { threads: 2, symmetric: true, chunkRows: 512 });
    expect(async.threads).toBe(2);
    const stage = new Float32Array(300 * m);
    for (let r0 = 0; r0 < rows; r0 += 300) {
      sync.add(a.subarray(r0 * m, (r0 + 300) * m), h, null, null, 300);
      // the caller reuses its buffer while the workers multiply: submit has copied it
      stage.set(a.subarray(r0 * m, (r0 + 300) * m));
      async.submit(stage, h, null, null, 300);
      stage.fill(Number.NaN);
    }
    // read at once (the workers have barely started): result() must wait for them
    expect(async.result()).toEqual(sync.result());
    expect(async.samples).toBe(rows);
    expect(async.columnStats('A').sum).toEqual(sync.columnStats('A').sum);
    expect(maxRel(async.result(), naive(a, h, a, h, rows, m, m))).toBeLessThan(1e-12);
    // reset and dispose wait for a pending multiplication too
    async.submit(a.subarray(0, 300 * m), h, null, null, 300);
    async.reset();
    expect(async.result().every((v) => v === 0)).toBe(true);
    async.submit(a.subarray(0, 300 * m), h, null, null, 300);
    async.dispose();
    sync.dispose();
  });

  it('a disposed cross product hands its shared memory to the next one, which starts clean', () => {
    const m = 40;
    const rows = 700;
    const first = new CrossProduct(m, m, { threads: 2, symmetric: true });
    if (first.threads < 2) return first.dispose(); // no worker threads here: nothing is pooled
    first.add(
      data(rows * m).map((v) => v * 1e6),
      null,
      null,
      null,
      rows,
    );
    first.dispose();
    const reused = sharedSlotStats.reused;
    const a = data(rows * m);
    const second = new CrossProduct(m, m, { threads: 2, symmetric: true });
    expect(sharedSlotStats.reused).toBe(reused + 1);
    second.add(a, null, null, null, rows);
    expect(maxRel(second.result(), naive(a, null, a, null, rows, m, m))).toBeLessThan(1e-12);
    const st = second.columnStats('A');
    expect(st.min[0]).toBe(Math.min(...Array.from({ length: rows }, (_, r) => a[r * m]!)));
    expect(st.sum[0]).toBeCloseTo(
      Array.from({ length: rows }, (_, r) => a[r * m]!).reduce((x, y) => x + y, 0),
      9,
    );
    second.dispose();
  });

  it('reset() starts over with the same memory', () => {
    const a = data(30 * 9);
    const b = data(30 * 4);
    const xp = new CrossProduct(9, 4);
    xp.add(data(30 * 9), null, data(30 * 4), null, 30);
    xp.reset();
    expect(xp.samples).toBe(0);
    expect(xp.columnStats('B').min[0]).toBe(Infinity);
    xp.add(a, null, b, null, 30);
    expect(maxRel(xp.result(), naive(a, null, b, null, 30, 9, 4))).toBeLessThan(1e-12);
    expect(xp.columnStats('A').sum[3]).toBeCloseTo(
      Array.from({ length: 30 }, (_, p) => a[p * 9 + 3]!).reduce((x, y) => x + y, 0),
      10,
    );
  });

  it('accepts float64 arrays and plain number arrays alike', () => {
    const m = 11;
    const rows = 9;
    const a32 = data(rows * m);
    const a64 = Float64Array.from(a32);
    const plain = Array.from(a32);
    const results = [a32, a64, plain].map((x) => {
      const xp = new CrossProduct(m, m, { symmetric: true });
      xp.add(x, null, null, null, rows);
      return xp.result();
    });
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  for (const simd of [true, false])
    it(`${simd ? 'SIMD' : 'JS'}: NaN or ±∞ in an input is a NonFiniteError naming the first entry`, () => {
      const xp = new CrossProduct(5, 3, { simd });
      const a = new Float32Array(4 * 5);
      const b = new Float32Array(4 * 3);
      xp.add(a, null, b, null, 4);
      b[2 * 3 + 1] = NaN;
      b[3 * 3 + 2] = Infinity;
      expect(() => xp.add(a, null, b, null, 4)).toThrow(
        /CrossProduct.add: B.*2 .*first at sample 2, unit 1: NaN/,
      );
      const xq = new CrossProduct(5, 5, { simd, symmetric: true, names: ['layer 3 inputs'] });
      a[7] = -Infinity;
      expect(() => xq.add(a, null, null, null, 4)).toThrow(
        /^layer 3 inputs: 1 non-finite value .*first at sample 1, unit 2: -Infinity/,
      );
    });

  it('rejects bad sizes and shapes with clear errors', () => {
    expect(() => new CrossProduct(0, 3)).toThrow(
      /m must be a positive integer — expected ≥ 1, got 0/,
    );
    expect(() => new CrossProduct(3, 4, { symmetric: true })).toThrow(
      /expected n = m = 3, got n = 4/,
    );
    const xp = new CrossProduct(3, 2);
    expect(() => xp.add(new Float32Array(5), null, new Float32Array(4), null, 2)).toThrow(
      /CrossProduct.add: A: shape mismatch — expected \[2, 3\]/,
    );
    expect(() => xp.add(new Float32Array(6), [1, 2], new Float32Array(4), null, 2)).toThrow(
      /CrossProduct.add: A \(shift\)/,
    );
    xp.dispose();
    expect(() => xp.add(new Float32Array(6), null, new Float32Array(4), null, 2)).toThrow(
      /disposed/,
    );
  });

  it('NIDKIT_THREADS sets the default thread count', () => {
    const before = process.env.NIDKIT_THREADS;
    process.env.NIDKIT_THREADS = '3';
    expect(defaultThreads()).toBe(3);
    process.env.NIDKIT_THREADS = 'zero';
    expect(defaultThreads()).toBeGreaterThanOrEqual(1);
    if (before === undefined) delete process.env.NIDKIT_THREADS;
    else process.env.NIDKIT_THREADS = before;
  });
});
