import {
  InvalidArgumentError,
  NonFiniteError,
  Rng,
  blocksOf,
  countNonFinite,
  erf,
  tensor,
} from '@nidkit/core';
import type { ActivationKind, Evaluator, LinearLayer, Network, Tensor } from '@nidkit/core';
import { MissingStructureError } from './errors.js';
import { recordLayerInputs } from './layer-costs.js';
import { swapCosts } from './realization-cost.js';
import { layerStructure } from './structure.js';

/** The default β grid of the ridge estimator, in ascending order. */
export const DEFAULT_RIDGE_BETAS: readonly number[] = [0.001, 0.01, 0.1, 1.0];

/** BatchNorm's fresh eval-mode scale `1/sqrt(1 + 1e−5)` (running mean 0, variance 1). */
const BN_SCALE = 1 / Math.sqrt(1 + 1e-5);

/** Progress of the ridge estimator. */
export interface RidgeProgress {
  readonly layer: string;
  readonly beta: number;
  /** Completed iterations for this β. */
  readonly iteration: number;
  readonly iterations: number;
}

/** Options of {@link ridgeRealizationCosts} and {@link ridgeLayer}. */
export interface RidgeOptions {
  /** Neurons considered: `n' = min(numNeurons, out)` (default: all). */
  readonly numNeurons?: number;
  /** A seeded random subset of this many ordered pairs (default: all n'² pairs). */
  readonly numPairs?: number;
  /** Seed of the pair subset (stream `(seed, 'ridge-pairs')`, default 0). */
  readonly seed?: number;
  /** β grid, fitted in ascending order (default 0.001, 0.01, 0.1, 1). */
  readonly betas?: readonly number[];
  /** Full-batch AdamW steps per β (default 3000). */
  readonly iterations?: number;
  /** AdamW learning rate (default 5e−3; weight decay 0). */
  readonly lr?: number;
  /** Keep the student between β values (default true, as the reference); false resets it to the trained weights. */
  readonly warmStart?: boolean;
  /** Fraction of samples in (0, 1], chosen by a fixed permutation of stream `(4215, 'ridge-subsample')` (default 1). */
  readonly subsample?: number;
  /** Activation used for every layer (default: the model's hidden activation, also for the output layer). */
  readonly activation?: ActivationKind;
  /** Linear layers to fit (default: all). Only for {@link ridgeRealizationCosts}. */
  readonly layers?: readonly number[];
  /** Evaluator batch size. Only for {@link ridgeRealizationCosts}. */
  readonly batchSize?: number;
  /** Called every `progressEvery` iterations and after the last. */
  readonly onProgress?: (p: RidgeProgress) => void;
  /** Iterations between progress calls (default 100). */
  readonly progressEvery?: number;
}

/** Results of one β (function-class.md §6); arrays are indexed by pair. */
export interface RidgeBetaRecord {
  readonly beta: number;
  /** `loss_g` at the last iteration, before its update. */
  readonly objectiveFull: Float64Array;
  /** `(1/β)·MSE`. */
  readonly objectiveMse: Float64Array;
  /** The regularizer `‖D ⊙ w‖²` (W-layer) or `‖w‖²` (dense, syre), raw trainable weights. */
  readonly R: Float64Array;
  /** L2 row norm of the target's raw weights. */
  readonly weightScale1: Float64Array;
  /** L2 row norm of the student's raw weights. */
  readonly weightScale2: Float64Array;
  /** Residual `(objectiveFull − R)·β`, i.e. the MSE. */
  readonly mse: Float64Array;
  /** Full grid only: `R` as `[n', n']` with `R[id1, id2]`, else null. */
  readonly Rgrid: Tensor<Float64Array> | null;
  /** Full grid only: `T_ridge[i,j] = R[i,j] + R[j,i] − R[i,i] − R[j,j]`, else null. */
  readonly T: Tensor<Float64Array> | null;
}

