/**
 * `@nidkit/models` — the paper's four MLP families (standard, W-, σ- and syre-asymmetric) with
 * shared fixed parts, their training in TypeScript with tfjs (AdamW/SGD, seeded, checkpoints),
 * and the datasets they learn from (embedded `mnist-10k`, IDX files, Fashion-MNIST, synthetic
 * subspace data, mnist-coherence).
 * @packageDocumentation
 */
export { ModelConfigError, IdxFormatError, TrainingError } from './errors.js';

export { resolveMlpConfig, paperMlpConfig } from './architectures/config.js';
export type {
  MlpConfig,
  ResolvedMlpConfig,
  NormKind,
  HiddenActivation,
  PaperKappa,
  PaperMlpOptions,
} from './architectures/config.js';
export { buildMlp, deriveModelSeeds } from './architectures/build-mlp.js';
export { makeMask, makeGaussian } from './architectures/fixed-parts.js';
export { buildScalarMaskedReluNet, scalarMask } from './architectures/scalar-masked-relu.js';
export type { ScalarMaskedReluOptions } from './architectures/scalar-masked-relu.js';

export { selectBackend } from './training/backend.js';
export type { BackendChoice, BackendInfo } from './training/backend.js';
export { trainNetwork, computeGradients, predictTf } from './training/train.js';
export type {
  TrainOptions,
  TrainResult,
  TrainProgress,
  EpochRecord,
  Checkpoint,
  TrainState,
  OptimizerState,
  LossKind,
} from './training/train.js';

export { loadMnist10k, loadMnist10kRaw } from './data/mnist-10k.js';
export type { Mnist10kRaw } from './data/mnist-10k.js';
export {
  MNIST_NORMALIZATION,
  FASHION_MNIST_NORMALIZATION,
  SPLIT_SEED,
  normalizeBytes,
  standardSplit,
  gatherSplit,
} from './data/splits.js';
export {
  readIdx,
  writeIdx,
  loadIdxDataset,
  loadFashionMnist,
  FASHION_MNIST_DIR,
} from './data/idx.js';
export type { IdxArray, IdxType, IdxDatasetOptions } from './data/idx.js';
export {
  gmmSubspace,
  gmmStructure,
  paritySubspace,
  multilabelSubspace,
  subspaceProjection,
} from './data/synthetic.js';
export type {
  GmmSubspaceOptions,
  GmmStructure,
  ParitySubspaceOptions,
  MultilabelSubspaceOptions,
} from './data/synthetic.js';
export {
  coherenceEmbedding,
  coherenceFrame,
  syntheticCoherenceDataset,
} from './data/coherence-synthetic.js';
export type {
  CoherenceFamily,
  CoherenceFrame,
  CoherenceEmbeddingOptions,
  SyntheticCoherenceOptions,
} from './data/coherence-synthetic.js';
export { mnistCoherence } from './data/mnist-coherence.js';
export type { MnistCoherenceOptions, MnistCoherenceResult } from './data/mnist-coherence.js';
