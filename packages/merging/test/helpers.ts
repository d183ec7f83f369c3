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
      fixed = { kind: 'mask', mask: f32(mask, [out, inp]), normal: f32(normal, [out, inp]), kappa: Math.fround(kappa) };
    } else if (family === 'syre') {
      fixed = { kind: 'noise', noise: f32(fixedRng.fillNormal(new Float32Array(out * inp)), [out, inp]), kappa: Math.fround(kappa) };
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
      layers.push({ type: 'gate', index: l, C: f32(fixedRng.fillNormal(new Float32Array(out * out)), [out, out]) });
    } else {
      layers.push({ type: 'act', index: l, kind: spec.activation ?? 'relu' });
    }
  }
  return { family, inputShape: [spec.widths[0]!], layers, meta: { maskSeed: spec.maskSeed ?? 0, initSeed: spec.seed } };
}

function permuteRows(t: Tensor<Float32Array>, p: Int32Array): Tensor<Float32Array> {
  const rows = t.shape[0]!;
  const cols = t.data.length / rows;
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < rows; r++) out.set(t.data.subarray(p[r]! * cols, (p[r]! + 1) * cols), r * cols);
  return tensor(out, t.shape);
}

function permuteCols(t: Tensor<Float32Array>, p: Int32Array): Tensor<Float32Array> {
  const rows = t.shape[0]!;
  const cols = t.shape[1]!;
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = t.data[r * cols + p[c]!]!;
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
export function teacherDataset(teacher: Network, seed: number, sizes: Record<string, number>): Dataset {
  const d = teacher.inputShape[0]!;
  const splits: Record<string, { inputs: Tensor<Float32Array>; labels: Int32Array }> = {};
  Object.entries(sizes).forEach(([name, n], i) => {
    const inputs = gaussianInputs(seed * 31 + i, n, d);
    splits[name] = { inputs, labels: teacherLabels(teacher, inputs) };
  });
  const out = teacher.layers.filter((l) => l.type === 'linear').at(-1) as LinearLayer;
  return { name: 'teacher', task: 'classification', inputShape: [d], numOutputs: out.weight.shape[0]!, splits };
}
