/**
 * Hand-built networks and datasets for the tests (core IR only; @nidkit/models is not a
 * dependency). `permuteHidden` is an independent oracle for hidden-unit permutations.
 */
import type { Dataset, FixedPart, Layer, LinearLayer, Network, Tensor } from '@nidkit/core';
import { Rng, forward, tensor } from '@nidkit/core';

export const f32 = (v: ArrayLike<number>, shape: readonly number[]): Tensor<Float32Array> =>
  tensor(Float32Array.from(v), shape);

export interface MlpSpec {
  readonly widths: readonly number[];
  readonly family?: Network['family'];
  readonly norm?: 'layer' | 'batch' | 'none';
  readonly activation?: 'relu' | 'gelu' | 'identity';
  /** Seed of the trained weights. */
  readonly seed: number;
  /** Seed of the fixed parts (masks, noise, gates). */
  readonly maskSeed?: number;
  readonly kappa?: number;
}

/** A random MLP of any family, with random norm parameters and BatchNorm statistics. */
export function randomMlp(spec: MlpSpec): Network {
  const family = spec.family ?? 'standard';
  const rng = Rng.stream(spec.seed, 'test-weights');
  const fixedRng = Rng.stream(spec.maskSeed ?? 0, 'test-fixed');
  const kappa = spec.kappa ?? 0.5;
  const layers: Layer[] = [];
  const L = spec.widths.length - 1;
  for (let l = 0; l < L; l++) {
    const inp = spec.widths[l]!;
    const out = spec.widths[l + 1]!;
    const w = rng.fillNormal(new Float32Array(out * inp), 0, 1 / Math.sqrt(inp));
    const b = rng.fillNormal(new Float32Array(out), 0, 0.1);
    let fixed: FixedPart | undefined;
    if (family === 'w-asym') {
      const mask = new Float32Array(out * inp).map(() => (fixedRng.uniform() < 0.3 ? 0 : 1));
      const normal = fixedRng.fillNormal(new Float32Array(out * inp));
      fixed = {
        kind: 'mask',
        mask: f32(mask, [out, inp]),
        normal: f32(normal, [out, inp]),
        kappa: Math.fround(kappa),
      };
    } else if (family === 'syre') {
      fixed = {
        kind: 'noise',
        noise: f32(fixedRng.fillNormal(new Float32Array(out * inp)), [out, inp]),
        kappa: Math.fround(kappa),
      };
    }
    const lin: LinearLayer = {
      type: 'linear',
      index: l,
      weight: f32(w, [out, inp]),
      bias: f32(b, [out]),
      ...(fixed ? { fixed } : {}),
    };
    layers.push(lin);
    if (l === L - 1) break;
    if (spec.norm === 'layer' || spec.norm === 'batch') {
      layers.push({
        type: 'norm',
        index: l,
        kind: spec.norm,
        gamma: f32(rng.fillUniform(new Float32Array(out), 0.5, 1.5), [out]),
        beta: f32(rng.fillNormal(new Float32Array(out), 0, 0.1), [out]),
        eps: 1e-5,
        ...(spec.norm === 'batch'
          ? {
              runningMean: f32(rng.fillNormal(new Float32Array(out), 0, 0.1), [out]),
              runningVar: f32(rng.fillUniform(new Float32Array(out), 0.5, 2), [out]),
              numBatchesTracked: 100,
              momentum: 0.1,
            }
          : {}),
      });
    }
    if (family === 'sigma-asym') {
      layers.push({
        type: 'gate',
        index: l,
        C: f32(fixedRng.fillNormal(new Float32Array(out * out)), [out, out]),
      });
    } else {
      layers.push({ type: 'act', index: l, kind: spec.activation ?? 'relu' });
    }
  }
  return {
    family,
    inputShape: [spec.widths[0]!],
    layers,
    meta: { maskSeed: spec.maskSeed ?? 0, initSeed: spec.seed },
  };
}

function permuteRows(t: Tensor<Float32Array>, p: Int32Array): Tensor<Float32Array> {
  const rows = t.shape[0]!;
  const cols = t.data.length / rows;
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < rows; r++)
    out.set(t.data.subarray(p[r]! * cols, (p[r]! + 1) * cols), r * cols);
  return tensor(out, t.shape);
}

function permuteCols(t: Tensor<Float32Array>, p: Int32Array): Tensor<Float32Array> {
  const rows = t.shape[0]!;
  const cols = t.shape[1]!;
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[r * cols + c] = t.data[r * cols + p[c]!]!;
  return tensor(out, t.shape);
}

/**
 * Test oracle: new hidden unit `i` of layer `l` is old unit `perms[l][i]` — rows of W_l, b_l, D, N,
 * norm parameters and statistics, gate C on both axes, and columns of layer l+1's tensors.
 */
export function permuteHidden(net: Network, perms: readonly Int32Array[]): Network {
  const layers = net.layers.map((layer): Layer => {
    if (layer.type === 'linear') {
      const pr = perms[layer.index];
      const pc = layer.index > 0 ? perms[layer.index - 1] : undefined;
      const both = (t: Tensor<Float32Array>): Tensor<Float32Array> => {
        let x = t;
        if (pr) x = permuteRows(x, pr);
        if (pc) x = permuteCols(x, pc);
        return x;
      };
      const fixed: FixedPart | undefined =
        layer.fixed?.kind === 'mask'
          ? { ...layer.fixed, mask: both(layer.fixed.mask), normal: both(layer.fixed.normal) }
          : layer.fixed?.kind === 'noise'
            ? { ...layer.fixed, noise: both(layer.fixed.noise) }
            : undefined;
      return {
        ...layer,
        weight: both(layer.weight),
        bias: layer.bias && pr ? permuteRows(layer.bias, pr) : layer.bias,
        ...(fixed ? { fixed } : {}),
      };
    }
    if (layer.type === 'norm') {
      const p = perms[layer.index]!;
      return {
        ...layer,
        gamma: permuteRows(layer.gamma, p),
        beta: permuteRows(layer.beta, p),
        ...(layer.runningMean ? { runningMean: permuteRows(layer.runningMean, p) } : {}),
        ...(layer.runningVar ? { runningVar: permuteRows(layer.runningVar, p) } : {}),
      };
    }
    if (layer.type === 'gate') {
      const p = perms[layer.index]!;
      return { ...layer, C: permuteCols(permuteRows(layer.C, p), p) };
    }
    return layer;
  });
  return { ...net, layers };
}

