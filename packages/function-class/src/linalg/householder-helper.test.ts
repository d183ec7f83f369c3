import { CrossProduct, defaultThreads, threadsAvailable } from '@nidkit/core/kernels';
import { afterEach, describe, expect, it } from 'vitest';
import { householderReduce, householderReduceWith, reductionBytes } from './householder.js';
import { ReductionHelper, computeRows } from './householder-helper.js';
import { TEAM_CTRL } from './wasm-team.js';
import { CTRL } from './wasm-tridiagonal.js';

const rnd = (seed: number): (() => number) => {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return (s / 2147483647) * 2 - 1;
  };
};

function symmetric(n: number, seed: number): Float64Array {
  const r = rnd(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const v = r();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  return a;
}

function reduce(n: number, a: Float64Array) {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const hs = new Float64Array(n);
  const R = householderReduce(n, a, d, e, hs);
  // the reflectors: row i, entries 0 … i−1
  const refl = new Float64Array(n * n);
  for (let i = 0; i < n; i++) refl.set(R.subarray(i * n, i * n + i), i * n);
  return { d, e, hs, refl };
}

/** Blocks the thread for `ms` (the helper's worker runs meanwhile). */
const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

const threaded = threadsAvailable() && defaultThreads() >= 2;

/** Waits (up to 2 s) until the helper's worker runs its loop. */
function waitForWorker(helper: ReductionHelper): Int32Array {
  const flags = new Int32Array(helper.ws.buffer, TEAM_CTRL, CTRL.bytes / 4);
  for (let t = 0; t < 200 && Atomics.load(flags, CTRL.state / 4) !== 1; t++) sleep(10);
  expect(Atomics.load(flags, CTRL.state / 4)).toBe(1);
  return flags;
}
const saved = process.env.NIDKIT_THREADS;
afterEach(() => {
  if (saved === undefined) delete process.env.NIDKIT_THREADS;
  else process.env.NIDKIT_THREADS = saved;
});

describe('the Householder reduction on two threads', () => {
  it('large steps split in two: A = Q T Qᵀ, and the same bits with and without the helper thread', () => {
    const n = 420; // steps with ≥ 160 active rows split their rows in two parts
    const a = symmetric(n, 5);
    process.env.NIDKIT_THREADS = '1';
    const posted = ReductionHelper.postedToWorker;
    const one = reduce(n, a);
    expect(ReductionHelper.postedToWorker).toBe(posted);
    delete process.env.NIDKIT_THREADS;
    const two = reduce(n, a); // the worker joins in once it has started, if it does in time
    expect(two.d).toEqual(one.d);
    if (!threaded) return;
    // a helper whose worker runs from the first step on: every split step goes to the worker
    const helper = ReductionHelper.create(reductionBytes(n))!;
    try {
      waitForWorker(helper);
      const d = new Float64Array(n);
      const e = new Float64Array(n);
      const hs = new Float64Array(n);
      const R = householderReduceWith(helper, n, a, d, e, hs);
      // steps i = n−1 … 161 have m = i − 1 ≥ 160 active rows: n − 161 split steps
      expect(ReductionHelper.postedToWorker - posted).toBeGreaterThanOrEqual(n - 161);
      expect(d).toEqual(one.d);
      expect(e).toEqual(one.e);
      expect(hs).toEqual(one.hs);
      for (let i = 0; i < n; i++)
        expect(R.subarray(i * n, i * n + i)).toEqual(one.refl.subarray(i * n, i * n + i));
    } finally {
      helper.close();
    }
    expect(two.d).toEqual(one.d);
    expect(two.e).toEqual(one.e);
    expect(two.hs).toEqual(one.hs);
    expect(two.refl).toEqual(one.refl);
    // tr(T) = tr(A) and ‖T‖_F = ‖A‖_F (orthogonal similarity)
    let trA = 0;
    let fa = 0;
    for (let i = 0; i < n; i++) trA += a[i * n + i]!;
    for (const v of a) fa += v * v;
    let trT = 0;
    let ft = 0;
    for (let i = 0; i < n; i++) {
      trT += one.d[i]!;
      ft += one.d[i]! ** 2 + 2 * one.e[i]! ** 2;
    }
    expect(Math.abs(trT - trA)).toBeLessThan(1e-10);
    expect(Math.abs(ft - fa) / fa).toBeLessThan(1e-13);
  });

  it.skipIf(!threaded)(
    'the worker computes the rows it is given exactly as this thread does',
    () => {
      const n = 200;
      const vec = n;
      const bytes = (n * n + 6 * vec) * 8;
      const helper = ReductionHelper.create(bytes)!;
      expect(helper).not.toBeNull();
      try {
        const flags = new Int32Array(helper.ws.buffer, 64, CTRL.bytes / 4);
        for (let t = 0; t < 200 && Atomics.load(flags, CTRL.state / 4) !== 1; t++) sleep(10);
        expect(Atomics.load(flags, CTRL.state / 4)).toBe(1); // the worker runs its loop
        const f = new Float64Array(helper.ws.buffer);
        const at = helper.base / 8;
        const r = rnd(9);
        for (let i = at; i < at + n * n + 4 * vec; i++) f[i] = r();
        const rows = {
          a: helper.base,
          ld: n * 8,
          b0: 40,
          b1: 100,
          u: (at + n * n) * 8,
          q: (at + n * n + vec) * 8,
          w: (at + n * n + 2 * vec) * 8,
          p: (at + n * n + 4 * vec) * 8,
        };
        const before = f.slice(at, at + n * n);
        helper.post(rows);
        helper.wait();
        const byWorker = f.slice(at + n * n + 4 * vec, at + n * n + 4 * vec + 200);
        const matrixByWorker = f.slice(at, at + n * n);
        // the same on this thread, from the same inputs, into the other p buffer
        f.set(before, at);
        computeRows(helper.ws, { ...rows, p: rows.p + vec * 8 });
        expect(byWorker).toEqual(f.slice(at + n * n + 5 * vec, at + n * n + 5 * vec + 200));
        expect(matrixByWorker).toEqual(f.slice(at, at + n * n));
        expect(byWorker.some((v) => v !== 0)).toBe(true);
      } finally {
        helper.close();
      }
    },
  );

  it.skipIf(!threaded)(
    'a kernel that fails in the worker is a WORKER_FAILED error, not a hang',
    () => {
      const helper = ReductionHelper.create(1 << 16)!;
      try {
        waitForWorker(helper);
        // rows far outside the 64 KiB memory: the worker's kernel traps
        helper.post({ a: 1 << 30, ld: 8, b0: 0, b1: 4, u: 0, q: 0, w: 0, p: 1 << 30 });
        expect(() => helper.wait()).toThrow(/failed in a worker thread/);
      } finally {
        helper.close();
      }
    },
  );

  it.skipIf(!threaded)(
    'a helper left idle gives up its worker, and closing one releases it',
    () => {
      const helper = ReductionHelper.create(1 << 16)!;
      const flags = waitForWorker(helper);
      // no command for longer than the worker's patience: it leaves (state 3) …
      for (let t = 0; t < 400 && Atomics.load(flags, CTRL.state / 4) !== 3; t++) sleep(10);
      expect(Atomics.load(flags, CTRL.state / 4)).toBe(3);
      helper.close();
      // … a helper closed before its worker started cancels it …
      ReductionHelper.create(1 << 16)!.close();
      // … and the worker is free for other kernels
      const xp = new CrossProduct(64, 64, { threads: 2 });
      const x = new Float64Array(600 * 64).map((_, i) => Math.sin(i));
      xp.add(x, null, x, null, 600);
      expect(xp.result()[0]).toBeCloseTo(
        Array.from({ length: 600 }, (_, r) => Math.sin(r * 64) ** 2).reduce((s, v) => s + v, 0),
        9,
      );
      xp.dispose();
    },
  );
});
