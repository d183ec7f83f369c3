import { ShapeMismatchError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Split, Task } from './dataset.js';

/** Sums over a batch, so that batches can be accumulated exactly in float64. */
export interface LossSums {
  /** Σ per-sample loss (classification, regression) or Σ per-entry loss (multilabel). */
  readonly lossSum: number;
  /** Number of terms in `lossSum` (samples, or samples × labels for multilabel). */
  readonly lossCount: number;
  /** Correct predictions (samples; or sample×label entries for multilabel); 0 for regression. */
  readonly correct: number;
  /** Number of predictions counted in `correct`. */
  readonly predictions: number;
}

/**
 * Loss and accuracy sums of `logits` `[N, K]` against a split's labels/targets.
 * classification: cross-entropy with log-softmax (max subtraction), prediction = argmax (first
 * index among ties); multilabel: binary cross-entropy with logits, prediction = logit > 0;
 * regression: squared error.
 */
export function lossSums(logits: Tensor, split: Split, task: Task): LossSums {
  const [n, k] = [logits.shape[0]!, logits.shape[1]!];
  const z = logits.data;
  let lossSum = 0;
  let correct = 0;
  if (task === 'classification') {
    const y = split.labels!;
    if (y.length !== n) throw new ShapeMismatchError('lossSums: labels', [n], [y.length]);
    for (let r = 0; r < n; r++) {
      const o = r * k;
      let max = -Infinity;
      let arg = 0;
      for (let j = 0; j < k; j++) {
        if (z[o + j]! > max) {
          max = z[o + j]!;
          arg = j;
        }
      }
      let s = 0;
      for (let j = 0; j < k; j++) s += Math.exp(z[o + j]! - max);
      lossSum += Math.log(s) + max - z[o + y[r]!]!;
      if (arg === y[r]) correct++;
    }
    return { lossSum, lossCount: n, correct, predictions: n };
  }
  const t = split.targets!;
  if (t.data.length !== z.length)
    throw new ShapeMismatchError('lossSums: targets', logits.shape, t.shape);
  if (task === 'multilabel') {
    for (let i = 0; i < z.length; i++) {
      const x = z[i]!;
      const yt = t.data[i]!;
      lossSum += Math.max(x, 0) - x * yt + Math.log1p(Math.exp(-Math.abs(x)));
      if ((x > 0 ? 1 : 0) === (yt > 0.5 ? 1 : 0)) correct++;
    }
    return { lossSum, lossCount: z.length, correct, predictions: z.length };
  }
  for (let i = 0; i < z.length; i++) {
    const d = z[i]! - t.data[i]!;
    lossSum += d * d;
  }
  return { lossSum, lossCount: n, correct: 0, predictions: 0 };
}
