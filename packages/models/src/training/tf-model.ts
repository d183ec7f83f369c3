import type { LinearLayer, Network, NormLayer, Tensor as IrTensor, TensorSlot } from '@nidkit/core';
import {
  blocksOf,
  effectiveWeight,
  fixedPartOf,
  inputFeatures,
  mapLayers,
  mapTensors,
  tensor,
  transpose2d,
  validateNetwork,
} from '@nidkit/core';
import type { GradSaveFunc, Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from './backend.js';

/** The fixed structure of a linear weight in tfjs layout (`[in, out]`). */
export interface TfFixed {
  readonly kind: 'mask' | 'noise';
  /** W-asym: 1 = trainable, 0 = fixed (tfjs layout); null for syre. */
  readonly mask: Uint8Array | null;
  /** The fixed part F in float32 (tfjs layout): `(1−D)⊙κN` or `κN`. */
  readonly F: Float32Array;
}

/** A trainable parameter in tfjs layout (linear weights transposed to `[in, out]`). */
export interface TfParam {
  /** State-dict key, e.g. `lins.0.weight`. */
  readonly name: string;
  readonly slot: TensorSlot;
  /** The layer index `l`. */
  readonly layer: number;
  /** True for linear weights, stored transposed (`[in, out]`) in tfjs. */
  readonly transposed: boolean;
  /** Shape in tfjs layout. */
  readonly shape: readonly number[];
  /** Fixed structure of W-asym / syre weights. */
  readonly fixed: TfFixed | null;
}

interface TfLinear {
  readonly index: number;
  /** Parameter index of W_eff (`[in, out]`) or -1 when frozen. */
  readonly w: number;
  readonly b: number;
  readonly constW: Tensor2D | null;
  readonly constB: Tensor1D | null;
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

function tfLayout(t: IrTensor<Float32Array>, transposeIt: boolean): Float32Array {
  return transposeIt ? transpose2d(t).data : t.data.slice();
}

/**
 * A network prepared for tfjs. The trainable parameters live in JavaScript as float32 arrays in
 * tfjs layout (`initial`); the tfjs graph receives **effective** weights (`W_eff = D⊙W + F` for
 * W-asym, `W + F` for syre, computed by {@link TfModel.effective} exactly as core computes them), so
 * the graph is the same for every family and the gradient with respect to raw W is the gradient
 * with respect to W_eff restricted to the trainable entries. Linear layers transpose explicitly in
 * their custom gradient (the wasm backend's transposed matMul is ~10× slower than a transpose
 * followed by a plain matMul).
 */
export class TfModel {
  readonly params: TfParam[] = [];
  /** Initial raw parameter values (tfjs layout); copies owned by the caller. */
  readonly initial: Float32Array[] = [];
  /** BatchNorm running statistics (mutable, owned by this model). */
  readonly running = new Map<number, { mean: Tensor1D; var: Tensor1D; count: number }>();
  private readonly blocks: TfBlock[] = [];
  private readonly consts: Tensor[] = [];
  readonly inputSize: number;
  readonly outputSize: number;
  private readonly linearOp: (h: Tensor2D, w: Tensor2D) => Tensor2D;
  private readonly geluOp: (x: Tensor) => Tensor;
  private readonly layerNormOps = new Map<
    number,
    (z: Tensor, gamma: Tensor, beta: Tensor) => Tensor2D
  >();

  constructor(
    private readonly tf: Tf,
    readonly net: Network,
  ) {
    validateNetwork(net);
    this.inputSize = inputFeatures(net);
    const blocks = blocksOf(net);
    this.outputSize = blocks[blocks.length - 1]!.linear.weight.shape[0]!;
    type CustomFn = Parameters<Tf['customGrad']>[0];
    // z = h · w with w in [in, out]; gradients by explicit transposes (no transposed matMul)
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
    this.linearOp = tf.customGrad(linear as unknown as CustomFn) as (
      h: Tensor2D,
      w: Tensor2D,
    ) => Tensor2D;
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
      const lin = this.prepareLinear(block.linear);
      const norm = block.norm ? this.prepareNorm(block.norm) : null;
      let act: TfBlock['act'] = null;
      if (block.activation?.type === 'gate') {
        const C = block.activation.C;
        const gateT = tf.tensor2d(tfLayout(C, true), [C.shape[1]!, C.shape[0]!], 'float32');
        this.consts.push(gateT);
        act = { gateT };
      } else if (block.activation) {
        act = { kind: block.activation.kind };
      }
      this.blocks.push({ linear: lin, norm, act });
    }
  }

  private addParam(p: TfParam, value: Float32Array): number {
    this.params.push(p);
    this.initial.push(value);
    return this.params.length - 1;
  }

  private prepareLinear(layer: LinearLayer): TfLinear {
    const tf = this.tf;
    const l = layer.index;
    const [out, inDim] = [layer.weight.shape[0]!, layer.weight.shape[1]!];
    const shape = [inDim, out];
    if (layer.frozen) {
      const constW = tf.tensor2d(tfLayout(effectiveWeight(layer), true), [inDim, out], 'float32');
      const constB = layer.bias ? tf.tensor1d(layer.bias.data, 'float32') : null;
      this.consts.push(constW, ...(constB ? [constB] : []));
      return { index: l, w: -1, b: -1, constW, constB };
    }
    let fixed: TfFixed | null = null;
    if (layer.fixed) {
      const F = tfLayout(fixedPartOf(layer), true);
      fixed =
        layer.fixed.kind === 'mask'
          ? {
              kind: 'mask',
              mask: Uint8Array.from(tfLayout(layer.fixed.mask, true), (d) => (d !== 0 ? 1 : 0)),
              F,
            }
          : { kind: 'noise', mask: null, F };
    }
    const w = this.addParam(
      { name: `lins.${l}.weight`, slot: 'weight', layer: l, transposed: true, shape, fixed },
      tfLayout(layer.weight, true),
    );
    const b = layer.bias
      ? this.addParam(
          {
            name: `lins.${l}.bias`,
            slot: 'bias',
            layer: l,
            transposed: false,
            shape: [out],
            fixed: null,
          },
          layer.bias.data.slice(),
        )
      : -1;
    return { index: l, w, b, constW: null, constB: null };
  }

  private prepareNorm(norm: NormLayer): TfNorm {
    const tf = this.tf;
    const l = norm.index;
    const n = norm.gamma.data.length;
    const gamma = this.addParam(
      {
        name: `norms.${l}.weight`,
        slot: 'gamma',
        layer: l,
        transposed: false,
        shape: [n],
        fixed: null,
      },
      norm.gamma.data.slice(),
    );
    const beta = this.addParam(
      {
        name: `norms.${l}.bias`,
        slot: 'beta',
        layer: l,
        transposed: false,
        shape: [n],
        fixed: null,
      },
      norm.beta.data.slice(),
    );
    if (norm.kind === 'batch') {
      this.running.set(l, {
        mean: tf.tensor1d(norm.runningMean!.data, 'float32'),
        var: tf.tensor1d(norm.runningVar!.data, 'float32'),
        count: norm.numBatchesTracked ?? 0,
      });
    }
    if (norm.kind === 'layer') this.layerNormOps.set(l, this.makeLayerNorm(norm.eps));
    return {
      index: l,
      kind: norm.kind,
      gamma,
      beta,
      eps: norm.eps,
      momentum: norm.momentum ?? 0.1,
    };
  }

  /**
   * LayerNorm over the feature axis with a fused gradient:
   * `x̂ = (z − μ)·r`, `r = 1/√(σ²_biased + eps)`, `y = x̂⊙γ + β`;
   * `dβ = Σ dy`, `dγ = Σ dy⊙x̂`, `dz = r·(g − mean(g) − x̂·mean(g⊙x̂))` with `g = dy⊙γ`.
   */
  private makeLayerNorm(eps: number): (z: Tensor, gamma: Tensor, beta: Tensor) => Tensor2D {
    const tf = this.tf;
    type CustomFn = Parameters<Tf['customGrad']>[0];
    const ln = (
      z: Tensor,
      gamma: Tensor,
      beta: Tensor,
      save: GradSaveFunc,
    ): ReturnType<CustomFn> => {
      const d = tf.sub(z, tf.mean(z, 1, true));
      const r = tf.rsqrt(tf.add(tf.mean(tf.square(d), 1, true), eps));
      const xhat = tf.mul(d, r);
      save([xhat, r, gamma]);
      return {
        value: tf.add(tf.mul(xhat, gamma), beta),
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [xh, rs, g0] = saved as [Tensor, Tensor, Tensor];
          const g = tf.mul(dy, g0);
          const inner = tf.sub(
            tf.sub(g, tf.mean(g, 1, true)),
            tf.mul(xh, tf.mean(tf.mul(g, xh), 1, true)),
          );
          return [tf.mul(inner, rs), tf.sum(tf.mul(dy, xh), 0), tf.sum(dy, 0)];
        },
      };
    };
    return this.tf.customGrad(ln as unknown as CustomFn) as (
      z: Tensor,
      gamma: Tensor,
      beta: Tensor,
    ) => Tensor2D;
  }

  /** `x · w` for the first layer, whose input needs no gradient (saves a transpose and a matMul). */
  private firstLinear(x: Tensor2D, w: Tensor2D): Tensor2D {
    const tf = this.tf;
    type CustomFn = Parameters<Tf['customGrad']>[0];
    const op = (wIn: Tensor, save: GradSaveFunc): ReturnType<CustomFn> => {
      save([wIn]);
      return {
        value: tf.matMul(x, wIn),
        gradFunc: (dy: Tensor) => [tf.matMul(tf.transpose(x), dy)],
      };
    };
    return (tf.customGrad(op as unknown as CustomFn) as (w: Tensor2D) => Tensor2D)(w);
  }

  /**
   * The value the graph sees for parameter `j`: W-asym `Where(D, W, F)`, syre `fround(W + F)`
   * (as core's `effectiveWeight`), otherwise `raw` itself.
   */
  effective(j: number, raw: Float32Array): Float32Array {
    const fixed = this.params[j]!.fixed;
    if (!fixed) return raw;
    const out = new Float32Array(raw.length);
    const F = fixed.F;
    if (fixed.mask) {
      const d = fixed.mask;
      for (let i = 0; i < raw.length; i++) out[i] = d[i] !== 0 ? raw[i]! : F[i]!;
    } else {
      for (let i = 0; i < raw.length; i++) out[i] = raw[i]! + F[i]!; // float32 store rounds like fround
    }
    return out;
  }

  /** tfjs tensors of the effective parameter values (caller disposes). */
  effectiveTensors(raw: readonly Float32Array[]): Tensor[] {
    return raw.map((r, j) =>
      this.tf.tensor(this.effective(j, r), [...this.params[j]!.shape], 'float32'),
    );
  }

  /**
   * The differentiable forward pass. `training` uses BatchNorm batch statistics (biased variance)
   * and pushes the batch mean and unbiased variance to `stats`; otherwise running statistics.
   * @param params - effective parameter values, in `this.params` order
   * @param x - `[B, inputSize]`
   * @param training - BatchNorm mode
   * @param stats - receives BatchNorm batch statistics in training mode
   * @returns logits `[B, out]`
   */
  forward(
    params: readonly Tensor[],
    x: Tensor2D,
    training: boolean,
    stats?: BatchStat[],
  ): Tensor2D {
    const tf = this.tf;
    let h: Tensor2D = x;
    for (const { linear, norm, act } of this.blocks) {
      const w = (linear.w >= 0 ? params[linear.w]! : linear.constW!) as Tensor2D;
      let z = h === x && linear.w >= 0 ? this.firstLinear(x, w) : this.linearOp(h, w);
      const bias = linear.b >= 0 ? params[linear.b]! : linear.constB;
      if (bias) z = tf.add(z, bias);
      if (norm) {
        const gamma = params[norm.gamma]!;
        const beta = params[norm.beta]!;
        if (norm.kind === 'layer') {
          z = this.layerNormOps.get(norm.index)!(z, gamma, beta);
        } else if (training) {
          const n = z.shape[0];
          const mean = tf.mean<Tensor1D>(z, 0);
          const d = tf.sub(z, mean);
          const sq = tf.sum(tf.square(d), 0);
          const v = tf.div(sq, n);
          stats?.push({
            layer: norm.index,
            mean: tf.keep(mean),
            varUnbiased: tf.keep(tf.div<Tensor1D>(sq, n - 1)),
          });
          z = tf.add(tf.mul(tf.mul(d, tf.rsqrt(tf.add(v, norm.eps))), gamma), beta);
        } else {
          const r = this.running.get(norm.index)!;
          z = tf.add(
            tf.mul(tf.mul(tf.sub(z, r.mean), tf.rsqrt(tf.add(r.var, norm.eps))), gamma),
            beta,
          );
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
            z = tf.mul(
              tf.mul(0.5, z),
              tf.add(1, tf.tanh(tf.mul(c, tf.add(z, tf.mul(0.044715, tf.pow(z, 3)))))),
            );
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
   * Converts raw parameter values back to the IR: every trainable tensor and BatchNorm statistic
   * is replaced (weights transposed back to `[out, in]`, exact), everything else is kept.
   * @param raw - raw parameter values in `this.params` order (tfjs layout)
   * @param meta - metadata of the returned network
   * @returns the updated network
   */
  toNetwork(raw: readonly Float32Array[], meta: Network['meta']): Network {
    const byName = new Map<string, IrTensor<Float32Array>>();
    this.params.forEach((p, i) => byName.set(p.name, this.toIr(p, raw[i]!)));
    for (const [l, r] of this.running) {
      byName.set(
        `norms.${l}.running_mean`,
        tensor(Float32Array.from(r.mean.dataSync() as Float32Array), r.mean.shape),
      );
      byName.set(
        `norms.${l}.running_var`,
        tensor(Float32Array.from(r.var.dataSync() as Float32Array), r.var.shape),
      );
    }
    const updated = mapTensors(this.net, (e) => byName.get(e.name) ?? e.tensor, { meta });
    return mapLayers(updated, (layer) =>
      layer.type === 'norm' && layer.kind === 'batch' && this.running.has(layer.index)
        ? { ...layer, numBatchesTracked: this.running.get(layer.index)!.count }
        : layer,
    );
  }

  /** A parameter-shaped array (value or optimizer slot) in IR layout (a copy). */
  toIr(p: TfParam, data: Float32Array): IrTensor<Float32Array> {
    if (!p.transposed) return tensor(data.slice(), p.shape);
    return transpose2d(tensor(data, p.shape));
  }

  /** An IR-layout array in this parameter's tfjs layout (a copy). */
  fromIr(p: TfParam, data: Float32Array): Float32Array {
    if (!p.transposed) return data.slice();
    return transpose2d(tensor(data, [p.shape[1]!, p.shape[0]!])).data;
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
export function batchLoss(
  tf: Tf,
  logits: Tensor2D,
  loss: 'cross-entropy' | 'mse' | 'bce',
  labels: Tensor | null,
  targets: Tensor2D | null,
): Scalar {
  if (loss === 'cross-entropy') {
    const oneHot = tf.oneHot(labels!, logits.shape[1]);
    return tf.neg(tf.mean<Scalar>(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)));
  }
  if (loss === 'mse') return tf.mean<Scalar>(tf.square(tf.sub(logits, targets!)));
  // BCE with logits: max(x,0) − x·y + log(1 + exp(−|x|))
  return tf.mean<Scalar>(
    tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, targets!)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    ),
  );
}
