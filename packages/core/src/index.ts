/**
 * `@nidkit/core` — the shared language of nidkit: tensors, the network IR, the exact reference
 * forward pass, datasets and the `Evaluator` interface, the seeded random generator and the
 * errors every package uses.
 * @packageDocumentation
 */
export {
  NidkitError,
  InvalidArgumentError,
  ShapeMismatchError,
  InvalidNetworkError,
  NonFiniteError,
  IncompatibleModelsError,
  IncompatibleFixedPartsError,
  DataError,
  formatShape,
} from './errors.js';
export type { ModelDifference } from './errors.js';

export {
  tensor,
  zeros,
  sizeOf,
  dtypeOf,
  toFloat32,
  toFloat64,
  cloneTensor,
  assertShape,
  shapesEqual,
  countNonFinite,
  nonFiniteRowsError,
} from './tensor/tensor.js';
export type { Tensor, FloatArray, DType } from './tensor/tensor.js';
export {
  transpose2d,
  rowView,
  sliceRows,
  matmul,
  matmulRaw,
  matmulTransposedRaw,
} from './tensor/ops.js';

export { Rng } from './rng/rng.js';
export type { StreamLabel } from './rng/rng.js';

export type {
  Family,
  MaskStructure,
  NoiseStructure,
  FixedPart,
  FlattenLayer,
  InputNormLayer,
  LinearLayer,
  NormLayer,
  ActivationKind,
  ActivationLayer,
  GateLayer,
  Layer,
  NetworkMeta,
  Network,
  RecordingPointKind,
  RecordingPoint,
  Block,
} from './network/types.js';
export {
  blocksOf,
  linearLayers,
  layerWidths,
  hiddenWidths,
  inputFeatures,
  outputFeatures,
} from './network/blocks.js';
export { namedTensors, mapTensors, mapLayers } from './network/state.js';
export type { NamedTensor, TensorRole, TensorSlot } from './network/state.js';
export { effectiveWeight, fixedPartOf, toDense } from './network/effective.js';
export { validateNetwork } from './network/validate.js';
export { countParameters } from './network/count.js';
export type { ParameterCount } from './network/count.js';

export { forward, checkRecordingPoint } from './forward/forward.js';
export type { ForwardOptions, ForwardResult, BatchNormBatchStats } from './forward/forward.js';
export { erf, gelu, geluTanh, sigmoid } from './forward/math.js';

export { splitSize, getSplit, validateSplit, sliceSplit, limitSplit } from './data/dataset.js';
export type { Task, Split, Dataset } from './data/dataset.js';
export { lossSums } from './data/loss.js';
export type { LossSums } from './data/loss.js';
export { evaluateSplit, ReferenceEvaluator } from './data/evaluator.js';
export type {
  Evaluator,
  RunOptions,
  RunResult,
  SplitMetrics,
  CrossChunk,
  ChunkColumnStats,
} from './data/evaluator.js';
