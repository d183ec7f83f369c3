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
