import { InvalidArgumentError } from '@nidkit/core';
import { describe, expect, it } from 'vitest';
import { lambdaGrid } from './grid.js';

describe('lambdaGrid', () => {
  it('s = 8 gives the reference default {0, 0.125, …, 1} (9 points)', () => {
    expect(lambdaGrid(8)).toEqual([0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]);
  });

  it('the paper grid has 37 points computed as t/36, with exact endpoints and midpoint', () => {
    const g = lambdaGrid({ points: 37 });
    expect(g).toHaveLength(37);
    expect(g[0]).toBe(0);
    expect(g[18]).toBe(0.5);
    expect(g[36]).toBe(1);
    g.forEach((l, t) => expect(l).toBe(t / 36));
    expect(lambdaGrid(36)).toEqual(g);
  });

  it('is t/s, not repeated addition (0.1 steps)', () => {
    const g = lambdaGrid(10);
    expect(g[3]).toBe(3 / 10);
    let sum = 0;
    for (let t = 0; t < 3; t++) sum += 0.1;
    expect(sum).not.toBe(g[3]); // repeated addition would drift
  });

  it('rejects steps that are not positive integers and fewer than 2 points', () => {
    for (const s of [0, -1, 2.5, Number.NaN])
      expect(() => lambdaGrid(s)).toThrow(InvalidArgumentError);
    expect(() => lambdaGrid({ points: 1 })).toThrow(
      /points must be an integer ≥ 2 — expected n ≥ 2, got 1/,
    );
  });
});
