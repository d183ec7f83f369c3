/**
 * The one kernel behind interpolation and averaging: an entrywise weighted sum of networks that
 * share structure and fixed parts, accumulated in float64 and rounded once to float32.
 */
import type { ModelDifference, NamedTensor, Network, NetworkMeta, Tensor } from '@nidkit/core';
import {
  IncompatibleFixedPartsError,
  IncompatibleModelsError,
  mapTensors,
  namedTensors,
  tensor,
  toDense,
} from '@nidkit/core';
import { compareFixedParts, compareStructure } from './compare.js';

/** How the networks are combined. */
export interface CombineOptions {
  /**
   * `stored` (default) combines the stored tensors and requires identical fixed parts; `dense`
   * first converts every network to its dense equivalent (`toDense`: effective weights with each
   * layer's own κ), so fixed parts may differ (aligned W-/syre-models, merging.md §9).
   */
  readonly space?: 'stored' | 'dense';
  /**
   * Also combine the σ-gate matrices C when they differ (σ-MLPs after alignment have no dense form).
   * The result is then flagged `fixedPartsInterpolated`. Default false.
   */
  readonly allowFixedPartInterpolation?: boolean;
}

/** What {@link prepareCombination} found. */
export interface PreparedCombination {
  /** The networks in the space they are combined in (densified when `space` is `dense`). */
  readonly nets: readonly Network[];
  /** True when σ-gate matrices differ and are combined (only with `allowFixedPartInterpolation`). */
  readonly fixedPartsInterpolated: boolean;
  readonly space: 'stored' | 'dense';
  /** Per network the name → tensor table (cached for repeated combination along a λ path). */
  readonly tables: readonly Map<string, NamedTensor>[];
}

/**
 * Checks that `nets` can be combined and prepares them (merging.md §1).
 * @throws IncompatibleModelsError when the structures differ; IncompatibleFixedPartsError when
 *   masks, normal/noise matrices, κ, gate matrices or frozen weights differ (each difference with
 *   its layer, tensor and entry count).
 */
export function prepareCombination(
  where: string,
  nets: readonly Network[],
  options: CombineOptions = {},
): PreparedCombination {
  const space = options.space ?? 'stored';
  const structure: ModelDifference[] = [];
  for (let k = 1; k < nets.length; k++) {
    for (const d of compareStructure(nets[0]!, nets[k]!)) {
      structure.push(k === 1 ? d : { ...d, description: `model ${k}: ${d.description}` });
    }
  }
  if (structure.length > 0) throw new IncompatibleModelsError(where, structure);
  const used = space === 'dense' ? nets.map((n) => toDense(n)) : nets;
  const fixed: ModelDifference[] = [];
  let gatesDiffer = false;
  for (let k = 1; k < used.length; k++) {
    for (const d of compareFixedParts(used[0]!, used[k]!)) {
      if (d.tensor.endsWith('.C') && options.allowFixedPartInterpolation) {
        gatesDiffer = true;
        continue;
      }
      fixed.push(k === 1 ? d : { ...d, description: `model ${k}: ${d.description}` });
    }
  }
  if (fixed.length > 0) throw new IncompatibleFixedPartsError(where, fixed);
  const tables = used.map((n) => new Map(namedTensors(n).map((t) => [t.name, t])));
  return { nets: used, fixedPartsInterpolated: gatesDiffer, space, tables };
}

function seedsOf(net: Network): Record<string, unknown> {
  const m = net.meta;
  const out: Record<string, unknown> = {};
  for (const key of ['maskSeed', 'initSeed', 'optimizationSeed', 'epoch', 'name']) {
    const v = m[key];
    if (typeof v === 'number' || typeof v === 'string') out[key] = v;
  }
  return out;
}

/**
 * Σ_k c_k θ_k entrywise over every trained tensor (weights, biases, norm γ/β) and BatchNorm
 * running statistics, in float64, rounded once to float32. Fixed parts are taken from the first
 * network (they are identical), except σ-gate matrices C when `fixedPartsInterpolated`.
 * Integer counters (`num_batches_tracked`) come from the first network.
 */
export function combinePrepared(
  prepared: PreparedCombination,
  coefficients: readonly number[],
  provenance: Record<string, unknown>,
): Network {
  const { nets, tables } = prepared;
  const first = nets[0]!;
  const meta: NetworkMeta = {
    ...(first.meta.maskSeed !== undefined &&
    nets.every((n) => n.meta.maskSeed === first.meta.maskSeed)
      ? { maskSeed: first.meta.maskSeed }
      : {}),
    provenance: {
      ...provenance,
      space: prepared.space,
      fixedPartsInterpolated: prepared.fixedPartsInterpolated,
      sources: nets.map(seedsOf),
    },
  };
  return mapTensors(
    first,
    (entry): Tensor<Float32Array> => {
      const combine =
        entry.role !== 'fixed' || (entry.slot === 'C' && prepared.fixedPartsInterpolated);
      if (!combine) return tensor(entry.tensor.data.slice(), entry.tensor.shape);
      const n = entry.tensor.data.length;
      const acc = new Float64Array(n);
      for (let k = 0; k < nets.length; k++) {
        const c = coefficients[k]!;
        if (c === 0) continue;
        const src = tables[k]!.get(entry.name)!.tensor.data;
        for (let i = 0; i < n; i++) acc[i]! += c * src[i]!;
      }
      return tensor(Float32Array.from(acc), entry.tensor.shape);
    },
    { meta },
  );
}
