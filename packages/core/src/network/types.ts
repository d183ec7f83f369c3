import type { Tensor } from '../tensor/tensor.js';

/** The four MLP families of the paper. */
export type Family = 'standard' | 'w-asym' | 'sigma-asym' | 'syre';

/** W-asymmetric fixed part: mask D (1 = trainable, 0 = fixed) and normal matrix N; F = (1−D)⊙κN. */
export interface MaskStructure {
  readonly kind: 'mask';
  /** `lins.{l}.mask`, `[out, in]`, entries exactly 0 or 1. */
  readonly mask: Tensor<Float32Array>;
  /** `lins.{l}.normal_mask`, `[out, in]`. */
  readonly normal: Tensor<Float32Array>;
  /** κ = σ_F, stored as a float32 value (`Math.fround`). */
  readonly kappa: number;
  /** Fixed entries per row (every row has exactly this many zeros in D), when known. */
  readonly numFixed?: number;
}

/** syre fixed part: W_eff = W + κN. */
export interface NoiseStructure {
  readonly kind: 'noise';
  /** `lins.{l}.noise`, `[out, in]`. */
  readonly noise: Tensor<Float32Array>;
  /** κ, stored as a float32 value (`Math.fround`). */
  readonly kappa: number;
}

/** The fixed asymmetric part of a linear layer. */
export type FixedPart = MaskStructure | NoiseStructure;

/** Flattens `[N, ...inputShape]` to `[N, prod(inputShape)]` (row-major). */
export interface FlattenLayer {
  readonly type: 'flatten';
}

/** Optional input normalization `x ↦ (x − mean) / std`, applied elementwise before anything else. */
export interface InputNormLayer {
  readonly type: 'input-norm';
  readonly mean: number;
  readonly std: number;
}

/** Linear layer `lins.{index}`: `z = W_eff h + b`, weight stored `[out, in]`. */
export interface LinearLayer {
  readonly type: 'linear';
  readonly index: number;
  /** `lins.{l}.weight`, `[out, in]` — the raw trainable W. */
  readonly weight: Tensor<Float32Array>;
  /** `lins.{l}.bias`, `[out]`, or null for a layer without bias. */
  readonly bias: Tensor<Float32Array> | null;
  /** True when the layer is not trained (ScalarMaskedReLUNet's output layer). */
  readonly frozen?: boolean;
  readonly fixed?: FixedPart;
}

/** LayerNorm or BatchNorm1d over the feature axis, after a hidden linear layer. */
export interface NormLayer {
  readonly type: 'norm';
  readonly index: number;
  readonly kind: 'layer' | 'batch';
  /** `norms.{l}.weight` (γ), `[n]`. */
  readonly gamma: Tensor<Float32Array>;
  /** `norms.{l}.bias` (β), `[n]`. */
  readonly beta: Tensor<Float32Array>;
  readonly eps: number;
  /** BatchNorm only: `norms.{l}.running_mean`, `[n]`. */
  readonly runningMean?: Tensor<Float32Array>;
  /** BatchNorm only: `norms.{l}.running_var`, `[n]`. */
  readonly runningVar?: Tensor<Float32Array>;
  /** BatchNorm only: `norms.{l}.num_batches_tracked`. */
  readonly numBatchesTracked?: number;
  /** BatchNorm only: PyTorch momentum (default 0.1). */
  readonly momentum?: number;
}

/** Elementwise activation kinds. */
export type ActivationKind = 'relu' | 'gelu' | 'gelu_tanh' | 'identity';

/** Elementwise activation after hidden layer `index`. */
export interface ActivationLayer {
  readonly type: 'act';
  readonly index: number;
  readonly kind: ActivationKind;
}

/** σ-asymmetric gate after hidden layer `index`: `h = sigmoid(C z) ⊙ z`. */
export interface GateLayer {
  readonly type: 'gate';
  readonly index: number;
  /** `activations.{l}.C`, `[n, n]`, fixed. */
  readonly C: Tensor<Float32Array>;
}

/** Any element of a network's layer chain. */
export type Layer =
  FlattenLayer | InputNormLayer | LinearLayer | NormLayer | ActivationLayer | GateLayer;

/** Seeds and provenance; everything a user needs to know where a network came from. */
export interface NetworkMeta {
  /** Seed of the fixed parts shared by all models of a run. */
  readonly maskSeed?: number;
  readonly initSeed?: number;
  readonly optimizationSeed?: number;
  /** Free-form provenance: source files, λ, alignment, training config, importer notes. */
  readonly provenance?: Readonly<Record<string, unknown>>;
  /** Any further JSON-serializable fields. */
  readonly [key: string]: unknown;
}

/**
 * nidkit's network IR: an input shape and a chain of layers, in order:
 * `[input-norm] [flatten] (linear [norm] (act | gate))* linear`.
 * Immutable by convention: operations return new networks.
 */
export interface Network {
  readonly family: Family;
  /** Per-sample input shape, e.g. `[1, 28, 28]` or `[784]`. */
  readonly inputShape: readonly number[];
  readonly layers: readonly Layer[];
  readonly meta: NetworkMeta;
}

/** Where activations are read in hidden layer (or linear layer) `layer`. */
export type RecordingPointKind = 'input' | 'post_linear' | 'post_norm' | 'post_activation';

/**
 * A recording point: `input` is the input of `lins.{layer}` (defined for every linear layer);
 * `post_linear` the output of `lins.{layer}` (every linear layer; for the last it is the logits);
 * `post_norm` and `post_activation` exist for hidden layers only.
 */
export interface RecordingPoint {
  readonly layer: number;
  readonly point: RecordingPointKind;
}

/** One hidden or output block of a network: its linear layer and what follows it. */
export interface Block {
  readonly index: number;
  readonly linear: LinearLayer;
  readonly norm: NormLayer | null;
  readonly activation: ActivationLayer | GateLayer | null;
}
