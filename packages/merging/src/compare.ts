/**
 * Structure and fixed-part comparison of two networks: the check that precedes every
 * interpolation, average and distance (merging.md §1).
 */
import type { Layer, LinearLayer, ModelDifference, Network, Tensor } from '@nidkit/core';
import { formatShape, shapesEqual } from '@nidkit/core';

function describeLayer(layer: Layer): string {
  switch (layer.type) {
    case 'linear':
      return `linear lins.${layer.index}`;
    case 'norm':
      return `${layer.kind}-norm norms.${layer.index}`;
    case 'act':
      return `activation ${layer.kind} (${layer.index})`;
    case 'gate':
      return `σ-gate activations.${layer.index}`;
    case 'flatten':
      return 'flatten';
    case 'input-norm':
      return 'input-norm';
  }
}

function layerName(layer: Layer): string {
  switch (layer.type) {
    case 'linear':
      return `lins.${layer.index}`;
    case 'norm':
      return `norms.${layer.index}`;
    case 'act':
    case 'gate':
      return `activations.${layer.index}`;
    default:
      return layer.type;
  }
}

/** Number of entries whose float32 bit patterns differ (`0` vs `-0` counts as a difference). */
export function countBitDifferences(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) n++;
  return n;
}

function compareTensor(
  out: ModelDifference[],
  layer: string,
  name: string,
  what: string,
  a: Tensor<Float32Array>,
  b: Tensor<Float32Array>,
): void {
  if (!shapesEqual(a.shape, b.shape)) {
    out.push({
      layer,
      tensor: name,
      description: `${what} shapes differ — A ${formatShape(a.shape)}, B ${formatShape(b.shape)}`,
    });
    return;
  }
  const n = countBitDifferences(a.data, b.data);
  if (n > 0) {
    out.push({
      layer,
      tensor: name,
      description: `${what} differ in ${n} of ${a.data.length} entries`,
      entries: n,
    });
  }
}

/**
 * Lists every structural difference between two networks: family, input shape, the layer chain
 * (types, indices, norm kinds and eps, activation kinds, input normalization), weight shapes, bias
 * presence, frozen flags and which kind of fixed part each linear layer has. An empty list means
 * the two networks have the same architecture, so their tensors correspond one to one.
 *
 * @param a - model A
 * @param b - model B
 * @returns the differences, in layer order (empty when the structures agree)
 */
export function compareStructure(a: Network, b: Network): ModelDifference[] {
  const out: ModelDifference[] = [];
  if (a.family !== b.family) {
    out.push({
      layer: 'network',
      tensor: 'family',
      description: `family differs — A ${a.family}, B ${b.family}`,
    });
  }
  if (!shapesEqual(a.inputShape, b.inputShape)) {
    out.push({
      layer: 'network',
      tensor: 'inputShape',
      description: `input shape differs — A ${formatShape(a.inputShape)}, B ${formatShape(b.inputShape)}`,
    });
  }
  if (a.layers.length !== b.layers.length) {
    out.push({
      layer: 'network',
      tensor: 'layers',
      description: `number of layers differs — A ${a.layers.length}, B ${b.layers.length}`,
    });
  }
  const n = Math.min(a.layers.length, b.layers.length);
  for (let i = 0; i < n; i++) {
    const la = a.layers[i]!;
    const lb = b.layers[i]!;
    const where = layerName(la);
    if (la.type !== lb.type || ('index' in la && 'index' in lb && la.index !== lb.index)) {
      out.push({
        layer: where,
        tensor: `layers[${i}]`,
        description: `layer ${i} differs — A ${describeLayer(la)}, B ${describeLayer(lb)}`,
      });
      continue;
    }
    switch (la.type) {
      case 'input-norm': {
        const ib = lb as typeof la;
        if (la.mean !== ib.mean || la.std !== ib.std) {
          out.push({
            layer: where,
            tensor: 'input-norm',
            description: `input normalization differs — A (${la.mean}, ${la.std}), B (${ib.mean}, ${ib.std})`,
          });
        }
        break;
      }
      case 'linear': {
        const lbb = lb as LinearLayer;
        if (!shapesEqual(la.weight.shape, lbb.weight.shape)) {
          out.push({
            layer: where,
            tensor: `${where}.weight`,
            description: `weight shape differs — A ${formatShape(la.weight.shape)}, B ${formatShape(lbb.weight.shape)}`,
          });
        }
        if ((la.bias === null) !== (lbb.bias === null)) {
          out.push({
            layer: where,
            tensor: `${where}.bias`,
            description: `bias present in ${la.bias ? 'A' : 'B'} only`,
          });
        }
        if (Boolean(la.frozen) !== Boolean(lbb.frozen)) {
          out.push({
            layer: where,
            tensor: `${where}.frozen`,
            description: `frozen in ${la.frozen ? 'A' : 'B'} only`,
          });
        }
        const ka = la.fixed?.kind ?? 'none';
        const kb = lbb.fixed?.kind ?? 'none';
        if (ka !== kb) {
          out.push({
            layer: where,
            tensor: `${where}.fixed`,
            description: `fixed part differs — A ${ka}, B ${kb}`,
          });
        }
        break;
      }
      case 'norm': {
        const nb = lb as typeof la;
        if (la.kind !== nb.kind) {
          out.push({
            layer: where,
            tensor: where,
            description: `norm kind differs — A ${la.kind}, B ${nb.kind}`,
          });
        } else if (la.eps !== nb.eps) {
          out.push({
            layer: where,
            tensor: `${where}.eps`,
            description: `eps differs — A ${la.eps}, B ${nb.eps}`,
          });
        }
        if (!shapesEqual(la.gamma.shape, nb.gamma.shape)) {
          out.push({
            layer: where,
            tensor: `${where}.weight`,
            description: `width differs — A ${formatShape(la.gamma.shape)}, B ${formatShape(nb.gamma.shape)}`,
          });
        }
        break;
      }
      case 'act': {
        const ab = lb as typeof la;
        if (la.kind !== ab.kind) {
          out.push({
            layer: where,
            tensor: where,
            description: `activation differs — A ${la.kind}, B ${ab.kind}`,
          });
        }
        break;
      }
      case 'gate': {
        const gb = lb as typeof la;
        if (!shapesEqual(la.C.shape, gb.C.shape)) {
          out.push({
            layer: where,
            tensor: `${where}.C`,
            description: `gate shape differs — A ${formatShape(la.C.shape)}, B ${formatShape(gb.C.shape)}`,
          });
        }
        break;
      }
      case 'flatten':
        break;
    }
  }
  return out;
}

