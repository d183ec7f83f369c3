import { InvalidArgumentError, NonFiniteError, Rng, blocksOf, countNonFinite, erf, tensor } from '@nidkit/core';
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
export function activationFns(kind: ActivationKind): { f: (u: number) => number; df: (u: number) => number } {
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

/**
 * The model's elementwise hidden activation (first hidden block's), used for every layer.
 * @throws MissingStructureError for σ-gated networks or networks without a hidden activation
 */
export function modelActivation(net: Network): ActivationKind {
  for (const b of blocksOf(net)) {
    if (b.activation?.type === 'gate') {
      throw new MissingStructureError('ridgeRealizationCosts', `lins.${b.index}`, 'an elementwise activation', 'a σ-gate (sigmoid(Cz) ⊙ z)');
    }
    if (b.activation?.type === 'act') return b.activation.kind;
  }
  throw new MissingStructureError('ridgeRealizationCosts', 'network', 'a hidden elementwise activation', 'none (pass options.activation)');
}

function checkOptions(where: string, o: RidgeOptions): void {
  const it = o.iterations ?? 3000;
  if (!Number.isSafeInteger(it) || it < 1) throw new InvalidArgumentError(`${where}: invalid iterations — expected an integer ≥ 1, got ${it}`);
  const lr = o.lr ?? 5e-3;
  if (!(lr > 0 && Number.isFinite(lr))) throw new InvalidArgumentError(`${where}: invalid lr — expected a positive number, got ${lr}`);
  const betas = o.betas ?? DEFAULT_RIDGE_BETAS;
  if (betas.length === 0) throw new InvalidArgumentError(`${where}: empty β grid — expected at least one β, got []`);
  for (let i = 0; i < betas.length; i++) {
    if (!(betas[i]! > 0 && Number.isFinite(betas[i]!))) throw new InvalidArgumentError(`${where}: invalid β — expected β > 0, got ${betas[i]}`);
    if (i > 0 && !(betas[i]! > betas[i - 1]!)) {
      throw new InvalidArgumentError(`${where}: β grid must be strictly ascending — expected ${betas[i - 1]} < β, got ${betas[i]}`);
    }
  }
  const ss = o.subsample ?? 1;
  if (!(ss > 0 && ss <= 1)) throw new InvalidArgumentError(`${where}: invalid subsample ratio — expected 0 < ratio ≤ 1, got ${ss}`);
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
export function ridgeLayer(layer: LinearLayer, X: Tensor, activation: ActivationKind, options: RidgeOptions = {}): RidgeLayerRecord {
  const where = 'ridgeLayer';
  checkOptions(where, options);
  const name = `lins.${layer.index}`;
  const out = layer.weight.shape[0]!;
  const d = layer.weight.shape[1]!;
  if (X.shape.length !== 2 || X.shape[1] !== d) {
    throw new InvalidArgumentError(`${where}: inputs of ${name} must be [N, ${d}] — expected [N, ${d}], got [${X.shape.join(', ')}]`);
  }
  const bad = countNonFinite(X.data);
  if (bad > 0) throw new NonFiniteError(`${where}: X`, bad);
  const nAll = X.shape[0]!;
  if (nAll < 1) throw new InvalidArgumentError(`${where}: no samples — expected N ≥ 1, got 0`);
  const nPrime = Math.min(options.numNeurons ?? out, out);
  if (!Number.isSafeInteger(nPrime) || nPrime < 1) throw new InvalidArgumentError(`${where}: invalid numNeurons — expected an integer ≥ 1, got ${options.numNeurons}`);
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
      throw new InvalidArgumentError(`${where}: invalid numPairs — expected an integer ≥ 1, got ${options.numPairs}`);
    }
    pairIds = Rng.stream(options.seed ?? 0, 'ridge-pairs').sampleWithoutReplacement(total, options.numPairs).sort();
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

  // targets y1 per neuron (only those used)
  const y1 = new Map<number, Float64Array>();
  const weff = structure.weight.data;
  for (let g = 0; g < P; g++) {
    const id1 = pairs[2 * g]!;
    if (y1.has(id1)) continue;
    const y = new Float64Array(N);
    const b = bias ? bias[id1]! : 0;
    for (let r = 0; r < N; r++) {
      let s = b;
      for (let c = 0; c < d; c++) s += weff[id1 * d + c]! * x[r * d + c]!;
      y[r] = phi(s * BN_SCALE);
    }
    y1.set(id1, y);
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
  const gW = new Float64Array(d);
  const weffRow = new Float64Array(d);
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
      for (let g = 0; g < P; g++) {
        const wo = g * d;
        const id1 = pairs[2 * g]!;
        const id2 = pairs[2 * g + 1]!;
        const res = pairLossAndGradient(x, N, d, W, wo, B[g]!, mask, fixed, id2 * d, y1.get(id1)!, phi, dphi, beta, gW, weffRow);
        const gB = res.gradBias;
        const sse = res.sse;
        const reg = res.reg;
        if (last) {
          const mseTerm = sse / N / beta;
          objectiveMse[g] = mseTerm;
          Rv[g] = reg;
          objectiveFull[g] = mseTerm + reg;
          ws1[g] = rowNorm(raw, id1 * d);
          ws2[g] = rowNorm(W, wo);
        }
        for (let c = 0; c < d; c++) {
          const gc = gW[c]!;
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
      if (it % every === 0 || last) options.onProgress?.({ layer: name, beta, iteration: it, iterations });
    }
    const badObj = countNonFinite(objectiveFull);
    if (badObj > 0) throw new NonFiniteError(`${where}: ${name} objective at β = ${beta}`, badObj, '(the optimization diverged; lower lr)');
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
    perBeta.push({ beta, objectiveFull, objectiveMse, R: Rv, weightScale1: ws1, weightScale2: ws2, mse, Rgrid, T });
  }
  return { layer: name, normKind: 'none', activation, numNeurons: nPrime, samples: N, pairs, warmStart, iterations, perBeta };
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
        if (!b) throw new InvalidArgumentError(`ridgeRealizationCosts: no such linear layer — expected one of ${blocks.map((x) => x.index).join(', ')}, got ${l}`);
        return b;
      })
    : blocks;
  const rec = await recordLayerInputs(evaluator, net, inputs, chosen.map((b) => b.linear), options.batchSize);
  return chosen.map((b, i) => ({
    ...ridgeLayer(b.linear, rec.inputs[i]!, activation, options),
    normKind: b.norm?.kind ?? 'none',
  }));
}
