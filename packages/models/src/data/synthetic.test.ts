import type { Tensor } from '@nidkit/core';
import { Rng, tensor } from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import { estimateSubspace } from '@nidkit/function-class';
import { describe, expect, it } from 'vitest';
import {
  coherenceEmbedding,
  coherenceFrame,
  syntheticCoherenceDataset,
} from './coherence-synthetic.js';
import { householderQ } from './qr.js';
import {
  gmmStructure,
  gmmSubspace,
  multilabelSubspace,
  paritySubspace,
  subspaceProjection,
} from './synthetic.js';

/** PᵀP for a [D, k] matrix. */
function gram(P: Tensor<Float64Array>): Float64Array {
  const [D, k] = [P.shape[0]!, P.shape[1]!];
  const g = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++)
      for (let r = 0; r < D; r++) g[i * k + j]! += P.data[r * k + i]! * P.data[r * k + j]!;
  return g;
}
const eye = (k: number) =>
  Float64Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? 1 : 0));

/** Latents z = Pᵀx and the residual ‖x − PPᵀx‖ for each row. */
function latents(
  P: Tensor<Float64Array>,
  x: Float32Array,
  n: number,
): { z: Float64Array; maxResidual: number } {
  const [D, k] = [P.shape[0]!, P.shape[1]!];
  const z = new Float64Array(n * k);
  let maxResidual = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let i = 0; i < D; i++) s += P.data[i * k + c]! * x[r * D + i]!;
      z[r * k + c] = s;
    }
    let res = 0;
    for (let i = 0; i < D; i++) {
      let p = 0;
      for (let c = 0; c < k; c++) p += P.data[i * k + c]! * z[r * k + c]!;
      res += (x[r * D + i]! - p) ** 2;
    }
    maxResidual = Math.max(maxResidual, Math.sqrt(res));
  }
  return { z, maxResidual };
}

describe('Householder QR', () => {
  it('gives orthonormal columns with positive diag(R) spanning the input', () => {
    const a = Rng.stream(1, 'qr').fillNormal(new Float64Array(9 * 4));
    const q = householderQ(a, 9, 4);
    expectClose(gram(tensor(q, [9, 4])), eye(4), { atol: 1e-12 });
    // R = QᵀA is upper triangular with positive diagonal
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let r = 0; r < 9; r++) s += q[r * 4 + i]! * a[r * 4 + j]!;
        if (i === j) expect(s).toBeGreaterThan(0);
        if (i > j) expect(Math.abs(s)).toBeLessThan(1e-12);
      }
    }
  });
});

