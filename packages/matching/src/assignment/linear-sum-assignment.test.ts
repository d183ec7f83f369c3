import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Rng } from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import fc from 'fast-check';
import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { InfeasibleCostMatrixError, InvalidCostMatrixError } from '../errors.js';
import { linearSumAssignment } from './linear-sum-assignment.js';

interface FixtureCase {
  name: string;
  maximize: boolean;
  shape: [number, number];
  cost: (number | 'inf' | '-inf')[][];
  rowInd: number[];
  colInd: number[];
  total: number;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/lap-scipy.json', import.meta.url), 'utf8'),
) as {
  versions: Record<string, string>;
  cases: FixtureCase[];
};
const decode = (c: FixtureCase): number[][] =>
  c.cost.map((row) => row.map((x) => (x === 'inf' ? Infinity : x === '-inf' ? -Infinity : x)));

/** Brute force over all injections of the smaller side into the larger. */
function bruteForce(c: number[][], maximize: boolean): number {
  const r = c.length;
  const k = c[0]!.length;
  const tall = r > k;
  const n = tall ? k : r;
  const m = tall ? r : k;
  const at = (i: number, j: number): number => (tall ? c[j]![i]! : c[i]![j]!);
  let best = maximize ? -Infinity : Infinity;
  const used = new Array<boolean>(m).fill(false);
  const rec = (i: number, acc: number): void => {
    if (i === n) {
      best = maximize ? Math.max(best, acc) : Math.min(best, acc);
      return;
    }
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = true;
      rec(i + 1, acc + at(i, j));
      used[j] = false;
    }
  };
  rec(0, 0);
  return best;
}

function checkStructure(res: ReturnType<typeof linearSumAssignment>, r: number, c: number): void {
  const n = Math.min(r, c);
  expect(res.rowInd.length).toBe(n);
  expect(res.colInd.length).toBe(n);
  for (let k = 1; k < n; k++) expect(res.rowInd[k]!).toBeGreaterThan(res.rowInd[k - 1]!);
  expect(new Set(res.colInd).size).toBe(n);
  for (let k = 0; k < n; k++) {
    expect(res.colForRow[res.rowInd[k]!]).toBe(res.colInd[k]);
    expect(res.rowForCol[res.colInd[k]!]).toBe(res.rowInd[k]);
  }
  if (r <= c) expect([...res.rowInd]).toEqual([...Array(r).keys()]);
  else expect([...res.colInd].sort((a, b) => a - b)).toEqual([...Array(c).keys()]);
}

