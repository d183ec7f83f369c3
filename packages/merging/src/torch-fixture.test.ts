// Cross-check against PyTorch: test/fixtures/lmc-torch.json is written by
// scripts/fixtures/lmc_torch_fixture.py (generator and versions recorded in the file).
import { readFileSync } from 'node:fs';
import type { Dataset, Layer, Network } from '@nidkit/core';
import { ReferenceEvaluator, tensor } from '@nidkit/core';
import { describe, expect, it } from 'vitest';
import type { BarrierReport } from './barriers.js';
import { lmcCurve } from './curve.js';

interface StoredTensor {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  widths: number[];
  norm: 'layer' | 'batch';
  activation: 'gelu' | 'relu';
  bnStats: 'lerp' | 'recompute' | null;
  bnBatchSize: number;
  a: Record<string, StoredTensor>;
  b: Record<string, StoredTensor>;
  x: number[];
  y: number[];
  lambdas: number[];
  loss: number[];
  accuracy: number[];
  barriers: BarrierReport;
}

const fixture = JSON.parse(
  readFileSync(new URL('../test/fixtures/lmc-torch.json', import.meta.url), 'utf8'),
) as {
  generator: string;
  versions: Record<string, string>;
  cases: Case[];
};

function toNetwork(c: Case, sd: Record<string, StoredTensor>): Network {
  const t = (name: string) => tensor(Float32Array.from(sd[name]!.data), sd[name]!.shape);
  const layers: Layer[] = [];
  const L = c.widths.length - 1;
  for (let l = 0; l < L; l++) {
    layers.push({
      type: 'linear',
      index: l,
      weight: t(`lins.${l}.weight`),
      bias: t(`lins.${l}.bias`),
    });
    if (l === L - 1) break;
    layers.push({
      type: 'norm',
      index: l,
      kind: c.norm,
      gamma: t(`norms.${l}.weight`),
      beta: t(`norms.${l}.bias`),
      eps: 1e-5,
      ...(c.norm === 'batch'
        ? { runningMean: t(`norms.${l}.running_mean`), runningVar: t(`norms.${l}.running_var`) }
        : {}),
    });
    layers.push({ type: 'act', index: l, kind: c.activation });
  }
  return { family: 'standard', inputShape: [c.widths[0]!], layers, meta: {} };
}

describe(`LMC curves agree with PyTorch (${fixture.generator}, torch ${fixture.versions.torch})`, () => {
  for (const c of fixture.cases) {
    it(c.name, async () => {
      const n = c.y.length;
      const data: Dataset = {
        name: c.name,
        task: 'classification',
        inputShape: [c.widths[0]!],
        numOutputs: c.widths.at(-1)!,
        splits: {
          train: {
            inputs: tensor(Float32Array.from(c.x), [n, c.widths[0]!]),
            labels: Int32Array.from(c.y),
          },
        },
      };
      const curve = await lmcCurve(
        new ReferenceEvaluator(),
        toNetwork(c, c.a),
        toNetwork(c, c.b),
        data,
        {
          lambdas: c.lambdas,
          ...(c.bnStats ? { bnStats: c.bnStats, bnBatchSize: c.bnBatchSize } : {}),
        },
      );
      const s = curve.splits.train!;
      expect(s.accuracy).toEqual(c.accuracy);
      s.loss.forEach((v, i) => expect(v).toBeCloseTo(c.loss[i]!, 5));
      const b = s.barriers!;
      for (const [key, expected] of Object.entries(c.barriers)) {
        const actual = b[key as keyof BarrierReport];
        if (typeof expected === 'number') expect(actual as number, key).toBeCloseTo(expected, 5);
        else expect(actual, key).toEqual(expected);
      }
    });
  }
});
