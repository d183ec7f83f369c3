import type { Layer, Network, Split, Tensor } from '@nidkit/core';
import {
  DataError,
  InvalidArgumentError,
  Rng,
  countNonFinite,
  forward,
  inputFeatures,
  sliceRows,
  tensor,
} from '@nidkit/core';

/** Options of {@link recomputeBatchNormStats}. */
export interface RecomputeBatchNormOptions {
  /** Samples per batch (default 64, the training batch size of models.md §8). */
  readonly batchSize?: number;
  /** Visit the samples in the order of a seeded permutation instead of stored order. */
  readonly shuffleSeed?: number;
  /** Use at most this many batches (default: all). */
  readonly maxBatches?: number;
}

/**
 * Whether a network has BatchNorm layers (whose running statistics need recomputation after
 * interpolation, merging.md §8).
 * @param net - the network
 * @returns true when at least one norm layer is a BatchNorm
 */
export function hasBatchNorm(net: Network): boolean {
  return net.layers.some((l) => l.type === 'norm' && l.kind === 'batch');
}

function gatherRows(
  inputs: Tensor<Float32Array>,
  order: Int32Array,
  start: number,
  end: number,
): Tensor<Float32Array> {
  const n = inputs.shape[0]!;
  const inner = n === 0 ? 0 : inputs.data.length / n;
  const out = new Float32Array((end - start) * inner);
  for (let r = start; r < end; r++) {
    const src = order[r]!;
    out.set(inputs.data.subarray(src * inner, (src + 1) * inner), (r - start) * inner);
  }
  return tensor(out, [end - start, ...inputs.shape.slice(1)]);
}

/**
 * Recomputes the running statistics of every BatchNorm layer on data (merging.md §8), because the
 * lerped or averaged running statistics of an interpolant do not match its actual activation
 * statistics (variance collapse). For every BatchNorm layer: running mean 0, running variance 1,
 * counter 0; then forward passes in training mode (core's `forward(net, x, { mode: 'train' })`, no
 * gradient) batch by batch, with the cumulative average `r ← r + (s − r)/count` (no momentum) of the
 * batch mean and the **unbiased** batch variance. The result is meant to be evaluated in eval mode.
 * A trailing batch of one sample is skipped (BatchNorm cannot normalize a single sample).
 * Networks without BatchNorm are returned unchanged.
 *
 * @param net - the network (not modified)
 * @param data - a split (its inputs are used) or an inputs tensor `[N, ...inputShape]`, N ≥ 2
 * @param options - `batchSize` (default 64), `shuffleSeed`, `maxBatches`
 * @returns a new network with recomputed `running_mean`, `running_var` and `num_batches_tracked`
 * @throws InvalidArgumentError for a bad batch size; DataError for fewer than 2 samples or
 *   non-finite inputs; ShapeMismatchError when the inputs do not fit the network
 */
export function recomputeBatchNormStats(
  net: Network,
  data: Split | Tensor,
  options: RecomputeBatchNormOptions = {},
): Network {
  if (!hasBatchNorm(net)) return net;
  const batchSize = options.batchSize ?? 64;
  if (!Number.isSafeInteger(batchSize) || batchSize < 2) {
    throw new InvalidArgumentError(
      `recomputeBatchNormStats: batchSize must be an integer ≥ 2 — expected ≥ 2, got ${batchSize}`,
    );
  }
  const maxBatches = options.maxBatches ?? Infinity;
  if (!(maxBatches >= 1)) {
    throw new InvalidArgumentError(
      `recomputeBatchNormStats: maxBatches must be ≥ 1 — expected ≥ 1, got ${maxBatches}`,
    );
  }
  const raw = 'inputs' in data ? data.inputs : data;
  const inputs: Tensor<Float32Array> =
    raw.data instanceof Float32Array
      ? (raw as Tensor<Float32Array>)
      : tensor(Float32Array.from(raw.data), raw.shape);
  const n = inputs.shape[0] ?? 0;
  if (n < 2) {
    throw new DataError(
      `recomputeBatchNormStats: BatchNorm statistics need at least 2 samples — expected N ≥ 2, got ${n}`,
    );
  }
  const bad = countNonFinite(inputs.data);
  if (bad > 0)
    throw new DataError(
      `recomputeBatchNormStats: the inputs contain ${bad} non-finite values — expected finite inputs, got ${bad} NaN/Inf`,
    );
  if (inputs.data.length / n !== inputFeatures(net)) {
    throw new DataError(
      `recomputeBatchNormStats: inputs have ${inputs.data.length / n} features per sample — expected ${inputFeatures(net)}, got ${inputs.data.length / n}`,
    );
  }
  const order =
    options.shuffleSeed === undefined
      ? null
      : Rng.stream(options.shuffleSeed, 'bn-recompute').permutation(n);
  const means = new Map<number, Float64Array>();
  const vars = new Map<number, Float64Array>();
  let count = 0;
  for (let start = 0; start < n && count < maxBatches; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    if (end - start < 2) break;
    const batch = order ? gatherRows(inputs, order, start, end) : sliceRows(inputs, start, end);
    const { batchStats } = forward(net, batch, { mode: 'train' });
    count++;
    for (const s of batchStats) {
      let m = means.get(s.layer);
      let v = vars.get(s.layer);
      if (!m || !v) {
        m = new Float64Array(s.mean.length);
        v = new Float64Array(s.mean.length).fill(1);
        means.set(s.layer, m);
        vars.set(s.layer, v);
      }
      for (let j = 0; j < m.length; j++) {
        m[j]! += (s.mean[j]! - m[j]!) / count;
        v[j]! += (s.varUnbiased[j]! - v[j]!) / count;
      }
    }
  }
  const layers = net.layers.map((layer): Layer => {
    if (layer.type !== 'norm' || layer.kind !== 'batch') return layer;
    const m = means.get(layer.index)!;
    const v = vars.get(layer.index)!;
    return {
      ...layer,
      runningMean: tensor(Float32Array.from(m), [m.length]),
      runningVar: tensor(Float32Array.from(v), [v.length]),
      numBatchesTracked: count,
    };
  });
  return {
    ...net,
    layers,
    meta: {
      ...net.meta,
      provenance: {
        ...(net.meta.provenance ?? {}),
        bnStats: {
          method: 'recompute',
          batches: count,
          batchSize,
          samples: Math.min(n, count * batchSize),
        },
      },
    },
  };
}