/** Ridge estimate of one layer. */
export interface RidgeLayerRecord {
  /** `lins.{l}`. */
  readonly layer: string;
  /** The model's norm kind after this layer (`layer`, `batch` or `none`); the estimator always uses a fresh BatchNorm. */
  readonly normKind: 'layer' | 'batch' | 'none';
  readonly activation: ActivationKind;
  /** n'. */
  readonly numNeurons: number;
  /** Samples used. */
  readonly samples: number;
  /** `[P, 2]` rows `(id1, id2)`: neuron id2 (student) realizes neuron id1's function (target). */
  readonly pairs: Int32Array;
  readonly warmStart: boolean;
  readonly iterations: number;
  readonly perBeta: RidgeBetaRecord[];
}

/** φ and φ′ of an activation kind. @internal */
export function activationFns(kind: ActivationKind): {
  f: (u: number) => number;
  df: (u: number) => number;
} {
  switch (kind) {
    case 'relu':
      return { f: (u) => (u > 0 ? u : 0), df: (u) => (u > 0 ? 1 : 0) };
    case 'identity':
      return { f: (u) => u, df: () => 1 };
    case 'gelu': {
      const c = 1 / Math.sqrt(2 * Math.PI);
      return {
        f: (u) => 0.5 * u * (1 + erf(u / Math.SQRT2)),
        df: (u) => 0.5 * (1 + erf(u / Math.SQRT2)) + u * c * Math.exp(-0.5 * u * u),
      };
    }
    case 'gelu_tanh': {
      const c = Math.sqrt(2 / Math.PI);
      return {
        f: (u) => 0.5 * u * (1 + Math.tanh(c * (u + 0.044715 * u * u * u))),
        df: (u) => {
          const t = Math.tanh(c * (u + 0.044715 * u * u * u));
          return 0.5 * (1 + t) + 0.5 * u * (1 - t * t) * c * (1 + 3 * 0.044715 * u * u);
        },
      };
    }
  }
}

/** Loss parts and gradient of one ridge pair (function-class.md §6). @internal */
export interface PairLoss {
  /** Σ_n (y1 − y2)². */
  sse: number;
  /** The regularizer `‖D ⊙ w‖²` (or `‖w‖²`). */
  reg: number;
  /** ∂loss/∂b. */
  gradBias: number;
}

/**
 * `loss = (1/β)·(1/N)·Σ_n (y1_n − φ(s·(w_eff·x_n + b)))² + Σ_c D_c w_c²` with `w_eff = D ⊙ w + f`
 * and `s = 1/sqrt(1 + 1e−5)`; writes `∂loss/∂w` (masked by D) into `gradW` and returns the parts.
 * @internal
 */
export function pairLossAndGradient(
  x: Float64Array,
  N: number,
  d: number,
  W: Float64Array,
  wo: number,
  bias: number,
  mask: ArrayLike<number> | null,
  fixed: ArrayLike<number> | null,
  fo: number,
  target: Float64Array,
  phi: (u: number) => number,
  dphi: (u: number) => number,
  beta: number,
  gradW: Float64Array,
  weffRow: Float64Array,
): PairLoss {
  for (let c = 0; c < d; c++) {
    const w = W[wo + c]!;
    weffRow[c] = (mask ? mask[fo + c]! * w : w) + (fixed ? fixed[fo + c]! : 0);
  }
  gradW.fill(0);
  let gB = 0;
  let sse = 0;
  for (let r = 0; r < N; r++) {
    const xo = r * d;
    let s = bias;
    for (let c = 0; c < d; c++) s += weffRow[c]! * x[xo + c]!;
    const u = s * BN_SCALE;
    const diff = phi(u) - target[r]!;
    sse += diff * diff;
    const coef = diff * dphi(u) * BN_SCALE;
    if (coef !== 0) {
      for (let c = 0; c < d; c++) gradW[c] = gradW[c]! + coef * x[xo + c]!;
      gB += coef;
    }
  }
  const scale = 2 / (beta * N);
  let reg = 0;
  for (let c = 0; c < d; c++) {
    const w = W[wo + c]!;
    const m = mask ? mask[fo + c]! : 1;
    reg += m * w * w;
    gradW[c] = m * (scale * gradW[c]! + 2 * w);
  }
  return { sse, reg, gradBias: gB * scale };
}

/** Pairs per block of {@link blockLossAndGradient}: the `N × PAIR_BLOCK` pre-activations stay small. */
const PAIR_BLOCK = 32;

