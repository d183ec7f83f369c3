import { tensor } from '@nidkit/core';
import { describe, expect, it } from 'vitest';
import { toPlainJSON } from './json.js';

describe('toPlainJSON', () => {
  it('turns tensors into nested arrays and typed arrays into arrays, recursively', () => {
    const value = {
      layer: 'lins.0',
      M: tensor(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3]),
      pairs: Int32Array.from([0, 1]),
      list: [{ v: Float64Array.from([0.5]) }],
      bad: NaN,
      fn: () => 1,
    };
    expect(toPlainJSON(value)).toEqual({
      layer: 'lins.0',
      M: [
        [1, 2, 3],
        [4, 5, 6],
      ],
      pairs: [0, 1],
      list: [{ v: [0.5] }],
      bad: null,
    });
    expect(JSON.parse(JSON.stringify(toPlainJSON(value)))).toEqual(toPlainJSON(value));
  });
});
