// Optional live cross-check against NumPy (skipped when /usr/bin/python3 or numpy is missing).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Rng, tensor } from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import { describe, expect, it } from 'vitest';
import { randomBasis } from '../test/networks.js';
import { realizationCosts } from './realization-cost.js';
import { estimateSubspace } from './subspace.js';

const PY = '/usr/bin/python3';
const hasNumpy =
  existsSync(PY) && spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

const SCRIPT = `
import json, sys
import numpy as np
out = []
for c in json.load(sys.stdin):
    d, k, n = c['d'], c['k'], c['n']
    X = np.array(c['X']).reshape(-1, d)
    Xc = X - X.mean(0)
    lam = np.clip(np.linalg.eigvalsh(Xc.T @ Xc)[::-1], 0, None)
    U = np.array(c['U']).reshape(d, k)
    W = np.array(c['W']).reshape(n, d); D = np.array(c['D']).reshape(n, d); F = np.array(c['F']).reshape(n, d)
    A = W @ U; V = F @ U
    M = np.empty((n, n))
    for i in range(n):
        P = np.linalg.pinv(U.T @ np.diag(D[i]) @ U, rcond=k * 2.0 ** -23, hermitian=True)
        E = A - V[i]
        M[i] = np.einsum('jk,kl,jl->j', E, P, E)
    out.append({'eigenvalues': lam.tolist(), 'M': M.ravel().tolist()})
json.dump(out, sys.stdout)
`;

describe('live NumPy cross-check', () => {
  it.skipIf(!hasNumpy)('random subspaces and W-asym layers agree with numpy.linalg to 1e-9', () => {
    const rng = Rng.stream(77, 'live');
    const cases = [
      { d: 9, k: 4, n: 5, fixed: 2 },
      { d: 14, k: 6, n: 6, fixed: 9 },
      { d: 20, k: 11, n: 4, fixed: 5 },
    ].map(({ d, k, n, fixed }, s) => {
      const X = Array.from({ length: 40 * d }, (_, i) => rng.normal() * (1 + (i % d)) + 3);
      const U = Array.from(randomBasis(d, k, 100 + s).data);
      const D = new Array<number>(n * d).fill(1);
      for (let i = 0; i < n; i++)
        for (const r of rng.sampleWithoutReplacement(d, fixed)) D[i * d + r] = 0;
      const F = D.map((m) => (m === 0 ? rng.normal() : 0));
      const W = D.map((m, i) => m * rng.normal() + F[i]!);
      return { d, k, n, X, U, D, F, W };
    });
    const r = spawnSync(PY, ['-c', SCRIPT], { input: JSON.stringify(cases), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const want = JSON.parse(r.stdout) as { eigenvalues: number[]; M: number[] }[];
    cases.forEach((c, i) => {
      const sub = estimateSubspace(tensor(Float64Array.from(c.X), [40, c.d]));
      const scale = want[i]!.eigenvalues[0]!;
      expectClose(
        Array.from(sub.eigenvalues, (x) => x / scale),
        want[i]!.eigenvalues.map((x) => x / scale),
        { atol: 1e-9, rtol: 1e-9 },
      );
      const costs = realizationCosts(tensor(Float64Array.from(c.U), [c.d, c.k]), {
        weight: tensor(Float64Array.from(c.W), [c.n, c.d]),
        mask: tensor(Float64Array.from(c.D), [c.n, c.d]),
        fixed: tensor(Float64Array.from(c.F), [c.n, c.d]),
      });
      expectClose(costs.M, want[i]!.M, { atol: 1e-9, rtol: 1e-9 });
    });
  });
});