/**
 * {@link pairLossAndGradient} for the pairs `g0..g1−1` at once: `X·W_effᵀ` and `coefᵀ·X` as
 * register-blocked matrix products, so the inputs stream once per block instead of once per pair.
 * Targets come from `Y1` (`N × width`, column `target[g]`). Writes `gradW` rows (masked by D),
 * `gradB`, `sse` and `reg` at the pair indices. @internal
 */
export function blockLossAndGradient(
  x: Float64Array,
  N: number,
  d: number,
  g0: number,
  g1: number,
  W: Float64Array,
  B: Float64Array,
  student: Int32Array,
  target: Int32Array,
  Y1: Float64Array,
  width: number,
  mask: ArrayLike<number> | null,
  fixed: ArrayLike<number> | null,
  phi: (u: number) => number,
  dphi: (u: number) => number,
  beta: number,
  out: { gradW: Float64Array; gradB: Float64Array; sse: Float64Array; reg: Float64Array },
  scratch: { weff: Float64Array; S: Float64Array },
): void {
  const pb = g1 - g0;
  const weff = scratch.weff;
  const S = scratch.S; // N × pb
  for (let q = 0; q < pb; q++) {
    const g = g0 + q;
    const wo = g * d;
    const fo = student[g]! * d;
    for (let c = 0; c < d; c++) {
      const w = W[wo + c]!;
      weff[q * d + c] = (mask ? mask[fo + c]! * w : w) + (fixed ? fixed[fo + c]! : 0);
    }
  }
  // S = X · W_effᵀ, 2 samples × 4 pairs per register block
  let n = 0;
  for (; n + 2 <= N; n += 2) {
    const x0 = n * d;
    const x1 = x0 + d;
    let q = 0;
    for (; q + 4 <= pb; q += 4) {
      const w0 = q * d;
      const w1 = w0 + d;
      const w2 = w1 + d;
      const w3 = w2 + d;
      let a00 = 0,
        a01 = 0,
        a02 = 0,
        a03 = 0,
        a10 = 0,
        a11 = 0,
        a12 = 0,
        a13 = 0;
      for (let c = 0; c < d; c++) {
        const u0 = x[x0 + c]!;
        const u1 = x[x1 + c]!;
        const v0 = weff[w0 + c]!;
        const v1 = weff[w1 + c]!;
        const v2 = weff[w2 + c]!;
        const v3 = weff[w3 + c]!;
        a00 += u0 * v0;
        a01 += u0 * v1;
        a02 += u0 * v2;
        a03 += u0 * v3;
        a10 += u1 * v0;
        a11 += u1 * v1;
        a12 += u1 * v2;
        a13 += u1 * v3;
      }
      const s0 = n * pb + q;
      const s1 = s0 + pb;
      S[s0] = a00;
      S[s0 + 1] = a01;
      S[s0 + 2] = a02;
      S[s0 + 3] = a03;
      S[s1] = a10;
      S[s1 + 1] = a11;
      S[s1 + 2] = a12;
      S[s1 + 3] = a13;
    }
    for (; q < pb; q++) {
      const w0 = q * d;
      let a0 = 0;
      let a1 = 0;
      for (let c = 0; c < d; c++) {
        a0 += x[x0 + c]! * weff[w0 + c]!;
        a1 += x[x1 + c]! * weff[w0 + c]!;
      }
      S[n * pb + q] = a0;
      S[(n + 1) * pb + q] = a1;
    }
  }
  for (; n < N; n++) {
    for (let q = 0; q < pb; q++) {
      let a = 0;
      for (let c = 0; c < d; c++) a += x[n * d + c]! * weff[q * d + c]!;
      S[n * pb + q] = a;
    }
  }
  // residuals → coefficients (in place), bias gradients and SSE
  for (let q = 0; q < pb; q++) {
    out.sse[g0 + q] = 0;
    out.gradB[g0 + q] = 0;
  }
  for (let r = 0; r < N; r++) {
    const so = r * pb;
    const yo = r * width;
    for (let q = 0; q < pb; q++) {
      const g = g0 + q;
      const u = (S[so + q]! + B[g]!) * BN_SCALE;
      const diff = phi(u) - Y1[yo + target[g]!]!;
      out.sse[g] = out.sse[g]! + diff * diff;
      const coef = diff * dphi(u) * BN_SCALE;
      S[so + q] = coef;
      out.gradB[g] = out.gradB[g]! + coef;
    }
  }
  // gradW rows = coefᵀ · X, 4 pairs per register block
  const gw = out.gradW;
  gw.fill(0, g0 * d, g1 * d);
  for (let r = 0; r < N; r++) {
    const xo = r * d;
    const so = r * pb;
    let q = 0;
    for (; q + 4 <= pb; q += 4) {
      const c0 = S[so + q]!;
      const c1 = S[so + q + 1]!;
      const c2 = S[so + q + 2]!;
      const c3 = S[so + q + 3]!;
      if (c0 === 0 && c1 === 0 && c2 === 0 && c3 === 0) continue;
      const o0 = (g0 + q) * d;
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      for (let c = 0; c < d; c++) {
        const xv = x[xo + c]!;
        gw[o0 + c] = gw[o0 + c]! + c0 * xv;
        gw[o1 + c] = gw[o1 + c]! + c1 * xv;
        gw[o2 + c] = gw[o2 + c]! + c2 * xv;
        gw[o3 + c] = gw[o3 + c]! + c3 * xv;
      }
    }
    for (; q < pb; q++) {
      const cq = S[so + q]!;
      if (cq === 0) continue;
      const o = (g0 + q) * d;
      for (let c = 0; c < d; c++) gw[o + c] = gw[o + c]! + cq * x[xo + c]!;
    }
  }
  const scale = 2 / (beta * N);
  for (let q = 0; q < pb; q++) {
    const g = g0 + q;
    const wo = g * d;
    const fo = student[g]! * d;
    let reg = 0;
    for (let c = 0; c < d; c++) {
      const w = W[wo + c]!;
      const m = mask ? mask[fo + c]! : 1;
      reg += m * w * w;
      gw[wo + c] = m * (scale * gw[wo + c]! + 2 * w);
    }
    out.reg[g] = reg;
    out.gradB[g] = out.gradB[g]! * scale;
  }
}

