import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor/tensor.js';
import type { Network } from '../network/types.js';
import { ReferenceEvaluator, evaluateSplit } from './evaluator.js';
import { forward } from '../forward/forward.js';
import { lossSums } from './loss.js';
import { getSplit, validateSplit } from './dataset.js';
import type { Dataset } from './dataset.js';
import { expectClose } from '../testing/index.js';
import { Rng } from '../rng/rng.js';

// logits = x (identity network on 3 features).
const identity: Network = {
  family: 'standard',
  inputShape: [3],
  layers: [
    {
      type: 'linear',
      index: 0,
      weight: tensor(Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), [3, 3]),
      bias: null,
    },
  ],
  meta: {},
};

describe('losses and evaluation', () => {
  it('cross-entropy and accuracy by hand (argmax takes the first of ties)', () => {
    const logits = tensor(Float64Array.from([0, 0, 0, 2, 1, 0]), [2, 3]);
    const s = lossSums(
      logits,
      { inputs: tensor(new Float32Array(6), [2, 3]), labels: Int32Array.from([1, 0]) },
      'classification',
    );
    const ce0 = Math.log(3);
    const ce1 = Math.log(Math.exp(2) + Math.exp(1) + 1) - 2;
    expectClose([s.lossSum], [ce0 + ce1]);
    // sample 0: tie → argmax 0 ≠ 1 (wrong); sample 1: argmax 0 = 0 (right)
    expect(s.correct).toBe(1);
  });

  it('evaluateSplit batches exactly and reports accuracy in percent', async () => {
    const rng = Rng.stream(1, 'eval');
    const x = tensor(rng.fillNormal(new Float32Array(300)), [100, 3]);
    const labels = Int32Array.from({ length: 100 }, () => rng.int(3));
    const ev = new ReferenceEvaluator();
    const a = await evaluateSplit(ev, identity, { inputs: x, labels }, 'classification', {
      batchSize: 7,
    });
    const b = await evaluateSplit(ev, identity, { inputs: x, labels }, 'classification', {
      batchSize: 1000,
    });
    expectClose([a.loss], [b.loss]);
    expect(a.accuracy).toBe(b.accuracy);
    let correct = 0;
    for (let i = 0; i < 100; i++) {
      const row = Array.from(x.data.subarray(i * 3, i * 3 + 3));
      if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
    }
    expect(a.accuracy).toBe(correct);
  });

  it('multilabel (BCE) and regression (MSE) losses', () => {
    const logits = tensor(Float64Array.from([0, 2]), [1, 2]);
    const ml = lossSums(
      logits,
      {
        inputs: tensor(new Float32Array(2), [1, 2]),
        targets: tensor(Float32Array.from([1, 0]), [1, 2]),
      },
      'multilabel',
    );
    expectClose([ml.lossSum / ml.lossCount], [(Math.log(2) + Math.log(1 + Math.exp(2))) / 2]);
    expect(ml.correct).toBe(0); // 0 → predicted 0 ≠ 1; 2 → predicted 1 ≠ 0
    const rg = lossSums(
      tensor(Float64Array.from([1, 3]), [2, 1]),
      {
        inputs: tensor(new Float32Array(2), [2, 1]),
        targets: tensor(Float32Array.from([0, 1]), [2, 1]),
      },
      'regression',
    );
    expect(rg.lossSum / rg.lossCount).toBe(2.5);
  });

  it('ReferenceEvaluator.run concatenates batches and recordings exactly', async () => {
    const x = tensor(Rng.stream(2, 'x').fillNormal(new Float32Array(30)), [10, 3]);
    const r = await new ReferenceEvaluator().run(identity, x, {
      batchSize: 3,
      record: [{ layer: 0, point: 'input' }],
    });
    const f = forward(identity, x);
    expectClose(r.logits, f.logits, { atol: 0, rtol: 0 });
    expectClose(r.activations[0]!.data, Float64Array.from(x.data), { atol: 0, rtol: 0 });
  });

  it('splits are validated with messages that name the failed check', () => {
    const ds: Dataset = {
      name: 'toy',
      task: 'classification',
      inputShape: [3],
      numOutputs: 3,
      splits: {
        train: { inputs: tensor(new Float32Array(6), [2, 3]), labels: Int32Array.from([0, 5]) },
      },
    };
    expect(() => getSplit(ds, 'test')).toThrow(/no split "test" — available: train/);
    expect(() => validateSplit('toy/train', ds.splits.train!, 'classification', 3)).toThrow(
      /label 5 at index 1 is outside 0..2/,
    );
  });
});
