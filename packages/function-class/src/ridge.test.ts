import { ReferenceEvaluator, tensor, validateNetwork } from '@nidkit/core';
import type { Network } from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { makeLinear, makeMlp, randomInputs } from '../test/networks.js';
import { MissingStructureError } from './errors.js';
import { swapCosts } from './realization-cost.js';
import {
  activationFns,
  blockLossAndGradient,
  pairLossAndGradient,
  ridgeLayer,
  ridgeRealizationCosts,
} from './ridge.js';

const s = 1 / Math.sqrt(1 + 1e-5);

describe('ridgeLayer', () => {
  it('identity activation, dense layer: converges to the closed-form ridge optimum', () => {
    const lin = makeLinear(0, 3, { out: 2 }, 5);
    const X = randomInputs(40, 3, 5);
    const beta = 1;
    const rec = ridgeLayer(lin, X, 'identity', {
      betas: [beta],
      iterations: 4000,
      lr: 0.01,
      numNeurons: 2,
    });
    // pair (id1 = 0, id2 = 1): minimize (1/β)·mean(y0 − s(w·x + b))² + ‖w‖²
    const N = 40;
    const weff = lin.weight.data;
    const y = Array.from(
      { length: N },
      (_, r) =>
        s *
        (weff[0]! * X.data[r * 3]! +
          weff[1]! * X.data[r * 3 + 1]! +
          weff[2]! * X.data[r * 3 + 2]! +
          lin.bias!.data[0]!),
    );
    const A = new Matrix(4, 4);
    const rhs = new Matrix(4, 1);
    for (let r = 0; r < N; r++) {
      const xt = [s * X.data[r * 3]!, s * X.data[r * 3 + 1]!, s * X.data[r * 3 + 2]!, s];
      for (let a = 0; a < 4; a++) {
        rhs.set(a, 0, rhs.get(a, 0) + (xt[a]! * y[r]!) / (beta * N));
        for (let b = 0; b < 4; b++) A.set(a, b, A.get(a, b) + (xt[a]! * xt[b]!) / (beta * N));
      }
    }
    for (let a = 0; a < 3; a++) A.set(a, a, A.get(a, a) + 1);
    const theta = solve(A, rhs).to1DArray();
    let mse = 0;
    for (let r = 0; r < N; r++) {
      const pred =
        s *
        (theta[0]! * X.data[r * 3]! +
          theta[1]! * X.data[r * 3 + 1]! +
          theta[2]! * X.data[r * 3 + 2]! +
          theta[3]!);
      mse += (y[r]! - pred) ** 2 / N;
    }
    const optimum = mse / beta + theta[0]! ** 2 + theta[1]! ** 2 + theta[2]! ** 2;
    const g = 0 * 2 + 1; // pair index of (0, 1)
    expect(rec.pairs[2 * g]).toBe(0);
    expect(rec.pairs[2 * g + 1]).toBe(1);
    const got = rec.perBeta[0]!.objectiveFull[g]!;
    expect(got).toBeGreaterThanOrEqual(optimum - 1e-9);
    expect(Math.abs(got - optimum) / optimum).toBeLessThan(1e-4);
  });

  it('records before the last update: with one iteration R is the trained ‖D ⊙ w‖² and diagonal pairs have zero MSE', () => {
    const lin = makeLinear(0, 6, { out: 4, family: 'w-asym', numFixed: 2, kappa: 1.5 }, 7);
    const X = randomInputs(30, 6, 7);
    const rec = ridgeLayer(lin, X, 'gelu', { betas: [0.1], iterations: 1 });
    const fixed = lin.fixed;
    if (fixed?.kind !== 'mask') throw new Error('unreachable');
    const b = rec.perBeta[0]!;
    for (let g = 0; g < 16; g++) {
      const id1 = rec.pairs[2 * g]!;
      const id2 = rec.pairs[2 * g + 1]!;
      let reg = 0;
      let n1 = 0;
      for (let c = 0; c < 6; c++) {
        reg += fixed.mask.data[id2 * 6 + c]! * lin.weight.data[id2 * 6 + c]! ** 2;
        n1 += lin.weight.data[id1 * 6 + c]! ** 2;
      }
      expectClose(b.R[g]!, reg);
      expectClose(b.weightScale1[g]!, Math.sqrt(n1));
      if (id1 === id2) {
        expect(b.objectiveMse[g]).toBe(0);
        expectClose(b.weightScale2[g]!, b.weightScale1[g]!);
      }
      expectClose(b.mse[g]!, (b.objectiveFull[g]! - b.R[g]!) * 0.1, { atol: 1e-15 });
    }
    // full grid: R[id1, id2] and T from the swap-cost formula
    expect(b.Rgrid!.shape).toEqual([4, 4]);
    expectClose(b.T!, swapCosts(b.Rgrid!));
    expect(Array.from(b.T!.data.filter((_, i) => i % 5 === 0))).toEqual([0, 0, 0, 0]);
  });

  it('is deterministic; warm start keeps the student, warmStart: false resets it', () => {
    const lin = makeLinear(1, 5, { out: 3, family: 'syre', kappa: 0.5 }, 9);
    const X = randomInputs(25, 5, 9);
    const opts = { betas: [0.01, 1], iterations: 30, numNeurons: 2 } as const;
    const a = ridgeLayer(lin, X, 'relu', opts);
    const b = ridgeLayer(lin, X, 'relu', opts);
    expect(a.perBeta[1]!.objectiveFull).toEqual(b.perBeta[1]!.objectiveFull);
    expect(a.numNeurons).toBe(2);
    const cold = ridgeLayer(lin, X, 'relu', { ...opts, warmStart: false });
    expect(cold.perBeta[0]!.objectiveFull).toEqual(a.perBeta[0]!.objectiveFull);
    expect(cold.perBeta[1]!.objectiveFull).not.toEqual(a.perBeta[1]!.objectiveFull);
    const cold1 = ridgeLayer(lin, X, 'relu', { betas: [1], iterations: 30, numNeurons: 2 });
    expect(cold.perBeta[1]!.objectiveFull).toEqual(cold1.perBeta[0]!.objectiveFull);
  });

  it('pair subsets and sample subsets are seeded', () => {
    const lin = makeLinear(0, 4, { out: 5 }, 3);
    const X = randomInputs(50, 4, 3);
    const a = ridgeLayer(lin, X, 'gelu', {
      betas: [1],
      iterations: 2,
      numPairs: 7,
      seed: 4,
      subsample: 0.5,
    });
    const b = ridgeLayer(lin, X, 'gelu', {
      betas: [1],
      iterations: 2,
      numPairs: 7,
      seed: 4,
      subsample: 0.5,
    });
    expect(a.pairs).toEqual(b.pairs);
    expect(a.pairs.length).toBe(14);
    expect(a.samples).toBe(25);
    expect(a.perBeta[0]!.Rgrid).toBeNull();
    const ids = new Set(
      Array.from({ length: 7 }, (_, g) => a.pairs[2 * g]! * 5 + a.pairs[2 * g + 1]!),
    );
    expect(ids.size).toBe(7);
    const c = ridgeLayer(lin, X, 'gelu', { betas: [1], iterations: 2, numPairs: 7, seed: 5 });
    expect(c.pairs).not.toEqual(a.pairs);
  });

  it('rejects bad options and mismatched inputs', () => {
    const lin = makeLinear(0, 4, { out: 3 }, 3);
    const X = randomInputs(10, 4, 3);
    expect(() => ridgeLayer(lin, X, 'relu', { betas: [1, 0.1] })).toThrow(/ascending/);
    expect(() => ridgeLayer(lin, X, 'relu', { betas: [] })).toThrow(/β grid/);
    expect(() => ridgeLayer(lin, X, 'relu', { subsample: 0 })).toThrow(/subsample/);
    expect(() => ridgeLayer(lin, X, 'relu', { iterations: 0 })).toThrow(/iterations/);
    expect(() => ridgeLayer(lin, randomInputs(10, 5, 1), 'relu')).toThrow(
      /expected \[N, 4\], got \[10, 5\]/,
    );
  });
});

