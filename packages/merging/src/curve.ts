import type { Dataset, Evaluator, Network, Split } from '@nidkit/core';
import {
  DataError,
  InvalidArgumentError,
  evaluateSplit,
  getSplit,
  inputFeatures,
  limitSplit,
  outputFeatures,
  validateNetwork,
  validateSplit,
} from '@nidkit/core';
import type { BarrierReport } from './barriers.js';
import { barriers } from './barriers.js';
import { hasBatchNorm, recomputeBatchNormStats } from './batchnorm.js';
import type { CombineOptions } from './combine.js';
import { combinePrepared, prepareCombination } from './combine.js';
import { lambdaGrid } from './grid.js';
import { checkLambda } from './interpolate.js';
import { MERGING_SCHEMA_VERSION } from './schema.js';

/** How BatchNorm running statistics of an interpolant are obtained (merging.md §8). */
export type BnStatsMode = 'lerp' | 'recompute';

/** Options shared by the curve, protocol and merge functions for evaluation and BatchNorm. */
export interface EvaluationOptions {
  /**
   * Splits to evaluate (default: those of `train`, `val`, `test` that the dataset has, else every
   * split of the dataset).
   */
  readonly splits?: readonly string[];
  /** Evaluate at most this many samples per split (default: the full split, as the spec requires). */
  readonly limit?: number;
  /** Samples per evaluator call (default: evaluateSplit's 4096). */
  readonly batchSize?: number;
  /**
   * BatchNorm statistics of each interpolant: `recompute` (default for BatchNorm models) or `lerp`
   * (the reference implementation's behaviour for MLPs). Ignored for models without BatchNorm.
   */
  readonly bnStats?: BnStatsMode;
  /** Split whose inputs recompute BatchNorm statistics (default `train`). */
  readonly bnSplit?: string;
  /** Batch size of the recomputation (default 64). */
  readonly bnBatchSize?: number;
  /** Seed of the recomputation's sample order (default: stored order). */
  readonly bnShuffleSeed?: number;
  /**
   * Use at most this many samples of `bnSplit` for the recomputation (default: the full split, as
   * the spec requires; a limit trades exactness for speed on large BatchNorm models).
   */
  readonly bnLimit?: number;
}

