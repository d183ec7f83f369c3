import type { Tensor } from '@nidkit/core';
import { Rng, tensor } from '@nidkit/core';
import { ModelConfigError } from '../errors.js';

/**
 * The W-asym mask `D` of linear layer `l` (`lins.{l}.mask`, `[out, in]`, 1 = trainable, 0 = fixed):
 * for each row independently, `numFixed` distinct columns drawn by partial Fisher–Yates over
 * `0..in−1` are set to 0, so every row has exactly `numFixed` zeros (models.md §4).
 * Stream `(maskSeed, 'mask', l)`, rows in order.
 * @param maskSeed - the run's mask seed (shared by all compatible models)
 * @param l - linear layer index
 * @param out - rows
 * @param inDim - columns (row length)
 * @param numFixed - zeros per row, `0 ≤ numFixed < inDim`
 * @returns the mask tensor
 * @throws ModelConfigError when `numFixed` is out of range
 */
export function makeMask(
  maskSeed: number,
  l: number,
  out: number,
  inDim: number,
  numFixed: number,
): Tensor<Float32Array> {
  if (!Number.isInteger(numFixed) || numFixed < 0 || numFixed >= inDim) {
    throw new ModelConfigError(
      `numFixed[${l}]`,
      `makeMask: num_fixed out of range — expected an integer in 0..${inDim - 1}, got ${numFixed}`,
    );
  }
  const rng = Rng.stream(maskSeed, 'mask', l);
  const d = new Float32Array(out * inDim).fill(1);
  for (let r = 0; r < out; r++) {
    const cols = rng.sampleWithoutReplacement(inDim, numFixed);
    for (const c of cols) d[r * inDim + c] = 0;
  }
  return tensor(d, [out, inDim]);
}

/**
 * An i.i.d. N(0, 1) float32 matrix `[rows, cols]` from stream `(seed, kind, l)`: the W-asym normal
 * matrix (`kind = 'normal'`), the syre noise (`'noise'`) or the σ-gate C (`'gate'`).
 * @param seed - the run's mask seed
 * @param kind - stream purpose
 * @param l - layer index
 * @param rows - rows
 * @param cols - columns
 * @returns the matrix
 */
export function makeGaussian(
  seed: number,
  kind: 'normal' | 'noise' | 'gate',
  l: number,
  rows: number,
  cols: number,
): Tensor<Float32Array> {
  const data = Rng.stream(seed, kind, l).fillNormal(new Float32Array(rows * cols));
  return tensor(data, [rows, cols]);
}
