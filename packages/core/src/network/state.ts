import { InvalidArgumentError, InvalidNetworkError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { shapesEqual } from '../tensor/tensor.js';
import type { Layer, Network } from './types.js';

/** What a named tensor is: trained, a statistic buffer, or a fixed asymmetric part. */
export type TensorRole = 'trainable' | 'buffer' | 'fixed';

/** One tensor of a network under its state-dict key (`lins.0.weight`, `norms.1.running_var`, …). */
export interface NamedTensor {
  readonly name: string;
  readonly tensor: Tensor<Float32Array>;
  readonly role: TensorRole;
  /** The index `l` of the layer it belongs to. */
  readonly layer: number;
  /** Which slot of the layer: `weight`, `bias`, `mask`, `normal_mask`, `noise`, `gamma`, `beta`, `running_mean`, `running_var`, `C`. */
  readonly slot: TensorSlot;
}

/** The slots a tensor can occupy in a layer. */
export type TensorSlot =
  | 'weight'
  | 'bias'
  | 'mask'
  | 'normal_mask'
  | 'noise'
  | 'gamma'
  | 'beta'
  | 'running_mean'
  | 'running_var'
  | 'C';

function layerTensors(layer: Layer): NamedTensor[] {
  switch (layer.type) {
    case 'linear': {
      const l = layer.index;
      const role = layer.frozen ? 'fixed' : 'trainable';
      const out: NamedTensor[] = [
        { name: `lins.${l}.weight`, tensor: layer.weight, role, layer: l, slot: 'weight' },
      ];
      if (layer.bias)
        out.push({ name: `lins.${l}.bias`, tensor: layer.bias, role, layer: l, slot: 'bias' });
      if (layer.fixed?.kind === 'mask') {
        out.push({
          name: `lins.${l}.mask`,
          tensor: layer.fixed.mask,
          role: 'fixed',
          layer: l,
          slot: 'mask',
        });
        out.push({
          name: `lins.${l}.normal_mask`,
          tensor: layer.fixed.normal,
          role: 'fixed',
          layer: l,
          slot: 'normal_mask',
        });
      } else if (layer.fixed?.kind === 'noise') {
        out.push({
          name: `lins.${l}.noise`,
          tensor: layer.fixed.noise,
          role: 'fixed',
          layer: l,
          slot: 'noise',
        });
      }
      return out;
    }
    case 'norm': {
      const l = layer.index;
      const out: NamedTensor[] = [
        {
          name: `norms.${l}.weight`,
          tensor: layer.gamma,
          role: 'trainable',
          layer: l,
          slot: 'gamma',
        },
        { name: `norms.${l}.bias`, tensor: layer.beta, role: 'trainable', layer: l, slot: 'beta' },
      ];
      if (layer.runningMean)
        out.push({
          name: `norms.${l}.running_mean`,
          tensor: layer.runningMean,
          role: 'buffer',
          layer: l,
          slot: 'running_mean',
        });
      if (layer.runningVar)
        out.push({
          name: `norms.${l}.running_var`,
          tensor: layer.runningVar,
          role: 'buffer',
          layer: l,
          slot: 'running_var',
        });
      return out;
    }
    case 'gate':
      return [
        {
          name: `activations.${layer.index}.C`,
          tensor: layer.C,
          role: 'fixed',
          layer: layer.index,
          slot: 'C',
        },
      ];
    default:
      return [];
  }
}

/** Every tensor of `net` with its state-dict key and role, in layer order. */
export function namedTensors(net: Network): NamedTensor[] {
  return net.layers.flatMap(layerTensors);
}

/**
 * A new network in which every tensor is replaced by `fn(entry)` (same shape required).
 * Scalars (κ, eps, counters) are kept; pass `mapLayer` to change them.
 * @throws InvalidNetworkError if `fn` returns a tensor of another shape.
 */
export function mapTensors(
  net: Network,
  fn: (entry: NamedTensor) => Tensor<Float32Array>,
  options: { meta?: Network['meta']; family?: Network['family'] } = {},
): Network {
  const check = (entry: NamedTensor): Tensor<Float32Array> => {
    const t = fn(entry);
    if (!(t.data instanceof Float32Array)) {
      throw new InvalidArgumentError(`mapTensors: ${entry.name} must stay float32`);
    }
    if (!shapesEqual(t.shape, entry.tensor.shape)) {
      throw new InvalidNetworkError(
        entry.name,
        `mapTensors changed the shape from [${entry.tensor.shape.join(', ')}] to [${t.shape.join(', ')}]`,
      );
    }
    return t;
  };
  const layers = net.layers.map((layer): Layer => {
    const entries = layerTensors(layer);
    const get = (slot: string): Tensor<Float32Array> =>
      check(entries.find((e) => e.slot === slot)!);
    switch (layer.type) {
      case 'linear': {
        const fixed =
          layer.fixed?.kind === 'mask'
            ? { ...layer.fixed, mask: get('mask'), normal: get('normal_mask') }
            : layer.fixed?.kind === 'noise'
              ? { ...layer.fixed, noise: get('noise') }
              : undefined;
        return {
          ...layer,
          weight: get('weight'),
          bias: layer.bias ? get('bias') : null,
          ...(fixed ? { fixed } : {}),
        };
      }
      case 'norm':
        return {
          ...layer,
          gamma: get('gamma'),
          beta: get('beta'),
          ...(layer.runningMean ? { runningMean: get('running_mean') } : {}),
          ...(layer.runningVar ? { runningVar: get('running_var') } : {}),
        };
      case 'gate':
        return { ...layer, C: get('C') };
      default:
        return layer;
    }
  });
  return { ...net, family: options.family ?? net.family, layers, meta: options.meta ?? net.meta };
}

/** Replaces the layers of `net` by `fn(layer)`; the general form of {@link mapTensors}. */
export function mapLayers(net: Network, fn: (layer: Layer) => Layer): Network {
  return { ...net, layers: net.layers.map(fn) };
}