/**
 * The model's elementwise hidden activation (first hidden block's), used for every layer.
 * @throws MissingStructureError for σ-gated networks or networks without a hidden activation
 */
export function modelActivation(net: Network): ActivationKind {
  for (const b of blocksOf(net)) {
    if (b.activation?.type === 'gate') {
      throw new MissingStructureError(
        'ridgeRealizationCosts',
        `lins.${b.index}`,
        'an elementwise activation',
        'a σ-gate (sigmoid(Cz) ⊙ z)',
      );
    }
    if (b.activation?.type === 'act') return b.activation.kind;
  }
  throw new MissingStructureError(
    'ridgeRealizationCosts',
    'network',
    'a hidden elementwise activation',
    'none (pass options.activation)',
  );
}

function checkOptions(where: string, o: RidgeOptions): void {
  const it = o.iterations ?? 3000;
  if (!Number.isSafeInteger(it) || it < 1)
    throw new InvalidArgumentError(
      `${where}: invalid iterations — expected an integer ≥ 1, got ${it}`,
    );
  const lr = o.lr ?? 5e-3;
  if (!(lr > 0 && Number.isFinite(lr)))
    throw new InvalidArgumentError(`${where}: invalid lr — expected a positive number, got ${lr}`);
  const betas = o.betas ?? DEFAULT_RIDGE_BETAS;
  if (betas.length === 0)
    throw new InvalidArgumentError(`${where}: empty β grid — expected at least one β, got []`);
  for (let i = 0; i < betas.length; i++) {
    if (!(betas[i]! > 0 && Number.isFinite(betas[i]!)))
      throw new InvalidArgumentError(`${where}: invalid β — expected β > 0, got ${betas[i]}`);
    if (i > 0 && !(betas[i]! > betas[i - 1]!)) {
      throw new InvalidArgumentError(
        `${where}: β grid must be strictly ascending — expected ${betas[i - 1]} < β, got ${betas[i]}`,
      );
    }
  }
  const ss = o.subsample ?? 1;
  if (!(ss > 0 && ss <= 1))
    throw new InvalidArgumentError(
      `${where}: invalid subsample ratio — expected 0 < ratio ≤ 1, got ${ss}`,
    );
}