/** Options of {@link lmcCurve}. */
export interface LmcCurveOptions extends EvaluationOptions, CombineOptions {
  /** Explicit λ values (each in [0, 1]); overrides `points`. */
  readonly lambdas?: readonly number[];
  /** Number of grid points, endpoints included (default 37, the paper's figures). */
  readonly points?: number;
  /** Called after each λ with the number of λ values done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Loss and accuracy of one split along the λ path, with its barriers. */
export interface SplitCurve {
  /** Samples evaluated. */
  readonly n: number;
  /** Mean loss at each λ (cross-entropy; BCE per label for multilabel; MSE for regression). */
  readonly loss: number[];
  /** Accuracy (%) at each λ, or null for regression. */
  readonly accuracy: number[] | null;
  /**
   * Every barrier of merging.md §4 (null when the grid does not run from 0 to 1, e.g. explicit
   * λ values that are not a full path).
   */
  readonly barriers: BarrierReport | null;
}

/** An LMC curve: loss/accuracy at each λ on each split (plain JSON). */
export interface LmcCurve {
  readonly schemaVersion: number;
  readonly kind: 'lmc-curve';
  /** The evaluator's name (`reference`, `onnxruntime`, …). */
  readonly evaluator: string;
  readonly task: Dataset['task'];
  readonly lambdas: number[];
  /** `stored` (raw interpolation) or `dense` (effective weights). */
  readonly space: 'stored' | 'dense';
  /** True when σ-gate matrices C were interpolated. */
  readonly fixedPartsInterpolated: boolean;
  /** `none` for models without BatchNorm. */
  readonly bnStats: BnStatsMode | 'none';
  /** One curve per evaluated split. */
  readonly splits: Record<string, SplitCurve>;
}

/** The splits to evaluate: the requested ones, or train/val/test when present, or all. */
export function resolveSplits(dataset: Dataset, requested?: readonly string[]): string[] {
  if (requested) {
    if (requested.length === 0)
      throw new InvalidArgumentError(
        'resolveSplits: no split requested — expected at least one split name, got []',
      );
    for (const name of requested) getSplit(dataset, name);
    return [...requested];
  }
  const standard = ['train', 'val', 'test'].filter((s) => dataset.splits[s] !== undefined);
  return standard.length > 0 ? standard : Object.keys(dataset.splits);
}

/** Resolves and validates the λ values of a curve. */
export function resolveLambdas(
  where: string,
  options: { lambdas?: readonly number[]; points?: number },
): number[] {
  if (options.lambdas) {
    if (options.lambdas.length === 0)
      throw new InvalidArgumentError(
        `${where}: lambdas is empty — expected at least one λ, got []`,
      );
    options.lambdas.forEach((l) => checkLambda(where, l));
    return [...options.lambdas];
  }
  return lambdaGrid({ points: options.points ?? 37 });
}

/** A prepared evaluation context: checked splits and the BatchNorm policy. */
export interface EvaluationContext {
  readonly splits: readonly { readonly name: string; readonly split: Split }[];
  readonly bnStats: BnStatsMode | 'none';
  readonly bnSplit: Split | null;
}

/**
 * Checks the dataset against the network and resolves splits and BatchNorm policy.
 * @throws DataError when the dataset does not fit the network or a split is malformed
 */
export function prepareEvaluation(
  where: string,
  net: Network,
  dataset: Dataset,
  options: EvaluationOptions,
): EvaluationContext {
  const out = outputFeatures(net);
  if (out !== dataset.numOutputs) {
    throw new DataError(
      `${where}: the network has ${out} outputs but dataset "${dataset.name}" has ${dataset.numOutputs} — expected ${dataset.numOutputs} outputs, got ${out}`,
    );
  }
  const features = inputFeatures(net);
  const dataFeatures = dataset.inputShape.reduce((p, d) => p * d, 1);
  if (features !== dataFeatures) {
    throw new DataError(
      `${where}: the network reads ${features} input features but dataset "${dataset.name}" has inputs of shape [${dataset.inputShape.join(', ')}] — expected ${features} features, got ${dataFeatures}`,
    );
  }
  for (const key of ['limit', 'bnLimit'] as const) {
    const v = options[key];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) {
      throw new InvalidArgumentError(
        `${where}: ${key} must be a positive integer — expected ≥ 1, got ${v}`,
      );
    }
  }
  const splits = resolveSplits(dataset, options.splits).map((name) => {
    const split = limitSplit(getSplit(dataset, name), options.limit);
    validateSplit(`${where}: split "${name}"`, split, dataset.task, dataset.numOutputs);
    return { name, split };
  });
  const bn = hasBatchNorm(net);
  const bnStats = bn ? (options.bnStats ?? 'recompute') : 'none';
  if (
    options.bnStats !== undefined &&
    options.bnStats !== 'lerp' &&
    options.bnStats !== 'recompute'
  ) {
    throw new InvalidArgumentError(
      `${where}: bnStats must be 'lerp' or 'recompute' — expected lerp | recompute, got ${String(options.bnStats)}`,
    );
  }
  const bnSplit =
    bnStats === 'recompute'
      ? limitSplit(getSplit(dataset, options.bnSplit ?? 'train'), options.bnLimit)
      : null;
  return { splits, bnStats, bnSplit };
}

