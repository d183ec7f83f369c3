import type { Dataset, Split } from '@nidkit/core';
import { DataError, InvalidArgumentError, splitSize, tensor } from '@nidkit/core';
import { givensCoherenceRotation, subspaceDimension, symmetricEigen } from '@nidkit/function-class';

/** Options of {@link mnistCoherence}. */
export interface MnistCoherenceOptions {
  /** Target coherence (default 0.111), or `min` for `k/d + 1e−4`. */
  readonly target?: number | 'min';
  /** Explained-variance threshold τ of the principal subspace (default 0.9). */
  readonly tau?: number;
  /** Splits the PCA is fitted on: the full training set before the val split (default `train`, `val`). */
  readonly fitSplits?: readonly string[];
  /** Maximum Givens steps (default 5000). */
  readonly maxSteps?: number;
}

/** Result of {@link mnistCoherence}. */
export interface MnistCoherenceResult {
  /** The transformed dataset (`x' = T x` for every split), named `<name>-coherence`. */
  readonly dataset: Dataset;
  /** `T = V·Vh` (`[d, d]`, float64, orthogonal). */
  readonly transform: Float64Array;
  readonly d: number;
  /** Principal subspace dimension at τ. */
  readonly k: number;
  /** The target used. */
  readonly target: number;
  /** Coherence of `V[:, :k]` reached. */
  readonly coherence: number;
  readonly steps: number;
  readonly converged: boolean;
  /** Warnings (e.g. the Givens loop ended before meeting the target). */
  readonly warnings: string[];
}

/**
 * Centred Gram matrix `XcᵀXc` (float64) of `[n, d]` data, computed sparsely after subtracting
 * each column's minimum (exact for any data; fast for images with a constant background).
 */
function centredGram(x: Float32Array, n: number, d: number): Float64Array {
  const off = new Float64Array(d).fill(Infinity);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < d; c++) if (x[r * d + c]! < off[c]!) off[c] = x[r * d + c]!;
  const g = new Float64Array(d * d);
  const nu = new Float64Array(d);
  const idx = new Int32Array(d);
  const val = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    let nnz = 0;
    for (let c = 0; c < d; c++) {
      const y = x[r * d + c]! - off[c]!;
      if (y !== 0) {
        idx[nnz] = c;
        val[nnz++] = y;
        nu[c]! += y;
      }
    }
    for (let a = 0; a < nnz; a++) {
      const row = idx[a]! * d;
      const va = val[a]!;
      for (let b = a; b < nnz; b++) g[row + idx[b]!]! += va * val[b]!;
    }
  }
  for (let c = 0; c < d; c++) nu[c]! /= n;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = g[i * d + j]! - n * nu[i]! * nu[j]!;
      g[i * d + j] = v;
      g[j * d + i] = v;
    }
  }
  return g;
}

/**
 * `x' = T x` for every row of `x` (`[n, d]`), float64 accumulation, float32 result. Rows are
 * processed as `T(x − o) + T o` with `o` the column minima, so that the zero background of images
 * is skipped.
 */
function applyTransform(T: Float64Array, x: Float32Array, n: number, d: number): Float32Array {
  const tt = new Float64Array(d * d); // Tᵀ: row c is column c of T
  for (let i = 0; i < d; i++) for (let c = 0; c < d; c++) tt[c * d + i] = T[i * d + c]!;
  const off = new Float64Array(d).fill(Infinity);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < d; c++) if (x[r * d + c]! < off[c]!) off[c] = x[r * d + c]!;
  if (n === 0) off.fill(0);
  const base = new Float64Array(d);
  for (let c = 0; c < d; c++) for (let i = 0; i < d; i++) base[i]! += tt[c * d + i]! * off[c]!;
  const out = new Float32Array(n * d);
  const acc = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    acc.set(base);
    for (let c = 0; c < d; c++) {
      const y = x[r * d + c]! - off[c]!;
      if (y === 0) continue;
      const row = c * d;
      for (let i = 0; i < d; i++) acc[i]! += y * tt[row + i]!;
    }
    out.set(acc, r * d);
  }
  return out;
}