describe('ridgeRealizationCosts', () => {
  it('runs every layer with the model activation, reports the norm kind and progress', async () => {
    const net = makeMlp(5, [{ out: 3 }, { out: 2 }], 11, 'gelu');
    const calls: number[] = [];
    const recs = await ridgeRealizationCosts(
      new ReferenceEvaluator(),
      net,
      randomInputs(20, 5, 1),
      {
        betas: [0.1, 1],
        iterations: 10,
        progressEvery: 5,
        onProgress: (p) => calls.push(p.iteration),
      },
    );
    expect(recs.map((r) => [r.layer, r.activation, r.normKind])).toEqual([
      ['lins.0', 'gelu', 'none'],
      ['lins.1', 'gelu', 'none'],
    ]);
    expect(calls).toEqual([5, 10, 5, 10, 5, 10, 5, 10]);
    expect(recs[1]!.perBeta[0]!.T!.shape).toEqual([2, 2]);
  });

  it('σ-gated networks have no elementwise activation: a clear error', async () => {
    const l0 = makeLinear(0, 3, { out: 2 }, 1);
    const l1 = makeLinear(1, 2, { out: 2 }, 1);
    const net: Network = validateNetwork({
      family: 'sigma-asym',
      inputShape: [3],
      layers: [
        l0,
        { type: 'gate', index: 0, C: tensor(new Float32Array([1, 0, 0, 1]), [2, 2]) },
        l1,
      ],
      meta: {},
    });
    await expect(
      ridgeRealizationCosts(new ReferenceEvaluator(), net, randomInputs(5, 3, 1), {
        iterations: 1,
      }),
    ).rejects.toThrow(MissingStructureError);
  });
});

