/**
 * `@nidkit/function-class` — the paper's function-class theory as measurements: the principal
 * subspace of a layer's inputs, its coherence and the anisotropy of masked neurons, realization
 * and swap costs, the ridge estimator, the identifiability verdict, and the Givens coherence rotation.
 * @packageDocumentation
 */
export {
  FunctionClassError,
  ZeroVarianceError,
  MissingStructureError,
  InfeasibleTargetError,
} from './errors.js';
export { givensCoherenceRotation } from './givens.js';
export type { GivensRotationOptions, GivensRotationResult } from './givens.js';
export { estimateSubspace, subspaceDimension } from './subspace.js';
export type { Subspace, SubspaceOptions } from './subspace.js';
export {
  coherence,
  leverageScores,
  anisotropy,
  anisotropyBounds,
  DEFAULT_DELTAS,
} from './coherence.js';
export type { Anisotropy, AnisotropyBoundOptions } from './coherence.js';
export { layerStructure } from './structure.js';
export type { LayerStructure } from './structure.js';
export {
  realizationCosts,
  swapCosts,
  signedSqrt,
  swapCostSummary,
  swapCostTolerance,
  quantileSorted,
  DEFAULT_QUANTILES,
} from './realization-cost.js';
export type {
  RealizationCosts,
  RealizationCostOptions,
  SwapCostSummary,
} from './realization-cost.js';
export { symmetricEigen } from './linalg/symmetric-eigen.js';
export type { SymmetricEigen } from './linalg/symmetric-eigen.js';
export { layerCosts, coherenceRecords } from './layer-costs.js';
export type {
  LayerCostOptions,
  LayerCostRecord,
  LayerProgress,
  CoherenceRecord,
  CoherenceRecordOptions,
} from './layer-costs.js';
export {
  ridgeLayer,
  ridgeRealizationCosts,
  modelActivation,
  DEFAULT_RIDGE_BETAS,
} from './ridge.js';
export type { RidgeOptions, RidgeProgress, RidgeBetaRecord, RidgeLayerRecord } from './ridge.js';
export {
  identifiabilityVerdict,
  overallVerdict,
  describeThresholds,
  DEFAULT_VERDICT_THRESHOLDS,
} from './identifiability-verdict.js';
export type { LayerVerdict, VerdictInputs, VerdictThresholds } from './identifiability-verdict.js';
export { identifiability } from './identifiability.js';
export type {
  IdentifiabilityOptions,
  IdentifiabilityLayer,
  IdentifiabilityReport,
  SwapCostDigest,
} from './identifiability.js';
export { toPlainJSON } from './json.js';
