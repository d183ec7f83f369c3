/**
 * `@nidkit/matching` — how nidkit tells whether the neurons of two runs correspond: exact linear
 * assignment (SciPy-equivalent, shortest augmenting path on typed arrays), streaming similarity
 * matrices, activation matching through a core `Evaluator`, Git Re-Basin weight matching, and
 * permutation specs that move every part of a neuron (including masks, noise, σ-gates and
 * BatchNorm statistics) so that a permuted network computes the same function.
 * @packageDocumentation
 */
export {
  InvalidCostMatrixError,
  InfeasibleCostMatrixError,
  ConstantUnitError,
  InvalidPermutationError,
  PermutationVerificationError,
} from './errors.js';

export { linearSumAssignment } from './assignment/linear-sum-assignment.js';
export type {
  LinearSumAssignmentOptions,
  AssignmentResult,
} from './assignment/linear-sum-assignment.js';
export { toDenseMatrix } from './assignment/matrix-input.js';
export type { MatrixInput, DenseMatrix } from './assignment/matrix-input.js';

export {
  similarityMatrix,
  CrossStatistics,
  SIMILARITY_KINDS,
  isDissimilarity,
} from './similarity/similarity.js';
export type {
  SimilarityKind,
  SimilarityResult,
  SimilarityOptions,
} from './similarity/similarity.js';

export { matchingObjective } from './matching/objective.js';
export type { MatchingObjective, MatchingObjectiveOptions } from './matching/objective.js';
export {
  activationMatching,
  accumulateActivationStatistics,
} from './matching/activation-matching.js';
export type {
  MatchingPoint,
  Alignment,
  AccumulateOptions,
  ActivationStatistics,
  ActivationMatchingOptions,
  ActivationMatchingResult,
  LayerMatching,
} from './matching/activation-matching.js';
export { weightMatching } from './matching/weight-matching.js';
export type { WeightMatchingOptions, WeightMatchingResult } from './matching/weight-matching.js';

export { permutationSpec } from './permutation/spec.js';
export type { PermutationSpec, PermutationGroup, PermutedAxis } from './permutation/spec.js';
export { permuteNetwork } from './permutation/permute.js';
export type { PermuteOptions, VerifyOptions } from './permutation/permute.js';
export {
  assertPermutation,
  isPermutation,
  invertPermutation,
  composePermutations,
  identityPermutation,
} from './permutation/permutation.js';
