/**
 * `@nidkit/merging` — can two trained networks simply be averaged? Linear interpolation of core IR
 * networks, λ grids, LMC curves through an `Evaluator`, every barrier variant, weight distances,
 * multi-model averaging, BatchNorm recomputation, and the paper's aligned/unaligned LMC protocol
 * (alignment by `@nidkit/matching`). Results are plain JSON objects with a `schemaVersion`.
 * @packageDocumentation
 */
export { InvalidCurveError, AlignmentError } from './errors.js';
export { IncompatibleModelsError, IncompatibleFixedPartsError } from '@nidkit/core';
export type { ModelDifference } from '@nidkit/core';

export { compareStructure, compareFixedParts } from './compare.js';
export type { CompareFixedPartsOptions } from './compare.js';
export type { CombineOptions } from './combine.js';
export { interpolate } from './interpolate.js';
export type { InterpolateOptions } from './interpolate.js';
export { lambdaGrid } from './grid.js';
export {
  barriers,
  lossBarrier,
  midpointLossBarrier,
  accuracyBarrierPp,
  midpointAccuracyBarrierPp,
  accuracyDropPp,
  relativeAccuracyDropPct,
  linearity,
  peakBarrier,
  midpointBarrier,
} from './barriers.js';
export type { BarrierReport } from './barriers.js';
export { weightDistance } from './distance.js';
export type { WeightDistance } from './distance.js';
export { averageNetworks } from './average.js';
export type { AverageOptions } from './average.js';
export { recomputeBatchNormStats, hasBatchNorm } from './batchnorm.js';
export type { RecomputeBatchNormOptions } from './batchnorm.js';
export { lmcCurve } from './curve.js';
export type {
  LmcCurve,
  LmcCurveOptions,
  SplitCurve,
  EvaluationOptions,
  BnStatsMode,
} from './curve.js';
export { MERGING_SCHEMA_VERSION } from './schema.js';
export { evaluateNetwork, evaluateAverage } from './evaluate.js';
export type { SplitEvaluation, AverageEvaluation } from './evaluate.js';
export { alignNetwork, alignByWeights, alignedInterpolation } from './align.js';
export type {
  AlignmentMode,
  AligningMode,
  AlignOptions,
  AlignResult,
  AlignmentSummary,
  LayerAlignment,
} from './align.js';
export { lmcProtocol, modelInfo } from './protocol.js';
export type { LmcProtocolOptions, LmcRecord, LmcReport, ModelInfo } from './protocol.js';
export { mergeNetworks, mergePair } from './merge.js';
export type { MergeNetworksOptions, MergePairOptions, MergeRecord } from './merge.js';
export { summarizeLmcReports } from './summary.js';
export type { LmcSummary, ModeSummary, SplitSummary, MeanStd } from './summary.js';