/**
 * Ridge realization cost of one linear layer through the neuron's nonlinearity
 * (function-class.md §6). For every ordered pair `(id1, id2)` the student neuron id2, initialized
 * from its own trained weights, is fitted to the target neuron id1's outputs
 * `y_g(x) = φ((w_g^eff·x + b_g)/sqrt(1 + 1e−5))` (a fresh eval-mode BatchNorm, then φ) by
 * full-batch AdamW (lr 5e−3, weight decay 0, β₁ 0.9, β₂ 0.999, ε 1e−8) on
 * `loss_g = (1/β)·mean_n (y1 − y2)² + R_g`, with `R_g = ‖D_g ⊙ w_g‖²` for a W-layer (gradients
 * masked by D) and `‖w_g‖²` for dense and syre layers (raw W, the deviation from κN); the bias is
 * not regularized. β values run in ascending order with a new optimizer each; the student is kept
 * between them (warm start) unless `warmStart: false`. The values at the last iteration, before
 * its update, are recorded. Role convention: `R[id1, id2]` is the cost for neuron id2 to realize
 * neuron id1's function, i.e. the roles of `M[id2, id1]`. Deterministic for fixed inputs and seed.
 *
 * @param layer - the linear layer
 * @param X - its inputs `[N, d]` (the validation split in the paper)
 * @param activation - φ
 * @param options - pairs, β grid, iterations, lr, warm start, subsample, progress
 * @returns per-β arrays over the pairs (and the `[n', n']` grids with swap costs when all pairs ran)
 * @throws ShapeMismatchError / InvalidArgumentError for mismatched dims or bad options
 * @throws NonFiniteError when X is not finite or the optimization diverges
 */
