import type { Dataset, Split, Tensor } from '@nidkit/core';
import { InvalidArgumentError, Rng, tensor } from '@nidkit/core';
import { householderQ } from './qr.js';
import { standardSplit } from './splits.js';

/** Sizes and seeds shared by the three subspace generators. */
interface SubspaceSizes {
  /** Training samples before the val split (default 50,000 → 45,000 / 5,000). */
  readonly nTrain?: number;
  /** Test samples (default 10,000). */
  readonly nTest?: number;
  /** Ambient dimension D (default 512). */
  readonly ambientDim?: number;
  /** Split off a validation set by the standard rule (default true). */
  readonly valSplit?: boolean;
}

/** Options of {@link gmmSubspace}. */
export interface GmmSubspaceOptions extends SubspaceSizes {
  /** Classes C (default 20). */
  readonly numClasses?: number;
  /** Latent (intrinsic) dimension k (default 128). */
  readonly latentDim?: number;
  /** Mean separation s (default 0.3). */
  readonly separation?: number;
  /** Structure seed: means, Q_c, scale, P (default 789). */
  readonly structureSeed?: number;
  /** Sampling seeds (default 123 train, 456 test). */
  readonly trainSeed?: number;
  readonly testSeed?: number;
}

/** Options of {@link paritySubspace}. */
export interface ParitySubspaceOptions extends SubspaceSizes {
  /** Latent dimension k (default 128). */
  readonly latentDim?: number;
  /** Label base (default 2). */
  readonly base?: number;
  /** Projection seed (default 901). */
  readonly projectionSeed?: number;
  /** Data seeds (default 345 train, 678 test). */
  readonly trainSeed?: number;
  readonly testSeed?: number;
}

/** Options of {@link multilabelSubspace}. */
export interface MultilabelSubspaceOptions extends SubspaceSizes {
  /** Number of binary labels K = latent dimension (default 50). */
  readonly numLabels?: number;
  /** Projection seed (default 890). */
  readonly projectionSeed?: number;
  /** Data seeds (default 234 train, 567 test). */
  readonly trainSeed?: number;
  readonly testSeed?: number;
}

/** The shared geometry of the GMM dataset (identical for train and test). */
export interface GmmStructure {
  /** `[C, k]` class means `s·G`. */
  readonly means: Tensor<Float64Array>;
  /** Per class an orthogonal `[k, k]` matrix Q_c. */
  readonly rotations: Tensor<Float64Array>[];
  /** `[k]` per-direction scale. */
  readonly scale: Float64Array;
  /** `[D, k]` projection with orthonormal columns. */
  readonly P: Tensor<Float64Array>;
}

function int(where: string, name: string, v: number, min: number): number {
  if (!Number.isSafeInteger(v) || v < min)
    throw new InvalidArgumentError(`${where}: ${name} must be an integer ≥ ${min} — got ${v}`);
  return v;
}

/**
 * A `[D, k]` matrix with orthonormal columns: the Q of the Householder QR (diag(R) > 0) of a
 * standard-normal `D × k` matrix drawn from stream `(seed, purpose, 'projection')`.
 * @param seed - structure / projection seed
 * @param purpose - generator name (`gmm`, `parity`, `multilabel`)
 * @param D - ambient dimension
 * @param k - latent dimension, k ≤ D
 * @returns P
 * @throws InvalidArgumentError when k > D
 */
export function subspaceProjection(
  seed: number,
  purpose: string,
  D: number,
  k: number,
): Tensor<Float64Array> {
  if (k > D)
    throw new InvalidArgumentError(
      `subspaceProjection: latent dimension too large — expected k ≤ D = ${D}, got ${k}`,
    );
  const g = Rng.stream(seed, purpose, 'projection').fillNormal(new Float64Array(D * k));
  return tensor(householderQ(g, D, k), [D, k]);
}

/**
 * The GMM structure from the structure stream (datasets.md §5): `means = s·G` (`G` `C × k`
 * standard normal), per class `Q_c` = Q of the QR of a standard-normal `k × k` matrix, `scale`
 * standard normal `[k]`, and P.
 * @param options - sizes and structure seed
 * @returns means, rotations, scale and P
 */