describe('pairLossAndGradient', () => {
  it('matches central finite differences for every activation, with a mask and fixed part', () => {
    const d = 5;
    const N = 12;
    const X = randomInputs(N, d, 21);
    const x = Float64Array.from(X.data);
    const mask = [1, 0, 1, 1, 0];
    const fixed = [0, 0.7, 0, 0, -1.1];
    const target = Float64Array.from({ length: N }, (_, r) => Math.sin(r));
    for (const kind of ['gelu', 'gelu_tanh', 'relu', 'identity'] as const) {
      const { f, df } = activationFns(kind);
      const W = Float64Array.from([0.3, -0.2, 0.5, -0.4, 0.1]);
      const loss = (w: Float64Array, b: number): number => {
        const res = pairLossAndGradient(
          x,
          N,
          d,
          w,
          0,
          b,
          mask,
          fixed,
          0,
          target,
          f,
          df,
          0.1,
          new Float64Array(d),
          new Float64Array(d),
        );
        return res.sse / N / 0.1 + res.reg;
      };
      const grad = new Float64Array(d);
      const res = pairLossAndGradient(
        x,
        N,
        d,
        W,
        0,
        0.05,
        mask,
        fixed,
        0,
        target,
        f,
        df,
        0.1,
        grad,
        new Float64Array(d),
      );
      const h = 1e-6;
      for (let c = 0; c < d; c++) {
        const wp = W.slice();
        const wm = W.slice();
        wp[c] = wp[c]! + h;
        wm[c] = wm[c]! - h;
        const fd = mask[c] ? (loss(wp, 0.05) - loss(wm, 0.05)) / (2 * h) : 0;
        expect(Math.abs(grad[c]! - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
      }
      const fdb = (loss(W, 0.05 + h) - loss(W, 0.05 - h)) / (2 * h);
      expect(Math.abs(res.gradBias - fdb)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fdb)));
    }
  });
});

describe('blockLossAndGradient', () => {
  it('equals the per-pair reference for odd N and a pair count that is not a multiple of the register block', () => {
    const d = 7;
    const N = 13;
    const P = 6;
    const x = Float64Array.from(randomInputs(N, d, 31).data);
    const nNeurons = 3;
    const mask = Array.from({ length: nNeurons * d }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const fixed = mask.map((m, i) => (m === 0 ? Math.cos(i) : 0));
    const W = Float64Array.from({ length: P * d }, (_, i) => Math.sin(i * 1.7) * 0.4);
    const B = Float64Array.from({ length: P }, (_, g) => 0.1 * g - 0.2);
    const student = Int32Array.from([0, 1, 2, 2, 1, 0]);
    const target = Int32Array.from([1, 1, 0, 2, 2, 0]);
    const Y1 = Float64Array.from({ length: N * nNeurons }, (_, i) => Math.sin(i));
    const { f, df } = activationFns('gelu');
    const out = {
      gradW: new Float64Array(P * d),
      gradB: new Float64Array(P),
      sse: new Float64Array(P),
      reg: new Float64Array(P),
    };
    const scratch = { weff: new Float64Array(P * d), S: new Float64Array(N * P) };
    blockLossAndGradient(
      x,
      N,
      d,
      0,
      P,
      W,
      B,
      student,
      target,
      Y1,
      nNeurons,
      mask,
      fixed,
      f,
      df,
      0.01,
      out,
      scratch,
    );
    for (let g = 0; g < P; g++) {
      const y = Float64Array.from({ length: N }, (_, r) => Y1[r * nNeurons + target[g]!]!);
      const grad = new Float64Array(d);
      const ref = pairLossAndGradient(
        x,
        N,
        d,
        W,
        g * d,
        B[g]!,
        mask,
        fixed,
        student[g]! * d,
        y,
        f,
        df,
        0.01,
        grad,
        new Float64Array(d),
      );
      expectClose(out.sse[g]!, ref.sse, { atol: 1e-12, rtol: 1e-12 });
      expectClose(out.reg[g]!, ref.reg);
      expectClose(out.gradB[g]!, ref.gradBias, { atol: 1e-10, rtol: 1e-10 });
      expectClose(out.gradW.subarray(g * d, (g + 1) * d), grad, { atol: 1e-10, rtol: 1e-10 });
    }
  });
});
