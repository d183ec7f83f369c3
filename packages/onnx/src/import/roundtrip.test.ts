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
          const net = makeNet({
            family,
            widths: [6, 5, 4, 3],
            norm,
            act: norm === 'none' ? 'relu' : opset === 18 ? 'gelu_tanh' : 'gelu',
            inputShape: [2, 3],
            inputNorm: norm === 'layer' ? { mean: 0.1307, std: 0.3081 } : undefined,
          });
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

describe('round trip of the less common IR features', () => {
  it('identity activation, no bias, frozen layer, numFixed absent, BatchNorm without momentum', () => {
    const base = makeNet({
      family: 'w-asym',
      widths: [5, 4, 4, 2],
      norm: 'batch',
      act: 'identity',
      bias: false,
    });
    const layers = base.layers.map((l) => {
      if (l.type === 'linear' && l.index === 2) return { ...l, frozen: true };
      if (l.type === 'linear' && l.index === 1 && l.fixed?.kind === 'mask') {
        const { numFixed: _n, ...fixed } = l.fixed;
        return { ...l, fixed };
      }
      if (l.type === 'norm' && l.index === 0) {
        const { momentum: _m, ...rest } = l;
        return rest;
      }
      return l;
    });
    const net = { ...base, layers };
    for (const opset of [17, 20]) {
      const bytes = exportOnnx(net, { opset });
      const { network } = importOnnx(bytes);
      expect(networksIdentical(network, net)).toBeNull();
      expect(Buffer.from(exportOnnx(network, { opset })).equals(Buffer.from(bytes))).toBe(true);
    }
  });
});