describe('linearSumAssignment', () => {
  it('equals the brute-force optimum for random matrices up to 7×7, square and rectangular (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1_000_000 }),
        (r, c, maximize, integer, seed) => {
          const rng = Rng.stream(seed, 'lap-property');
          const m = Array.from({ length: r }, () =>
            Array.from({ length: c }, () => (integer ? rng.int(4) : rng.normal())),
          );
          const res = linearSumAssignment(m, { maximize });
          checkStructure(res, r, c);
          let sum = 0;
          for (let k = 0; k < res.rowInd.length; k++) sum += m[res.rowInd[k]!]![res.colInd[k]!]!;
          expectClose(res.total, sum);
          expectClose(res.total, bruteForce(m, maximize), { atol: 1e-9, rtol: 1e-12 });
        },
      ),
      { seed: 4242, numRuns: 300 },
    );
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))(
    'matches scipy %s (fixture)',
    (_name, c) => {
      const m = decode(c);
      const res = linearSumAssignment(m, { maximize: c.maximize });
      checkStructure(res, c.shape[0], c.shape[1]);
      expect([...res.rowInd]).toEqual(c.rowInd);
      expectClose(res.total, c.total, { atol: 1e-9, rtol: 1e-12 });
    },
  );

  it('accepts an ml-matrix Matrix, nested arrays, typed arrays with a shape, and never mutates them', () => {
    const nested = [
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ];
    const flat = new Float64Array(nested.flat());
    const f32 = { data: new Float32Array(nested.flat()), shape: [3, 3] };
    const copy = flat.slice();
    const a = linearSumAssignment(nested);
    const b = linearSumAssignment(new Matrix(nested));
    const c = linearSumAssignment({ data: flat, shape: [3, 3] });
    const d = linearSumAssignment(f32, { maximize: true });
    expect(a.total).toBe(5);
    expect([...a.colInd]).toEqual([1, 0, 2]);
    expect(b.total).toBe(5);
    expect(c.total).toBe(5);
    expect(d.total).toBe(11);
    linearSumAssignment({ data: flat, shape: [3, 3] }, { maximize: true });
    expect(flat).toEqual(copy);
    expect(nested[0]).toEqual([4, 1, 3]);
  });

  it('gives the identity for strongly diagonal matrices (10·I + U(0,1) noise), maximize ≡ minimize of −S', () => {
    const n = 60;
    const rng = Rng.stream(7, 'diag');
    const s = new Float64Array(n * n);
    rng.fillUniform(s, 0, 1);
    for (let i = 0; i < n; i++) s[i * n + i]! += 10;
    const res = linearSumAssignment({ data: s, shape: [n, n] }, { maximize: true });
    expect([...res.colInd]).toEqual([...Array(n).keys()]);
    const neg = linearSumAssignment({ data: s.map((x) => -x), shape: [n, n] });
    expectClose(neg.total, -res.total);
  });

  it('is invariant to adding row and column constants (the optimum shifts by their sum)', () => {
    const n = 300;
    const rng = Rng.stream(11, 'large');
    const c = rng.fillUniform(new Float64Array(n * n), 0, 1);
    const a = rng.fillUniform(new Float64Array(n), -5, 5);
    const b = rng.fillUniform(new Float64Array(n), -5, 5);
    const shifted = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) shifted[i * n + j] = c[i * n + j]! + a[i]! + b[j]!;
    const r1 = linearSumAssignment({ data: c, shape: [n, n] });
    const r2 = linearSumAssignment({ data: shifted, shape: [n, n] });
    const sa = a.reduce((x, y) => x + y, 0) + b.reduce((x, y) => x + y, 0);
    expectClose(r2.total, r1.total + sa, { atol: 1e-9, rtol: 1e-12 });
  });

  it('the warm-started square path and the plain augmenting-path path agree (n×n vs n×(n+1) with a useless column)', () => {
    const rng = Rng.stream(12, 'paths');
    for (const n of [50, 120]) {
      for (const integer of [false, true]) {
        const sq = new Float64Array(n * n);
        const wide = new Float64Array(n * (n + 1));
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            const v = integer ? rng.int(3) : rng.uniform();
            sq[i * n + j] = v;
            wide[i * (n + 1) + j] = v;
          }
          wide[i * (n + 1) + n] = 1e6;
        }
        const a = linearSumAssignment({ data: sq, shape: [n, n] });
        const b = linearSumAssignment({ data: wide, shape: [n, n + 1] });
        expect([...b.colInd].every((j) => j < n)).toBe(true);
        expectClose(a.total, b.total, { atol: 1e-9, rtol: 1e-12 });
      }
    }
  });

  it('handles entries near the float64 limit without the warm start overflowing', () => {
    const big = 1e300;
    const res = linearSumAssignment([
      [big, 0, big],
      [0, big, big],
      [big, big, 0],
    ]);
    expect([...res.colInd]).toEqual([1, 0, 2]);
    expect(res.total).toBe(0);
  });

  it('returns empty arrays for an empty matrix', () => {
    const res = linearSumAssignment({ data: new Float64Array(0), shape: [0, 5] });
    expect(res.rowInd.length).toBe(0);
    expect(res.total).toBe(0);
    expect(linearSumAssignment([]).colInd.length).toBe(0);
  });

  it('rejects NaN and the wrong infinity with "invalid numeric entries"', () => {
    expect(() =>
      linearSumAssignment([
        [1, NaN],
        [0, 1],
      ]),
    ).toThrow(InvalidCostMatrixError);
    expect(() =>
      linearSumAssignment([
        [1, NaN],
        [0, 1],
      ]),
    ).toThrow(/invalid numeric entries.*\[0, 1\]/);
    expect(() =>
      linearSumAssignment([
        [1, -Infinity],
        [0, 1],
      ]),
    ).toThrow(InvalidCostMatrixError);
    expect(() =>
      linearSumAssignment(
        [
          [1, Infinity],
          [0, 1],
        ],
        { maximize: true },
      ),
    ).toThrow(InvalidCostMatrixError);
  });

  it('rejects an infeasible matrix with "cost matrix is infeasible"', () => {
    const inf = Infinity;
    expect(() =>
      linearSumAssignment([
        [inf, 1],
        [inf, 2],
      ]),
    ).toThrow(InfeasibleCostMatrixError);
    expect(() =>
      linearSumAssignment([
        [inf, 1],
        [inf, 2],
      ]),
    ).toThrow(/cost matrix is infeasible/);
    expect(() =>
      linearSumAssignment(
        [
          [-inf, 1, 2],
          [-inf, 2, -inf],
        ],
        { maximize: false },
      ),
    ).toThrow(InvalidCostMatrixError);
    expect(() =>
      linearSumAssignment(
        [
          [-inf, -inf],
          [1, -inf],
        ],
        { maximize: true },
      ),
    ).toThrow(InfeasibleCostMatrixError);
    // Feasible despite forbidden pairs:
    expect(
      linearSumAssignment([
        [inf, 1],
        [2, inf],
      ]).total,
    ).toBe(3);
  });

  it('rejects ragged and non-2-d input with a clear message', () => {
    expect(() => linearSumAssignment([[1, 2], [3]])).toThrow(
      /ragged nested array — expected 2 entries in every row, got 1 in row 1/,
    );
    expect(() => linearSumAssignment({ data: new Float64Array(8), shape: [2, 2, 2] })).toThrow(
      /expected a 2-d matrix, got shape \[2, 2, 2\]/,
    );
    expect(() => linearSumAssignment({ data: new Float64Array(5), shape: [2, 2] })).toThrow(
      /expected 4, got 5/,
    );
  });

  const python = spawnSync('/usr/bin/python3', ['-c', 'import scipy'], { encoding: 'utf8' });
  it.skipIf(python.status !== 0)(
    'agrees with live scipy on random 200×200 and 150×230 matrices (optional cross-check)',
    () => {
      const rng = Rng.stream(5, 'live');
      for (const [r, c, maximize] of [
        [200, 200, false],
        [150, 230, true],
        [230, 150, false],
      ] as const) {
        const data = rng.fillNormal(new Float64Array(r * c));
        const py = spawnSync(
          '/usr/bin/python3',
          [
            '-c',
            `import sys,json,numpy as np;from scipy.optimize import linear_sum_assignment as l;c=np.array(json.load(sys.stdin)).reshape(${r},${c});a,b=l(c,maximize=${maximize ? 'True' : 'False'});print(repr(float(c[a,b].sum())))`,
          ],
          { input: JSON.stringify([...data]), encoding: 'utf8' },
        );
        expect(py.status).toBe(0);
        const res = linearSumAssignment({ data, shape: [r, c] }, { maximize });
        expectClose(res.total, Number(py.stdout.trim()), { atol: 1e-9, rtol: 1e-12 });
      }
    },
  );

  it('records the scipy version the fixtures came from', () => {
    expect(fixture.versions.scipy).toMatch(/^\d+\.\d+/);
  });
});
