import { describe, expect, it } from 'vitest';
import { expectClose } from '../testing/index.js';
import { tensor } from '../tensor/tensor.js';
import { Rng } from '../rng/rng.js';
import { forward } from '../forward/forward.js';
import { InvalidNetworkError, NonFiniteError } from '../errors.js';
import type { Layer, LinearLayer, Network } from './types.js';
import { effectiveWeight, toDense } from './effective.js';
import { validateNetwork } from './validate.js';
import { countParameters } from './count.js';
import { mapTensors, namedTensors } from './state.js';

function rand(rng: Rng, shape: number[], std = 1): ReturnType<typeof tensor<Float32Array>> {
  return tensor(rng.fillNormal(new Float32Array(shape[0]! * (shape[1] ?? 1)), 0, std), shape);
}

function maskTensor(rng: Rng, out: number, inp: number, numFixed: number) {
  const d = new Float32Array(out * inp).fill(1);
  for (let r = 0; r < out; r++)
    for (const c of rng.sampleWithoutReplacement(inp, numFixed)) d[r * inp + c] = 0;
  return tensor(d, [out, inp]);
}

/** A random MLP of a family with per-layer κ. */
function randomNet(
  family: Network['family'],
  widths: number[],
  kappas: number[],
  seed = 1,
): Network {
  const rng = Rng.stream(seed, 'test');
  const layers: Layer[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const [inp, out] = [widths[l]!, widths[l + 1]!];
    const fixed: LinearLayer['fixed'] =
      family === 'w-asym'
        ? {
            kind: 'mask',
            mask: maskTensor(rng, out, inp, Math.floor(inp / 3)),
            normal: rand(rng, [out, inp]),
            kappa: Math.fround(kappas[l]!),
          }
        : family === 'syre'
          ? { kind: 'noise', noise: rand(rng, [out, inp]), kappa: Math.fround(kappas[l]!) }
          : undefined;
    layers.push({
      type: 'linear',
      index: l,
      weight: rand(rng, [out, inp], 1 / Math.sqrt(inp)),
      bias: rand(rng, [out], 0.1),
      ...(fixed ? { fixed } : {}),
    });
    if (l + 2 < widths.length) {
      layers.push({
        type: 'norm',
        index: l,
        kind: 'layer',
        gamma: rand(rng, [out], 0.1),
        beta: rand(rng, [out], 0.1),
        eps: 1e-5,
      });
      layers.push({ type: 'act', index: l, kind: 'gelu' });
    }
  }
  return { family, inputShape: [widths[0]!], layers, meta: {} };
}

describe('effective weights and dense conversion', () => {
  const x = rand(Rng.stream(9, 'x'), [16, 6]);

  it.each([
    ['w-asym', [1, 1, 0.5, 0.25]],
    ['syre', [1, 1, 0.5, 0.25]],
    ['w-asym', [0, 0, 0, 0]],
  ] as const)('%s with per-layer κ %j: toDense preserves outputs (≤1e-12)', (family, kappas) => {
    const net = validateNetwork(randomNet(family, [6, 8, 8, 8, 3], [...kappas]));
    const dense = validateNetwork(toDense(net));
    expect(dense.family).toBe('standard');
    expect(namedTensors(dense).every((t) => t.role !== 'fixed')).toBe(true);
    expectClose(forward(dense, x).logits, forward(net, x).logits, { atol: 1e-12, rtol: 0 });
  });

  it('uses each layer’s own κ (the reference bug would use layer 0’s κ everywhere)', () => {
    const net = randomNet('w-asym', [6, 8, 8, 3], [1, 0.5, 0.25]);
    const wrong = {
      ...net,
      layers: net.layers.map((l) =>
        l.type === 'linear' && l.fixed ? { ...l, fixed: { ...l.fixed, kappa: 1 } } : l,
      ),
    };
    const a = forward(toDense(net), x).logits.data;
    const b = forward(toDense(wrong), x).logits.data;
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeGreaterThan(1e-3);
  });

  it('W-asym effective weight equals D ⊙ W + (1 − D) ⊙ κN, and masked raw entries are never read', () => {
    const net = randomNet('w-asym', [6, 5, 3], [0.7, 0.3]);
    const lin = net.layers[0] as LinearLayer;
    const f = lin.fixed as Extract<LinearLayer['fixed'], { kind: 'mask' }>;
    const we = effectiveWeight(lin).data;
    for (let i = 0; i < we.length; i++) {
      const d = f.mask.data[i]!;
      expect(we[i]).toBe(
        d === 1 ? lin.weight.data[i] : Math.fround(Math.fround(0.7) * f.normal.data[i]!),
      );
    }
    const changed = mapTensors(net, (e) =>
      e.name === 'lins.0.weight'
        ? tensor(
            e.tensor.data.map((v, i) => (f.mask.data[i] === 0 ? 1e6 : v)),
            e.tensor.shape,
          )
        : e.tensor,
    );
    expectClose(forward(changed, x).logits, forward(net, x).logits, { atol: 0, rtol: 0 });
  });

  it('κ = 0 syre equals the dense layer with the same W', () => {
    const net = randomNet('syre', [6, 5, 3], [0, 0]);
    const plain: Network = {
      ...net,
      family: 'standard',
      layers: net.layers.map((l) => (l.type === 'linear' ? { ...l, fixed: undefined } : l)),
    };
    expectClose(forward(plain, x).logits, forward(net, x).logits, { atol: 0, rtol: 0 });
  });

  it('σ-asymmetric networks have no dense form', () => {
    const net: Network = {
      family: 'sigma-asym',
      inputShape: [2],
      layers: [
        { type: 'linear', index: 0, weight: tensor(new Float32Array(4), [2, 2]), bias: null },
        { type: 'gate', index: 0, C: tensor(new Float32Array(4), [2, 2]) },
        { type: 'linear', index: 1, weight: tensor(new Float32Array(2), [1, 2]), bias: null },
      ],
      meta: {},
    };
    expect(() => toDense(net)).toThrow(/σ-asymmetric.*no dense equivalent/);
  });
});

