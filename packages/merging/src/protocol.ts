import type { Dataset, Evaluator, Network } from '@nidkit/core';
import { InvalidArgumentError, getSplit, limitSplit, validateNetwork } from '@nidkit/core';
import type { AlignmentMode, AlignmentSummary } from './align.js';
import { alignNetwork, alignedInterpolation, checkAlignmentMode } from './align.js';
import type { BnStatsMode, EvaluationOptions, SplitCurve } from './curve.js';
import { lmcCurve, resolveLambdas } from './curve.js';
import { weightDistance } from './distance.js';
import { MERGING_SCHEMA_VERSION } from './schema.js';

/** Options of {@link lmcProtocol}. */
export interface LmcProtocolOptions extends EvaluationOptions {
  /** Modes to run, in order (default `['none', 'activation']`: unaligned, then aligned). */
  readonly alignment?: AlignmentMode | readonly AlignmentMode[];
  /** Grid points, endpoints included (default 37, the paper's figures). */
  readonly points?: number;
  /** Explicit λ values; overrides `points`. */
  readonly lambdas?: readonly number[];
  /** Split whose inputs drive activation matching (default `train`, as in the paper). */
  readonly matchSplit?: string;
  /** Use at most this many samples of `matchSplit` for matching (default: all). */
  readonly matchLimit?: number;
  /** Samples per evaluator call during activation matching. */
  readonly matchBatchSize?: number;
  /** Seed of matching's random baselines / visiting order (default 0). */
  readonly seed?: number;
  /** Random permutations per layer for the activation-matching baseline (default 100). */
  readonly randomSamples?: number;
  /** Weight-matching restarts and sweeps. */
  readonly weightMatching?: { readonly restarts?: number; readonly maxIter?: number };
  /** Verify that each aligned model computes B's function (default true). */
  readonly verify?: boolean;
  /** Identifiers of the two models in the report (e.g. file names). */
  readonly ids?: { readonly a?: string; readonly b?: string };
  /** Progress: the mode, the stage and λ values done. */
  readonly onProgress?: (event: {
    mode: AlignmentMode;
    stage: 'matching' | 'curve';
    done: number;
    total: number;
  }) => void;
}

/** Identifiers and seeds of one model of a pair. */
export interface ModelInfo {
  readonly id: string | null;
  readonly family: Network['family'];
  readonly maskSeed: number | null;
  readonly initSeed: number | null;
  readonly optimizationSeed: number | null;
  readonly epoch: number | null;
}

/** The result of one alignment mode for one pair (merging.md §6), plain JSON. */
export interface LmcRecord {
  readonly alignment: AlignmentMode;
  readonly lambdas: number[];
  /** Per split: loss and accuracy lists and every barrier of §4 (incl. the linearity flag). */
  readonly splits: Record<string, SplitCurve>;
  /** Weight distance between A and (aligned) B, §5. */
  readonly distance: number;
  readonly normalizedDistance: number;
  readonly numParams: number;
  /** `stored` (raw interpolation) or `dense` (effective weights; aligned W-/syre-models). */
  readonly space: 'stored' | 'dense';
  /** True when σ-gate matrices were interpolated (aligned σ-MLPs). */
  readonly fixedPartsInterpolated: boolean;
  readonly bnStats: BnStatsMode | 'none';
  /** The alignment and its per-layer matching objective; null for `none`. */
  readonly matching: AlignmentSummary | null;
}

