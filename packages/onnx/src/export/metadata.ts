/**
 * nidkit's ONNX metadata (`metadata_props` `nidkit.format` = "1", `nidkit.ir` = canonical JSON):
 * everything about a network that the graph alone does not pin down exactly (family, κ and
 * `num_fixed`, eps and momentum as float64, BatchNorm counters, frozen flags, seeds, provenance).
 */
import type { Layer, Network } from '@nidkit/core';

/** Metadata keys nidkit writes into `metadata_props`. */
export const META_FORMAT_KEY = 'nidkit.format';
/** Key of the canonical IR description. */
export const META_IR_KEY = 'nidkit.ir';
/** Current metadata format. */
export const META_FORMAT = '1';

/** One layer of the `nidkit.ir` description (no tensors; those live in the graph). */
export type LayerMeta =
  | { type: 'flatten' }
  | { type: 'input-norm'; mean: number; std: number }
  | {
      type: 'linear';
      index: number;
      in: number;
      out: number;
      bias: boolean;
      frozen?: boolean;
      fixed?: { kind: 'mask' | 'noise'; kappa: number; numFixed?: number };
    }
  | {
      type: 'norm';
      index: number;
      kind: 'layer' | 'batch';
      eps: number;
      momentum?: number;
      numBatchesTracked?: number;
    }
  | { type: 'act'; index: number; kind: string }
  | { type: 'gate'; index: number };

/** The `nidkit.ir` document. */
export interface IrMeta {
  family: Network['family'];
  inputShape: number[];
  layers: LayerMeta[];
  meta: Record<string, unknown>;
}

function layerMeta(layer: Layer): LayerMeta {
  switch (layer.type) {
    case 'flatten':
      return { type: 'flatten' };
    case 'input-norm':
      return { type: 'input-norm', mean: layer.mean, std: layer.std };
    case 'linear': {
      const m: LayerMeta = {
        type: 'linear',
        index: layer.index,
        in: layer.weight.shape[1]!,
        out: layer.weight.shape[0]!,
        bias: layer.bias !== null,
      };
      if (layer.frozen) m.frozen = true;
      if (layer.fixed) {
        m.fixed = { kind: layer.fixed.kind, kappa: layer.fixed.kappa };
        if (layer.fixed.kind === 'mask' && layer.fixed.numFixed !== undefined)
          m.fixed.numFixed = layer.fixed.numFixed;
      }
      return m;
    }
    case 'norm': {
      const m: LayerMeta = { type: 'norm', index: layer.index, kind: layer.kind, eps: layer.eps };
      if (layer.momentum !== undefined) m.momentum = layer.momentum;
      if (layer.numBatchesTracked !== undefined) m.numBatchesTracked = layer.numBatchesTracked;
      return m;
    }
    case 'act':
      return { type: 'act', index: layer.index, kind: layer.kind };
    case 'gate':
      return { type: 'gate', index: layer.index };
  }
}

/** The metadata description of a network. */
export function irMeta(net: Network): IrMeta {
  return {
    family: net.family,
    inputShape: [...net.inputShape],
    layers: net.layers.map(layerMeta),
    meta: JSON.parse(JSON.stringify(net.meta ?? {})) as Record<string, unknown>,
  };
}

/** JSON with object keys sorted recursively: one byte sequence per value. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}
