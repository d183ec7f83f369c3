/** Test helpers: small random networks of the four families, built by hand on core's IR. */
import { Rng, effectiveWeight, erf, tensor, validateNetwork } from '@nidkit/core';
import type { Family, Layer, Network, Tensor } from '@nidkit/core';

export interface RandomNetworkOptions {
  family: Family;
  /** `[in, h_0, …, out]`. */
  widths: readonly number[];
  norm?: 'layer' | 'batch' | 'none';
  activation?: 'relu' | 'gelu';
  kappa?: number;
  /** Fixed entries per row of the W-asym mask. */
  numFixed?: number;
  bias?: boolean;
  seed: number;
}

function normal(rng: Rng, shape: number[], std = 1): Tensor<Float32Array> {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(rng.fillNormal(new Float32Array(n), 0, std), shape);
}

/** A valid random network; weights ~ N(0, 1/in), asymmetric parts drawn from the same seed. */
export function randomNetwork(o: RandomNetworkOptions): Network {
  const rng = Rng.stream(o.seed, 'test-network');
  const layers: Layer[] = [];
  const L = o.widths.length - 1;
  const norm = o.norm ?? 'none';
  for (let l = 0; l < L; l++) {
    const inW = o.widths[l]!;
    const out = o.widths[l + 1]!;
    const weight = normal(rng, [out, inW], 1 / Math.sqrt(inW));
    const bias = o.bias === false ? null : normal(rng, [out], 0.1);
    let fixed: Extract<Layer, { type: 'linear' }>['fixed'];
    if (o.family === 'w-asym') {
      const k = Math.min(o.numFixed ?? Math.max(1, Math.floor(inW / 2)), inW);
      const mask = new Float32Array(out * inW).fill(1);
      for (let r = 0; r < out; r++)
        for (const c of rng.sampleWithoutReplacement(inW, k)) mask[r * inW + c] = 0;
      fixed = {
        kind: 'mask',
        mask: tensor(mask, [out, inW]),
        normal: normal(rng, [out, inW]),
        kappa: Math.fround(o.kappa ?? 1 / Math.sqrt(inW)),
        numFixed: k,
      };
    } else if (o.family === 'syre') {
      fixed = {
        kind: 'noise',
        noise: normal(rng, [out, inW]),
        kappa: Math.fround(o.kappa ?? 1 / Math.sqrt(inW)),
      };
    }
    layers.push({ type: 'linear', index: l, weight, bias, ...(fixed ? { fixed } : {}) });
    if (l === L - 1) break;
    if (norm !== 'none') {
      const gamma = tensor(
        Float32Array.from({ length: out }, () => 1 + 0.3 * rng.normal()),
        [out],
      );
      const beta = normal(rng, [out], 0.2);
      if (norm === 'layer')
        layers.push({ type: 'norm', index: l, kind: 'layer', gamma, beta, eps: 1e-5 });
      else {
        layers.push({
          type: 'norm',
          index: l,
          kind: 'batch',
          gamma,
          beta,
          eps: 1e-5,
          runningMean: normal(rng, [out], 0.3),
          runningVar: tensor(
            Float32Array.from({ length: out }, () => 0.5 + rng.uniform()),
            [out],
          ),
          numBatchesTracked: 10,
          momentum: 0.1,
        });
      }
    }
    if (o.family === 'sigma-asym')
      layers.push({ type: 'gate', index: l, C: normal(rng, [out, out], 1 / Math.sqrt(out)) });
    else layers.push({ type: 'act', index: l, kind: o.activation ?? 'gelu' });
  }
  return validateNetwork({
    family: o.family,
    inputShape: [o.widths[0]!],
    layers,
    meta: { initSeed: o.seed },
  });
}

/** `[n, d]` float32 N(0, 1) inputs. */
export function randomInputs(n: number, d: number, seed: number): Tensor<Float32Array> {
  return tensor(Rng.stream(seed, 'test-inputs').fillNormal(new Float32Array(n * d)), [n, d]);
}

/** A copy of `net` with N(0, std²) noise added to every trainable tensor (weights, biases, γ, β). */
export function perturbTrainable(net: Network, std: number, seed: number): Network {
  const rng = Rng.stream(seed, 'perturb');
  return {
    ...net,
    layers: net.layers.map((layer): Layer => {
      const jitter = (t: Tensor<Float32Array>): Tensor<Float32Array> =>
        tensor(
          Float32Array.from(t.data, (x) => x + std * rng.normal()),
          t.shape,
        );
      if (layer.type === 'linear')
        return {
          ...layer,
          weight: jitter(layer.weight),
          bias: layer.bias ? jitter(layer.bias) : null,
        };
      if (layer.type === 'norm')
        return { ...layer, gamma: jitter(layer.gamma), beta: jitter(layer.beta) };
      return layer;
    }),
  };
}

export const FAMILIES: readonly Family[] = ['standard', 'w-asym', 'sigma-asym', 'syre'];

/**
 * A float32 forward pass (every product, sum and nonlinearity rounded with `Math.fround`), as a
 * float32 runtime such as onnxruntime computes it; logits `[N, out]`. Supports the IR chain used
 * in these tests: linear (effective weights), LayerNorm/BatchNorm (eval), GELU/ReLU and σ-gate.
 */
export function forwardFloat32(net: Network, inputs: Tensor): Float32Array {
  const f = Math.fround;
  const rows = inputs.shape[0]!;
  let width = inputs.data.length / rows;
  let h = Float32Array.from(inputs.data);
  for (const layer of net.layers) {
    if (layer.type === 'linear') {
      const w = effectiveWeight(layer).data;
      const out = layer.weight.shape[0]!;
      const z = new Float32Array(rows * out);
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < out; o++) {
          let s = 0;
          for (let c = 0; c < width; c++) s = f(s + f(h[r * width + c]! * w[o * width + c]!));
          z[r * out + o] = layer.bias ? f(s + layer.bias.data[o]!) : s;
        }
      }
      h = z;
      width = out;
    } else if (layer.type === 'norm') {
      const g = layer.gamma.data;
      const b = layer.beta.data;
      for (let r = 0; r < rows; r++) {
        const o = r * width;
        let mean = 0;
        let v = 0;
        if (layer.kind === 'layer') {
          for (let j = 0; j < width; j++) mean = f(mean + h[o + j]!);
          mean = f(mean / width);
          for (let j = 0; j < width; j++) v = f(v + f((h[o + j]! - mean) ** 2));
          v = f(v / width);
        }
        for (let j = 0; j < width; j++) {
          const m = layer.kind === 'layer' ? mean : layer.runningMean!.data[j]!;
          const vv = layer.kind === 'layer' ? v : layer.runningVar!.data[j]!;
          h[o + j] = f(f(f(h[o + j]! - m) / f(Math.sqrt(f(vv + layer.eps)))) * g[j]! + b[j]!);
        }
      }
    } else if (layer.type === 'act') {
      for (let i = 0; i < h.length; i++) {
        const x = h[i]!;
        h[i] =
          layer.kind === 'relu'
            ? Math.max(0, x)
            : layer.kind === 'identity'
              ? x
              : f(0.5 * x * (1 + erf(x * Math.SQRT1_2)));
      }
    } else if (layer.type === 'gate') {
      const C = layer.C.data;
      const out = new Float32Array(h.length);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < width; i++) {
          let s = 0;
          for (let j = 0; j < width; j++) s = f(s + f(C[i * width + j]! * h[r * width + j]!));
          out[r * width + i] = f(h[r * width + i]! * f(1 / (1 + Math.exp(-s))));
        }
      }
      h = out;
    }
  }
  return h;
}
