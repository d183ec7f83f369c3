import type { Split } from '@nidkit/core';
import { Rng, tensor } from '@nidkit/core';

/** Normalization constants of MNIST (and `mnist-10k`): mean 0.1307, std 0.3081 (datasets.md §3). */
export const MNIST_NORMALIZATION = { mean: 0.1307, std: 0.3081 } as const;
/** Normalization constants of Fashion-MNIST: mean 0.2860, std 0.3530 (datasets.md §3). */
export const FASHION_MNIST_NORMALIZATION = { mean: 0.286, std: 0.353 } as const;
/** The split seed shared by every model (models.md §7). */
export const SPLIT_SEED = 42;

/**
 * Image bytes to normalized float32 inputs: `x = (byte/255 − mean)/std`, computed in float64 and
 * rounded once to float32 (datasets.md §3; MNIST: 0 ↦ −0.4242, 255 ↦ 2.8215).
 * @param bytes - pixel bytes
 * @param mean - normalization mean at [0, 1] scale
 * @param std - normalization std at [0, 1] scale
 * @returns float32 values, same length
 */
export function normalizeBytes(bytes: Uint8Array, mean: number, std: number): Float32Array {
  const lut = new Float32Array(256);
  for (let b = 0; b < 256; b++) lut[b] = (b / 255 - mean) / std;
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = lut[bytes[i]!]!;
  return out;
}

/**
 * The reference's train/val rule (datasets.md §4): `val = ⌊0.1·total⌋`, `train = total − val`,
 * membership from a permutation of stream `(splitSeed, 'split')`: the last `val` entries of the
 * permutation are the validation set. Both index lists are returned sorted ascending.
 * @param total - number of samples in the official training set
 * @param splitSeed - split seed (default 42)
 * @returns sorted train and val indices
 */
export function standardSplit(
  total: number,
  splitSeed = SPLIT_SEED,
): { train: Int32Array; val: Int32Array } {
  const nVal = Math.floor(0.1 * total);
  const perm = Rng.stream(splitSeed, 'split').permutation(total);
  const train = perm.slice(0, total - nVal).sort();
  const val = perm.slice(total - nVal).sort();
  return { train, val };
}

/**
 * Gathers rows `indices` of `[N, ...inner]` float32 data and integer labels into a split.
 * @param inputs - flat row-major data of all samples
 * @param inner - per-sample shape
 * @param labels - one label per sample
 * @param indices - rows to take, in order
 * @returns the split
 */
export function gatherSplit(
  inputs: Float32Array,
  inner: readonly number[],
  labels: Int32Array,
  indices: ArrayLike<number>,
): Split {
  const size = inner.reduce((a, b) => a * b, 1);
  const out = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    out.set(inputs.subarray(r * size, (r + 1) * size), i * size);
    y[i] = labels[r]!;
  }
  return { inputs: tensor(out, [indices.length, ...inner]), labels: y };
}
