import {
  InvalidArgumentError,
  NonFiniteError,
  ShapeMismatchError,
  countNonFinite,
  effectiveWeight,
  fixedPartOf,
  toFloat64,
} from '@nidkit/core';
import type { LinearLayer, Tensor } from '@nidkit/core';

/**
 * The general asymmetric neuron form of a layer (function-class.md §1): neuron `i` has effective
 * weight `w_i^eff = D_i w_i + f_i`. Dense layers have `D = 1`, `F = 0` (both `null` here).
 */
export interface LayerStructure {
  /** Effective weights `W_eff` `[n, d]` (float64); row j is `w_j`. */
  readonly weight: Tensor<Float64Array>;
  /** Mask D `[n, d]` (1 = trainable, 0 = fixed), or null for all ones. */
  readonly mask: Tensor<Float64Array> | null;
  /** Fixed part F `[n, d]` (row i is `f_i`), or null for zero. */
  readonly fixed: Tensor<Float64Array> | null;
}

/**
 * Reads the asymmetric-neuron form of a core IR linear layer: W-asym `D = mask`,
 * `F = (1 − D) ⊙ κN`; syre `D = 1`, `F = κN`; dense `D = 1`, `F = 0`. The effective weight and F
 * are computed in float32 exactly as the forward pass does (`effectiveWeight`, `fixedPartOf`) and
 * then widened to float64.
 * @param layer - a linear layer of a core network
 * @returns the layer structure in float64
 */
export function layerStructure(layer: LinearLayer): LayerStructure {
  const weight = toFloat64(effectiveWeight(layer));
  const fixed = layer.fixed ? toFloat64(fixedPartOf(layer)) : null;
  const mask = layer.fixed?.kind === 'mask' ? toFloat64(layer.fixed.mask) : null;
  return { weight, mask, fixed };
}

/**
 * Validates a structure against a subspace dimension d; returns n.
 * @throws ShapeMismatchError / InvalidArgumentError / NonFiniteError
 */
export function checkStructure(where: string, s: LayerStructure, d: number): number {
  const w = s.weight;
  if (w.shape.length !== 2) {
    throw new InvalidArgumentError(
      `${where}: weight must be 2-d [n, d] — expected 2 dimensions, got shape [${w.shape.join(', ')}]`,
    );
  }
  const n = w.shape[0]!;
  if (w.shape[1] !== d)
    throw new ShapeMismatchError(
      where,
      [n, d],
      w.shape,
      'weight columns do not match the subspace dimension d',
    );
  for (const [name, t] of [
    ['weight', w],
    ['mask', s.mask],
    ['fixed', s.fixed],
  ] as const) {
    if (!t) continue;
    if (t.shape.length !== 2 || t.shape[0] !== n || t.shape[1] !== d)
      throw new ShapeMismatchError(where, [n, d], t.shape, `${name} shape mismatch`);
    const bad = countNonFinite(t.data);
    if (bad > 0) throw new NonFiniteError(`${where}: ${name}`, bad);
  }
  if (s.mask) {
    const m = s.mask.data;
    for (let i = 0; i < m.length; i++) {
      if (m[i] !== 0 && m[i] !== 1) {
        throw new InvalidArgumentError(
          `${where}: mask entries must be 0 or 1 — expected 0/1 at flat index ${i}, got ${m[i]}`,
        );
      }
    }
  }
  return n;
}

/** The fixed (D = 0) column indices of every row of a mask; empty lists when the mask is null. */
export function fixedPositions(mask: Tensor | null, n: number, d: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let i = 0; i < n; i++) {
    if (!mask) {
      out.push(new Int32Array(0));
      continue;
    }
    let m = 0;
    for (let r = 0; r < d; r++) if (mask.data[i * d + r] === 0) m++;
    const idx = new Int32Array(m);
    m = 0;
    for (let r = 0; r < d; r++) if (mask.data[i * d + r] === 0) idx[m++] = r;
    out.push(idx);
  }
  return out;
}
