import type { Dataset, Split } from '@nidkit/core';
import { Rng, getSplit, splitSize, tensor } from '@nidkit/core';

/**
 * A seeded random subset of `n` samples of a split (in ascending original order), or the split
 * itself when `n` is undefined or not smaller. Needed because mnist-10k's splits are stored in the
 * package's order, which is sorted by digit: the first n samples would be all zeros.
 * @param split - the split
 * @param n - samples wanted
 * @param label - names the stream `(4242, 'reproduce-subset', label)` so subsets are reproducible
 */
export function subsetSplit(split: Split, n: number | undefined, label: string): Split {
  const total = splitSize(split);
  if (n === undefined || n >= total) return split;
  const idx = Rng.stream(4242, 'reproduce-subset', label).permutation(total).slice(0, n).sort();
  const inner = split.inputs.shape.slice(1);
  const row = inner.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * row);
  idx.forEach((s, r) => x.set(split.inputs.data.subarray(s * row, (s + 1) * row), r * row));
  const out: { inputs: Split['inputs']; labels?: Int32Array; targets?: Split['targets'] } = {
    inputs: tensor(x, [n, ...inner]),
  };
  if (split.labels) out.labels = Int32Array.from(idx, (s) => split.labels![s]!);
  if (split.targets) {
    const k = split.targets.shape[1] ?? 1;
    const t = new Float32Array(n * k);
    idx.forEach((s, r) => t.set(split.targets!.data.subarray(s * k, (s + 1) * k), r * k));
    out.targets = tensor(t, [n, k]);
  }
  return out;
}

/** `dataset` with its `train` split replaced by a seeded subset of `n` samples. */
export function withTrainSubset(dataset: Dataset, n: number | undefined, label: string): Dataset {
  if (n === undefined) return dataset;
  return {
    ...dataset,
    splits: { ...dataset.splits, train: subsetSplit(getSplit(dataset, 'train'), n, label) },
  };
}
