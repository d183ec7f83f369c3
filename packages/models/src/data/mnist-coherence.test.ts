import type { Dataset } from '@nidkit/core';
import { Rng, tensor } from '@nidkit/core';
import { estimateSubspace, coherence, InfeasibleTargetError } from '@nidkit/function-class';
import { describe, expect, it } from 'vitest';
import { mnistCoherence } from './mnist-coherence.js';

/** Low-rank "images": 8×8 with a few dominant directions concentrated on some pixels. */
function toyImages(n: number, seed: number): Dataset {
  const rng = Rng.stream(seed, 'toy-images');
  const d = 64;
  const x = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const a = rng.normal() * 3;
    const b = rng.normal() * 2;
    for (let c = 0; c < d; c++)
      x[r * d + c] = (c < 4 ? a : 0) + (c >= 4 && c < 8 ? b : 0) + 0.05 * rng.normal() - 0.4;
  }
  const labels = new Int32Array(n).map((_, i) => i % 2);
  return {
    name: 'toy',
    task: 'classification',
    inputShape: [1, 8, 8],
    numOutputs: 2,
    splits: { train: { inputs: tensor(x, [n, 1, 8, 8]), labels } },
  };
}

describe('mnistCoherence', () => {
  it('rotates the principal subspace to the target coherence with an orthogonal T', () => {
    const ds = toyImages(300, 1);
    const before = estimateSubspace(tensor(ds.splits.train!.inputs.data, [300, 64]), { tau: 0.9 });
    expect(coherence(before.U)).toBeGreaterThan(0.2);
    const r = mnistCoherence(ds, { target: 0.05 });
    expect(r.k).toBe(before.k);
    expect(r.converged).toBe(true);
    // T orthogonal
    const T = r.transform;
    for (let i = 0; i < 64; i += 7) {
      for (let j = 0; j < 64; j += 5) {
        let s = 0;
        for (let c = 0; c < 64; c++) s += T[i * 64 + c]! * T[j * 64 + c]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
    const after = estimateSubspace(tensor(r.dataset.splits.train!.inputs.data, [300, 64]), {
      tau: 0.9,
    });
    expect(after.k).toBe(before.k);
    expect(coherence(after.U)).toBeLessThan(0.05 + 1e-3);
    expect(r.dataset.splits.train!.inputs.shape).toEqual([300, 1, 8, 8]);
  });

  it('rejects an infeasible target and accepts "min"', () => {
    const ds = toyImages(100, 2);
    expect(() => mnistCoherence(ds, { target: 0.001 })).toThrow(InfeasibleTargetError);
    const r = mnistCoherence(ds, { target: 'min' });
    expect(r.target).toBeCloseTo(r.k / 64 + 1e-4, 12);
  });
});
