import { describe, expect, it } from 'vitest';
import { expectClose } from './index.js';

describe('expectClose', () => {
  it('passes within tolerance and fails with the index and both values', () => {
    expectClose([1, 2, 3], [1, 2, 3 + 1e-13]);
    expect(() => expectClose([1, 2, 3], [1, 2.5, 3])).toThrow(
      /1 of 3 entries differ .*index 1: actual 2, expected 2.5/,
    );
  });
  it('is NaN-aware and checks shapes first', () => {
    expectClose([NaN, Infinity], [NaN, Infinity]);
    expect(() => expectClose([NaN], [0])).toThrow(/index 0: actual NaN/);
    expect(() =>
      expectClose({ data: [1, 2], shape: [2, 1] }, { data: [1, 2], shape: [1, 2] }),
    ).toThrow(/shape mismatch — expected \[1, 2\], got \[2, 1\]/);
  });
  it('uses float32 defaults when either side is a Float32Array', () => {
    expectClose(Float32Array.from([1]), [1 + 5e-6]);
    expect(() => expectClose([1], [1 + 5e-6])).toThrow();
  });
});
