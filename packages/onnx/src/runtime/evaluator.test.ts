import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evaluator, Family, RecordingPoint } from '@nidkit/core';
import { ReferenceEvaluator, evaluateSplit, mapTensors, tensor } from '@nidkit/core';
import { makeInputs, makeNet } from '../../test/helpers.js';
import { createOnnxEvaluator } from './evaluator.js';

const FAMILIES: Family[] = ['standard', 'w-asym', 'sigma-asym', 'syre'];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { diff, scale };
}

describe('createOnnxEvaluator', () => {
  let ev: Evaluator;
  const ref = new ReferenceEvaluator();
  beforeAll(async () => {
    ev = await createOnnxEvaluator({ intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await ev.dispose();
  });

  for (const family of FAMILIES) {
    for (const norm of ['layer', 'batch', 'none'] as const) {
      it(`${family} / ${norm}: logits and every recording point match the reference forward pass`, async () => {
        const net = makeNet({
          family,
          widths: [12, 8, 8, 4],
          norm,
          act: norm === 'none' ? 'relu' : 'gelu',
          inputShape: [3, 4],
          seed: 5,
        });
        const x = makeInputs(37, [3, 4]);
        const record: RecordingPoint[] = [];
        for (let l = 0; l < 3; l++) {
          record.push({ layer: l, point: 'input' }, { layer: l, point: 'post_linear' });
          if (l < 2)
            record.push({ layer: l, point: 'post_norm' }, { layer: l, point: 'post_activation' });
        }
        const a = await ev.run(net, x, { record, batchSize: 16 });
        const b = await ref.run(net, x, { record });
        expect(a.logits.shape).toEqual([37, 4]);
        const d = maxAbsDiff(a.logits.data, b.logits.data);
        expect(d.diff).toBeLessThanOrEqual(1e-4 * d.scale);
        expect(a.activations.length).toBe(record.length);
        a.activations.forEach((t, i) => {
          expect(t.shape).toEqual(b.activations[i]!.shape);
          const e = maxAbsDiff(t.data, b.activations[i]!.data);
          expect(e.diff, `${record[i]!.point}@${record[i]!.layer}`).toBeLessThanOrEqual(
            1e-4 * e.scale,
          );
        });
      });
    }
  }

  it('gelu_tanh and identity activations and an input normalization match the reference', async () => {
    for (const act of ['gelu_tanh', 'identity'] as const) {
      const net = makeNet({
        family: 'standard',
        widths: [5, 6, 3],
        act,
        inputNorm: { mean: 0.2, std: 0.7 },
      });
      const x = makeInputs(9, [5]);
      const a = await ev.run(net, x, {
        record: [
          { layer: 0, point: 'input' },
          { layer: 0, point: 'post_activation' },
        ],
      });
      const b = await ref.run(net, x, {
        record: [
          { layer: 0, point: 'input' },
          { layer: 0, point: 'post_activation' },
        ],
      });
      expect(maxAbsDiff(a.logits.data, b.logits.data).diff).toBeLessThan(1e-4);
      expect(maxAbsDiff(a.activations[1]!.data, b.activations[1]!.data).diff).toBeLessThan(1e-4);
    }
  });

  it('runs opset 20 (Gelu op) and opset 21 graphs', async () => {
    for (const opset of [20, 21]) {
      const e = await createOnnxEvaluator({ opset });
      const net = makeNet({ family: 'sigma-asym', widths: [5, 4, 3], act: 'gelu' });
      const net2 = makeNet({ family: 'standard', widths: [5, 4, 3], act: 'gelu_tanh' });
      const x = makeInputs(6, [5]);
      for (const n of [net, net2]) {
        const a = await e.run(n, x, { record: [{ layer: 0, point: 'post_activation' }] });
        const b = await ref.run(n, x, { record: [{ layer: 0, point: 'post_activation' }] });
        expect(maxAbsDiff(a.activations[0]!.data, b.activations[0]!.data).diff).toBeLessThan(1e-5);
      }
      await e.dispose();
    }
  });

  it('reuses one session for networks of the same architecture (weights are graph inputs)', async () => {
    const e2 = await createOnnxEvaluator({ maxSessions: 1 });
    const a = makeNet({ family: 'w-asym', widths: [6, 5, 3], seed: 1 });
    const b = makeNet({ family: 'w-asym', widths: [6, 5, 3], seed: 2 });
    const x = makeInputs(8, [6]);
    const ra = await e2.run(a, x);
    const rb = await e2.run(b, x);
    // Same session, different weights → different outputs, each equal to the reference.
    expect(maxAbsDiff(ra.logits.data, rb.logits.data).diff).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(rb.logits.data, (await ref.run(b, x)).logits.data).diff).toBeLessThan(1e-4);
    const sessions = (e2 as unknown as { sessions: Map<string, unknown> }).sessions;
    expect(sessions.size).toBe(1);
    // A path of 5 networks of the same architecture (trainable tensors scaled): one session, exact outputs.
    for (const lam of [0, 0.25, 0.5, 0.75, 1]) {
      const mid = mapTensors(a, (t) =>
        t.role === 'trainable'
          ? tensor(
              Float32Array.from(t.tensor.data, (v) => v * (1 - lam / 2)),
              t.tensor.shape,
            )
          : t.tensor,
      );
      const r = await e2.run(mid, x);
      expect(maxAbsDiff(r.logits.data, (await ref.run(mid, x)).logits.data).diff).toBeLessThan(
        1e-4,
      );
    }
    expect(sessions.size).toBe(1);
    await e2.dispose();
  });

  it('evicts least recently used sessions without breaking runs in flight', async () => {
    const e = await createOnnxEvaluator({ maxSessions: 1 });
    const nets = [
      makeNet({ family: 'standard', widths: [6, 5, 3] }),
      makeNet({ family: 'standard', widths: [6, 4, 3] }),
      makeNet({ family: 'sigma-asym', widths: [6, 4, 3] }),
    ];
    const x = makeInputs(40, [6]);
    const results = await Promise.all([...nets, ...nets].map((n) => e.run(n, x, { batchSize: 7 })));
    for (let k = 0; k < results.length; k++) {
      const want = (await ref.run(nets[k % 3]!, x)).logits.data;
      expect(maxAbsDiff(results[k]!.logits.data, want).diff).toBeLessThan(1e-4);
    }
    await e.dispose();
  });

  it('works with core evaluateSplit (mean cross-entropy, accuracy in %)', async () => {
    const net = makeNet({ family: 'syre', widths: [6, 5, 3] });
    const x = makeInputs(50, [6]);
    const labels = Int32Array.from({ length: 50 }, (_, i) => i % 3);
    const m1 = await evaluateSplit(ev, net, { inputs: x, labels }, 'classification', {
      batchSize: 16,
    });
    const m2 = await evaluateSplit(ref, net, { inputs: x, labels }, 'classification');
    expect(Math.abs(m1.loss - m2.loss)).toBeLessThan(1e-5);
    expect(m1.accuracy).toBe(m2.accuracy);
  });

  it('rejects bad inputs and recording points with nidkit errors', async () => {
    const net = makeNet({ family: 'standard', widths: [4, 3, 2] });
    await expect(ev.run(net, tensor(new Float32Array(10), [2, 5]))).rejects.toThrow(
      /expected \[2, 4\], got \[2, 5\]/,
    );
    await expect(
      ev.run(net, makeInputs(2, [4]), { record: [{ layer: 1, point: 'post_activation' }] }),
    ).rejects.toThrow(/hidden layers only/);
    await expect(ev.run(net, makeInputs(2, [4]), { batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(createOnnxEvaluator({ batchSize: -1 })).rejects.toThrow(
      /batchSize — expected a positive integer, got -1/,
    );
    const e = await createOnnxEvaluator();
    await e.dispose();
    await expect(e.run(net, makeInputs(2, [4]))).rejects.toThrow(/has been disposed/);
  });

  it('returns empty results for zero samples and accepts float64 inputs', async () => {
    const net = makeNet({ family: 'standard', widths: [4, 3, 2] });
    const empty = await ev.run(net, tensor(new Float32Array(0), [0, 4]), {
      record: [{ layer: 0, point: 'post_activation' }],
    });
    expect(empty.logits.shape).toEqual([0, 2]);
    expect(empty.activations[0]!.shape).toEqual([0, 3]);
    const x = makeInputs(5, [4]);
    const a = await ev.run(net, tensor(Float64Array.from(x.data), [5, 4]));
    const b = await ev.run(net, x);
    expect(Array.from(a.logits.data)).toEqual(Array.from(b.logits.data));
  });
});