export function gmmStructure(options: GmmSubspaceOptions = {}): GmmStructure {
  const where = 'gmmSubspace';
  const C = int(where, 'numClasses', options.numClasses ?? 20, 1);
  const k = int(where, 'latentDim', options.latentDim ?? 128, 1);
  const D = int(where, 'ambientDim', options.ambientDim ?? 512, k);
  const seed = options.structureSeed ?? 789;
  const s = options.separation ?? 0.3;
  if (!Number.isFinite(s))
    throw new InvalidArgumentError(`${where}: separation must be finite — got ${s}`);
  const means = Rng.stream(seed, 'gmm', 'means').fillNormal(new Float64Array(C * k));
  for (let i = 0; i < means.length; i++) means[i]! *= s;
  const rotations = Array.from({ length: C }, (_, c) =>
    tensor(
      householderQ(
        Rng.stream(seed, 'gmm', 'rotation', c).fillNormal(new Float64Array(k * k)),
        k,
        k,
      ),
      [k, k],
    ),
  );
  const scale = Rng.stream(seed, 'gmm', 'scale').fillNormal(new Float64Array(k));
  return {
    means: tensor(means, [C, k]),
    rotations,
    scale,
    P: subspaceProjection(seed, 'gmm', D, k),
  };
}

/** x = P z for every row of z (`[N, k]`), as float32 `[N, D]`. */
function project(P: Tensor<Float64Array>, z: Float64Array, n: number): Float32Array {
  const [D, k] = [P.shape[0]!, P.shape[1]!];
  const out = new Float32Array(n * D);
  const p = P.data;
  for (let r = 0; r < n; r++) {
    const zo = r * k;
    for (let i = 0; i < D; i++) {
      let s = 0;
      const po = i * k;
      for (let c = 0; c < k; c++) s += p[po + c]! * z[zo + c]!;
      out[r * D + i] = s;
    }
  }
  return out;
}

function assemble(
  name: string,
  task: Dataset['task'],
  D: number,
  numOutputs: number,
  train: Split,
  test: Split,
  valSplit: boolean,
  meta: Record<string, unknown>,
): Dataset {
  const splits: Record<string, Split> = { test };
  const n = train.inputs.shape[0]!;
  if (valSplit) {
    const { train: tr, val } = standardSplit(n);
    const take = (idx: Int32Array): Split => {
      const x = new Float32Array(idx.length * D);
      idx.forEach((r, i) => x.set(train.inputs.data.subarray(r * D, (r + 1) * D), i * D));
      if (train.labels)
        return {
          inputs: tensor(x, [idx.length, D]),
          labels: Int32Array.from(idx, (r) => train.labels![r]!),
        };
      const K = numOutputs;
      const t = new Float32Array(idx.length * K);
      idx.forEach((r, i) => t.set(train.targets!.data.subarray(r * K, (r + 1) * K), i * K));
      return { inputs: tensor(x, [idx.length, D]), targets: tensor(t, [idx.length, K]) };
    };
    splits.train = take(tr);
    splits.val = take(val);
  } else splits.train = train;
  return {
    name,
    task,
    inputShape: [D],
    numOutputs,
    splits: { train: splits.train, ...(splits.val ? { val: splits.val } : {}), test },
    meta,
  };
}

/**
 * The Gaussian-subspace ("GMM") dataset (datasets.md §5): `y ~ U{0..C−1}`,
 * `z = means[y] + Q_y (g ⊙ scale)` with `g ~ N(0, I_k)`, `x = P z` (float32 `[N, D]`), so the
 * class covariance is `Q_c diag(scale²) Q_cᵀ` and the data lie in the k-dim subspace span(P).
 * Structure from `structureSeed` (shared by train and test), samples from stream
 * `(trainSeed | testSeed, 'gmm', 'labels' | 'noise')`. Defaults: C 20, k 128, D 512, s 0.3,
 * 50,000 train (→ 45,000 / 5,000 val) and 10,000 test.
 * @param options - sizes, separation and seeds
 * @returns a classification dataset `gmm-subspace`
 * @throws InvalidArgumentError for invalid sizes
 */
export function gmmSubspace(options: GmmSubspaceOptions = {}): Dataset {
  const st = gmmStructure(options);
  const [C, k] = [st.means.shape[0]!, st.means.shape[1]!];
  const D = st.P.shape[0]!;
  const sample = (seed: number, n: number): Split => {
    const yr = Rng.stream(seed, 'gmm', 'labels');
    const gr = Rng.stream(seed, 'gmm', 'noise');
    const y = new Int32Array(n);
    const z = new Float64Array(n * k);
    const g = new Float64Array(k);
    for (let r = 0; r < n; r++) {
      const c = yr.int(C);
      y[r] = c;
      gr.fillNormal(g);
      for (let i = 0; i < k; i++) g[i]! *= st.scale[i]!;
      const q = st.rotations[c]!.data;
      for (let i = 0; i < k; i++) {
        let s = st.means.data[c * k + i]!;
        for (let j = 0; j < k; j++) s += q[i * k + j]! * g[j]!;
        z[r * k + i] = s;
      }
    }
    return { inputs: tensor(project(st.P, z, n), [n, D]), labels: y };
  };
  const nTrain = int('gmmSubspace', 'nTrain', options.nTrain ?? 50_000, 1);
  const nTest = int('gmmSubspace', 'nTest', options.nTest ?? 10_000, 1);
  return assemble(
    'gmm-subspace',
    'classification',
    D,
    C,
    sample(options.trainSeed ?? 123, nTrain),
    sample(options.testSeed ?? 456, nTest),
    options.valSplit ?? true,
    {
      generator: 'gmmSubspace',
      numClasses: C,
      latentDim: k,
      ambientDim: D,
      separation: options.separation ?? 0.3,
      seeds: {
        structure: options.structureSeed ?? 789,
        train: options.trainSeed ?? 123,
        test: options.testSeed ?? 456,
      },
    },
  );
}

