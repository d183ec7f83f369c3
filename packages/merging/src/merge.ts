import type { Dataset, Evaluator, Network, Split, Tensor } from '@nidkit/core';
import { InvalidArgumentError, getSplit, limitSplit, validateNetwork } from '@nidkit/core';
import { permuteNetwork } from '@nidkit/matching';
import type { AlignmentMode, AlignmentSummary } from './align.js';
import { alignByWeights, alignNetwork, alignedInterpolation, checkAlignmentMode } from './align.js';
import type { AverageOptions } from './average.js';
import { normalizeWeights } from './average.js';
import { recomputeBatchNormStats } from './batchnorm.js';
import type { BnStatsMode } from './curve.js';
import { combinePrepared, prepareCombination } from './combine.js';
import { hasBatchNorm } from './batchnorm.js';
import { AlignmentError } from './errors.js';
import { checkLambda } from './interpolate.js';
import { MERGING_SCHEMA_VERSION } from './schema.js';

/** Options of {@link mergeNetworks}. */
export interface MergeNetworksOptions extends AverageOptions {
  /**
   * Align every model to the reference before averaging: `none` (default) or `weight` (weight
   * matching, no data needed). For activation matching, compute the permutations with
   * {@link alignNetwork} (or `@nidkit/matching`) and pass them as `permutations`.
   */
  readonly align?: 'none' | 'weight';
  /** Index of the reference model that the others are aligned to (default 0). */
  readonly reference?: number;
  /** Precomputed alignment: per model its hidden-unit permutations, or null to keep it as is. */
  readonly permutations?: readonly (readonly Int32Array[] | null)[];
  /** Seed and settings of weight matching. */
  readonly seed?: number;
  readonly weightMatching?: { readonly restarts?: number; readonly maxIter?: number };
  /** Verify that every permuted model computes its original function (default true). */
  readonly verify?: boolean;
  /**
   * Data to recompute BatchNorm statistics of the merged model on (merging.md §8). Without it,
   * BatchNorm statistics are the weighted average of the stored ones, which is generally wrong.
   */
  readonly bnData?: Split | Tensor;
  /** Batch size of the BatchNorm recomputation (default 64). */
  readonly bnBatchSize?: number;
}

/**
 * Merges K models into one: optionally aligns every model to a reference (weight matching, or
 * given permutations applied to the structured models, fixed parts included), then averages
 * `θ = Σ_k w_k θ_k` (uniform by default; merging.md §7) and recomputes BatchNorm statistics on
 * `bnData` (§8). Aligned asymmetric models are averaged as the merging protocol interpolates them
 * (§9): W-/syre-models in the dense representation (the result is a standard network), σ-models
 * with their gate matrices averaged (`meta.provenance.fixedPartsInterpolated`).
 *
 * @param nets - one or more models with the same architecture
 * @param options - `weights`, `align`, `reference`, `permutations`, `bnData`, `space`, …
 * @returns the merged network (exportable to ONNX); inputs are not modified
 * @throws InvalidArgumentError for an empty list, bad weights, a bad reference index or
 *   permutation list; IncompatibleModelsError / IncompatibleFixedPartsError when the models cannot
 *   be averaged; AlignmentError when a permuted model fails verification
 */
