import { DataError, NonFiniteError } from '../errors.js';
import { forward } from '../forward/forward.js';
import type { Network, RecordingPoint } from '../network/types.js';
import { sliceRows } from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { countNonFinite, tensor } from '../tensor/tensor.js';
import type { Split, Task } from './dataset.js';
import { sliceSplit, splitSize } from './dataset.js';
import { lossSums } from './loss.js';

/** Options of {@link Evaluator.run}. */
export interface RunOptions {
  /** Recording points whose activations are returned, in order. */
  readonly record?: readonly RecordingPoint[];
  /** Samples per batch (default 1024). */
  readonly batchSize?: number;
}

/** What {@link Evaluator.run} returns: full logits and activations for all inputs. */
export interface RunResult {
  /** `[N, out]`. */
  readonly logits: Tensor;
  /** `[N, n]` per requested point. */
  readonly activations: Tensor[];
}

/**
 * Per-column statistics of one chunk: Σ(x − h) and Σ(x − h)² (float64). When the shift h is a
 * value of its column, Σ(x − h)² = 0 exactly when every x of the chunk equals h (for float32 x;
 * float64 x may also differ from h by less than 1e−154, whose square underflows).
 */
export interface ChunkColumnStats {
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
}

/**
 * `C = (A − 1hₐᵀ)ᵀ(B − 1h_bᵀ)` (`m × n`, row-major, every product and sum in float64) of one chunk
 * of `rows` samples — `a` is `rows × m`, `b` is `rows × n`, row-major — with both inputs' column
 * statistics. NaN or ±∞ in an input shows as a non-finite `sumSq` (callers locate and report it).
 * The returned arrays may be reused by the next call of the same shapes: fold or copy them first.
 */
export type CrossChunk = (
  a: Float32Array | Float64Array,
  shiftA: Float64Array,
  b: Float32Array | Float64Array,
  shiftB: Float64Array,
  rows: number,
) => Promise<{ cross: Float64Array; a: ChunkColumnStats; b: ChunkColumnStats }>;

/**
 * The one door to computation on a network. Packages take an `Evaluator` instead of importing a
 * runtime: the exact {@link ReferenceEvaluator} here, or the fast onnxruntime one from
 * `@nidkit/onnx`. Networks are always evaluated in eval mode.
 */
export interface Evaluator {
  /** A short name for reports, e.g. `reference` or `onnxruntime`. */
  readonly name: string;
  /** Runs `net` on `inputs` (`[N, ...inputShape]`) in batches. */
  run(net: Network, inputs: Tensor, options?: RunOptions): Promise<RunResult>;
  /**
   * Optional: the float64 cross statistics of one chunk of recorded activations, computed by the
   * evaluator's runtime (see {@link CrossChunk}). Packages use it when present (matching's
   * activation statistics) and core's `CrossProduct` otherwise; both give the same sums up to
   * rounding.
   */
  readonly crossChunk?: CrossChunk;
  /** Releases native resources (sessions); a no-op for the reference evaluator. */
  dispose(): Promise<void>;
}

/** Loss and accuracy of a network on one split. */
export interface SplitMetrics {
  /** Mean loss: cross-entropy (classification), BCE per label (multilabel) or MSE (regression). */
  readonly loss: number;
  /** Accuracy in percent (0–100), or null for regression. */
  readonly accuracy: number | null;
  /** Number of samples. */
  readonly n: number;
}

/**
 * Mean loss and accuracy (%) of `net` on `split`, computed through `evaluator` in batches with
 * float64 accumulation.
 * @throws NonFiniteError when the network produces NaN/Inf logits
 */
export async function evaluateSplit(
  evaluator: Evaluator,
  net: Network,
  split: Split,
  task: Task,
  options: { batchSize?: number } = {},
): Promise<SplitMetrics> {
  const n = splitSize(split);
  if (n === 0) throw new DataError('evaluateSplit: the split is empty');
  const batch = Math.max(1, options.batchSize ?? 4096);
  let lossSum = 0;
  let lossCount = 0;
  let correct = 0;
  let predictions = 0;
  for (let start = 0; start < n; start += batch) {
    const part = sliceSplit(split, start, Math.min(n, start + batch));
    const { logits } = await evaluator.run(net, part.inputs, { batchSize: batch });
    const bad = countNonFinite(logits.data);
    if (bad > 0)
      throw new NonFiniteError('evaluateSplit: logits', bad, `(evaluator ${evaluator.name})`);
    const s = lossSums(logits, part, task);
    lossSum += s.lossSum;
    lossCount += s.lossCount;
    correct += s.correct;
    predictions += s.predictions;
  }
  return {
    loss: lossSum / lossCount,
    accuracy: task === 'regression' ? null : (100 * correct) / predictions,
    n,
  };
}

/**
 * The exact evaluator: nidkit's reference forward pass (float64), batch by batch.
 * Slow but the ground truth; use it in tests and for small data.
 */
export class ReferenceEvaluator implements Evaluator {
  readonly name = 'reference';

  run(net: Network, inputs: Tensor, options: RunOptions = {}): Promise<RunResult> {
    const n = inputs.shape[0] ?? 0;
    const batch = Math.max(1, options.batchSize ?? 1024);
    const record = options.record ?? [];
    if (n <= batch) {
      const r = forward(net, inputs, { record });
      return Promise.resolve({ logits: r.logits, activations: r.activations });
    }
    const parts: { logits: Float64Array; acts: Float64Array[] }[] = [];
    let out = 0;
    const widths: number[] = [];
    for (let start = 0; start < n; start += batch) {
      const r = forward(net, sliceRows(inputs, start, Math.min(n, start + batch)), { record });
      out = r.logits.shape[1]!;
      r.activations.forEach((a, i) => (widths[i] = a.shape[1]!));
      parts.push({ logits: r.logits.data, acts: r.activations.map((a) => a.data) });
    }
    const concat = (
      get: (p: (typeof parts)[number]) => Float64Array,
      width: number,
    ): Tensor<Float64Array> => {
      const data = new Float64Array(n * width);
      let o = 0;
      for (const p of parts) {
        const d = get(p);
        data.set(d, o);
        o += d.length;
      }
      return tensor(data, [n, width]);
    };
    return Promise.resolve({
      logits: concat((p) => p.logits, out),
      activations: record.map((_, i) => concat((p) => p.acts[i]!, widths[i]!)),
    });
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}
