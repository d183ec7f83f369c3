/**
 * Test helpers: hand-built IR networks of every family (no dependency on @nidkit/models).
 */
import type { ActivationKind, Family, Layer, Network, Tensor } from '@nidkit/core';
import { Rng, tensor, validateNetwork } from '@nidkit/core';

export interface TestNetOptions {
  family: Family;
  widths: number[];
  norm?: 'layer' | 'batch' | 'none';
  act?: ActivationKind;
  seed?: number;
  inputShape?: number[];
  kappa?: number[];
  numFixed?: number[];
  inputNorm?: { mean: number; std: number };
  bias?: boolean;
}

function randn(rng: Rng, n: number, std = 1): Float32Array {
  return rng.fillNormal(new Float32Array(n), 0, std);
}

/** A random network of the given family and widths (deterministic per seed). */
export function makeNet(o: TestNetOptions): Network {
  const rng = Rng.stream(o.seed ?? 1, 'test-net');
  const widths = o.widths;
  const L = widths.length - 1;
  const layers: Layer[] = [];
  if (o.inputNorm)
    layers.push({ type: 'input-norm', mean: o.inputNorm.mean, std: o.inputNorm.std });
  const inputShape = o.inputShape ?? [widths[0]!];
  if (inputShape.length > 1) layers.push({ type: 'flatten' });
  for (let l = 0; l < L; l++) {
    const fin = widths[l]!;
    const fout = widths[l + 1]!;
    const weight = tensor(randn(rng, fout * fin, 1 / Math.sqrt(fin)), [fout, fin]);
    const bias = o.bias === false ? null : tensor(randn(rng, fout, 0.1), [fout]);
    const kappa = Math.fround(o.kappa?.[l] ?? 0.5);
    let fixed: Extract<Layer, { type: 'linear' }>['fixed'];
    if (o.family === 'w-asym') {
      const numFixed = o.numFixed?.[l] ?? Math.max(1, Math.floor(fin / 4));
      const mask = new Float32Array(fout * fin).fill(1);
      for (let r = 0; r < fout; r++)
        for (const c of rng.sampleWithoutReplacement(fin, numFixed)) mask[r * fin + c] = 0;
      fixed = {
        kind: 'mask',
        mask: tensor(mask, [fout, fin]),
        normal: tensor(randn(rng, fout * fin), [fout, fin]),
        kappa,
        numFixed,
      };
    } else if (o.family === 'syre') {
      fixed = { kind: 'noise', noise: tensor(randn(rng, fout * fin), [fout, fin]), kappa };
    }
    layers.push({ type: 'linear', index: l, weight, bias, ...(fixed ? { fixed } : {}) });
    if (l < L - 1) {
      const norm = o.norm ?? 'layer';
      if (norm !== 'none') {
        const gamma = tensor(
          Float32Array.from(randn(rng, fout, 0.1), (v) => 1 + v),
          [fout],
        );
        const beta = tensor(randn(rng, fout, 0.1), [fout]);
        if (norm === 'batch') {
          layers.push({
            type: 'norm',
            index: l,
            kind: 'batch',
            gamma,
            beta,
            eps: 1e-5,
            runningMean: tensor(randn(rng, fout, 0.2), [fout]),
            runningVar: tensor(
              Float32Array.from(randn(rng, fout, 0.2), (v) => 0.5 + Math.abs(v)),
              [fout],
            ),
            numBatchesTracked: 1234,
            momentum: 0.1,
          });
        } else {
          layers.push({ type: 'norm', index: l, kind: 'layer', gamma, beta, eps: 1e-5 });
        }
      }
      if (o.family === 'sigma-asym') {
        layers.push({ type: 'gate', index: l, C: tensor(randn(rng, fout * fout), [fout, fout]) });
      } else {
        layers.push({ type: 'act', index: l, kind: o.act ?? 'gelu' });
      }
    }
  }
  const net: Network = {
    family: o.family,
    inputShape,
    layers,
    meta: { maskSeed: 7, initSeed: o.seed ?? 1, provenance: { source: 'test' } },
  };
  return validateNetwork(net);
}

/** Deterministic inputs `[n, ...shape]`. */
export function makeInputs(n: number, shape: readonly number[], seed = 3): Tensor<Float32Array> {
  const rng = Rng.stream(seed, 'test-inputs');
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(rng.fillNormal(new Float32Array(n * size)), [n, ...shape]);
}

function canonical(v: unknown): unknown {
  if (v instanceof Float32Array)
    return { f32: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonical(x);
    }
    return out;
  }
  return v;
}

/** Structural + bit-exact equality of two networks (key order ignored, tensors compared bitwise). */
export function networksIdentical(a: Network, b: Network): string | null {
  const ja = JSON.stringify(canonical(a));
  const jb = JSON.stringify(canonical(b));
  if (ja === jb) return null;
  let i = 0;
  while (i < ja.length && ja[i] === jb[i]) i++;
  return `differ at char ${i}: …${ja.slice(Math.max(0, i - 80), i + 80)}… vs …${jb.slice(Math.max(0, i - 80), i + 80)}…`;
}
