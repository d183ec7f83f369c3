import { InvalidNetworkError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import type { Layer, LinearLayer, Network } from './types.js';

/**
 * The fixed part `F` of a linear layer as float32: W-asym `(1−D) ⊙ κN`, syre `κN`, dense 0.
 * Computed with float32 operations (`fround(κ·N)`), exactly as the ONNX export computes it.
 */
export function fixedPartOf(layer: LinearLayer): Tensor<Float32Array> {
  const n = layer.weight.data.length;
  const out = new Float32Array(n);
  const fixed = layer.fixed;
  if (fixed?.kind === 'mask') {
    const k = Math.fround(fixed.kappa);
    const d = fixed.mask.data;
    const nm = fixed.normal.data;
    for (let i = 0; i < n; i++) out[i] = d[i] === 0 ? k * nm[i]! : 0;
  } else if (fixed?.kind === 'noise') {
    const k = Math.fround(fixed.kappa);
    const nm = fixed.noise.data;
    for (let i = 0; i < n; i++) out[i] = k * nm[i]!;
  }
  return tensor(out, layer.weight.shape);
}

/**
 * The effective weight `W_eff` of a linear layer, in float32, with the layer's own κ:
 * W-asym `Where(D, W, κN)` (= `D ⊙ W + (1−D) ⊙ κN`), syre `W + κN`, dense `W` (a copy).
 * This is the float32 computation the ONNX graph performs, so both agree bit for bit.
 */
export function effectiveWeight(layer: LinearLayer): Tensor<Float32Array> {
  const w = layer.weight.data;
  const fixed = layer.fixed;
  if (!fixed) return tensor(w.slice(), layer.weight.shape);
  const out = new Float32Array(w.length);
  const k = Math.fround(fixed.kappa);
  if (fixed.kind === 'mask') {
    const d = fixed.mask.data;
    const nm = fixed.normal.data;
    for (let i = 0; i < w.length; i++) out[i] = d[i] !== 0 ? w[i]! : Math.fround(k * nm[i]!);
  } else {
    const nm = fixed.noise.data;
    for (let i = 0; i < w.length; i++) out[i] = Math.fround(w[i]! + Math.fround(k * nm[i]!));
  }
  return tensor(out, layer.weight.shape);
}

/**
 * Converts an asymmetric network to the `standard` network with the same function: every linear
 * layer's weight becomes its effective weight computed with **that layer's own κ** (the reference
 * implementation uses layer 0's κ everywhere, which is wrong for per-layer κ), fixed buffers are
 * dropped, biases and norms kept.
 * @throws InvalidNetworkError for σ-asymmetric networks, whose gate cannot be folded.
 */
export function toDense(net: Network): Network {
  if (net.layers.some((l) => l.type === 'gate')) {
    throw new InvalidNetworkError(
      'toDense',
      'a σ-asymmetric network (sigmoid gate with fixed C) has no dense equivalent',
    );
  }
  const layers = net.layers.map((layer): Layer => {
    if (layer.type !== 'linear') return layer;
    const { fixed: _fixed, ...rest } = layer;
    return { ...rest, weight: effectiveWeight(layer) };
  });
  return {
    ...net,
    family: 'standard',
    layers,
    meta: {
      ...net.meta,
      provenance: { ...(net.meta.provenance ?? {}), densifiedFrom: net.family },
    },
  };
}