/** Recomputes BatchNorm statistics when the context asks for it. */
export function repairBatchNorm(
  net: Network,
  ctx: EvaluationContext,
  options: EvaluationOptions,
): Network {
  if (ctx.bnStats !== 'recompute' || !ctx.bnSplit) return net;
  return recomputeBatchNormStats(net, ctx.bnSplit, {
    ...(options.bnBatchSize !== undefined ? { batchSize: options.bnBatchSize } : {}),
    ...(options.bnShuffleSeed !== undefined ? { shuffleSeed: options.bnShuffleSeed } : {}),
  });
}

/**
 * The LMC curve of two networks (merging.md §3): at each λ of the grid, the interpolant
 * `θ(λ) = (1 − λ)θ_A + λθ_B` (see {@link interpolate}; BatchNorm statistics recomputed by default)
 * is evaluated in eval mode on every requested split through `evaluator` — mean cross-entropy
 * `Σ CE / N` and accuracy `100·#correct/N` (argmax, first index among ties) over the full split —
 * and every barrier variant of §4 is computed per split.
 *
 * @param evaluator - core's `Evaluator` (`ReferenceEvaluator` is exact; `@nidkit/onnx`'s
 *   `createOnnxEvaluator` is fast)
 * @param a - model A (λ = 0)
 * @param b - model B (λ = 1)
 * @param dataset - the data; its `task` selects the loss
 * @param options - grid (`points` default 37, or `lambdas`), `splits`, `limit`, `batchSize`,
 *   `bnStats`, interpolation `space` and `allowFixedPartInterpolation`, `onProgress`
 * @returns the {@link LmcCurve} (plain JSON with `schemaVersion`)
 * @throws IncompatibleModelsError / IncompatibleFixedPartsError when A and B cannot be interpolated;
 *   DataError when the dataset does not fit; InvalidArgumentError for a bad grid or option;
 *   NonFiniteError when an interpolant produces non-finite logits
 */
export async function lmcCurve(
  evaluator: Evaluator,
  a: Network,
  b: Network,
  dataset: Dataset,
  options: LmcCurveOptions = {},
): Promise<LmcCurve> {
  const where = 'lmcCurve';
  const lambdas = resolveLambdas(where, options);
  validateNetwork(a);
  validateNetwork(b);
  const prepared = prepareCombination(where, [a, b], options);
  const ctx = prepareEvaluation(where, a, dataset, options);
  const loss = ctx.splits.map(() => [] as number[]);
  const acc = ctx.splits.map(() => [] as number[]);
  let done = 0;
  for (const lambda of lambdas) {
    let net = combinePrepared(prepared, [1 - lambda, lambda], { operation: 'interpolate', lambda });
    net = repairBatchNorm(net, ctx, options);
    for (let s = 0; s < ctx.splits.length; s++) {
      const m = await evaluateSplit(evaluator, net, ctx.splits[s]!.split, dataset.task, {
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      });
      loss[s]!.push(m.loss);
      if (m.accuracy !== null) acc[s]!.push(m.accuracy);
    }
    done++;
    options.onProgress?.(done, lambdas.length);
  }
  const fullPath =
    lambdas.length >= 2 &&
    lambdas[0] === 0 &&
    lambdas[lambdas.length - 1] === 1 &&
    lambdas.every((l, i) => i === 0 || l > lambdas[i - 1]!);
  const splits: Record<string, SplitCurve> = {};
  ctx.splits.forEach(({ name, split }, s) => {
    const accuracy = dataset.task === 'regression' ? null : acc[s]!;
    splits[name] = {
      n: split.inputs.shape[0]!,
      loss: loss[s]!,
      accuracy,
      barriers: fullPath ? barriers({ lambdas, loss: loss[s]!, accuracy }) : null,
    };
  });
  return {
    schemaVersion: MERGING_SCHEMA_VERSION,
    kind: 'lmc-curve',
    evaluator: evaluator.name,
    task: dataset.task,
    lambdas,
    space: prepared.space,
    fixedPartsInterpolated: prepared.fixedPartsInterpolated,
    bnStats: ctx.bnStats,
    splits,
  };
}
