import { DataError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { sliceRows } from '../tensor/ops.js';
import { countNonFinite } from '../tensor/tensor.js';

/** What the outputs of a network mean for a dataset. */
export type Task = 'classification' | 'multilabel' | 'regression';

/**
 * One split of a dataset: inputs `[N, ...inputShape]` (float32) with integer `labels` (classification)
 * or float `targets` `[N, K]` (multilabel 0/1, regression).
 */
export interface Split {
  readonly inputs: Tensor<Float32Array>;
  readonly labels?: Int32Array;
  readonly targets?: Tensor<Float32Array>;
}

/** A dataset: typed inputs with labels or targets, in named splits (`train`, `val`, `test`, …). */
export interface Dataset {
  readonly name: string;
  readonly task: Task;
  /** Per-sample input shape, e.g. `[1, 28, 28]`. */
  readonly inputShape: readonly number[];
  /** Number of classes (classification), labels (multilabel) or outputs (regression). */
  readonly numOutputs: number;
  readonly splits: Readonly<Record<string, Split>>;
  /** Provenance and preprocessing, JSON-serializable. */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** Number of samples in a split. */
export function splitSize(split: Split): number {
  return split.inputs.shape[0] ?? 0;
}

/**
 * The split `name` of a dataset.
 * @throws DataError naming the available splits when it does not exist
 */
export function getSplit(dataset: Dataset, name: string): Split {
  const s = dataset.splits[name];
  if (!s) {
    throw new DataError(
      `dataset "${dataset.name}": no split "${name}" — available: ${Object.keys(dataset.splits).join(', ')}`,
    );
  }
  return s;
}

/**
 * Checks a split against a task: sizes agree, labels are integers in 0..numOutputs−1, targets have
 * `numOutputs` columns, and inputs are finite.
 * @throws DataError naming the failed check
 */
export function validateSplit(where: string, split: Split, task: Task, numOutputs: number): void {
  const n = splitSize(split);
  const bad = countNonFinite(split.inputs.data);
  if (bad > 0) throw new DataError(`${where}: inputs contain ${bad} non-finite values`);
  if (task === 'classification') {
    if (!split.labels) throw new DataError(`${where}: a classification split needs integer labels`);
    if (split.labels.length !== n)
      throw new DataError(`${where}: ${split.labels.length} labels for ${n} inputs`);
    for (let i = 0; i < n; i++) {
      const y = split.labels[i]!;
      if (y < 0 || y >= numOutputs)
        throw new DataError(`${where}: label ${y} at index ${i} is outside 0..${numOutputs - 1}`);
    }
  } else {
    if (!split.targets) throw new DataError(`${where}: a ${task} split needs float targets`);
    if (split.targets.shape[0] !== n || split.targets.shape[1] !== numOutputs) {
      throw new DataError(
        `${where}: targets have shape [${split.targets.shape.join(', ')}] — expected [${n}, ${numOutputs}]`,
      );
    }
  }
}

/** Rows `start..end−1` of a split (views, no copies). */
export function sliceSplit(split: Split, start: number, end: number): Split {
  return {
    inputs: sliceRows(split.inputs, start, end),
    ...(split.labels ? { labels: split.labels.subarray(start, end) } : {}),
    ...(split.targets ? { targets: sliceRows(split.targets, start, end) } : {}),
  };
}

/** The first `limit` samples of a split (or the whole split when it is smaller). */
export function limitSplit(split: Split, limit: number | undefined): Split {
  if (limit === undefined) return split;
  return sliceSplit(split, 0, Math.min(limit, splitSize(split)));
}
