import { InvalidArgumentError, ShapeMismatchError } from '../errors.js';
import { blocksOf, inputFeatures } from '../network/blocks.js';
import { effectiveWeight } from '../network/effective.js';
import type { Block, Network, NormLayer, RecordingPoint } from '../network/types.js';
import { matmulTransposedRaw } from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import { erf, geluTanh, sigmoid } from './math.js';

/** Options of {@link forward}. */
export interface ForwardOptions {
  /** Recording points whose activations are returned, in this order. */
  readonly record?: readonly RecordingPoint[];
  /**
   * `eval` (default) uses BatchNorm running statistics; `train` normalizes with the batch's mean
   * and biased variance and reports the batch statistics (nothing is updated).
   */
  readonly mode?: 'eval' | 'train';
}

/** Batch statistics of one BatchNorm layer in train mode. */
export interface BatchNormBatchStats {
  readonly layer: number;
  readonly mean: Float64Array;
  /** Unbiased (n − 1) batch variance: what PyTorch feeds into the running variance. */
  readonly varUnbiased: Float64Array;
}

/** Result of {@link forward}. */
export interface ForwardResult {
  /** `[N, out]` logits, float64. */
  readonly logits: Tensor<Float64Array>;
  /** One `[N, n]` float64 tensor per requested recording point, in request order. */
  readonly activations: Tensor<Float64Array>[];
  /** BatchNorm batch statistics (train mode only). */
  readonly batchStats: BatchNormBatchStats[];
}

/** Validates a recording point against the network; returns an error message or null. */
export function checkRecordingPoint(blocks: readonly Block[], p: RecordingPoint): string | null {
  const L = blocks.length;
  if (!Number.isInteger(p.layer) || p.layer < 0 || p.layer >= L) {
    return `layer ${p.layer} does not exist — expected 0..${L - 1}`;
  }
  if ((p.point === 'post_norm' || p.point === 'post_activation') && p.layer === L - 1) {
    return `${p.point} is defined for hidden layers only (0..${L - 2}); layer ${p.layer} is the output layer`;
  }
  if (!['input', 'post_linear', 'post_norm', 'post_activation'].includes(p.point)) {
    return `unknown recording point "${String(p.point)}"`;
  }
  return null;
}

function normalize(
  z: Float64Array,
  rows: number,
  n: number,
  norm: NormLayer,
  mode: 'eval' | 'train',
  stats: BatchNormBatchStats[],
): void {
  const g = norm.gamma.data;
  const b = norm.beta.data;
  const eps = norm.eps;
  if (norm.kind === 'layer') {
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      let mean = 0;
      for (let j = 0; j < n; j++) mean += z[o + j]!;
      mean /= n;
      let v = 0;
      for (let j = 0; j < n; j++) {
        const d = z[o + j]! - mean;
        v += d * d;
      }
      const inv = 1 / Math.sqrt(v / n + eps);
      for (let j = 0; j < n; j++) z[o + j] = (z[o + j]! - mean) * inv * g[j]! + b[j]!;
    }
    return;
  }
  const mean = new Float64Array(n);
  const varB = new Float64Array(n);
  if (mode === 'train') {
    if (rows < 2)
      throw new InvalidArgumentError(
        `forward: BatchNorm in train mode needs at least 2 samples per batch, got ${rows}`,
      );
    for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) mean[j]! += z[r * n + j]!;
    for (let j = 0; j < n; j++) mean[j]! /= rows;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) {
        const d = z[r * n + j]! - mean[j]!;
        varB[j]! += d * d;
      }
    }
    const varU = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      varU[j] = varB[j]! / (rows - 1);
      varB[j]! /= rows;
    }
    stats.push({ layer: norm.index, mean: Float64Array.from(mean), varUnbiased: varU });
  } else {
    mean.set(norm.runningMean!.data);
    varB.set(norm.runningVar!.data);
  }
  const inv = new Float64Array(n);
  for (let j = 0; j < n; j++) inv[j] = 1 / Math.sqrt(varB[j]! + eps);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let j = 0; j < n; j++) z[o + j] = (z[o + j]! - mean[j]!) * inv[j]! * g[j]! + b[j]!;
  }
}