/** Options of {@link compareFixedParts}. */
export interface CompareFixedPartsOptions {
  /** Skip the σ-gate matrices C (used when they are interpolated on purpose). Default false. */
  readonly ignoreGates?: boolean;
}

/**
 * Lists every difference in the fixed (untrained) parts of two structurally equal networks,
 * compared bit for bit: masks D (`lins.{l}.mask`), normal matrices N (`lins.{l}.normal_mask`),
 * syre noise (`lins.{l}.noise`), κ per layer, σ-gate matrices C (`activations.{l}.C`) and the
 * weights of frozen layers. Each difference names the layer, the tensor and how many entries differ.
 * Call {@link compareStructure} first; layers whose structure differs are skipped here.
 *
 * @param a - model A
 * @param b - model B
 * @param options - `ignoreGates` to leave C out
 * @returns the differences, in layer order (empty when A and B share all fixed parts)
 */
export function compareFixedParts(
  a: Network,
  b: Network,
  options: CompareFixedPartsOptions = {},
): ModelDifference[] {
  const out: ModelDifference[] = [];
  const n = Math.min(a.layers.length, b.layers.length);
  for (let i = 0; i < n; i++) {
    const la = a.layers[i]!;
    const lb = b.layers[i]!;
    if (la.type !== lb.type) continue;
    const where = layerName(la);
    if (la.type === 'linear') {
      const l2 = lb as LinearLayer;
      if (la.frozen && l2.frozen) {
        compareTensor(out, where, `${where}.weight`, 'frozen weights', la.weight, l2.weight);
        if (la.bias && l2.bias)
          compareTensor(out, where, `${where}.bias`, 'frozen biases', la.bias, l2.bias);
      }
      const fa = la.fixed;
      const fb = l2.fixed;
      if (!fa || !fb || fa.kind !== fb.kind) continue;
      if (Math.fround(fa.kappa) !== Math.fround(fb.kappa)) {
        out.push({
          layer: where,
          tensor: `${where}.kappa`,
          description: `κ differs — A ${fa.kappa}, B ${fb.kappa}`,
          entries: 1,
        });
      }
      if (fa.kind === 'mask' && fb.kind === 'mask') {
        compareTensor(out, where, `${where}.mask`, 'masks D', fa.mask, fb.mask);
        compareTensor(
          out,
          where,
          `${where}.normal_mask`,
          'normal matrices N',
          fa.normal,
          fb.normal,
        );
      } else if (fa.kind === 'noise' && fb.kind === 'noise') {
        compareTensor(out, where, `${where}.noise`, 'noise matrices N', fa.noise, fb.noise);
      }
    } else if (la.type === 'gate' && !options.ignoreGates) {
      compareTensor(out, where, `${where}.C`, 'gate matrices C', la.C, (lb as typeof la).C);
    }
  }
  return out;
}