export function ridgeLayer(
  layer: LinearLayer,
  X: Tensor,
  activation: ActivationKind,
  options: RidgeOptions = {},
): RidgeLayerRecord {
  const where = 'ridgeLayer';
  checkOptions(where, options);
  const name = `lins.${layer.index}`;
  const out = layer.weight.shape[0]!;
  const d = layer.weight.shape[1]!;
  if (X.shape.length !== 2 || X.shape[1] !== d) {
    throw new InvalidArgumentError(
      `${where}: inputs of ${name} must be [N, ${d}] — expected [N, ${d}], got [${X.shape.join(', ')}]`,
    );
  }
  const bad = countNonFinite(X.data);
  if (bad > 0) throw new NonFiniteError(`${where}: X`, bad);
  const nAll = X.shape[0]!;
  if (nAll < 1) throw new InvalidArgumentError(`${where}: no samples — expected N ≥ 1, got 0`);
  const nPrime = Math.min(options.numNeurons ?? out, out);
  if (!Number.isSafeInteger(nPrime) || nPrime < 1)
    throw new InvalidArgumentError(
      `${where}: invalid numNeurons — expected an integer ≥ 1, got ${options.numNeurons}`,
    );
  const betas = options.betas ?? DEFAULT_RIDGE_BETAS;
  const iterations = options.iterations ?? 3000;
  const lr = options.lr ?? 5e-3;
  const warmStart = options.warmStart ?? true;
  const every = Math.max(1, options.progressEvery ?? 100);

  // samples
  const ratio = options.subsample ?? 1;
  let rows: Int32Array;
  if (ratio < 1) {
    const perm = Rng.stream(4215, 'ridge-subsample').permutation(nAll);
    rows = perm.slice(0, Math.max(1, Math.floor(ratio * nAll)));
  } else {
    rows = new Int32Array(nAll);
    for (let i = 0; i < nAll; i++) rows[i] = i;
  }
  const N = rows.length;
  const x = new Float64Array(N * d);
  for (let r = 0; r < N; r++) for (let c = 0; c < d; c++) x[r * d + c] = X.data[rows[r]! * d + c]!;

  // pairs
  const total = nPrime * nPrime;
  let pairIds: Int32Array;
  if (options.numPairs !== undefined && options.numPairs < total) {
    if (!Number.isSafeInteger(options.numPairs) || options.numPairs < 1) {
      throw new InvalidArgumentError(
        `${where}: invalid numPairs — expected an integer ≥ 1, got ${options.numPairs}`,
      );
    }
    pairIds = Rng.stream(options.seed ?? 0, 'ridge-pairs')
      .sampleWithoutReplacement(total, options.numPairs)
      .sort();
  } else {
    pairIds = new Int32Array(total);
    for (let i = 0; i < total; i++) pairIds[i] = i;
  }
  const P = pairIds.length;
  const pairs = new Int32Array(P * 2);
  for (let g = 0; g < P; g++) {
    pairs[2 * g] = Math.floor(pairIds[g]! / nPrime);
    pairs[2 * g + 1] = pairIds[g]! % nPrime;
  }

  // layer parts in float64
  const raw = layer.weight.data;
  const bias = layer.bias?.data ?? null;
  const structure = layerStructure(layer);
  const mask = structure.mask?.data ?? null;
  const fixed = structure.fixed?.data ?? null;
  const { f: phi, df: dphi } = activationFns(activation);

  // targets: Y1[n, id1] for the neurons used as targets
  const weff = structure.weight.data;
  const Y1 = new Float64Array(N * nPrime);
  const isTarget = new Uint8Array(nPrime);
  for (let g = 0; g < P; g++) isTarget[pairs[2 * g]!] = 1;
  for (let id1 = 0; id1 < nPrime; id1++) {
    if (!isTarget[id1]) continue;
    const b = bias ? bias[id1]! : 0;
    for (let r = 0; r < N; r++) {
      let s = 0; // same summation order as the student's forward pass
      for (let c = 0; c < d; c++) s += weff[id1 * d + c]! * x[r * d + c]!;
      Y1[r * nPrime + id1] = phi((s + b) * BN_SCALE);
    }
  }
  const student = new Int32Array(P);
  const targetOf = new Int32Array(P);
  for (let g = 0; g < P; g++) {
    targetOf[g] = pairs[2 * g]!;
    student[g] = pairs[2 * g + 1]!;
  }
  const rowNorm = (src: ArrayLike<number>, off: number): number => {
    let s = 0;
    for (let c = 0; c < d; c++) s += src[off + c]! * src[off + c]!;
    return Math.sqrt(s);
  };

  // student state
  const W = new Float64Array(P * d);
  const B = new Float64Array(P);
  const reset = (): void => {
    for (let g = 0; g < P; g++) {
      const id2 = pairs[2 * g + 1]!;
      for (let c = 0; c < d; c++) W[g * d + c] = raw[id2 * d + c]!;
      B[g] = bias ? bias[id2]! : 0;
    }
  };
  reset();
  const trainBias = bias !== null;
  const mW = new Float64Array(P * d);
  const vW = new Float64Array(P * d);
  const mB = new Float64Array(P);
  const vB = new Float64Array(P);
  const grads = {
    gradW: new Float64Array(P * d),
    gradB: new Float64Array(P),
    sse: new Float64Array(P),
    reg: new Float64Array(P),
  };
  const scratch = {
    weff: new Float64Array(Math.min(P, PAIR_BLOCK) * d),
    S: new Float64Array(N * Math.min(P, PAIR_BLOCK)),
  };
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;

  const perBeta: RidgeBetaRecord[] = [];
  for (const beta of betas) {
    if (!warmStart && perBeta.length > 0) reset();
    mW.fill(0);
    vW.fill(0);
    mB.fill(0);
    vB.fill(0);
    const objectiveFull = new Float64Array(P);
    const objectiveMse = new Float64Array(P);
    const Rv = new Float64Array(P);
    const ws1 = new Float64Array(P);
    const ws2 = new Float64Array(P);
    for (let it = 1; it <= iterations; it++) {
      const last = it === iterations;
      const bc1 = 1 - Math.pow(b1, it);
      const bc2 = 1 - Math.pow(b2, it);
      for (let g0 = 0; g0 < P; g0 += PAIR_BLOCK) {
        blockLossAndGradient(
          x,
          N,
          d,
          g0,
          Math.min(P, g0 + PAIR_BLOCK),
          W,
          B,
          student,
          targetOf,
          Y1,
          nPrime,
          mask,
          fixed,
          phi,
          dphi,
          beta,
          grads,
          scratch,
        );
      }
      for (let g = 0; g < P; g++) {
        const wo = g * d;
        const gB = grads.gradB[g]!;
        if (last) {
          const mseTerm = grads.sse[g]! / N / beta;
          objectiveMse[g] = mseTerm;
          Rv[g] = grads.reg[g]!;
          objectiveFull[g] = mseTerm + grads.reg[g]!;
          ws1[g] = rowNorm(raw, targetOf[g]! * d);
          ws2[g] = rowNorm(W, wo);
        }
        for (let c = 0; c < d; c++) {
          const gc = grads.gradW[wo + c]!;
          const mm = b1 * mW[wo + c]! + (1 - b1) * gc;
          const vv = b2 * vW[wo + c]! + (1 - b2) * gc * gc;
          mW[wo + c] = mm;
          vW[wo + c] = vv;
          W[wo + c] = W[wo + c]! - (lr * (mm / bc1)) / (Math.sqrt(vv / bc2) + eps);
        }
        if (trainBias) {
          const mm = b1 * mB[g]! + (1 - b1) * gB;
          const vv = b2 * vB[g]! + (1 - b2) * gB * gB;
          mB[g] = mm;
          vB[g] = vv;
          B[g] = B[g]! - (lr * (mm / bc1)) / (Math.sqrt(vv / bc2) + eps);
        }
      }
      if (it % every === 0 || last)
        options.onProgress?.({ layer: name, beta, iteration: it, iterations });
    }
    const badObj = countNonFinite(objectiveFull);
    if (badObj > 0)
      throw new NonFiniteError(
        `${where}: ${name} objective at β = ${beta}`,
        badObj,
        '(the optimization diverged; lower lr)',
      );
    const mse = new Float64Array(P);
    for (let g = 0; g < P; g++) mse[g] = (objectiveFull[g]! - Rv[g]!) * beta;
    let Rgrid: Tensor<Float64Array> | null = null;
    let T: Tensor<Float64Array> | null = null;
    if (P === total) {
      const grid = new Float64Array(total);
      for (let g = 0; g < P; g++) grid[pairs[2 * g]! * nPrime + pairs[2 * g + 1]!] = Rv[g]!;
      Rgrid = tensor(grid, [nPrime, nPrime]);
      T = swapCosts(Rgrid);
    }
    perBeta.push({
      beta,
      objectiveFull,
      objectiveMse,
      R: Rv,
      weightScale1: ws1,
      weightScale2: ws2,
      mse,
      Rgrid,
      T,
    });
  }
  return {
    layer: name,
    normKind: 'none',
    activation,
    numNeurons: nPrime,
    samples: N,
    pairs,
    warmStart,
    iterations,
    perBeta,
  };
}

