import type { LinearLayer, Network, NormLayer, Tensor as IrTensor, TensorSlot } from '@nidkit/core';
import { blocksOf, inputFeatures, mapLayers, mapTensors, tensor, transpose2d, validateNetwork } from '@nidkit/core';
import type { GradSaveFunc, Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from './backend.js';

/** A trainable parameter in tfjs layout (linear weights transposed to `[in, out]`). */
export interface TfParam {
  /** State-dict key, e.g. `lins.0.weight`. */
  readonly name: string;
  readonly slot: TensorSlot;
  /** The layer index `l`. */
  readonly layer: number;
  /** True for linear weights, stored transposed (`[in, out]`) in tfjs. */
  readonly transposed: boolean;
  /** W-asym weights: boolean mask `[in, out]` (true = trainable); updates are applied only there. */
  readonly updateMask: Tensor | null;
}

interface TfLinear {
  readonly index: number;
  readonly kind: 'dense' | 'mask' | 'noise';
  /** Parameter index of W (`[in, out]`) or -1 when frozen. */
  readonly w: number;
  readonly b: number;
  readonly constW: Tensor2D | null;
  readonly constB: Tensor1D | null;
  readonly maskT: Tensor2D | null;
  readonly fixedT: Tensor2D | null;
}

interface TfNorm {
  readonly index: number;
  readonly kind: 'layer' | 'batch';
  readonly gamma: number;
  readonly beta: number;
  readonly eps: number;
  readonly momentum: number;
}

interface TfBlock {
  readonly linear: TfLinear;
  readonly norm: TfNorm | null;
  readonly act: { kind: 'relu' | 'gelu' | 'gelu_tanh' | 'identity' } | { gateT: Tensor2D } | null;
}

/** Batch statistics of a BatchNorm layer in training mode (mean, unbiased variance). */
export interface BatchStat {
  readonly layer: number;
  readonly mean: Tensor1D;
  readonly varUnbiased: Tensor1D;
}

function t2(tf: Tf, t: IrTensor<Float32Array>, transposeIt: boolean): Tensor2D {
  const s = transposeIt ? transpose2d(t) : t;
  return tf.tensor2d(s.data, [s.shape[0]!, s.shape[1]!], 'float32');
}

/**
 * A network prepared for tfjs: constants for the fixed parts, a list of trainable parameters, and
 * a differentiable forward pass whose linear layers transpose explicitly (the wasm backend's
 * transposed matMul is ~10× slower than a transpose followed by a plain matMul).
 */
export class TfModel {
  readonly params: TfParam[] = [];
  /** Initial parameter values (tfjs layout), owned by the caller after construction. */
  readonly initial: Tensor[] = [];
  /** BatchNorm running statistics (mutable, owned by this model). */
  readonly running = new Map<number, { mean: Tensor1D; var: Tensor1D; count: number }>();
  private readonly blocks: TfBlock[] = [];
  private readonly consts: Tensor[] = [];
  readonly inputSize: number;
  readonly outputSize: number;
  private readonly linearOp: (h: Tensor2D, w: Tensor2D) => Tensor2D;
  private readonly geluOp: (x: Tensor) => Tensor;

  constructor(
    private readonly tf: Tf,
    readonly net: Network,
  ) {
    validateNetwork(net);
    this.inputSize = inputFeatures(net);
    const blocks = blocksOf(net);
    this.outputSize = blocks[blocks.length - 1]!.linear.weight.shape[0]!;
    // z = h · w with w in [in, out]; gradients by explicit transposes (no transposed matMul)
    type CustomFn = Parameters<Tf['customGrad']>[0];
    const linear = (h: Tensor, w: Tensor, save: GradSaveFunc): ReturnType<CustomFn> => {
      save([h, w]);
      return {
        value: tf.matMul(h, w),
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [hs, ws] = saved as [Tensor2D, Tensor2D];
          return [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(hs), dy)];
        },
      };
    };
    this.linearOp = tf.customGrad(linear as unknown as CustomFn) as (h: Tensor2D, w: Tensor2D) => Tensor2D;
    // exact GELU x·Φ(x), derivative Φ(x) + x·φ(x)
    const gelu = (x: Tensor, save: GradSaveFunc): ReturnType<CustomFn> => {
      const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
      save([x, cdf]);
      return {
        value: tf.mul(x, cdf),
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [xs, c] = saved as [Tensor, Tensor];
          const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), 1 / Math.sqrt(2 * Math.PI));
          return [tf.mul(dy, tf.add(c, tf.mul(xs, pdf)))];
        },
      };
    };
    this.geluOp = tf.customGrad<Tensor>(gelu as unknown as CustomFn);
    for (const block of blocks) {
      const linear = this.prepareLinear(block.linear);
      const norm = block.norm ? this.prepareNorm(block.norm) : null;
      let act: TfBlock['act'] = null;
      if (block.activation?.type === 'gate') {
        const gateT = t2(tf, block.activation.C, true);
        this.consts.push(gateT);
        act = { gateT };
      } else if (block.activation) {
        act = { kind: block.activation.kind };
      }
      this.blocks.push({ linear, norm, act });
    }
  }

  private addParam(p: Omit<TfParam, 'updateMask'> & { updateMask?: Tensor | null }, value: Tensor): number {
    this.params.push({ ...p, updateMask: p.updateMask ?? null });
    this.initial.push(value);
    return this.params.length - 1;
  }

  private prepareLinear(layer: LinearLayer): TfLinear {
    const tf = this.tf;
    const l = layer.index;
    const fixed = layer.fixed;
    let maskT: Tensor2D | null = null;
    let fixedT: Tensor2D | null = null;
    let updateMask: Tensor | null = null;
    let kind: TfLinear['kind'] = 'dense';
    if (fixed?.kind === 'mask') {
      kind = 'mask';
      maskT = t2(tf, fixed.mask, true);
      const k = Math.fround(fixed.kappa);
      const f = new Float32Array(fixed.mask.data.length);
      for (let i = 0; i < f.length; i++) f[i] = fixed.mask.data[i] === 0 ? Math.fround(k * fixed.normal.data[i]!) : 0;
      fixedT = t2(tf, tensor(f, fixed.mask.shape), true);
      updateMask = tf.cast(maskT, 'bool');
      this.consts.push(maskT, fixedT, updateMask);
    } else if (fixed?.kind === 'noise') {
      kind = 'noise';
      const k = Math.fround(fixed.kappa);
      const f = new Float32Array(fixed.noise.data.length);
      for (let i = 0; i < f.length; i++) f[i] = Math.fround(k * fixed.noise.data[i]!);
      fixedT = t2(tf, tensor(f, fixed.noise.shape), true);
      this.consts.push(fixedT);
    }
    if (layer.frozen) {
      const constW = t2(tf, layer.weight, true);
      const constB = layer.bias ? tf.tensor1d(layer.bias.data, 'float32') : null;
      this.consts.push(constW, ...(constB ? [constB] : []));
      return { index: l, kind, w: -1, b: -1, constW, constB, maskT, fixedT };
    }
    const w = this.addParam({ name: `lins.${l}.weight`, slot: 'weight', layer: l, transposed: true, updateMask }, t2(tf, layer.weight, true));
    const b = layer.bias
      ? this.addParam({ name: `lins.${l}.bias`, slot: 'bias', layer: l, transposed: false }, tf.tensor1d(layer.bias.data, 'float32'))
      : -1;
    return { index: l, kind, w, b, constW: null, constB: null, maskT, fixedT };
  }

  private prepareNorm(norm: NormLayer): TfNorm {
    const tf = this.tf;
    const l = norm.index;
    const gamma = this.addParam({ name: `norms.${l}.weight`, slot: 'gamma', layer: l, transposed: false }, tf.tensor1d(norm.gamma.data, 'float32'));
    const beta = this.addParam({ name: `norms.${l}.bias`, slot: 'beta', layer: l, transposed: false }, tf.tensor1d(norm.beta.data, 'float32'));
    if (norm.kind === 'batch') {
      this.running.set(l, {
        mean: tf.tensor1d(norm.runningMean!.data, 'float32'),
        var: tf.tensor1d(norm.runningVar!.data, 'float32'),
        count: norm.numBatchesTracked ?? 0,
      });
    }
    return { index: l, kind: norm.kind, gamma, beta, eps: norm.eps, momentum: norm.momentum ?? 0.1 };
  }

  /** Effective weight `[in, out]` of a block: `W⊙D + F` (W-asym), `W + F` (syre) or `W`. */
  private weff(lin: TfLinear, params: readonly Tensor[]): Tensor2D {
    const tf = this.tf;
    const w = (lin.w >= 0 ? params[lin.w]! : lin.constW!) as Tensor2D;
    if (lin.kind === 'mask') return tf.add(tf.mul(w, lin.maskT!), lin.fixedT!);
    if (lin.kind === 'noise') return tf.add(w, lin.fixedT!);
    return w;
  }

  /**
   * The differentiable forward pass. `training` uses BatchNorm batch statistics (biased variance)
   * and pushes the batch mean and unbiased variance to `stats`; otherwise running statistics.
   * @param params - current parameter values, in `this.params` order
   * @param x - `[B, inputSize]`
   * @param training - BatchNorm mode
   * @param stats - receives BatchNorm batch statistics in training mode
   * @returns logits `[B, out]`
   */
  forward(params: readonly Tensor[], x: Tensor2D, training: boolean, stats?: BatchStat[]): Tensor2D {
    const tf = this.tf;
    let h: Tensor2D = x;
    for (const { linear, norm, act } of this.blocks) {
      let z = this.linearOp(h, this.weff(linear, params));
      const bias = linear.b >= 0 ? params[linear.b]! : linear.constB;
      if (bias) z = tf.add(z, bias);
      if (norm) {
        const gamma = params[norm.gamma]!;
        const beta = params[norm.beta]!;
        if (norm.kind === 'layer') {
          const mean = tf.mean(z, 1, true);
          const d = tf.sub(z, mean);
          const v = tf.mean(tf.square(d), 1, true);
          z = tf.add(tf.mul(tf.mul(d, tf.rsqrt(tf.add(v, norm.eps))), gamma), beta);
        } else if (training) {
          const n = z.shape[0];
          const mean = tf.mean<Tensor1D>(z, 0);
          const d = tf.sub(z, mean);
          const sq = tf.sum(tf.square(d), 0);
          const v = tf.div(sq, n);
          stats?.push({ layer: norm.index, mean: tf.keep(mean), varUnbiased: tf.keep(tf.div<Tensor1D>(sq, n - 1)) });
          z = tf.add(tf.mul(tf.mul(d, tf.rsqrt(tf.add(v, norm.eps))), gamma), beta);
        } else {
          const r = this.running.get(norm.index)!;
          z = tf.add(tf.mul(tf.mul(tf.sub(z, r.mean), tf.rsqrt(tf.add(r.var, norm.eps))), gamma), beta);
        }
      }
      if (act && 'gateT' in act) {
        z = tf.mul(tf.sigmoid(this.linearOp(z, act.gateT)), z);
      } else if (act) {
        switch (act.kind) {
          case 'relu':
            z = tf.relu(z);
            break;
          case 'gelu':
            z = this.geluOp(z) as Tensor2D;
            break;
          case 'gelu_tanh': {
            const c = Math.sqrt(2 / Math.PI);
            z = tf.mul(tf.mul(0.5, z), tf.add(1, tf.tanh(tf.mul(c, tf.add(z, tf.mul(0.044715, tf.pow(z, 3)))))));
            break;
          }
          case 'identity':
            break;
        }
      }
      h = z;
    }
    return h;
  }

  /** Updates BatchNorm running statistics with PyTorch semantics: `r ← (1−m)·r + m·s`, s unbiased. */
  updateRunning(stats: readonly BatchStat[]): void {
    const tf = this.tf;
    for (const s of stats) {
      const r = this.running.get(s.layer)!;
      const norm = this.blocks.find((b) => b.norm?.index === s.layer)!.norm!;
      const m = norm.momentum;
      const mean = tf.tidy(() => tf.add<Tensor1D>(tf.mul(r.mean, 1 - m), tf.mul(s.mean, m)));
      const v = tf.tidy(() => tf.add<Tensor1D>(tf.mul(r.var, 1 - m), tf.mul(s.varUnbiased, m)));
      r.mean.dispose();
      r.var.dispose();
      s.mean.dispose();
      s.varUnbiased.dispose();
      this.running.set(s.layer, { mean, var: v, count: r.count + 1 });
    }
  }

  /**
   * Converts tfjs parameter values back to the IR: every trainable tensor and BatchNorm statistic
   * is replaced (weights transposed back to `[out, in]`, exact), everything else is kept.
   * @param params - parameter values in `this.params` order
   * @param meta - metadata of the returned network
   * @returns the updated network
   */
  toNetwork(params: readonly Tensor[], meta: Network['meta']): Network {
    const byName = new Map<string, IrTensor<Float32Array>>();
    this.params.forEach((p, i) => byName.set(p.name, this.toIr(p, params[i]!)));
    for (const [l, r] of this.running) {
      byName.set(`norms.${l}.running_mean`, tensor(r.mean.dataSync() as Float32Array, r.mean.shape));
      byName.set(`norms.${l}.running_var`, tensor(r.var.dataSync() as Float32Array, r.var.shape));
    }
    const updated = mapTensors(this.net, (e) => byName.get(e.name) ?? e.tensor, { meta });
    return mapLayers(updated, (layer) =>
      layer.type === 'norm' && layer.kind === 'batch' && this.running.has(layer.index)
        ? { ...layer, numBatchesTracked: this.running.get(layer.index)!.count }
        : layer,
    );
  }

  /** A parameter value (or an optimizer slot of the same shape) in IR layout. */
  toIr(p: TfParam, value: Tensor): IrTensor<Float32Array> {
    const data = Float32Array.from(value.dataSync() as Float32Array);
    const t = tensor(data, value.shape);
    return p.transposed ? transpose2d(t) : t;
  }

  /** An IR-layout array as a tfjs tensor in this parameter's layout. */
  fromIr(p: TfParam, data: Float32Array, irShape: readonly number[]): Tensor {
    const t = tensor(data, irShape);
    return p.transposed ? t2(this.tf, t, true) : this.tf.tensor(t.data, [...t.shape], 'float32');
  }

  /** Releases every tensor owned by the model (constants and running statistics). */
  dispose(): void {
    for (const c of this.consts) c.dispose();
    for (const r of this.running.values()) {
      r.mean.dispose();
      r.var.dispose();
    }
    this.running.clear();
  }
}

/** Mean loss of a batch as a tfjs scalar: cross-entropy, MSE (mean over entries) or BCE-with-logits. */
export function batchLoss(tf: Tf, logits: Tensor2D, loss: 'cross-entropy' | 'mse' | 'bce', labels: Tensor | null, targets: Tensor2D | null): Scalar {
  if (loss === 'cross-entropy') {
    const oneHot = tf.oneHot(labels!, logits.shape[1]);
    return tf.neg(tf.mean<Scalar>(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)));
  }
  if (loss === 'mse') return tf.mean<Scalar>(tf.square(tf.sub(logits, targets!)));
  // BCE with logits: max(x,0) − x·y + log(1 + exp(−|x|))
  return tf.mean<Scalar>(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets!)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}
