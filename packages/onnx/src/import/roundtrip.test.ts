import { describe, expect, it } from 'vitest';
import type { Family } from '@nidkit/core';
import { makeNet, networksIdentical } from '../../test/helpers.js';
import { exportOnnx } from '../export/export.js';
import { importOnnx } from './import.js';

const FAMILIES: Family[] = ['standard', 'w-asym', 'sigma-asym', 'syre'];
const NORMS = ['layer', 'batch', 'none'] as const;

describe('round trip import(export(net))', () => {
  for (const family of FAMILIES) {
    for (const norm of NORMS) {
      for (const opset of [14, 17, 18, 20]) {
        it(`${family} / ${norm} / opset ${opset}: identical network and byte-identical re-export`, () => {
          const net = makeNet({ family, widths: [6, 5, 4, 3], norm, act: norm === 'none' ? 'relu' : opset === 18 ? 'gelu_tanh' : 'gelu', inputShape: [2, 3], inputNorm: norm === 'layer' ? { mean: 0.1307, std: 0.3081 } : undefined });
          const bytes = exportOnnx(net, { opset });
          const { network, warnings } = importOnnx(bytes);
          expect(warnings).toEqual([]);
          expect(networksIdentical(network, net)).toBeNull();
          expect(Buffer.from(exportOnnx(network, { opset })).equals(Buffer.from(bytes))).toBe(true);
        });
      }
    }
  }
});

describe('fold: true', () => {
  it('writes effective weights only; imports as standard with the same function, and the summary says so', async () => {
    const { ReferenceEvaluator } = await import('@nidkit/core');
    const { makeInputs } = await import('../../test/helpers.js');
    for (const family of ['w-asym', 'syre'] as const) {
      const net = makeNet({ family, widths: [6, 5, 4, 3], kappa: [1, 0.5, 0.25] });
      const r = importOnnx(exportOnnx(net, { fold: true }));
      expect(r.network.family).toBe('standard');
      expect(r.summary.onnx?.folded).toBe(true);
      expect(r.summary.notes.join(' ')).toMatch(/folded export of a .* model/);
      const x = makeInputs(7, [6]);
      const ref = new ReferenceEvaluator();
      const a = await ref.run(net, x);
      const b = await ref.run(r.network, x);
      expect(Array.from(b.logits.data)).toEqual(Array.from(a.logits.data));
    }
  });
});
