import type { Dataset, LinearLayer, Network } from '@nidkit/core';
import {
  Rng,
  effectiveWeight,
  forward,
  linearLayers,
  lossSums,
  mapTensors,
  namedTensors,
  tensor,
} from '@nidkit/core';
import { expectClose } from '@nidkit/core/testing';
import { describe, expect, it } from 'vitest';
import { buildMlp } from '../architectures/build-mlp.js';
import { buildScalarMaskedReluNet, scalarMask } from '../architectures/scalar-masked-relu.js';
import { TrainingError } from '../errors.js';
import { computeGradients, predictTf, trainNetwork } from './train.js';

function toyDataset(n = 48, d = 6, k = 3, seed = 1): Dataset {
  const rng = Rng.stream(seed, 'toy');
  const split = (m: number) => {
    const x = rng.fillNormal(new Float32Array(m * d));
    const y = new Int32Array(m);
    for (let i = 0; i < m; i++) y[i] = (x[i * d]! > 0 ? 1 : 0) + (x[i * d + 1]! > 0.5 ? 1 : 0);
    return { inputs: tensor(x, [m, d]), labels: y };
  };
  return {
    name: 'toy',
    task: 'classification',
    inputShape: [d],
    numOutputs: k,
    splits: { train: split(n), val: split(16), test: split(16) },
  };
}

const families = [
  { family: 'standard', norm: 'layer' },
  { family: 'w-asym', norm: 'layer', numFixed: [2, 3, 4], kappa: [1, 0.5, 0.25] },
  { family: 'syre', norm: 'none', kappa: 0.5 },
  { family: 'sigma-asym', norm: 'batch' },
] as const;

const netOf = (i: number, initSeed = 3): Network =>
  buildMlp({
    widths: [6, 8, 8, 3],
    maskSeed: 11,
    initSeed,
    activation: i === 2 ? 'relu' : 'gelu',
    ...families[i]!,
  });

const weights = (net: Network): Float32Array[] => namedTensors(net).map((t) => t.tensor.data);

describe('tfjs forward pass agrees with core', () => {
  it('every family (and ScalarMaskedReLUNet) to float32 tolerance', async () => {
    const x = tensor(Rng.stream(2, 'x').fillNormal(new Float32Array(20 * 6)), [20, 6]);
    const nets = [0, 1, 2, 3].map((i) => netOf(i));
    nets.push(
      buildScalarMaskedReluNet({
        inputDim: 6,
        width: 16,
        mask: scalarMask(1, 16, 6, 0.4),
        initSeed: 2,
      }),
    );
    for (const net of nets) {
      const tf = await predictTf(net, x);
      expectClose(tf, forward(net, x).logits, { atol: 1e-5, rtol: 1e-4 });
    }
  });

  it('σ-gate with C = 0 gives h = z/2', async () => {
    const net = buildMlp({ family: 'sigma-asym', widths: [5, 4, 3], norm: 'none', initSeed: 1 });
    const zeroC = mapTensors(net, (e) =>
      e.slot === 'C' ? tensor(new Float32Array(16), [4, 4]) : e.tensor,
    );
    const halved = {
      ...zeroC,
      family: 'standard' as const,
      layers: zeroC.layers.map((l) =>
        l.type === 'gate' ? { type: 'act' as const, index: l.index, kind: 'identity' as const } : l,
      ),
    };
    const halvedNet = mapTensors(halved, (e) =>
      e.name === 'lins.1.weight'
        ? tensor(
            e.tensor.data.map((w) => w * 0.5),
            e.tensor.shape,
          )
        : e.tensor,
    );
    const x = tensor(Rng.stream(4, 'x').fillNormal(new Float32Array(7 * 5)), [7, 5]);
    expect((await predictTf(zeroC, x)).data).toEqual((await predictTf(halvedNet, x)).data);
  });
});

