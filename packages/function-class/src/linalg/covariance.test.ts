import { Rng } from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import { describe, expect, it } from 'vitest';
import { NonFiniteError } from '@nidkit/core';
import { GramAccumulator, centredGram } from './covariance.js';

/** XcᵀXc and the column means by the definition. */
function naive(x: Float64Array, n: number, d: number): { gram: Float64Array; mean: Float64Array } {
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) mean[c] = mean[c]! + x[r * d + c]! / n;
  const gram = new Float64Array(d * d);
  for (let r = 0; r < n; r++)
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++)
        gram[a * d + b] =
          gram[a * d + b]! + (x[r * d + a]! - mean[a]!) * (x[r * d + b]! - mean[b]!);
  return { gram, mean };
}

/** Image-like rows: a background value, a few busy columns, the rest rarely set. */
function block(rng: Rng, n: number, d: number, dense: boolean): Float64Array {
  const x = new Float64Array(n * d).fill(-0.42);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < d; c++) {
      const p = dense ? 0.9 : c < 6 ? 0.8 : c < 12 ? 0.07 : 0.02;
      if (rng.uniform() < p) x[r * d + c] = rng.normal();
    }
  return x;
}

describe('GramAccumulator', () => {
  it('mixes sparse and dense blocks, and finish() can be called between blocks', () => {
    const rng = Rng.stream(4, 'gram-blocks');
    const d = 37;
    const parts = [
      block(rng, 300, d, false),
      block(rng, 257, d, true),
      block(rng, 3001, d, false),
      block(rng, 5, d, true),
    ];
    const all = new Float64Array(parts.reduce((t, p) => t + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    const n = all.length / d;
    const acc = new GramAccumulator(d);
    acc.add(parts[0]!, 300);
    acc.add(parts[1]!, 257);
    const early = acc.finish();
    const want01 = naive(all.subarray(0, 557 * d), 557, d);
    expectClose(early.gram, want01.gram, { atol: 1e-9, rtol: 1e-11 });
    acc.add(parts[2]!, 3001);
    acc.add(parts[3]!, 5);
    expect([...acc.kernels].sort()).toEqual(['dense', 'sparse']);
    const want = naive(all, n, d);
    for (let t = 0; t < 2; t++) {
      const got = acc.finish();
      expect(got.rows).toBe(n);
      expectClose(got.gram, want.gram, { atol: 1e-9, rtol: 1e-11 });
      expectClose(got.mean, want.mean, { atol: 1e-12 });
    }
  });

  it('busy and rare columns interleaved in any order, from float32 rows', () => {
    const rng = Rng.stream(5, 'gram-interleaved');
    const d = 53;
    const n = 2600;
    const order = rng.permutation(d);
    const raw = block(rng, n, d, false);
    const x = new Float32Array(n * d);
    for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) x[r * d + order[c]!] = raw[r * d + c]!;
    const want = naive(Float64Array.from(x), n, d);
    // the rare columns on the WebAssembly axpy and in JavaScript
    for (const simd of [true, false]) {
      const acc = new GramAccumulator(d, 'x', { simd });
      acc.add(x, n);
      expect([...acc.kernels]).toEqual(['sparse']);
      const got = acc.finish();
      expectClose(got.gram, want.gram, { atol: 1e-9, rtol: 1e-11 });
      expectClose(got.mean, want.mean, { atol: 1e-12 });
    }
  });

  it('NaN or ±∞ anywhere (busy column, rare column, dense data) is a NonFiniteError naming the data', () => {
    const rng = Rng.stream(5, 'gram-nan');
    const d = 20;
    const n = 400;
    const sparse = block(rng, n, d, false);
    const dense = block(rng, n, d, true);
    for (const [x, at, v] of [
      [sparse, 17 * d + 2, NaN], // busy column
      [sparse, 300 * d + 15, Infinity], // rare column
      [dense, 5 * d + 7, -Infinity],
    ] as const) {
      const y = x.slice();
      y[at] = v;
      expect(() => centredGram(y, n, d, 'layer 2 inputs')).toThrow(NonFiniteError);
      expect(() => centredGram(y, n, d, 'layer 2 inputs')).toThrow(
        /^layer 2 inputs: 1 non-finite value/,
      );
    }
  });
});
