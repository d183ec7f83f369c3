import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { ReferenceEvaluator, tensor } from '@nidkit/core';
import { exportOnnx } from '../export/export.js';
import { createOnnxEvaluator } from '../runtime/evaluator.js';
import { importOnnx } from './import.js';

interface Fixture {
  file: string;
  family: string;
  expectedFamily: string;
  norm: string;
  act: string;
  opset: number;
  constantFolding: boolean;
  flatten: string;
  inputShape: number[];
  kappa: number[] | null;
  input: number[];
  logits: number[];
}

const dir = fileURLToPath(new URL('../../test/fixtures/pytorch/', import.meta.url));
const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as { models: Fixture[] };

describe('PyTorch 1.13 exports (test/fixtures/pytorch)', () => {
  it('has fixtures for every family', () => {
    expect(new Set(expected.models.map((m) => m.family))).toEqual(
      new Set(['standard', 'w-asym', 'sigma-asym', 'syre']),
    );
  });
  for (const fx of expected.models) {
    it(`${fx.file}: imports as ${fx.expectedFamily} with the recorded outputs (≤ 1e-5)`, async () => {
      const { network, summary } = importOnnx(new Uint8Array(readFileSync(dir + fx.file)));
      expect(network.family).toBe(fx.expectedFamily);
      expect(summary.widths).toEqual([12, 8, 8, 4]);
      expect(summary.inputShape).toEqual(fx.inputShape);
      expect(summary.norms).toEqual([fx.norm === 'none' ? 'none' : fx.norm]);
      expect(summary.activations).toEqual([fx.family === 'sigma-asym' ? 'gate' : fx.act]);
      if (fx.expectedFamily === 'w-asym' || fx.expectedFamily === 'syre') {
        expect(summary.layers.map((l) => l.kappa)).toEqual(fx.kappa);
        if (fx.expectedFamily === 'w-asym')
          expect(summary.layers.map((l) => l.numFixed)).toEqual([3, 2, 2]);
      }
      if (fx.constantFolding && fx.family !== fx.expectedFamily)
        expect(summary.notes.join(' ')).toMatch(/constant folding/);
      const x = tensor(Float32Array.from(fx.input), [5, ...fx.inputShape]);
      const { logits } = await new ReferenceEvaluator().run(network, x);
      for (let i = 0; i < fx.logits.length; i++) {
        expect(Math.abs(logits.data[i]! - fx.logits[i]!)).toBeLessThanOrEqual(
          1e-5 * Math.max(1, Math.abs(fx.logits[i]!)),
        );
      }
    });
  }

  it('export(import(file)) runs in onnxruntime with the original outputs; the onnxruntime evaluator agrees', async () => {
    const ev = await createOnnxEvaluator();
    try {
      for (const fx of expected.models) {
        const { network } = importOnnx(new Uint8Array(readFileSync(dir + fx.file)));
        const x = new Float32Array(fx.input);
        const session = await ort.InferenceSession.create(exportOnnx(network));
        const out = await session.run({
          input: new ort.Tensor('float32', x, [5, ...fx.inputShape]),
        });
        await session.release();
        const direct = out['logits']!.data as Float32Array;
        const viaEvaluator = (await ev.run(network, tensor(x, [5, ...fx.inputShape]))).logits.data;
        for (let i = 0; i < fx.logits.length; i++) {
          const tol = 1e-5 * Math.max(1, Math.abs(fx.logits[i]!));
          expect(Math.abs(direct[i]! - fx.logits[i]!), fx.file).toBeLessThanOrEqual(tol);
          expect(Math.abs(viaEvaluator[i]! - fx.logits[i]!), fx.file).toBeLessThanOrEqual(tol);
        }
      }
    } finally {
      await ev.dispose();
    }
  });
});