/** Gaussian inputs `[n, d]`. */
export function gaussianInputs(seed: number, n: number, d: number): Tensor<Float32Array> {
  return f32(Rng.stream(seed, 'test-inputs').fillNormal(new Float32Array(n * d)), [n, d]);
}

/** Labels = argmax of `teacher`'s logits (first index among ties). */
export function teacherLabels(teacher: Network, inputs: Tensor): Int32Array {
  const { logits } = forward(teacher, inputs);
  const [n, k] = [logits.shape[0]!, logits.shape[1]!];
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits.data[r * k + j]! > logits.data[r * k + best]!) best = j;
    y[r] = best;
  }
  return y;
}

/** A classification dataset labelled by `teacher` with the given split sizes. */
export function teacherDataset(
  teacher: Network,
  seed: number,
  sizes: Record<string, number>,
): Dataset {
  const d = teacher.inputShape[0]!;
  const splits: Record<string, { inputs: Tensor<Float32Array>; labels: Int32Array }> = {};
  Object.entries(sizes).forEach(([name, n], i) => {
    const inputs = gaussianInputs(seed * 31 + i, n, d);
    splits[name] = { inputs, labels: teacherLabels(teacher, inputs) };
  });
  const out = teacher.layers.filter((l) => l.type === 'linear').at(-1) as LinearLayer;
  return {
    name: 'teacher',
    task: 'classification',
    inputShape: [d],
    numOutputs: out.weight.shape[0]!,
    splits,
  };
}

/**
 * The BatchNorm variance-collapse case: 1 input, two hidden units `±s·x` → BatchNorm → ReLU, so the
 * hidden layer computes `relu(x̂), relu(−x̂)` for every scale s; logit 1 is `|x̂|`, logit 0 the
 * threshold `t`. Models with s = 1 and s = 100 compute the same function once their statistics
 * fit, but lerped statistics of their midpoint overestimate its variance ((1 + 100²)/2 vs 50.5²),
 * shrinking `|x̂|` by ≈ 0.71 and moving the decision threshold.
 */
export function bnScaleNet(s: number, t = 0.8): Network {
  return {
    family: 'standard',
    inputShape: [1],
    meta: {},
    layers: [
      { type: 'linear', index: 0, weight: f32([s, -s], [2, 1]), bias: f32([0, 0], [2]) },
      {
        type: 'norm',
        index: 0,
        kind: 'batch',
        gamma: f32([1, 1], [2]),
        beta: f32([0, 0], [2]),
        eps: 1e-5,
        runningMean: f32([0, 0], [2]),
        runningVar: f32([1, 1], [2]),
        numBatchesTracked: 0,
        momentum: 0.1,
      },
      { type: 'act', index: 0, kind: 'relu' },
      { type: 'linear', index: 1, weight: f32([0, 0, 1, 1], [2, 2]), bias: f32([t, 0], [2]) },
    ],
  };
}

/**
 * A constructed standard MLP d → 2d → 2d → d whose hidden layers compute `[relu(x), relu(−x)]`
 * and whose logits are `x` (so labels `argmax x` are learned perfectly). Swapping the two halves of
 * hidden layer 0 gives a functionally identical model whose midpoint with the original has
 * W₀ = ([I; −I] + [−I; I])/2 = 0: every hidden unit and every logit is 0, so the midpoint predicts
 * class 0 for every sample — a barrier that must appear.
 */
export function signPairNet(d: number): Network {
  const w0 = new Float32Array(2 * d * d);
  const w1 = new Float32Array(4 * d * d);
  const w2 = new Float32Array(2 * d * d);
  for (let i = 0; i < d; i++) {
    w0[i * d + i] = 1;
    w0[(d + i) * d + i] = -1;
    w1[i * 2 * d + i] = 1;
    w1[i * 2 * d + d + i] = -1;
    w1[(d + i) * 2 * d + i] = -1;
    w1[(d + i) * 2 * d + d + i] = 1;
    w2[i * 2 * d + i] = 1;
    w2[i * 2 * d + d + i] = -1;
  }
  return {
    family: 'standard',
    inputShape: [d],
    meta: {},
    layers: [
      {
        type: 'linear',
        index: 0,
        weight: f32(w0, [2 * d, d]),
        bias: f32(new Float32Array(2 * d), [2 * d]),
      },
      { type: 'act', index: 0, kind: 'relu' },
      {
        type: 'linear',
        index: 1,
        weight: f32(w1, [2 * d, 2 * d]),
        bias: f32(new Float32Array(2 * d), [2 * d]),
      },
      { type: 'act', index: 1, kind: 'relu' },
      {
        type: 'linear',
        index: 2,
        weight: f32(w2, [d, 2 * d]),
        bias: f32(new Float32Array(d), [d]),
      },
    ],
  };
}

/** The permutation swapping the two halves of 0..2d−1. */
export function swapHalves(d: number): Int32Array {
  return Int32Array.from({ length: 2 * d }, (_, i) => (i + d) % (2 * d));
}
