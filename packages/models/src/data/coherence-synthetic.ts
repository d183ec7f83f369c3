import type { Dataset, Tensor } from '@nidkit/core';
import { InvalidArgumentError, Rng, tensor } from '@nidkit/core';

/** The two embedding families of the synthetic coherence experiment. */
export type CoherenceFamily = 'exact_copy' | 'random_tight_frame';

/** The random frame of one outer seed: `perm = randperm(2C)`, `angles = π·U[0,1)^C`. */
export interface CoherenceFrame {
  readonly perm: Int32Array;
  readonly angles: Float64Array;
}

/** Options of {@link coherenceEmbedding}. */
export interface CoherenceEmbeddingOptions {
  /** Number of copies C (default 10; ambient dim 2C). */
  readonly copies?: number;
  /** Random frame (required for `random_tight_frame`; see {@link coherenceFrame}). */
  readonly frame?: CoherenceFrame;
  /** For m = 1, anchor the random frame at the standard basis (default false). */
  readonly anchorAlignedEndpoint?: boolean;
}

/**
 * The random frame of outer seed `s` (datasets.md §7 step 3): from stream `(30000 + s, 'frame')`,
 * first `perm = randperm(2C)`, then `angles = π·U[0, 1)^C`.
 * @param outerSeed - s
 * @param copies - C (default 10)
 * @returns perm and angles
 */
export function coherenceFrame(outerSeed: number, copies = 10): CoherenceFrame {
  const rng = Rng.stream(30000 + outerSeed, 'frame');
  const perm = rng.permutation(2 * copies);
  const angles = new Float64Array(copies);
  for (let i = 0; i < copies; i++) angles[i] = Math.PI * rng.uniform();
  return { perm, angles };
}

/**
 * The embedding `B ∈ ℝ^{2C×2}` for m active copies (datasets.md §7 step 4), float64 row-major:
 * `exact_copy`: `B[2i,0] = B[2i+1,1] = 1/√m` for i < m; `random_tight_frame`: with θ = angles[i],
 * `B[perm[2i]] = (cos θ, sin θ)/√m`, `B[perm[2i+1]] = (−sin θ, cos θ)/√m`. Both have `BᵀB = I₂`
 * and coherence `max_r ‖B_r‖² = 1/m` on a support of 2m dimensions.
 * @param family - `exact_copy` or `random_tight_frame`
 * @param m - active copies, 1 ≤ m ≤ C
 * @param options - copies, frame, anchoring
 * @returns B `[2C, 2]`
 * @throws InvalidArgumentError for m outside 1..C or a missing frame
 */
export function coherenceEmbedding(
  family: CoherenceFamily,
  m: number,
  options: CoherenceEmbeddingOptions = {},
): Tensor<Float64Array> {
  const C = options.copies ?? 10;
  if (!Number.isSafeInteger(C) || C < 1)
    throw new InvalidArgumentError(
      `coherenceEmbedding: copies must be a positive integer — got ${C}`,
    );
  if (!Number.isSafeInteger(m) || m < 1 || m > C)
    throw new InvalidArgumentError(
      `coherenceEmbedding: active copies out of range — expected 1..${C}, got ${m}`,
    );
  const B = new Float64Array(2 * C * 2);
  const a = 1 / Math.sqrt(m);
  if (family === 'exact_copy') {
    for (let i = 0; i < m; i++) {
      B[2 * i * 2] = a;
      B[(2 * i + 1) * 2 + 1] = a;
    }
  } else if (family === 'random_tight_frame') {
    const frame = options.frame;
    if (!frame || frame.perm.length !== 2 * C || frame.angles.length < C) {
      throw new InvalidArgumentError(
        `coherenceEmbedding: random_tight_frame needs a frame with perm of length ${2 * C} — got ${frame ? frame.perm.length : 'none'}`,
      );
    }
    for (let i = 0; i < m; i++) {
      const th = frame.angles[i]!;
      const r0 = frame.perm[2 * i]!;
      const r1 = frame.perm[2 * i + 1]!;
      B[r0 * 2] = Math.cos(th) * a;
      B[r0 * 2 + 1] = Math.sin(th) * a;
      B[r1 * 2] = -Math.sin(th) * a;
      B[r1 * 2 + 1] = Math.cos(th) * a;
    }
    if (options.anchorAlignedEndpoint && m === 1) {
      const r0 = frame.perm[0]!;
      const r1 = frame.perm[1]!;
      B[r0 * 2] = 1;
      B[r0 * 2 + 1] = 0;
      B[r1 * 2] = 0;
      B[r1 * 2 + 1] = 1;
    }
  } else {
    throw new InvalidArgumentError(
      `coherenceEmbedding: unknown family — expected exact_copy or random_tight_frame, got ${String(family)}`,
    );
  }
  return tensor(B, [2 * C, 2]);
}

/** Options of {@link syntheticCoherenceDataset}. */
export interface SyntheticCoherenceOptions extends CoherenceEmbeddingOptions {
  /** Training samples (default 1024). */
  readonly nTrain?: number;
  /** Test samples (default 2048). */
  readonly nTest?: number;
}

/**
 * The regression data of the synthetic coherence experiment for one (family, outer seed s, m)
 * (datasets.md §7): latents from stream `(20000 + s, 'latents')` — `z_train` (`nTrain × 2`) then
 * `z_test` — standard normal, teacher `y = ReLU(z₁ + z₂)`, inputs `x = B z` (`[N, 2C]`), with B
 * from {@link coherenceEmbedding} (the random frame from {@link coherenceFrame}(s)).
 * @param family - embedding family
 * @param outerSeed - s
 * @param m - active copies
 * @param options - copies, sample sizes, anchoring
 * @returns a regression dataset with splits `train` and `test`, targets `[N, 1]`
 * @throws InvalidArgumentError for invalid sizes
 */
export function syntheticCoherenceDataset(
  family: CoherenceFamily,
  outerSeed: number,
  m: number,
  options: SyntheticCoherenceOptions = {},
): Dataset {
  const C = options.copies ?? 10;
  const frame =
    family === 'random_tight_frame' ? (options.frame ?? coherenceFrame(outerSeed, C)) : undefined;
  const B = coherenceEmbedding(family, m, { ...options, copies: C, ...(frame ? { frame } : {}) });
  const nTrain = options.nTrain ?? 1024;
  const nTest = options.nTest ?? 2048;
  const rng = Rng.stream(20000 + outerSeed, 'latents');
  const D = 2 * C;
  const make = (n: number) => {
    const z = rng.fillNormal(new Float64Array(n * 2));
    const x = new Float32Array(n * D);
    const y = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const z0 = z[2 * r]!;
      const z1 = z[2 * r + 1]!;
      for (let i = 0; i < D; i++) x[r * D + i] = B.data[i * 2]! * z0 + B.data[i * 2 + 1]! * z1;
      y[r] = Math.max(0, z0 + z1);
    }
    return { inputs: tensor(x, [n, D]), targets: tensor(y, [n, 1]) };
  };
  const train = make(nTrain);
  const test = make(nTest);
  return {
    name: `synthetic-coherence-${family}-s${outerSeed}-m${m}`,
    task: 'regression',
    inputShape: [D],
    numOutputs: 1,
    splits: { train, test },
    meta: {
      generator: 'syntheticCoherenceDataset',
      family,
      outerSeed,
      activeCopies: m,
      supportDims: 2 * m,
      coherence: 1 / m,
      copies: C,
    },
  };
}