/**
 * The mnist-coherence transform (datasets.md §6): fit the principal directions of the normalized
 * training images (float64 eigendecomposition of the `d × d` covariance; `Vh` = directions as rows,
 * descending variance; k at τ = 0.9), find an orthogonal `V` whose first k columns have coherence
 * ≤ target by the Givens search of `@nidkit/function-class` (`givensCoherenceRotation`), and map
 * every image of every split to `x' = T x` with `T = V·Vh`. The principal k-subspace of the new
 * data is `span(V[:, :k])`, with coherence ≈ target (paper: 0.111, just above k/d = 87/784).
 * @param dataset - an image dataset (e.g. `loadMnist10k()`), inputs flattened to d features
 * @param options - target (number or `min`), τ, the splits to fit on, step limit
 * @returns the transformed dataset, T, k, the coherence reached and warnings
 * @throws InfeasibleTargetError (from function-class) when `target < k/d − 1e−5`; DataError when a fit split is missing or too small
 */
export function mnistCoherence(
  dataset: Dataset,
  options: MnistCoherenceOptions = {},
): MnistCoherenceResult {
  const fit = options.fitSplits ?? ['train', 'val'].filter((s) => dataset.splits[s]);
  const d = dataset.inputShape.reduce((a, b) => a * b, 1);
  const parts: Split[] = fit.map((name) => {
    const s = dataset.splits[name];
    if (!s)
      throw new DataError(
        `mnistCoherence: dataset "${dataset.name}" has no split "${name}" — available: ${Object.keys(dataset.splits).join(', ')}`,
      );
    return s;
  });
  const n = parts.reduce((a, s) => a + splitSize(s), 0);
  if (n < 2)
    throw new DataError(
      `mnistCoherence: too few samples to fit the principal directions — expected ≥ 2, got ${n}`,
    );
  const x = new Float32Array(n * d);
  let o = 0;
  for (const s of parts) {
    x.set(s.inputs.data, o);
    o += s.inputs.data.length;
  }
  const eig = symmetricEigen(centredGram(x, n, d), d, true);
  const values = new Float64Array(d);
  const vh = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const src = d - 1 - i; // ascending → descending
    values[i] = Math.max(0, eig.values[src]!);
    vh.set(eig.vectors.subarray(src * d, (src + 1) * d), i * d);
  }
  const { k } = subspaceDimension(values, options.tau ?? 0.9);
  const requested = options.target ?? 0.111;
  const target = requested === 'min' ? k / d + 1e-4 : requested;
  if (typeof target !== 'number' || !Number.isFinite(target)) {
    throw new InvalidArgumentError(
      `mnistCoherence: target must be a number or "min" — got ${String(requested)}`,
    );
  }
  const rot = givensCoherenceRotation(d, k, target, {
    ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
  });
  const T = new Float64Array(d * d);
  const V = rot.V.data;
  for (let i = 0; i < d; i++) {
    for (let c = 0; c < d; c++) {
      const v = V[i * d + c]!;
      if (v === 0) continue;
      const row = vh.subarray(c * d, (c + 1) * d);
      for (let j = 0; j < d; j++) T[i * d + j]! += v * row[j]!;
    }
  }
  const splits: Record<string, Split> = {};
  for (const [name, s] of Object.entries(dataset.splits))
    splits[name] = {
      ...s,
      inputs: tensor(applyTransform(T, s.inputs.data, splitSize(s), d), s.inputs.shape),
    };
  return {
    dataset: {
      ...dataset,
      name: `${dataset.name}-coherence`,
      splits,
      meta: {
        ...(dataset.meta ?? {}),
        coherenceTransform: {
          target,
          k,
          d,
          coherence: rot.coherence,
          steps: rot.steps,
          converged: rot.converged,
          fitSplits: fit,
          tau: options.tau ?? 0.9,
        },
      },
    },
    transform: T,
    d,
    k,
    target,
    coherence: rot.coherence,
    steps: rot.steps,
    converged: rot.converged,
    warnings: rot.warnings,
  };
}