describe('validateNetwork', () => {
  const good = randomNet('w-asym', [6, 5, 3], [1, 1]);
  const replace = (name: string, t: ReturnType<typeof tensor<Float32Array>>) => ({
    ...good,
    layers: good.layers.map((l): Layer => {
      if (l.type !== 'linear' || !l.fixed || l.fixed.kind !== 'mask') return l;
      if (name === `lins.${l.index}.mask`) return { ...l, fixed: { ...l.fixed, mask: t } };
      if (name === `lins.${l.index}.weight`) return { ...l, weight: t };
      return l;
    }),
  });

  it('accepts a valid network and returns it', () => {
    expect(validateNetwork(good)).toBe(good);
  });
  it('rejects a weight whose shape does not chain', () => {
    expect(() =>
      validateNetwork(replace('lins.1.weight', tensor(new Float32Array(12), [3, 4]))),
    ).toThrow(/lins\.1\.weight: shape mismatch — expected \[3, 5\], got \[3, 4\]/);
  });
  it('rejects a mask that is not 0/1, naming row and column', () => {
    const m = new Float32Array(30).fill(1);
    m[7] = 0.5;
    expect(() => validateNetwork(replace('lins.0.mask', tensor(m, [5, 6])))).toThrow(
      /lins\.0\.mask: entries must be exactly 0 or 1 — got 0.5 at row 1, column 1/,
    );
  });
  it('rejects NaN weights with NonFiniteError naming the tensor', () => {
    const w = new Float32Array(15).fill(0.1);
    w[3] = NaN;
    const bad = replace('lins.1.weight', tensor(w, [3, 5]));
    expect(() => validateNetwork(bad)).toThrow(NonFiniteError);
    expect(() => validateNetwork(bad)).toThrow(/lins\.1\.weight: 1 non-finite value/);
  });
  it('rejects a family that does not match the structure and a missing activation', () => {
    expect(() => validateNetwork({ ...good, family: 'standard' })).toThrow(
      /family "standard" does not match its structure, which is w-asym/,
    );
    const noAct = { ...good, layers: good.layers.filter((l) => l.type !== 'act') };
    expect(() => validateNetwork(noAct)).toThrow(InvalidNetworkError);
  });
  it('rejects a row with the wrong number of fixed entries when numFixed is declared', () => {
    const n = {
      ...good,
      layers: good.layers.map((l) =>
        l.type === 'linear' && l.fixed?.kind === 'mask'
          ? { ...l, fixed: { ...l.fixed, numFixed: 4 } }
          : l,
      ),
    };
    expect(() => validateNetwork(n)).toThrow(/row 0 has 2 fixed entries — expected numFixed = 4/);
  });
});

describe('parameter counts', () => {
  it('784-512-512-512-10 with LayerNorm has 935,434 trainable parameters', () => {
    const widths = [784, 512, 512, 512, 10];
    const layers: Layer[] = [];
    for (let l = 0; l < 4; l++) {
      const [i, o] = [widths[l]!, widths[l + 1]!];
      layers.push({
        type: 'linear',
        index: l,
        weight: tensor(new Float32Array(i * o), [o, i]),
        bias: tensor(new Float32Array(o), [o]),
      });
      if (l < 3) {
        layers.push({
          type: 'norm',
          index: l,
          kind: 'layer',
          gamma: tensor(new Float32Array(o), [o]),
          beta: tensor(new Float32Array(o), [o]),
          eps: 1e-5,
        });
        layers.push({ type: 'act', index: l, kind: 'gelu' });
      }
    }
    expect(
      countParameters({ family: 'standard', inputShape: [784], layers, meta: {} }).trainable,
    ).toBe(935434);
  });
  it('masked entries are subtracted from the free parameters', () => {
    const net = randomNet('w-asym', [6, 5, 3], [1, 1]);
    const c = countParameters(net);
    expect(c.maskedEntries).toBe(5 * 2 + 3 * 1);
    expect(c.free).toBe(c.trainable - 13);
  });
});
