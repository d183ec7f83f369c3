import type { Network, Tensor } from '@nidkit/core';
import { Rng, tensor, validateNetwork } from '@nidkit/core';
import { ModelConfigError } from '../errors.js';

/** Options of {@link buildScalarMaskedReluNet}. */
export interface ScalarMaskedReluOptions {
  /** Input dimension D (synthetic coherence experiment: 2C = 20). */
  readonly inputDim: number;
  /** Hidden width H (default 128). */
  readonly width?: number;
  /** The fixed mask `M` `[H, D]` (1 = active); see {@link scalarMask}. */
  readonly mask: Tensor<Float32Array>;
  /** Seed of `W ~ N(0, 0.05²)` (stream `(initSeed, 'init', 0)`; default 0). */
  readonly initSeed?: number;
  /** Train the hidden bias (default true); otherwise the layer has no bias (b = 0). */
  readonly trainHiddenBias?: boolean;
}

/**
 * The fixed Bernoulli mask of the synthetic coherence experiment (datasets.md §7): `M[h, d] = 1`
 * with probability `activeProbability` (default 0.15), stream `(seed, 'mask', 0)` (the experiment
 * uses seed `10000 + s`).
 * @param seed - mask seed
 * @param width - H
 * @param inputDim - D
 * @param activeProbability - P(M = 1)
 * @returns `[H, D]` float32 0/1 mask
 * @throws ModelConfigError for a probability outside [0, 1]
 */
export function scalarMask(
  seed: number,
  width: number,
  inputDim: number,
  activeProbability = 0.15,
): Tensor<Float32Array> {
  if (!(activeProbability >= 0 && activeProbability <= 1)) {
    throw new ModelConfigError(
      'activeProbability',
      `scalarMask: probability out of range — expected [0, 1], got ${activeProbability}`,
    );
  }
  const rng = Rng.stream(seed, 'mask', 0);
  const m = new Float32Array(width * inputDim);
  for (let i = 0; i < m.length; i++) m[i] = rng.uniform() < activeProbability ? 1 : 0;
  return tensor(m, [width, inputDim]);
}

/**
 * The ScalarMaskedReLUNet of the synthetic coherence experiment (models.md §10):
 * `hidden = ReLU(x (W ⊙ M)ᵀ + b)`, `output = Σ_h hidden_h`. In the IR: `lins.0` is W-asym with
 * mask M, normal matrix 0 and κ = 0 (so `D = M`, `F = 0`), then ReLU, then a frozen `lins.1` with
 * weights 1 and no bias. Init `W ~ N(0, 0.05²)` for all entries, `b = 0`.
 * @param options - input dim, width, mask, init seed and whether the hidden bias trains
 * @returns a validated `w-asym` network
 * @throws ModelConfigError when the mask shape does not match `[H, D]`
 */
export function buildScalarMaskedReluNet(options: ScalarMaskedReluOptions): Network {
  const D = options.inputDim;
  const H = options.width ?? 128;
  if (!Number.isSafeInteger(D) || D <= 0 || !Number.isSafeInteger(H) || H <= 0) {
    throw new ModelConfigError(
      'inputDim',
      `buildScalarMaskedReluNet: inputDim and width must be positive integers — got ${D} and ${H}`,
    );
  }
  const { mask } = options;
  if (mask.shape.length !== 2 || mask.shape[0] !== H || mask.shape[1] !== D) {
    throw new ModelConfigError(
      'mask',
      `buildScalarMaskedReluNet: mask shape mismatch — expected [${H}, ${D}], got [${mask.shape.join(', ')}]`,
    );
  }
  const initSeed = options.initSeed ?? 0;
  const w = Rng.stream(initSeed, 'init', 0).fillNormal(new Float32Array(H * D), 0, 0.05);
  const train = options.trainHiddenBias ?? true;
  return validateNetwork({
    family: 'w-asym',
    inputShape: [D],
    layers: [
      {
        type: 'linear',
        index: 0,
        weight: tensor(w, [H, D]),
        bias: train ? tensor(new Float32Array(H), [H]) : null,
        fixed: {
          kind: 'mask',
          mask: tensor(mask.data.slice(), [H, D]),
          normal: tensor(new Float32Array(H * D), [H, D]),
          kappa: 0,
        },
      },
      { type: 'act', index: 0, kind: 'relu' },
      {
        type: 'linear',
        index: 1,
        weight: tensor(new Float32Array(H).fill(1), [1, H]),
        bias: null,
        frozen: true,
      },
    ],
    meta: {
      initSeed,
      provenance: {
        builder: '@nidkit/models buildScalarMaskedReluNet',
        width: H,
        inputDim: D,
        trainHiddenBias: train,
      },
    },
  });
}
