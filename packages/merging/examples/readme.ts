// The example of packages/merging/README.md; src/readme.test.ts runs it.
import { ReferenceEvaluator, tensor } from '@nidkit/core';
import type { Dataset, Network } from '@nidkit/core';
import { lmcProtocol } from '../src/index.js';

export async function readmeExample(): Promise<string[]> {
  const lines: string[] = [];
  const f32 = (v: number[], shape: number[]) => tensor(Float32Array.from(v), shape);
  const net = (w0: number[], w1: number[]): Network => ({
    family: 'standard',
    inputShape: [1],
    meta: {},
    layers: [
      { type: 'linear', index: 0, weight: f32(w0, [2, 1]), bias: null },
      { type: 'act', index: 0, kind: 'relu' },
      { type: 'linear', index: 1, weight: f32(w1, [2, 2]), bias: null },
    ],
  });
  const a = net([1, -1], [1, -1, -1, 1]); // hidden relu(x), relu(−x); logits x, −x
  const b = net([-1, 1], [-1, 1, 1, -1]); // the same function, hidden units swapped
  const x = [-3, -2, -1, 1, 2, 3];
  const train = { inputs: f32(x, [6, 1]), labels: Int32Array.from(x, (v) => (v > 0 ? 0 : 1)) };
  const data: Dataset = {
    name: 'sign',
    task: 'classification',
    inputShape: [1],
    numOutputs: 2,
    splits: { train },
  };
  const opts = { alignment: ['none', 'activation'] as const, points: 5 };
  const report = await lmcProtocol(new ReferenceEvaluator(), a, b, data, opts);
  for (const { alignment, splits } of report.records) {
    const s = splits.train!;
    lines.push(`${alignment} ${JSON.stringify(s.accuracy)} ${s.barriers!.relativeAccuracyDropPct}`);
  }
  return lines;
}
