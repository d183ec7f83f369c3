import { readFileSync } from 'node:fs';
import { tensor } from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import { describe, expect, it } from 'vitest';
import { anisotropy, anisotropyBounds, coherence } from './coherence.js';
import { givensCoherenceRotation } from './givens.js';
import { realizationCosts } from './realization-cost.js';
import { estimateSubspace } from './subspace.js';

interface Case {
  name: string;
  X: number[];
  shape: [number, number];
  tau: number;
  eigenvalues: number[];
  k: number;
  explainedVariance: number;
  projector: number[];
  coherence: number;
  U: number[];
  weight: number[];
  mask: number[];
  fixed: number[];
  n: number;
  M: number[];
  T: number[];
  centreDistances: number[];
  anisotropy: number[];
  p: number;
  deltas: number[];
  bounds: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../test/fixtures/function-class.json', import.meta.url), 'utf8'),
) as {
  generator: string;
  numpy: string;
  cases: Case[];
  givens: { d: number; k: number; target: number; V: number[]; steps: number; coherence: number };
};

/** Agreement with NumPy (float64): 1e−9 relative to the quantity's scale. */
const TOL = { atol: 1e-9, rtol: 1e-9 };

describe(`NumPy fixtures (${fixture.generator}, numpy ${fixture.numpy})`, () => {
  for (const c of fixture.cases) {
    it(`${c.name}: subspace, coherence, M, T, centre distances, anisotropy and bounds agree to 1e-9`, () => {
      const [n, d] = c.shape;
      const sub = estimateSubspace(tensor(Float64Array.from(c.X), [n, d]), { tau: c.tau });
      expect(sub.k).toBe(c.k);
      const scale = c.eigenvalues[0]!;
      expectClose(
        Array.from(sub.eigenvalues, (x) => x / scale),
        c.eigenvalues.map((x) => x / scale),
        TOL,
      );
      expectClose(sub.explainedVariance, c.explainedVariance, TOL);
      const P = new Float64Array(d * d);
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++)
          for (let t = 0; t < sub.k; t++)
            P[a * d + b] = P[a * d + b]! + sub.U.data[a * sub.k + t]! * sub.U.data[b * sub.k + t]!;
      expectClose(P, c.projector, TOL);
      expectClose(coherence(sub.U), c.coherence, TOL);

      // costs on NumPy's own U (so the comparison isolates the cost computation) and on ours
      const structure = {
        weight: tensor(Float64Array.from(c.weight), [c.n, d]),
        mask: tensor(Float64Array.from(c.mask), [c.n, d]),
        fixed: tensor(Float64Array.from(c.fixed), [c.n, d]),
      };
      for (const U of [tensor(Float64Array.from(c.U), [d, c.k]), sub.U]) {
        const r = realizationCosts(U, structure);
        expectClose(r.M, c.M, TOL);
        expectClose(r.T, c.T, TOL);
        expectClose(r.centreDistances, c.centreDistances, TOL);
        const an = anisotropy(U, structure.mask);
        expectClose(an.perNeuron, c.anisotropy, TOL);
        expectClose(an.p, c.p, TOL);
      }
      expectClose(
        Object.values(anisotropyBounds(c.p, c.coherence, c.k, { deltas: c.deltas })),
        c.bounds,
        TOL,
      );
    });
  }

  it('Givens coherence rotation: the same V and step count', () => {
    const g = fixture.givens;
    const r = givensCoherenceRotation(g.d, g.k, g.target);
    expect(r.steps).toBe(g.steps);
    expectClose(r.V.data, g.V, TOL);
    expectClose(r.coherence, g.coherence, TOL);
  });
});
