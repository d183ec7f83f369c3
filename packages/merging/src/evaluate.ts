import type { Dataset, Evaluator, Network } from '@nidkit/core';
import { InvalidArgumentError, evaluateSplit, validateNetwork } from '@nidkit/core';
import type { AverageOptions } from './average.js';
import { normalizeWeights } from './average.js';
import { combinePrepared, prepareCombination } from './combine.js';
import type { BnStatsMode, EvaluationOptions } from './curve.js';
import { prepareEvaluation, repairBatchNorm } from './curve.js';
import { MERGING_SCHEMA_VERSION } from './schema.js';

/** Loss and accuracy of one network on one split. */
export interface SplitEvaluation {
  readonly n: number;
  /** Mean loss (cross-entropy, BCE per label, or MSE). */
  readonly loss: number;
  /** Accuracy in percent, or null for regression. */
  readonly accuracy: number | null;
}

/** The evaluation of a multi-model average (merging.md §7), plain JSON. */
export interface AverageEvaluation {
  readonly schemaVersion: number;
  readonly kind: 'average-evaluation';
  readonly evaluationType: 'midpoint';
  readonly evaluator: string;
  readonly task: Dataset['task'];
  readonly numModels: number;
  /** The normalized averaging weights. */
  readonly weights: number[];
  readonly space: 'stored' | 'dense';
  readonly fixedPartsInterpolated: boolean;
  readonly bnStats: BnStatsMode | 'none';
  /** Per split: loss and accuracy of the averaged model. */
  readonly splits: Record<string, SplitEvaluation>;
}

/**
 * Loss and accuracy of one network on each requested split (merging.md §3: eval mode, full split,
 * mean cross-entropy and `100·#correct/N`), through `evaluator`. BatchNorm statistics are used as
 * stored.
 * @param evaluator - core's `Evaluator`
 * @param net - the network
 * @param dataset - the data
 * @param options - `splits`, `limit`, `batchSize`
 * @returns per split `{ n, loss, accuracy }`
 * @throws DataError when the dataset does not fit the network; NonFiniteError for non-finite logits
 */
export async function evaluateNetwork(
  evaluator: Evaluator,
  net: Network,
  dataset: Dataset,
  options: Omit<EvaluationOptions, 'bnStats'> = {},
): Promise<Record<string, SplitEvaluation>> {
  validateNetwork(net);
  const ctx = prepareEvaluation('evaluateNetwork', net, dataset, { ...options, bnStats: 'lerp' });
  const out: Record<string, SplitEvaluation> = {};
  for (const { name, split } of ctx.splits) {
    const m = await evaluateSplit(evaluator, net, split, dataset.task, {
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    });
    out[name] = { n: m.n, loss: m.loss, accuracy: m.accuracy };
  }
  return out;
}

/**
 * Evaluates the uniform (or weighted) average of K models (merging.md §7, `evaluationType:
 * "midpoint"`): `θ = Σ_k w_k θ_k` by `averageNetworks`, BatchNorm statistics recomputed by
 * default, then loss and accuracy per split as in §3.
 * @param evaluator - core's `Evaluator`
 * @param nets - the models (same architecture and fixed parts, or `space: 'dense'`)
 * @param dataset - the data
 * @param options - averaging (`weights`, `space`, `allowFixedPartInterpolation`) and evaluation options
 * @returns the {@link AverageEvaluation}
 * @throws InvalidArgumentError for an empty list or bad weights; IncompatibleModelsError /
 *   IncompatibleFixedPartsError; DataError when the dataset does not fit
 */
export async function evaluateAverage(
  evaluator: Evaluator,
  nets: readonly Network[],
  dataset: Dataset,
  options: AverageOptions & EvaluationOptions = {},
): Promise<AverageEvaluation> {
  if (nets.length === 0) {
    throw new InvalidArgumentError(
      'evaluateAverage: no models given — expected at least 1 network, got 0',
    );
  }
  const weights = normalizeWeights('evaluateAverage', nets.length, options.weights);
  nets.forEach((n) => validateNetwork(n));
  const prepared = prepareCombination('evaluateAverage', nets, options);
  const averaged = combinePrepared(prepared, weights, {
    operation: 'average',
    weights,
    numModels: nets.length,
  });
  const ctx = prepareEvaluation('evaluateAverage', averaged, dataset, options);
  const net = repairBatchNorm(averaged, ctx, options);
  const splits: Record<string, SplitEvaluation> = {};
  for (const { name, split } of ctx.splits) {
    const m = await evaluateSplit(evaluator, net, split, dataset.task, {
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    });
    splits[name] = { n: m.n, loss: m.loss, accuracy: m.accuracy };
  }
  return {
    schemaVersion: MERGING_SCHEMA_VERSION,
    kind: 'average-evaluation',
    evaluationType: 'midpoint',
    evaluator: evaluator.name,
    task: dataset.task,
    numModels: nets.length,
    weights,
    space: prepared.space,
    fixedPartsInterpolated: prepared.fixedPartsInterpolated,
    bnStats: ctx.bnStats,
    splits,
  };
}
