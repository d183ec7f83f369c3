import { InvalidArgumentError } from '@nidkit/core';
import { describe, expect, it } from 'vitest';
import { InfeasibleTargetError } from './errors.js';
import { givensCoherenceRotation } from './givens.js';

function orthogonalityError(V: Float64Array, d: number): number {
  let worst = 0;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      let s = 0;
      for (let r = 0; r < d; r++) s += V[r * d + a]! * V[r * d + b]!;
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

describe('givensCoherenceRotation', () => {
  it('d = 100, k = 10, target 0.11: converges in about 150 steps, stays orthogonal', () => {
    const r = givensCoherenceRotation(100, 10, 0.11);
    expect(r.converged).toBe(true);
    expect(r.coherence).toBeLessThanOrEqual(0.11 + 1e-5);
    expect(r.steps).toBeGreaterThan(100);
    expect(r.steps).toBeLessThan(200);
    expect(orthogonalityError(r.V.data, 100)).toBeLessThanOrEqual(1e-10);
    expect(r.warnings).toEqual([]);
    // the reported coherence is that of V[:, :k]
    let nu = 0;
    for (let row = 0; row < 100; row++) {
      let s = 0;
      for (let c = 0; c < 10; c++) s += r.V.data[row * 100 + c]! ** 2;
      nu = Math.max(nu, s);
    }
    expect(nu).toBeCloseTo(r.coherence, 12);
  });

  it('reaches the minimum k/d (+1e−4) and leaves V = I when the target is already met', () => {
    const r = givensCoherenceRotation(30, 6, 6 / 30 + 1e-4);
    expect(r.converged).toBe(true);
    expect(orthogonalityError(r.V.data, 30)).toBeLessThanOrEqual(1e-10);
    const id = givensCoherenceRotation(5, 2, 1);
    expect(id.steps).toBe(0);
    expect(id.coherence).toBe(1);
  });

  it('warns when the step budget ends first', () => {
    const r = givensCoherenceRotation(100, 10, 0.11, { maxSteps: 20 });
    expect(r.converged).toBe(false);
    expect(r.steps).toBe(20);
    expect(r.warnings[0]).toMatch(/stopped after 20 steps/);
  });

  it('rejects an infeasible target with the achievable minimum, and bad sizes', () => {
    expect(() => givensCoherenceRotation(100, 10, 0.05)).toThrow(InfeasibleTargetError);
    try {
      givensCoherenceRotation(100, 10, 0.05);
    } catch (e) {
      expect((e as InfeasibleTargetError).minimum).toBe(0.1);
      expect((e as Error).message).toMatch(/expected a target ≥ k\/d = 0.1, got 0.05/);
    }
    expect(() => givensCoherenceRotation(10, 11, 0.5)).toThrow(InvalidArgumentError);
    expect(() => givensCoherenceRotation(10, 2, 1.5)).toThrow(/≤ 1/);
    expect(() => givensCoherenceRotation(0, 1, 0.5)).toThrow(/d ≥ 1/);
  });
});
