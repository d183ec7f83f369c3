import type { LinearLayer, Network } from '@nidkit/core';
import {
  countParameters,
  effectiveWeight,
  forward,
  linearLayers,
  mapTensors,
  Rng,
  tensor,
  toDense,
} from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelConfigError } from '../errors.js';
import { buildMlp, deriveModelSeeds } from './build-mlp.js';
import { paperMlpConfig, resolveMlpConfig } from './config.js';

const lin = (net: Network, l: number): LinearLayer => linearLayers(net)[l]!;
const randomInputs = (n: number, d: number, seed = 7) =>
  tensor(Rng.stream(seed, 'x').fillNormal(new Float32Array(n * d)), [n, d]);

describe('paper configurations', () => {
  it('standard 784-512-512-512-10 LayerNorm MLP has 935,434 trainable parameters', () => {
    const net = buildMlp(paperMlpConfig());
    expect(countParameters(net).trainable).toBe(935_434);
    expect(net.inputShape).toEqual([1, 28, 28]);
    expect(net.layers[0]!.type).toBe('flatten');
  });

  it('W-MLP has 100,864 fixed entries (3·512·64 + 10·256)', () => {
    const net = buildMlp(paperMlpConfig({ family: 'w-asym' }));
    expect(countParameters(net).maskedEntries).toBe(100_864);
    expect(
      linearLayers(net).map((l) => (l.fixed?.kind === 'mask' ? l.fixed.numFixed : -1)),
    ).toEqual([64, 64, 64, 256]);
  });

  it('κ columns and width scaling of num_fixed', () => {
    const cfg = paperMlpConfig({ family: 'w-asym', kappa: 'kappaPerLayer', width: 128 });
    expect(cfg.kappa).toEqual([1, 1, 0.5, 0.25]);
    expect(cfg.numFixed).toEqual([64, 16, 16, 64]);
    expect(paperMlpConfig({ family: 'syre', kappa: 'kappa0' }).kappa).toEqual([0, 0, 0, 0]);
    expect(paperMlpConfig({ family: 'standard' }).numFixed).toBeUndefined();
  });

  it('nMul: num_fixed 64 with n_mul 1.5 becomes 96', () => {
    expect(
      resolveMlpConfig({ family: 'w-asym', widths: [784, 512, 10], numFixed: 64, nMul: 1.5 })
        .numFixed,
    ).toEqual([96, 96]);
  });
});