/**
 * nidkit's reference forward pass: plain TypeScript, float64 accumulation, exactly the semantics
 * of models.md (effective weights in float32 as the ONNX graph computes them, then
 * `z = W_eff h + b` → norm → activation or σ-gate `sigmoid(Cz) ⊙ z`, … → logits).
 * It is the ground truth that the fast ONNX runtime is checked against.
 *
 * @param net - the network (assumed valid; see `validateNetwork`)
 * @param inputs - `[N, ...inputShape]` or `[N, prod(inputShape)]`
 * @returns logits `[N, out]`, the requested activations and (train mode) BatchNorm batch statistics
 * @throws ShapeMismatchError when the inputs do not fit the network; InvalidArgumentError for an
 *   undefined recording point
 */
export function forward(net: Network, inputs: Tensor, options: ForwardOptions = {}): ForwardResult {
  const blocks = blocksOf(net);
  const d = inputFeatures(net);
  const rows = inputs.shape[0] ?? 0;
  const flatOk = inputs.shape.length === 2 && inputs.shape[1] === d;
  const fullOk =
    inputs.shape.length === net.inputShape.length + 1 &&
    net.inputShape.every((s, i) => s === inputs.shape[i + 1]);
  if (!flatOk && !fullOk) {
    throw new ShapeMismatchError('forward: inputs', [rows, ...net.inputShape], inputs.shape);
  }
  const record = options.record ?? [];
  for (const p of record) {
    const msg = checkRecordingPoint(blocks, p);
    if (msg)
      throw new InvalidArgumentError(`forward: recording point ${p.point}@${p.layer}: ${msg}`);
  }
  const mode = options.mode ?? 'eval';
  const activations: (Tensor<Float64Array> | undefined)[] = record.map(() => undefined);
  const keep = (
    layer: number,
    point: RecordingPoint['point'],
    h: Float64Array,
    n: number,
  ): void => {
    record.forEach((p, i) => {
      if (p.layer === layer && p.point === point) activations[i] = tensor(h.slice(), [rows, n]);
    });
  };
  const stats: BatchNormBatchStats[] = [];

  let h: Float64Array = Float64Array.from(inputs.data);
  const inputNorm = net.layers.find((l) => l.type === 'input-norm');
  if (inputNorm && inputNorm.type === 'input-norm') {
    for (let i = 0; i < h.length; i++) h[i] = (h[i]! - inputNorm.mean) / inputNorm.std;
  }
  let width = d;
  for (const block of blocks) {
    keep(block.index, 'input', h, width);
    const w = effectiveWeight(block.linear);
    const out = w.shape[0]!;
    const z = matmulTransposedRaw(h, w.data, rows, width, out);
    const bias = block.linear.bias?.data;
    if (bias)
      for (let r = 0; r < rows; r++) for (let j = 0; j < out; j++) z[r * out + j]! += bias[j]!;
    keep(block.index, 'post_linear', z, out);
    if (block.norm) normalize(z, rows, out, block.norm, mode, stats);
    if (block.activation) keep(block.index, 'post_norm', z, out);
    const act = block.activation;
    if (act?.type === 'gate') {
      const g = matmulTransposedRaw(z, act.C.data, rows, out, out);
      for (let i = 0; i < z.length; i++) z[i] = z[i]! * sigmoid(g[i]!);
    } else if (act) {
      switch (act.kind) {
        case 'relu':
          for (let i = 0; i < z.length; i++) if (z[i]! < 0) z[i] = 0;
          break;
        case 'gelu':
          for (let i = 0; i < z.length; i++) z[i] = 0.5 * z[i]! * (1 + erf(z[i]! * Math.SQRT1_2));
          break;
        case 'gelu_tanh':
          for (let i = 0; i < z.length; i++) z[i] = geluTanh(z[i]!);
          break;
        case 'identity':
          break;
      }
    }
    if (act) keep(block.index, 'post_activation', z, out);
    h = z;
    width = out;
  }
  return {
    logits: tensor(h, [rows, width]),
    activations: activations as Tensor<Float64Array>[],
    batchStats: stats,
  };
}