describe('trainNetwork', () => {
  it('converts to tfjs and back exactly (0 epochs)', async () => {
    const net = netOf(1);
    const r = await trainNetwork(net, toyDataset(), { epochs: 0, valSplit: null, testSplit: null });
    expect(weights(r.network)).toEqual(weights(net));
    expect(['wasm', 'cpu', 'tensorflow']).toContain(r.backend);
  });

  it('fixed entries and fixed parts never move; trainable entries do', async () => {
    const net = netOf(1);
    const r = await trainNetwork(net, toyDataset(), { epochs: 2, batchSize: 8, lr: 1e-2 });
    const before = linearLayers(net);
    const after = linearLayers(r.network);
    let moved = 0;
    let free = 0;
    before.forEach((b: LinearLayer, l) => {
      const a = after[l]!;
      const f = b.fixed!;
      if (f.kind !== 'mask' || a.fixed?.kind !== 'mask') throw new Error('expected masks');
      expect(a.fixed.mask.data).toEqual(f.mask.data);
      expect(a.fixed.normal.data).toEqual(f.normal.data);
      const wb = effectiveWeight(b).data;
      const wa = effectiveWeight(a).data;
      for (let i = 0; i < wb.length; i++) {
        if (f.mask.data[i] === 0) {
          expect(wa[i]).toBe(wb[i]);
          expect(a.weight.data[i]).toBe(b.weight.data[i]);
        } else {
          free++;
          if (wa[i] !== wb[i]) moved++;
        }
      }
    });
    expect(free).toBe(84);
    expect(moved).toBe(free);
  });

  it('gradients at fixed positions are exactly zero', async () => {
    const net = netOf(1);
    const ds = toyDataset();
    const { gradients, loss } = await computeGradients(
      net,
      ds.splits.train!.inputs,
      ds.splits.train!.labels!,
    );
    expect(Number.isFinite(loss)).toBe(true);
    for (const layer of linearLayers(net)) {
      const f = layer.fixed!;
      if (f.kind !== 'mask') throw new Error('expected mask');
      const g = gradients[`lins.${layer.index}.weight`]!.data;
      let nonzero = 0;
      for (let i = 0; i < g.length; i++) {
        if (f.mask.data[i] === 0) expect(g[i] === 0).toBe(true);
        else if (g[i] !== 0) nonzero++;
      }
      expect(nonzero).toBeGreaterThan(0);
    }
  });

  it("gradients match central finite differences of core's float64 loss (LayerNorm, GELU, σ-gate, masks)", async () => {
    for (const family of ['w-asym', 'sigma-asym'] as const) {
      const net = buildMlp({
        family,
        widths: [4, 5, 3],
        numFixed: [1, 2],
        kappa: 0.5,
        maskSeed: 2,
        initSeed: 3,
      });
      const ds = toyDataset(6, 4, 3, 9);
      const split = ds.splits.train!;
      const { gradients } = await computeGradients(net, split.inputs, split.labels!);
      const lossAt = (n: Network) =>
        lossSums(forward(n, split.inputs).logits, split, 'classification').lossSum / 6;
      for (const name of [
        'lins.0.weight',
        'lins.0.bias',
        'lins.1.weight',
        'lins.1.bias',
        'norms.0.weight',
        'norms.0.bias',
      ]) {
        const g = gradients[name]!.data;
        for (let i = 0; i < g.length; i += 3) {
          const shift = (delta: number) =>
            mapTensors(net, (e) =>
              e.name === name
                ? tensor(
                    e.tensor.data.map((w, j) => (j === i ? w + delta : w)),
                    e.tensor.shape,
                  )
                : e.tensor,
            );
          const numeric = (lossAt(shift(1e-2)) - lossAt(shift(-1e-2))) / 2e-2;
          expect(Math.abs(g[i]! - numeric)).toBeLessThan(2e-3);
        }
      }
    }
  });

  it('one AdamW step matches the PyTorch formula with decoupled weight decay on all parameters', async () => {
    const net = netOf(0);
    const ds = toyDataset(16);
    const { gradients } = await computeGradients(
      net,
      ds.splits.train!.inputs,
      ds.splits.train!.labels!,
    );
    const lr = 0.01;
    const wd = 0.1;
    const r = await trainNetwork(net, ds, {
      epochs: 1,
      batchSize: 16,
      lr,
      weightDecay: wd,
      valSplit: null,
      testSplit: null,
    });
    const after = new Map(namedTensors(r.network).map((t) => [t.name, t.tensor.data]));
    for (const t of namedTensors(net)) {
      const g = gradients[t.name]!.data;
      const expected = t.tensor.data.map((p, i) => {
        const m = 0.1 * g[i]!;
        const v = 0.001 * g[i]! * g[i]!;
        return p * (1 - lr * wd) - (lr * (m / 0.1)) / (Math.sqrt(v / 0.001) + 1e-8);
      });
      expectClose(after.get(t.name)!, expected, { atol: 2e-6, rtol: 1e-4 });
    }
  });

  it('is deterministic: same seeds ⇒ identical weights; another optimization seed ⇒ different', async () => {
    const ds = toyDataset();
    const opts = { epochs: 2, batchSize: 8, optimizationSeed: 5 };
    const a = await trainNetwork(netOf(3), ds, opts);
    const b = await trainNetwork(netOf(3), ds, opts);
    const c = await trainNetwork(netOf(3), ds, { ...opts, optimizationSeed: 6 });
    expect(weights(a.network)).toEqual(weights(b.network));
    expect(weights(a.network)).not.toEqual(weights(c.network));
    expect(a.history).toHaveLength(2);
    expect(a.history[1]!.val?.n).toBe(16);
    expect(a.test?.n).toBe(16);
  });

  it('resuming from a state continues bit for bit; checkpoints at 0 and every saveEvery epochs', async () => {
    const ds = toyDataset();
    const full = await trainNetwork(netOf(1), ds, { epochs: 3, batchSize: 8, saveEvery: 1 });
    expect(full.checkpoints.map((c) => c.epoch)).toEqual([0, 1, 2, 3]);
    expect(weights(full.checkpoints[0]!.network)).toEqual(weights(netOf(1)));
    const first = await trainNetwork(netOf(1), ds, { epochs: 1, batchSize: 8 });
    const rest = await trainNetwork(first.network, ds, {
      epochs: 2,
      batchSize: 8,
      resume: first.state,
    });
    expect(weights(rest.network)).toEqual(weights(full.network));
    expect(rest.state.epoch).toBe(3);
    expect(rest.state.step).toBe(18);
    // from weights only (an ONNX checkpoint): same data order, fresh optimizer moments
    const fromWeights = await trainNetwork(first.network, ds, {
      epochs: 2,
      batchSize: 8,
      resume: { epoch: 1, step: 6 },
    });
    expect(fromWeights.history.map((h) => h.epoch)).toEqual([2, 3]);
    expect(fromWeights.state.optimizer?.t).toBe(12);
    expect(weights(fromWeights.network)).not.toEqual(weights(full.network));
  });

  it('BatchNorm running statistics follow PyTorch (momentum 0.1, unbiased variance)', async () => {
    const net = netOf(3);
    const ds = toyDataset(16);
    const stats = forward(net, ds.splits.train!.inputs, { mode: 'train' }).batchStats;
    const r = await trainNetwork(net, ds, {
      epochs: 1,
      batchSize: 16,
      valSplit: null,
      testSplit: null,
    });
    const norm = r.network.layers.find((l) => l.type === 'norm' && l.index === 0);
    if (norm?.type !== 'norm') throw new Error('expected a norm');
    expectClose(
      norm.runningMean!.data,
      stats[0]!.mean.map((m) => 0.1 * m),
      { atol: 1e-5 },
    );
    expectClose(
      norm.runningVar!.data,
      stats[0]!.varUnbiased.map((v) => 0.9 + 0.1 * v),
      { atol: 1e-5 },
    );
    expect(norm.numBatchesTracked).toBe(1);
  });

  it('reports progress, trains SGD and the MSE ScalarMaskedReLUNet with wd 0 on biases', async () => {
    const events: string[] = [];
    await trainNetwork(netOf(2), toyDataset(), {
      epochs: 1,
      batchSize: 16,
      optimizer: 'sgd',
      momentum: 0.9,
      lr: 0.05,
      onProgress: (e) => events.push(`${e.kind}${e.step}`),
    });
    expect(events).toEqual(['step1', 'step2', 'step3', 'epoch3']);
    const rng = Rng.stream(3, 'reg');
    const x = rng.fillNormal(new Float32Array(64 * 4));
    const y = new Float32Array(64).map((_, i) => Math.max(0, x[i * 4]! + x[i * 4 + 1]!));
    const reg: Dataset = {
      name: 'reg',
      task: 'regression',
      inputShape: [4],
      numOutputs: 1,
      splits: { train: { inputs: tensor(x, [64, 4]), targets: tensor(y, [64, 1]) } },
    };
    const smr = buildScalarMaskedReluNet({
      inputDim: 4,
      width: 32,
      mask: scalarMask(1, 32, 4, 0.5),
      initSeed: 1,
    });
    const r = await trainNetwork(smr, reg, {
      epochs: 30,
      batchSize: 32,
      lr: 1e-2,
      weightDecayBySlot: { bias: 0 },
    });
    expect(r.history[29]!.trainLoss).toBeLessThan(r.history[0]!.trainLoss);
    expect(r.history[0]!.trainAccuracy).toBeNull();
    const out = linearLayers(r.network)[1]!;
    expect(out.weight.data.every((w) => w === 1)).toBe(true);
  });

  it('rejects mismatched data and bad options with TrainingError', async () => {
    const ds = toyDataset();
    await expect(trainNetwork(buildMlp({ widths: [6, 4, 5] }), ds, { epochs: 1 })).rejects.toThrow(
      TrainingError,
    );
    await expect(trainNetwork(buildMlp({ widths: [7, 4, 3] }), ds, { epochs: 1 })).rejects.toThrow(
      /features/,
    );
    await expect(trainNetwork(netOf(0), ds, { epochs: 1, batchSize: 0 })).rejects.toThrow(
      /batchSize/,
    );
    await expect(trainNetwork(netOf(0), ds, { epochs: 1, loss: 'mse' })).rejects.toThrow(/targets/);
  });
});
