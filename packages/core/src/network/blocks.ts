import { InvalidNetworkError } from '../errors.js';
import type { Block, Layer, LinearLayer, Network } from './types.js';

/**
 * The network's linear layers with the norm and activation/gate that follow each, in order.
 * The last block is the output layer (no norm, no activation).
 * @throws InvalidNetworkError when the chain does not have the IR's order.
 */
export function blocksOf(net: Network): Block[] {
  const blocks: Block[] = [];
  let current: {
    linear: LinearLayer;
    norm: Block['norm'];
    activation: Block['activation'];
  } | null = null;
  let sawLinear = false;
  net.layers.forEach((layer: Layer, position) => {
    const where = `layers[${position}] (${layer.type})`;
    switch (layer.type) {
      case 'input-norm':
      case 'flatten':
        if (sawLinear)
          throw new InvalidNetworkError(where, 'must come before the first linear layer');
        return;
      case 'linear':
        if (current) blocks.push({ index: current.linear.index, ...current });
        current = { linear: layer, norm: null, activation: null };
        sawLinear = true;
        return;
      case 'norm':
        if (!current || current.norm || current.activation) {
          throw new InvalidNetworkError(where, 'a norm must directly follow a linear layer');
        }
        current.norm = layer;
        return;
      case 'act':
      case 'gate':
        if (!current || current.activation) {
          throw new InvalidNetworkError(
            where,
            'an activation must follow a linear layer or its norm',
          );
        }
        current.activation = layer;
        return;
    }
  });
  if (current) {
    const c = current as {
      linear: LinearLayer;
      norm: Block['norm'];
      activation: Block['activation'];
    };
    blocks.push({ index: c.linear.index, ...c });
  }
  return blocks;
}

/** The linear layers of a network, in order (`lins.0` … `lins.{L−1}`). */
export function linearLayers(net: Network): LinearLayer[] {
  return net.layers.filter((l): l is LinearLayer => l.type === 'linear');
}

/** Widths `[in, h_0, …, out]` of the chain of linear layers. */
export function layerWidths(net: Network): number[] {
  const lins = linearLayers(net);
  if (lins.length === 0) return [];
  return [lins[0]!.weight.shape[1]!, ...lins.map((l) => l.weight.shape[0]!)];
}

/** Hidden widths (outputs of every linear layer but the last). */
export function hiddenWidths(net: Network): number[] {
  return linearLayers(net)
    .slice(0, -1)
    .map((l) => l.weight.shape[0]!);
}

/** Number of input features after flattening. */
export function inputFeatures(net: Network): number {
  return net.inputShape.reduce((a, b) => a * b, 1);
}

/** Number of output units (logits). */
export function outputFeatures(net: Network): number {
  const lins = linearLayers(net);
  return lins.length === 0 ? 0 : lins[lins.length - 1]!.weight.shape[0]!;
}