describe('subspace generators', () => {
  const small = { nTrain: 200, nTest: 50, ambientDim: 24 };

  it('GMM: PᵀP = I, samples in span(P), class means as structured, train/test share structure', () => {
    const opts = { ...small, latentDim: 6, numClasses: 3, separation: 3 };
    const ds = gmmSubspace(opts);
    const st = gmmStructure(opts);
    expectClose(gram(st.P), eye(6), { atol: 1e-12 });
    expect([
      ds.splits.train!.inputs.shape,
      ds.splits.val!.inputs.shape,
      ds.splits.test!.inputs.shape,
    ]).toEqual([
      [180, 24],
      [20, 24],
      [50, 24],
    ]);
    const { z, maxResidual } = latents(st.P, ds.splits.train!.inputs.data, 180);
    expect(maxResidual).toBeLessThan(1e-5);
    // class means of the latents ≈ means (noise std |scale| ≈ 1, 60 samples per class ⇒ error ≲ 0.5)
    const labels = ds.splits.train!.labels!;
    for (let c = 0; c < 3; c++) {
      const rows = [...labels.keys()].filter((i) => labels[i] === c);
      expect(rows.length).toBeGreaterThan(30);
      for (let j = 0; j < 6; j++) {
        const mean = rows.reduce((s, r) => s + z[r * 6 + j]!, 0) / rows.length;
        expect(Math.abs(mean - st.means.data[c * 6 + j]!)).toBeLessThan(0.75);
      }
    }
    const test = latents(st.P, ds.splits.test!.inputs.data, 50);
    expect(test.maxResidual).toBeLessThan(1e-5);
    expect(gmmSubspace(opts).splits.test!.inputs.data).toEqual(ds.splits.test!.inputs.data);
  });

  it('parity: labels are the parity of negative latents', () => {
    const ds = paritySubspace({ ...small, latentDim: 5, valSplit: false });
    const P = subspaceProjection(901, 'parity', 24, 5);
    expectClose(gram(P), eye(5), { atol: 1e-12 });
    const { z, maxResidual } = latents(P, ds.splits.train!.inputs.data, 200);
    expect(maxResidual).toBeLessThan(1e-5);
    ds.splits.train!.labels!.forEach((y, r) => {
      let neg = 0;
      for (let c = 0; c < 5; c++) if (z[r * 5 + c]! < 0) neg++;
      expect(y).toBe(neg % 2);
    });
    // the samples span exactly the k-dim subspace: rank k
    expect(
      estimateSubspace(tensor(ds.splits.train!.inputs.data, [200, 24]), { tau: 1 - 1e-9 }).k,
    ).toBe(5);
    const b3 = paritySubspace({ ...small, latentDim: 5, base: 3 });
    expect(new Set(b3.splits.test!.labels).size).toBe(3);
    expect(b3.numOutputs).toBe(3);
  });

  it('multilabel: targets are 1 exactly where the latent is positive', () => {
    const ds = multilabelSubspace({ ...small, numLabels: 7, valSplit: false });
    expect(ds.task).toBe('multilabel');
    const P = subspaceProjection(890, 'multilabel', 24, 7);
    const { z } = latents(P, ds.splits.test!.inputs.data, 50);
    const t = ds.splits.test!.targets!.data;
    for (let i = 0; i < z.length; i++)
      if (Math.abs(z[i]!) > 1e-5) expect(t[i]).toBe(z[i]! > 0 ? 1 : 0);
  });
});

describe('synthetic coherence embeddings', () => {
  it('BᵀB = I₂ and max squared row norm 1/m for both families', () => {
    const frame = coherenceFrame(0);
    for (const family of ['exact_copy', 'random_tight_frame'] as const) {
      for (let m = 1; m <= 10; m++) {
        const B = coherenceEmbedding(family, m, { frame });
        expectClose(gram(B), eye(2), { atol: 1e-12 });
        let maxRow = 0;
        let support = 0;
        for (let r = 0; r < 20; r++) {
          const s = B.data[2 * r]! ** 2 + B.data[2 * r + 1]! ** 2;
          maxRow = Math.max(maxRow, s);
          if (s > 0) support++;
        }
        expect(maxRow).toBeCloseTo(1 / m, 12);
        expect(support).toBe(2 * m);
      }
    }
  });

  it('exact copy for m = 4 has entries 0.5 in rows 0..7', () => {
    const B = coherenceEmbedding('exact_copy', 4);
    for (let r = 0; r < 8; r++) expect(B.data[2 * r + (r % 2)]).toBe(0.5);
    for (let r = 8; r < 20; r++) expect([B.data[2 * r], B.data[2 * r + 1]]).toEqual([0, 0]);
  });

  it('datasets: x = Bz with the teacher ReLU(z₁ + z₂); latents shared across m', () => {
    const a = syntheticCoherenceDataset('exact_copy', 2, 1, { nTrain: 8, nTest: 4 });
    const b = syntheticCoherenceDataset('exact_copy', 2, 4, { nTrain: 8, nTest: 4 });
    expect(a.splits.train!.targets!.data).toEqual(b.splits.train!.targets!.data);
    const x = a.splits.train!.inputs.data;
    for (let r = 0; r < 8; r++)
      expect(a.splits.train!.targets!.data[r]).toBeCloseTo(
        Math.max(0, x[r * 20]! + x[r * 20 + 1]!),
        6,
      );
    expect(() => coherenceEmbedding('exact_copy', 11)).toThrow(/1\.\.10/);
  });
});