export function mergeNetworks(
  nets: readonly Network[],
  options: MergeNetworksOptions = {},
): Network {
  const where = 'mergeNetworks';
  if (nets.length === 0)
    throw new InvalidArgumentError(
      `${where}: no models given — expected at least 1 network, got 0`,
    );
  const weights = normalizeWeights(where, nets.length, options.weights);
  const ref = options.reference ?? 0;
  if (!Number.isSafeInteger(ref) || ref < 0 || ref >= nets.length) {
    throw new InvalidArgumentError(
      `${where}: reference must index a model — expected 0..${nets.length - 1}, got ${ref}`,
    );
  }
  const align = options.align ?? 'none';
  if (align !== 'none' && align !== 'weight') {
    throw new InvalidArgumentError(
      `${where}: align must be 'none' or 'weight' — expected none | weight, got ${String(align)} (use alignNetwork for activation matching and pass permutations)`,
    );
  }
  if (options.permutations && options.permutations.length !== nets.length) {
    throw new InvalidArgumentError(
      `${where}: one permutation list (or null) per model is needed — expected ${nets.length}, got ${options.permutations.length}`,
    );
  }
  if (options.permutations && align !== 'none') {
    throw new InvalidArgumentError(
      `${where}: give either align or permutations — expected one of them, got both`,
    );
  }
  nets.forEach((n) => validateNetwork(n));
  const verify = options.verify ?? true;
  let aligned = [...nets];
  let permuted = false;
  if (align === 'weight') {
    aligned = nets.map((n, k) =>
      k === ref
        ? n
        : alignByWeights(nets[ref]!, n, {
            ...(options.seed !== undefined ? { seed: options.seed } : {}),
            ...(options.weightMatching ? { weightMatching: options.weightMatching } : {}),
            verify,
          }).aligned,
    );
    permuted = nets.length > 1;
  } else if (options.permutations) {
    aligned = nets.map((n, k) => {
      const p = options.permutations![k];
      if (!p) return n;
      permuted = true;
      try {
        return permuteNetwork(n, p, { verify });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        throw new AlignmentError(
          `${where}: permuting model ${k} failed — expected valid, function-preserving permutations, got: ${message}`,
          { cause: e },
        );
      }
    });
  }
  const combine = permuted
    ? { ...alignedInterpolation(nets[ref]!), ...stripUndefined(options) }
    : options;
  // keep the reference first so that its fixed parts and counters are the ones kept
  const order = [ref, ...aligned.map((_, k) => k).filter((k) => k !== ref)];
  const prepared = prepareCombination(
    where,
    order.map((k) => aligned[k]!),
    combine,
  );
  let merged = combinePrepared(
    prepared,
    order.map((k) => weights[k]!),
    {
      operation: 'merge',
      weights,
      numModels: nets.length,
      reference: ref,
      aligned: align === 'weight' ? 'weight' : permuted ? 'permutations' : 'none',
    },
  );
  if (options.bnData && hasBatchNorm(merged)) {
    merged = recomputeBatchNormStats(
      merged,
      options.bnData,
      options.bnBatchSize !== undefined ? { batchSize: options.bnBatchSize } : {},
    );
  }
  return merged;
}

function stripUndefined(o: { space?: 'stored' | 'dense'; allowFixedPartInterpolation?: boolean }): {
  space?: 'stored' | 'dense';
  allowFixedPartInterpolation?: boolean;
} {
  return {
    ...(o.space !== undefined ? { space: o.space } : {}),
    ...(o.allowFixedPartInterpolation !== undefined
      ? { allowFixedPartInterpolation: o.allowFixedPartInterpolation }
      : {}),
  };
}

/** Options of {@link mergePair}. */
export interface MergePairOptions {
  /** λ of the merge (default 0.5, the midpoint). */
  readonly lambda?: number;
  /** `none` (default), `activation`, `weight` or `reference-anti`. */
  readonly alignment?: AlignmentMode;
  /** Split whose inputs drive activation matching and BatchNorm recomputation (default `train`). */
  readonly matchSplit?: string;
  /** Use at most this many samples of `matchSplit` for matching. */
  readonly matchLimit?: number;
  readonly seed?: number;
  readonly randomSamples?: number;
  readonly weightMatching?: { readonly restarts?: number; readonly maxIter?: number };
  readonly verify?: boolean;
  /** BatchNorm statistics: `recompute` (default for BatchNorm models, on `bnSplit`) or `lerp`. */
  readonly bnStats?: BnStatsMode;
  /** Split for the BatchNorm recomputation (default `train`). */
  readonly bnSplit?: string;
  readonly bnBatchSize?: number;
}

/** What {@link mergePair} did (plain JSON). */
export interface MergeRecord {
  readonly schemaVersion: number;
  readonly kind: 'merge';
  readonly lambda: number;
  readonly alignment: AlignmentMode;
  readonly space: 'stored' | 'dense';
  readonly fixedPartsInterpolated: boolean;
  readonly bnStats: BnStatsMode | 'none';
  readonly matching: AlignmentSummary | null;
}