describe('W-asymmetric masks', () => {
  it('every row has exactly num_fixed zeros (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(1000),
        (inDim, out, seed) => {
          const k = seed % inDim;
          const net = buildMlp({
            family: 'w-asym',
            widths: [inDim, out, 3],
            numFixed: [k, 0],
            maskSeed: seed,
            norm: 'none',
          });
          const f = lin(net, 0).fixed!;
          if (f.kind !== 'mask') return false;
          for (let r = 0; r < out; r++) {
            let zeros = 0;
            for (let c = 0; c < inDim; c++) zeros += f.mask.data[r * inDim + c] === 0 ? 1 : 0;
            if (zeros !== k) return false;
          }
          return true;
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  it('W_eff is W on the ones and κN on the zeros; raw fixed entries hold F at init', () => {
    const net = buildMlp({
      family: 'w-asym',
      widths: [10, 8, 4],
      numFixed: [3, 2],
      kappa: [0.7, 2],
      maskSeed: 3,
    });
    for (const l of [0, 1]) {
      const layer = lin(net, l);
      const f = layer.fixed!;
      if (f.kind !== 'mask') throw new Error('expected mask');
      const we = effectiveWeight(layer).data;
      for (let i = 0; i < we.length; i++) {
        const expected =
          f.mask.data[i] === 1 ? layer.weight.data[i]! : Math.fround(f.kappa * f.normal.data[i]!);
        expect(we[i]).toBe(expected);
        if (f.mask.data[i] === 0) expect(layer.weight.data[i]).toBe(expected);
      }
    }
  });

  it('changing raw W at masked positions leaves the output unchanged', () => {
    const net = buildMlp({
      family: 'w-asym',
      widths: [12, 9, 5],
      numFixed: [4, 3],
      maskSeed: 1,
      initSeed: 2,
    });
    const changed = mapTensors(net, (e) => {
      if (e.slot !== 'weight') return e.tensor;
      const f = lin(net, e.layer).fixed!;
      if (f.kind !== 'mask') return e.tensor;
      return tensor(
        e.tensor.data.map((w, i) => (f.mask.data[i] === 0 ? w + 100 : w)),
        e.tensor.shape,
      );
    });
    const x = randomInputs(6, 12);
    expect(forward(changed, x).logits.data).toEqual(forward(net, x).logits.data);
  });

  it('κ = 0: masked entries of W_eff are exactly 0', () => {
    const net = buildMlp({ family: 'w-asym', widths: [10, 6, 3], numFixed: 4, kappa: 0 });
    const layer = lin(net, 0);
    const f = layer.fixed!;
    if (f.kind !== 'mask') throw new Error('expected mask');
    const we = effectiveWeight(layer).data;
    for (let i = 0; i < we.length; i++) if (f.mask.data[i] === 0) expect(we[i] === 0).toBe(true);
  });

  it('num_fixed = 0 gives an all-ones mask; num_fixed ≥ in is an error', () => {
    const net = buildMlp({ family: 'w-asym', widths: [5, 4, 2], numFixed: 0 });
    const f = lin(net, 0).fixed!;
    expect(f.kind === 'mask' && f.mask.data.every((v) => v === 1)).toBe(true);
    expect(() => buildMlp({ family: 'w-asym', widths: [5, 4, 2], numFixed: [5, 1] })).toThrow(
      ModelConfigError,
    );
    expect(() => buildMlp({ family: 'w-asym', widths: [5, 4, 2] })).toThrow(/numFixed is required/);
  });
});

describe('compatible fixed parts', () => {
  const families = ['w-asym', 'syre', 'sigma-asym'] as const;
  const fixedData = (net: Network): Float32Array[] =>
    net.layers.flatMap((l) => {
      if (l.type === 'gate') return [l.C.data];
      if (l.type !== 'linear' || !l.fixed) return [];
      return l.fixed.kind === 'mask'
        ? [l.fixed.mask.data, l.fixed.normal.data]
        : [l.fixed.noise.data];
    });
  for (const family of families) {
    it(`${family}: same mask seed ⇒ identical fixed parts, different W; other mask seed ⇒ different fixed parts`, () => {
      const base = {
        family,
        widths: [16, 12, 12, 4],
        numFixed: [3, 3, 6],
        kappa: [1, 1, 0.5],
      } as const;
      const a = buildMlp({ ...base, maskSeed: 5, initSeed: 1 });
      const b = buildMlp({ ...base, maskSeed: 5, initSeed: 2 });
      const c = buildMlp({ ...base, maskSeed: 6, initSeed: 1 });
      const fa = fixedData(a);
      expect(fa.length).toBeGreaterThan(0);
      expect(fixedData(b)).toEqual(fa);
      expect(lin(a, 0).weight.data).not.toEqual(lin(b, 0).weight.data);
      fixedData(c).forEach((x, i) => expect(x).not.toEqual(fa[i]));
      expect(a.meta.maskSeed).toBe(5);
      expect(a.meta.initSeed).toBe(1);
    });
  }
});

describe('init and structure', () => {
  it('dense default init is U(±1/√in); W-asym/syre init N(0, 1/in)', () => {
    const std = buildMlp({ widths: [400, 300, 2], initSeed: 1 });
    const w = lin(std, 0).weight.data;
    const bound = 1 / Math.sqrt(400);
    expect(w.every((v) => Math.abs(v) <= bound)).toBe(true);
    const var0 = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(var0).toBeCloseTo((bound * bound) / 3, 4); // U(−a, a) has variance a²/3
    const syre = buildMlp({ family: 'syre', widths: [400, 300, 2], initSeed: 1 });
    const ws = lin(syre, 0).weight.data;
    const var1 = ws.reduce((s, v) => s + v * v, 0) / ws.length;
    expect(Math.abs(var1 - 1 / 400)).toBeLessThan(0.05 / 400);
    expect(lin(syre, 0).bias!.data.every((v) => Math.abs(v) <= bound)).toBe(true);
  });

  it('κ = 0 syre equals a dense layer with the same W', () => {
    const syre = buildMlp({ family: 'syre', widths: [8, 6, 3], kappa: 0, initSeed: 4 });
    const x = randomInputs(5, 8);
    expect(forward(toDense(syre), x).logits.data).toEqual(forward(syre, x).logits.data);
  });

  it('dense conversion preserves outputs with per-layer κ (1, 1, 0.5, 0.25)', () => {
    for (const family of ['w-asym', 'syre'] as const) {
      const net = buildMlp({
        family,
        widths: [20, 16, 16, 16, 5],
        numFixed: [3, 2, 2, 8],
        kappa: [1, 1, 0.5, 0.25],
        maskSeed: 9,
        initSeed: 3,
      });
      const x = randomInputs(10, 20);
      expectClose(forward(toDense(net), x).logits, forward(net, x).logits, {
        atol: 1e-5,
        rtol: 1e-5,
      });
    }
  });

  it('norms, activations and gates are placed as the spec says', () => {
    const s = buildMlp({ family: 'sigma-asym', widths: [6, 5, 5, 2], norm: 'batch' });
    expect(s.layers.map((l) => l.type)).toEqual([
      'linear',
      'norm',
      'gate',
      'linear',
      'norm',
      'gate',
      'linear',
    ]);
    const r = buildMlp({ widths: [6, 5, 2], norm: 'none', activation: 'relu' });
    expect(r.layers.map((l) => (l.type === 'act' ? l.kind : l.type))).toEqual([
      'linear',
      'relu',
      'linear',
    ]);
    const bn = s.layers[1]!;
    expect(
      bn.type === 'norm' && bn.kind === 'batch' && bn.runningVar!.data.every((v) => v === 1),
    ).toBe(true);
  });

  it('rejects invalid configurations with ModelConfigError', () => {
    expect(() => buildMlp({ widths: [4] })).toThrow(ModelConfigError);
    expect(() => buildMlp({ widths: [4, 0, 2] })).toThrow(/widths/);
    expect(() => buildMlp({ widths: [784, 10], inputShape: [1, 28, 27] })).toThrow(/inputShape/);
    expect(() => buildMlp({ widths: [4, 2], maskSeed: -1 })).toThrow(/maskSeed/);
    expect(() => buildMlp({ family: 'syre', widths: [4, 3, 2], kappa: [1] })).toThrow(
      /one value per linear layer/,
    );
    expect(() => buildMlp({ family: 'syre', widths: [4, 2], kappa: Number.NaN })).toThrow(/finite/);
  });

  it('deriveModelSeeds is deterministic and differs per model', () => {
    expect(deriveModelSeeds(1, 0)).toEqual(deriveModelSeeds(1, 0));
    expect(deriveModelSeeds(1, 0)).not.toEqual(deriveModelSeeds(1, 1));
  });
});