/** The LMC protocol's report for one pair (plain JSON with `schemaVersion`). */
export interface LmcReport {
  readonly schemaVersion: number;
  readonly kind: 'lmc-report';
  readonly evaluator: string;
  readonly dataset: string;
  readonly task: Dataset['task'];
  readonly family: Network['family'];
  readonly models: { readonly a: ModelInfo; readonly b: ModelInfo };
  /** One record per alignment mode, in the requested order. */
  readonly records: LmcRecord[];
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * Identifiers and seeds of a model for a pair record (merging.md §6), read from its metadata:
 * `meta.name` or `meta.provenance.source` as id, `maskSeed`, `initSeed`, `optimizationSeed`, and
 * `meta.epoch` or `meta.provenance.epoch`.
 * @param net - the model
 * @param id - an explicit identifier (e.g. the file name), preferred over the metadata
 * @returns the {@link ModelInfo} (null for anything unknown)
 */
export function modelInfo(net: Network, id?: string): ModelInfo {
  const m = net.meta;
  const prov = m.provenance ?? {};
  return {
    id:
      id ??
      (typeof m.name === 'string' ? m.name : typeof prov.source === 'string' ? prov.source : null),
    family: net.family,
    maskSeed: numberOrNull(m.maskSeed),
    initSeed: numberOrNull(m.initSeed),
    optimizationSeed: numberOrNull(m.optimizationSeed),
    epoch: numberOrNull(m.epoch) ?? numberOrNull(prov.epoch),
  };
}

/**
 * The paper's LMC protocol for one pair (merging.md §9), in one call:
 * 1. **unaligned** (`none`): interpolate A and B as stored (shared D and F for W-/syre-models;
 *    naive for standard ones);
 * 2. **aligned** (`activation`): activation matching on the training split (`post_activation`,
 *    `pearson_zero_for_constant`, maximized), B' = B permuted including its fixed parts (verified),
 *    then interpolation — standard: `interpolate(A, B')`; W/syre: dense; σ: with the gate
 *    interpolated (flagged);
 * 3. `weight`: the same with π from weight matching; `reference-anti`: the reference's
 *    anti-aligned curves (maximizing `1 − |ρ|`).
 * Each mode evaluates every split at every λ (§3; BatchNorm statistics recomputed by default) and
 * reports every barrier (§4), the weight distance (§5) and, for aligned modes, the matching
 * objective of each layer.
 *
 * @param evaluator - core's `Evaluator` (reference: exact; onnxruntime: fast)
 * @param a - model A (λ = 0)
 * @param b - model B (λ = 1)
 * @param dataset - the data (its `train` split drives activation matching by default)
 * @param options - `alignment` (default `['none', 'activation']`), `points` (37) or `lambdas`,
 *   `splits`, `matchSplit`, `seed`, `bnStats`, … (see {@link LmcProtocolOptions})
 * @returns the {@link LmcReport} (one record per mode)
 * @throws InvalidArgumentError for an unknown mode or bad option; IncompatibleModelsError when the
 *   architectures differ; IncompatibleFixedPartsError for the unaligned mode when fixed parts
 *   differ; DataError when the dataset does not fit; AlignmentError when alignment fails
 */
export async function lmcProtocol(
  evaluator: Evaluator,
  a: Network,
  b: Network,
  dataset: Dataset,
  options: LmcProtocolOptions = {},
): Promise<LmcReport> {
  const where = 'lmcProtocol';
  const requested = options.alignment ?? ['none', 'activation'];
  const modes = (typeof requested === 'string' ? [requested] : [...requested]).map((m) =>
    checkAlignmentMode(where, m),
  );
  if (modes.length === 0)
    throw new InvalidArgumentError(
      `${where}: no alignment mode — expected at least one of none, activation, weight, reference-anti, got []`,
    );
  const lambdas = resolveLambdas(where, options);
  validateNetwork(a);
  validateNetwork(b);
  const needsInputs = modes.some((m) => m === 'activation' || m === 'reference-anti');
  const matchInputs = needsInputs
    ? limitSplit(getSplit(dataset, options.matchSplit ?? 'train'), options.matchLimit).inputs
    : undefined;
  const records: LmcRecord[] = [];
  for (const mode of modes) {
    let other = b;
    let matching: AlignmentSummary | null = null;
    let interp = {};
    if (mode !== 'none') {
      options.onProgress?.({ mode, stage: 'matching', done: 0, total: lambdas.length });
      const r = await alignNetwork(evaluator, a, b, {
        alignment: mode,
        ...(matchInputs ? { inputs: matchInputs } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.randomSamples !== undefined ? { randomSamples: options.randomSamples } : {}),
        ...(options.matchBatchSize !== undefined ? { batchSize: options.matchBatchSize } : {}),
        ...(options.weightMatching ? { weightMatching: options.weightMatching } : {}),
        ...(options.verify !== undefined ? { verify: options.verify } : {}),
      });
      other = r.aligned;
      matching = r.summary;
      interp = alignedInterpolation(a);
    }
    const { onProgress, ...rest } = options;
    const curve = await lmcCurve(evaluator, a, other, dataset, {
      ...rest,
      ...interp,
      lambdas,
      ...(onProgress
        ? {
            onProgress: (done: number, total: number) =>
              onProgress({ mode, stage: 'curve', done, total }),
          }
        : {}),
    });
    const d = weightDistance(a, other);
    records.push({
      alignment: mode,
      lambdas: curve.lambdas,
      splits: curve.splits,
      distance: d.distance,
      normalizedDistance: d.normalizedDistance,
      numParams: d.numParams,
      space: curve.space,
      fixedPartsInterpolated: curve.fixedPartsInterpolated,
      bnStats: curve.bnStats,
      matching,
    });
  }
  return {
    schemaVersion: MERGING_SCHEMA_VERSION,
    kind: 'lmc-report',
    evaluator: evaluator.name,
    dataset: dataset.name,
    task: dataset.task,
    family: a.family,
    models: { a: modelInfo(a, options.ids?.a), b: modelInfo(b, options.ids?.b) },
    records,
  };
}
