import { describe, expect, it } from 'vitest';
import { makeNet } from '../test/helpers.js';
import { exportOnnx } from './export/export.js';
import { importOnnx } from './import/import.js';
import { inspectNetwork } from './inspect.js';

describe('inspectNetwork', () => {
  it('summarizes layers, widths, family, norms, activations and parameter counts as plain JSON', () => {
    const net = makeNet({
      family: 'w-asym',
      widths: [6, 5, 4, 3],
      norm: 'layer',
      kappa: [1, 0.5, 0.25],
      numFixed: [2, 1, 1],
    });
    const s = inspectNetwork(net);
    expect(s.family).toBe('w-asym');
    expect(s.widths).toEqual([6, 5, 4, 3]);
    expect(s.layers.map((l) => [l.fixed, l.kappa, l.numFixed, l.norm, l.activation])).toEqual([
      ['mask', 1, 2, 'layer', 'gelu'],
      ['mask', 0.5, 1, 'layer', 'gelu'],
      ['mask', 0.25, 1, null, null],
    ]);
    expect(s.parameters.trainable).toBe(6 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3 + 2 * (5 + 4));
    expect(s.parameters.maskedEntries).toBe(5 * 2 + 4 * 1 + 3 * 1);
    expect(s.onnx).toBeNull();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('after import, reports opset, producer, nidkit metadata and recording tensors', () => {
    const net = makeNet({ family: 'syre', widths: [4, 3, 2], norm: 'none', act: 'relu' });
    const s = importOnnx(exportOnnx(net, { opset: 20 })).summary;
    expect(s.onnx).toMatchObject({
      opset: 20,
      irVersion: 9,
      producer: 'nidkit',
      nidkitMetadata: true,
      folded: false,
    });
    expect(s.onnx!.recordingTensors).toEqual({
      'input@0': 'input',
      'post_linear@0': 'lins.0.out',
      'post_norm@0': 'lins.0.out',
      'post_activation@0': 'act.0.out',
      'input@1': 'act.0.out',
      'post_linear@1': 'logits',
    });
  });
});