/**
 * The ridge estimator for the linear layers of a network (function-class.md §6): records each
 * layer's inputs through `evaluator` and runs {@link ridgeLayer} with the model's hidden
 * activation (also for the output layer). Trained norm statistics are not used; the model's
 * norm kind is recorded in the output. Any MLP is accepted.
 * @param evaluator - core `Evaluator`
 * @param net - the network
 * @param inputs - `[N, ...inputShape]` (the validation split in the paper)
 * @param options - see {@link RidgeOptions}
 * @returns one record per layer
 * @throws MissingStructureError for σ-gated networks (no elementwise activation) unless `activation` is given
 */
export async function ridgeRealizationCosts(
  evaluator: Evaluator,
  net: Network,
  inputs: Tensor,
  options: RidgeOptions = {},
): Promise<RidgeLayerRecord[]> {
  checkOptions('ridgeRealizationCosts', options);
  const activation = options.activation ?? modelActivation(net);
  const blocks = blocksOf(net);
  const chosen = options.layers
    ? options.layers.map((l) => {
        const b = blocks.find((x) => x.index === l);
        if (!b)
          throw new InvalidArgumentError(
            `ridgeRealizationCosts: no such linear layer — expected one of ${blocks.map((x) => x.index).join(', ')}, got ${l}`,
          );
        return b;
      })
    : blocks;
  const rec = await recordLayerInputs(
    evaluator,
    net,
    inputs,
    chosen.map((b) => b.linear),
    options.batchSize,
  );
  return chosen.map((b, i) => ({
    ...ridgeLayer(b.linear, rec.inputs[i]!, activation, options),
    normKind: b.norm?.kind ?? 'none',
  }));
}