/**
 * Merges two models at one λ (merging.md §9, last paragraph): steps 1–3 of the LMC protocol for a
 * single λ — optional alignment of B to A (activation matching on the training split, weight
 * matching, or the reference's anti-alignment; fixed parts permuted too), interpolation (dense for
 * aligned W-/syre-models, gate-interpolating for aligned σ-models), and BatchNorm recomputation.
 * Dense-interpolated merges are standard networks. The network can be exported to ONNX.
 *
 * @param evaluator - core's `Evaluator` (activation matching; unused otherwise, may be null)
 * @param a - model A (λ = 0)
 * @param b - model B (λ = 1)
 * @param dataset - data for activation matching and BatchNorm recomputation (may be null when
 *   neither is needed)
 * @param options - `lambda` (0.5), `alignment` (`none`), matching and BatchNorm options
 * @returns the merged network and a JSON record of what was done
 * @throws InvalidArgumentError for λ outside [0, 1], an unknown alignment or missing data;
 *   IncompatibleModelsError / IncompatibleFixedPartsError; AlignmentError
 */
export async function mergePair(
  evaluator: Evaluator | null,
  a: Network,
  b: Network,
  dataset: Dataset | null,
  options: MergePairOptions = {},
): Promise<{ network: Network; record: MergeRecord }> {
  const where = 'mergePair';
  const lambda = options.lambda ?? 0.5;
  checkLambda(where, lambda);
  const alignment = checkAlignmentMode(where, options.alignment ?? 'none');
  validateNetwork(a);
  validateNetwork(b);
  const needsData = alignment === 'activation' || alignment === 'reference-anti';
  if (needsData && !dataset) {
    throw new InvalidArgumentError(
      `${where}: ${alignment} alignment needs data — expected a dataset with a "${options.matchSplit ?? 'train'}" split, got null`,
    );
  }
  let other = b;
  let matching: AlignmentSummary | null = null;
  let interp = {};
  if (alignment !== 'none') {
    const inputs = needsData
      ? limitSplit(getSplit(dataset!, options.matchSplit ?? 'train'), options.matchLimit).inputs
      : undefined;
    const r = await alignNetwork(evaluator, a, b, {
      alignment,
      ...(inputs ? { inputs } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.randomSamples !== undefined ? { randomSamples: options.randomSamples } : {}),
      ...(options.weightMatching ? { weightMatching: options.weightMatching } : {}),
      ...(options.verify !== undefined ? { verify: options.verify } : {}),
    });
    other = r.aligned;
    matching = r.summary;
    interp = alignedInterpolation(a);
  }
  const prepared = prepareCombination(where, [a, other], interp);
  let network = combinePrepared(prepared, [1 - lambda, lambda], {
    operation: 'merge',
    lambda,
    alignment,
  });
  let bnStats: BnStatsMode | 'none' = 'none';
  if (hasBatchNorm(network)) {
    bnStats = options.bnStats ?? 'recompute';
    if (bnStats !== 'lerp' && bnStats !== 'recompute') {
      throw new InvalidArgumentError(
        `${where}: bnStats must be 'lerp' or 'recompute' — expected lerp | recompute, got ${String(bnStats)}`,
      );
    }
    if (bnStats === 'recompute') {
      if (!dataset) {
        throw new InvalidArgumentError(
          `${where}: recomputing BatchNorm statistics needs data — expected a dataset, got null (or pass bnStats: 'lerp')`,
        );
      }
      network = recomputeBatchNormStats(
        network,
        getSplit(dataset, options.bnSplit ?? 'train'),
        options.bnBatchSize !== undefined ? { batchSize: options.bnBatchSize } : {},
      );
    }
  }
  return {
    network,
    record: {
      schemaVersion: MERGING_SCHEMA_VERSION,
      kind: 'merge',
      lambda,
      alignment,
      space: prepared.space,
      fixedPartsInterpolated: prepared.fixedPartsInterpolated,
      bnStats,
      matching,
    },
  };
}
