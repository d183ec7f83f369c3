import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nonFiniteRowsError, tensor, toFloat32, toFloat64, zeros } from './tensor.js';
import { NonFiniteError } from '../errors.js';
import { matmul, matmulRaw, matmulTransposedRaw, rowView, sliceRows, transpose2d } from './ops.js';
import { expectClose } from '../testing/index.js';

function naive(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      out.push(s);
    }
  }
  return out;
}

describe('tensor', () => {
  it('validates the size against the shape', () => {
    expect(tensor(new Float32Array(6), [2, 3]).shape).toEqual([2, 3]);
    expect(() => tensor(new Float32Array(5), [2, 3])).toThrow(
      /tensor: data length does not match shape \[2, 3\] — expected \[6\], got \[5\]/,
    );
    expect(() => zeros([2, -1])).toThrow(/invalid dimension -1/);
  });
  it('converts between float32 and float64 with copies', () => {
    const t = tensor(Float64Array.from([0.1, 2]), [2]);
    const f = toFloat32(t);
    expect(f.data).toBeInstanceOf(Float32Array);
    expect(f.data[0]).toBe(Math.fround(0.1));
    const back = toFloat64(f);
    back.data[1] = 7;
    expect(f.data[1]).toBe(2);
  });
  it('transposes (blocked) and views rows without copying', () => {
    const t = tensor(
      Float32Array.from({ length: 70 * 33 }, (_, i) => i),
      [70, 33],
    );
    const tt = transpose2d(t);
    expect(tt.shape).toEqual([33, 70]);
    for (let i = 0; i < 70; i += 7)
      for (let j = 0; j < 33; j += 5) expect(tt.data[j * 70 + i]).toBe(t.data[i * 33 + j]);
    const r = rowView(t, 2);
    r[0] = -1;
    expect(t.data[66]).toBe(-1);
    expect(sliceRows(t, 1, 3).shape).toEqual([2, 33]);
    expect(() => rowView(t, 70)).toThrow(/out of range/);
  });
  it('matmul kernels equal the naive triple loop (property test)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer(),
        (m, k, n, seed) => {
          const rnd = (i: number) => Math.sin(seed + i * 12.9898) * 3;
          const a = Array.from({ length: m * k }, (_, i) => rnd(i));
          const b = Array.from({ length: k * n }, (_, i) => rnd(i + 1000));
          expectClose(matmulRaw(a, b, m, k, n), naive(a, b, m, k, n));
          const bt = transpose2d(tensor(Float64Array.from(b), [k, n])).data;
          expectClose(matmulTransposedRaw(a, bt, m, k, n), naive(a, b, m, k, n));
          expectClose(
            matmul(tensor(Float64Array.from(a), [m, k]), tensor(Float64Array.from(b), [k, n])).data,
            naive(a, b, m, k, n),
          );
        },
      ),
      { seed: 42, numRuns: 100 },
    );
  });
  it('matmul rejects mismatched inner dimensions', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 2]))).toThrow(/inner dimensions differ/);
  });
});

describe('nonFiniteRowsError', () => {
  it('counts the bad entries of the given rows and names the first one', () => {
    const x = Float32Array.from([1, 2, 3, NaN, 5, Infinity, 7, 8, -Infinity]); // 3 × 3
    const all = nonFiniteRowsError('here', x, 3);
    expect(all).toBeInstanceOf(NonFiniteError);
    expect(all.count).toBe(3);
    expect(all.message).toBe(
      'here: 3 non-finite values (NaN or ±Infinity) (first at sample 1, unit 0: NaN)',
    );
    const last = nonFiniteRowsError('here', x, 3, 2, 1);
    expect(last.count).toBe(1);
    expect(last.message).toMatch(/first at sample 2, unit 2: -Infinity/);
  });
});