/**
 * The parity-subspace dataset (datasets.md §5): `z ~ U[−1, 1]^k`,
 * `label = #{r : z_r < 0} mod base`, `x = P z`. P from `projectionSeed` (shared), samples from
 * stream `(trainSeed | testSeed, 'parity', 'latents')`. Defaults: k 128, D 512, base 2,
 * 50,000 (→ 45,000 / 5,000) / 10,000.
 * @param options - sizes, base and seeds
 * @returns a classification dataset `parity-subspace` with `base` classes
 * @throws InvalidArgumentError for invalid sizes
 */
export function paritySubspace(options: ParitySubspaceOptions = {}): Dataset {
  const where = 'paritySubspace';
  const k = int(where, 'latentDim', options.latentDim ?? 128, 1);
  const D = int(where, 'ambientDim', options.ambientDim ?? 512, k);
  const base = int(where, 'base', options.base ?? 2, 2);
  const P = subspaceProjection(options.projectionSeed ?? 901, 'parity', D, k);
  const sample = (seed: number, n: number): Split => {
    const rng = Rng.stream(seed, 'parity', 'latents');
    const z = rng.fillUniform(new Float64Array(n * k), -1, 1);
    const y = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let neg = 0;
      for (let i = 0; i < k; i++) if (z[r * k + i]! < 0) neg++;
      y[r] = neg % base;
    }
    return { inputs: tensor(project(P, z, n), [n, D]), labels: y };
  };
  const nTrain = int(where, 'nTrain', options.nTrain ?? 50_000, 1);
  const nTest = int(where, 'nTest', options.nTest ?? 10_000, 1);
  return assemble(
    'parity-subspace',
    'classification',
    D,
    base,
    sample(options.trainSeed ?? 345, nTrain),
    sample(options.testSeed ?? 678, nTest),
    options.valSplit ?? true,
    {
      generator: 'paritySubspace',
      latentDim: k,
      ambientDim: D,
      base,
      seeds: {
        projection: options.projectionSeed ?? 901,
        train: options.trainSeed ?? 345,
        test: options.testSeed ?? 678,
      },
    },
  );
}

/**
 * The multilabel-subspace dataset (datasets.md §5): `z ~ N(0, I_K)`, targets the float K-hot
 * vector `1[z > 0]`, `x = P z` with `P` `[D, K]`. Trainable with BCE-with-logits (a deliberate
 * difference: the reference trainer cannot use it). Defaults: K 50, D 512, 50,000 / 10,000;
 * seeds 890 (projection), 234 / 567 (data).
 * @param options - sizes and seeds
 * @returns a multilabel dataset `multilabel-subspace` with float targets `[N, K]`
 * @throws InvalidArgumentError for invalid sizes
 */
export function multilabelSubspace(options: MultilabelSubspaceOptions = {}): Dataset {
  const where = 'multilabelSubspace';
  const K = int(where, 'numLabels', options.numLabels ?? 50, 1);
  const D = int(where, 'ambientDim', options.ambientDim ?? 512, K);
  const P = subspaceProjection(options.projectionSeed ?? 890, 'multilabel', D, K);
  const sample = (seed: number, n: number): Split => {
    const z = Rng.stream(seed, 'multilabel', 'latents').fillNormal(new Float64Array(n * K));
    const t = Float32Array.from(z, (v) => (v > 0 ? 1 : 0));
    return { inputs: tensor(project(P, z, n), [n, D]), targets: tensor(t, [n, K]) };
  };
  const nTrain = int(where, 'nTrain', options.nTrain ?? 50_000, 1);
  const nTest = int(where, 'nTest', options.nTest ?? 10_000, 1);
  return assemble(
    'multilabel-subspace',
    'multilabel',
    D,
    K,
    sample(options.trainSeed ?? 234, nTrain),
    sample(options.testSeed ?? 567, nTest),
    options.valSplit ?? true,
    {
      generator: 'multilabelSubspace',
      numLabels: K,
      ambientDim: D,
      seeds: {
        projection: options.projectionSeed ?? 890,
        train: options.trainSeed ?? 234,
        test: options.testSeed ?? 567,
      },
    },
  );
}
