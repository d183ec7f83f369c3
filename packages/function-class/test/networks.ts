/** Hand-built core IR networks and random data for the tests. */
import { Rng, tensor, validateNetwork } from '@nidkit/core';
import type { ActivationKind, FixedPart, Layer, LinearLayer, Network, Tensor } from '@nidkit/core';

export interface LayerSpec {
  readonly out: number;
  readonly family?: 'standard' | 'w-asym' | 'syre';
  readonly kappa?: number;
  /** Fixed entries per row for W-asym layers. */
  readonly numFixed?: number;
}

function randn(rng: Rng, n: number, std = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = std * rng.normal();
  return a;
}

/** A linear layer `[out, inp]` with optional W-asym or syre structure, seeded. */
export function makeLinear(index: number, inp: number, spec: LayerSpec, seed: number): LinearLayer {
  const rng = Rng.stream(seed, 'layer', index);
  const weight = tensor(randn(rng, spec.out * inp, 1 / Math.sqrt(inp)), [spec.out, inp]);
  const bias = tensor(randn(rng, spec.out, 0.1), [spec.out]);
  const kappa = Math.fround(spec.kappa ?? 1);
  let fixed: FixedPart | undefined;
  if (spec.family === 'w-asym') {
    const m = new Float32Array(spec.out * inp).fill(1);
    const nf = spec.numFixed ?? Math.floor(inp / 4);
    for (let i = 0; i < spec.out; i++) {
      const idx = rng.sampleWithoutReplacement(inp, nf);
      for (const r of idx) m[i * inp + r] = 0;
    }
    fixed = {
      kind: 'mask',
      mask: tensor(m, [spec.out, inp]),
      normal: tensor(randn(rng, spec.out * inp), [spec.out, inp]),
      kappa,
      numFixed: nf,
    };
  } else if (spec.family === 'syre') {
    fixed = { kind: 'noise', noise: tensor(randn(rng, spec.out * inp), [spec.out, inp]), kappa };
  }
  return fixed
    ? { type: 'linear', index, weight, bias, fixed }
    : { type: 'linear', index, weight, bias };
}

/** An MLP `inp → specs…` with the given activation after every hidden layer (no norms). */
export function makeMlp(
  inp: number,
  specs: readonly LayerSpec[],
  seed: number,
  act: ActivationKind = 'relu',
): Network {
  const layers: Layer[] = [];
  let width = inp;
  specs.forEach((s, l) => {
    layers.push(makeLinear(l, width, s, seed));
    if (l < specs.length - 1) layers.push({ type: 'act', index: l, kind: act });
    width = s.out;
  });
  const fam = specs.find((s) => s.family && s.family !== 'standard')?.family ?? 'standard';
  return validateNetwork({ family: fam, inputShape: [inp], layers, meta: { maskSeed: seed } });
}

/** `[n, d]` float32 standard-normal inputs. */
export function randomInputs(n: number, d: number, seed: number): Tensor<Float32Array> {
  return tensor(randn(Rng.stream(seed, 'inputs'), n * d), [n, d]);
}

/** A random orthonormal `[d, k]` basis (Gram–Schmidt of a seeded Gaussian matrix), float64. */
export function randomBasis(d: number, k: number, seed: number): Tensor<Float64Array> {
  const rng = Rng.stream(seed, 'basis');
  const u = new Float64Array(d * k);
  for (let c = 0; c < k; c++) {
    for (;;) {
      for (let r = 0; r < d; r++) u[r * k + c] = rng.normal();
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < c; p++) {
          let s = 0;
          for (let r = 0; r < d; r++) s += u[r * k + c]! * u[r * k + p]!;
          for (let r = 0; r < d; r++) u[r * k + c] = u[r * k + c]! - s * u[r * k + p]!;
        }
      }
      let nn = 0;
      for (let r = 0; r < d; r++) nn += u[r * k + c]! ** 2;
      if (nn > 1e-8) {
        const inv = 1 / Math.sqrt(nn);
        for (let r = 0; r < d; r++) u[r * k + c] = u[r * k + c]! * inv;
        break;
      }
    }
  }
  return tensor(u, [d, k]);
}

/** A random orthogonal `[k, k]` matrix. */
export function randomOrthogonal(k: number, seed: number): Tensor<Float64Array> {
  return randomBasis(k, k, seed + 7919);
}

/** `A·B` for 2-d tensors, float64. */
export function mm(a: Tensor, b: Tensor): Tensor<Float64Array> {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++)
      for (let j = 0; j < n; j++)
        out[i * n + j] = out[i * n + j]! + a.data[i * k + p]! * b.data[p * n + j]!;
  return tensor(out, [m, n]);
}
