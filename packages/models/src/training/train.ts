import type { Dataset, Network, Split, SplitMetrics, Tensor as IrTensor } from '@nidkit/core';
import { Rng, getSplit, lossSums, splitSize, tensor, validateSplit } from '@nidkit/core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import { TrainingError } from '../errors.js';
import type { BackendChoice, BackendInfo, Tf } from './backend.js';
import { selectBackend } from './backend.js';
import type { BatchStat, TfParam } from './tf-model.js';
import { TfModel, batchLoss } from './tf-model.js';
import type { OptimizerConfig, OptimizerSlot } from './optimizer.js';
import { optimizerStep } from './optimizer.js';

/** Loss functions: mean cross-entropy (classification), MSE (regression), BCE with logits (multilabel). */
export type LossKind = 'cross-entropy' | 'mse' | 'bce';

/** Options of {@link trainNetwork}. Defaults are the paper's MNIST setup (models.md §12). */
export interface TrainOptions {
  /** Number of epochs to train (after `resume.epoch`, if resuming). */
  readonly epochs: number;
  /** Minibatch size (default 64); the last partial batch is kept. */
  readonly batchSize?: number;
  /** `adamw` (default) or `sgd`. */
  readonly optimizer?: 'adamw' | 'sgd';
  /** Learning rate (default 1e−3), constant. */
  readonly lr?: number;
  /** Decoupled weight decay (AdamW) or L2 (SGD) on all parameters (default 0.01 for AdamW, 0 for SGD). */
  readonly weightDecay?: number;
  /** Per-slot weight decay overriding `weightDecay` (e.g. `{ bias: 0 }` for the coherence experiment). */
  readonly weightDecayBySlot?: Partial<Record<'weight' | 'bias' | 'gamma' | 'beta', number>>;
  /** AdamW betas (default [0.9, 0.999]). */
  readonly betas?: readonly [number, number];
  /** AdamW eps (default 1e−8). */
  readonly eps?: number;
  /** SGD momentum (default 0). */
  readonly momentum?: number;
  /** Loss (default from the dataset's task: cross-entropy, bce for multilabel, mse for regression). */
  readonly loss?: LossKind;
  /** Seed of the minibatch order, stream `(seed, 'shuffle', epoch)` (default `net.meta.optimizationSeed ?? 0`). */
  readonly optimizationSeed?: number;
  /** Split names (defaults `train`, `val`, `test`); `null` skips validation or the final test. */
  readonly trainSplit?: string;
  readonly valSplit?: string | null;
  readonly testSplit?: string | null;
  /** Validate every this many epochs (default 1) and after the last epoch. */
  readonly evaluateEvery?: number;
  /** Batch size of evaluation (default 1024). */
  readonly evalBatchSize?: number;
  /** Checkpoint every this many epochs (plus epoch 0, the init); unset: no checkpoints. */
  readonly saveEvery?: number;
  /** Keep checkpoints in `result.checkpoints` (default true); `onCheckpoint` is called either way. */
  readonly keepCheckpoints?: boolean;
  /** Include the optimizer state in checkpoints (default false; it doubles their size). */
  readonly checkpointOptimizerState?: boolean;
  /** Called with each checkpoint as it is made (e.g. to write it as ONNX). */
  readonly onCheckpoint?: (checkpoint: Checkpoint) => void | Promise<void>;
  /** Progress callback, after every `progressEvery` steps and after every epoch. */
  readonly onProgress?: (event: TrainProgress) => void;
  /** Steps between step events (default 1). */
  readonly progressEvery?: number;
  /** Continue from a previous run's state (its network is the `net` argument). */
  readonly resume?: TrainState;
  /** tfjs backend (default `auto`). */
  readonly backend?: BackendChoice;
  /** Stops training at the next step boundary; the result holds the state reached. */
  readonly signal?: AbortSignal;
}

/** A progress event: a training step, or the end of an epoch with its validation metrics. */
export interface TrainProgress {
  readonly kind: 'step' | 'epoch';
  /** Epoch number, 1-based. */
  readonly epoch: number;
  readonly epochs: number;
  /** Global step count (1-based, continues across resumes). */
  readonly step: number;
  readonly stepInEpoch: number;
  readonly stepsPerEpoch: number;
  /** Minibatch loss (step) or mean training loss of the epoch (epoch). */
  readonly loss: number;
  /** Minibatch or epoch training accuracy in %, null for regression. */
  readonly accuracy: number | null;
  /** Validation metrics (epoch events when validated). */
  readonly val?: SplitMetrics;
}

/** Per-epoch record of a training run. */
export interface EpochRecord {
  readonly epoch: number;
  readonly step: number;
  /** Mean training loss over the epoch's minibatches (weighted by size). */
  readonly trainLoss: number;
  /** Training accuracy in % over the epoch (running weights), null for regression. */
  readonly trainAccuracy: number | null;
  readonly val?: SplitMetrics;
  readonly seconds: number;
}

/** Optimizer state in IR layout (`[out, in]` for weights), keyed by state-dict name. */
export interface OptimizerState {
  readonly kind: 'adamw' | 'sgd';
  /** Number of steps taken (AdamW's t). */
  readonly t: number;
  /** AdamW first/second moments, or SGD momentum buffers (`m`). */
  readonly slots: Readonly<Record<string, { readonly m: Float32Array; readonly v?: Float32Array }>>;
}

/**
 * Everything needed to continue training exactly where it stopped. Without `optimizer` (e.g. when
 * resuming from a checkpoint file that holds only weights) the optimizer restarts with zero moments
 * at t = 0; the data order still continues with epoch `epoch + 1`.
 */
export interface TrainState {
  /** Completed epochs. */
  readonly epoch: number;
  /** Completed steps (default 0). */
  readonly step?: number;
  /** Seed of the minibatch order (default: the options' or the network's). */
  readonly optimizationSeed?: number;
  readonly optimizer?: OptimizerState;
}

/** A checkpoint: the network after `epoch` epochs (epoch 0 = init), as IR. */
export interface Checkpoint {
  readonly epoch: number;
  readonly step: number;
  readonly network: Network;
  readonly state?: TrainState;
}

/** Result of {@link trainNetwork}. */
export interface TrainResult {
  /** The trained network (fixed parts unchanged, training provenance in `meta`). */
  readonly network: Network;
  readonly history: EpochRecord[];
  readonly checkpoints: Checkpoint[];
  /** The tfjs backend used: `tensorflow`, `wasm` or `cpu`. */
  readonly backend: string;
  readonly backendInfo: BackendInfo;
  /** Final test metrics (when a test split exists and was not disabled). */
  readonly test?: SplitMetrics;
  /** Final state, for resuming. */
  readonly state: TrainState;
  /** True when training stopped early through `signal`. */
  readonly aborted: boolean;
}

interface Resolved {
  epochs: number;
  batchSize: number;
  optimizer: 'adamw' | 'sgd';
  lr: number;
  weightDecay: number;
  betas: readonly [number, number];
  eps: number;
  momentum: number;
  loss: LossKind;
  optimizationSeed: number;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new TrainingError(`trainNetwork: ${name} must be a positive integer — got ${v}`);
  return v;
}

function nonNegative(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0)
    throw new TrainingError(`trainNetwork: ${name} must be a finite number ≥ 0 — got ${v}`);
  return v;
}

function resolveOptions(net: Network, dataset: Dataset, o: TrainOptions): Resolved {
  if (!Number.isSafeInteger(o.epochs) || o.epochs < 0)
    throw new TrainingError(`trainNetwork: epochs must be an integer ≥ 0 — got ${o.epochs}`);
  const optimizer = o.optimizer ?? 'adamw';
  if (optimizer !== 'adamw' && optimizer !== 'sgd')
    throw new TrainingError(
      `trainNetwork: optimizer must be adamw or sgd — got ${String(optimizer)}`,
    );
  const loss =
    o.loss ??
    (dataset.task === 'multilabel'
      ? 'bce'
      : dataset.task === 'regression'
        ? 'mse'
        : 'cross-entropy');
  const needs = loss === 'cross-entropy' ? 'classification' : null;
  if (needs && dataset.task !== needs)
    throw new TrainingError(
      `trainNetwork: loss ${loss} needs integer labels — expected a classification dataset, got task ${dataset.task}`,
    );
  if (loss !== 'cross-entropy' && dataset.task === 'classification')
    throw new TrainingError(
      `trainNetwork: loss ${loss} needs float targets — expected a multilabel or regression dataset, got classification`,
    );
  const betas = o.betas ?? [0.9, 0.999];
  if (!betas.every((b) => b >= 0 && b < 1))
    throw new TrainingError(`trainNetwork: betas must lie in [0, 1) — got [${betas.join(', ')}]`);
  const seed =
    o.optimizationSeed ??
    o.resume?.optimizationSeed ??
    (typeof net.meta.optimizationSeed === 'number' ? net.meta.optimizationSeed : 0);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new TrainingError(
      `trainNetwork: optimizationSeed must be a non-negative safe integer — got ${seed}`,
    );
  return {
    epochs: o.epochs,
    batchSize: positiveInt('batchSize', o.batchSize ?? 64),
    optimizer,
    lr: nonNegative('lr', o.lr ?? 1e-3),
    weightDecay: nonNegative('weightDecay', o.weightDecay ?? (optimizer === 'adamw' ? 0.01 : 0)),
    betas,
    eps: nonNegative('eps', o.eps ?? 1e-8),
    momentum: nonNegative('momentum', o.momentum ?? 0),
    loss,
    optimizationSeed: seed,
  };
}

/** Copies rows `idx[start..end)` of a split into a batch. */
function gatherBatch(
  split: Split,
  d: number,
  k: number,
  idx: Int32Array,
  start: number,
  end: number,
): { x: Float32Array; y: Int32Array | null; t: Float32Array | null } {
  const n = end - start;
  const x = new Float32Array(n * d);
  const src = split.inputs.data;
  const y = split.labels ? new Int32Array(n) : null;
  const t = split.targets ? new Float32Array(n * k) : null;
  for (let i = 0; i < n; i++) {
    const r = idx[start + i]!;
    x.set(src.subarray(r * d, (r + 1) * d), i * d);
    if (y) y[i] = split.labels![r]!;
    if (t) t.set(split.targets!.data.subarray(r * k, (r + 1) * k), i * k);
  }
  return { x, y, t };
}

/** Runs a TfModel in eval mode over a split and accumulates core's loss sums in float64. */
function evaluateTf(
  tf: Tf,
  model: TfModel,
  raw: readonly Float32Array[],
  split: Split,
  task: Dataset['task'],
  batch: number,
): SplitMetrics {
  const params = model.effectiveTensors(raw);
  try {
    return evaluateWith(tf, model, params, split, task, batch);
  } finally {
    for (const p of params) p.dispose();
  }
}

function evaluateWith(
  tf: Tf,
  model: TfModel,
  params: readonly Tensor[],
  split: Split,
  task: Dataset['task'],
  batch: number,
): SplitMetrics {
  const n = splitSize(split);
  const d = model.inputSize;
  let lossSum = 0;
  let lossCount = 0;
  let correct = 0;
  let predictions = 0;
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(n, s + batch);
    const logits = tf.tidy(() => {
      const x = tf.tensor2d(split.inputs.data.subarray(s * d, e * d), [e - s, d], 'float32');
      return model.forward(params, x, false).dataSync() as Float32Array;
    });
    const part: Split = {
      inputs: split.inputs,
      ...(split.labels ? { labels: split.labels.subarray(s, e) } : {}),
      ...(split.targets
        ? {
            targets: tensor(
              split.targets.data.subarray(s * model.outputSize, e * model.outputSize),
              [e - s, model.outputSize],
            ),
          }
        : {}),
    };
    const sums = lossSums(tensor(logits, [e - s, model.outputSize]), part, task);
    lossSum += sums.lossSum;
    lossCount += sums.lossCount;
    correct += sums.correct;
    predictions += sums.predictions;
  }
  if (!Number.isFinite(lossSum))
    throw new TrainingError(
      `trainNetwork: evaluation produced a non-finite loss — expected finite logits, got loss ${lossSum}`,
    );
  return {
    loss: lossSum / lossCount,
    accuracy: task === 'regression' ? null : (100 * correct) / predictions,
    n,
  };
}

function checkSplit(where: string, dataset: Dataset, split: Split, d: number): void {
  validateSplit(where, split, dataset.task, dataset.numOutputs);
  const per = split.inputs.data.length / Math.max(1, splitSize(split));
  if (splitSize(split) > 0 && per !== d) {
    throw new TrainingError(
      `${where}: samples have ${per} features — expected ${d} (the network's input size)`,
    );
  }
}

/**
 * Trains a network with tfjs (models.md §12): minibatches in the order of stream
 * `(optimizationSeed, 'shuffle', epoch)` (epochs 1-based, last partial batch kept), mean loss,
 * and AdamW with PyTorch semantics and decoupled weight decay on **all** parameters:
 * `θ ← θ(1 − lr·wd)`, `m ← β1 m + (1−β1) g`, `v ← β2 v + (1−β2) g²`,
 * `θ ← θ − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + eps)`; or SGD (`g ← g + wd·θ`, momentum buffer,
 * `θ ← θ − lr·buf`). W-asym weights: the gradient of raw W is `g ⊙ D` (exactly 0 at fixed
 * positions) and the update is applied only where D = 1, so fixed entries never move (raw W there
 * keeps its value; W_eff there is F = κN). Frozen layers and fixed parts are constants. BatchNorm
 * uses batch statistics and updates its running statistics (momentum, unbiased variance); a last
 * partial batch of a single sample is skipped for BatchNorm networks (PyTorch raises on it).
 * Validation after every `evaluateEvery` epochs, test once at the end; checkpoints at epoch 0 and
 * every `saveEvery` epochs. Same seeds and backend ⇒ bit-identical weights.
 * @param net - the network to train (not modified)
 * @param dataset - the data; splits `train`, `val`, `test` by default
 * @param options - epochs and optimizer settings (defaults: AdamW lr 1e−3, wd 0.01, batch 64)
 * @returns the trained network, history, checkpoints, backend and final state
 * @throws TrainingError for invalid options, a data/network mismatch, or a non-finite loss
 */
export async function trainNetwork(
  net: Network,
  dataset: Dataset,
  options: TrainOptions,
): Promise<TrainResult> {
  const cfg = resolveOptions(net, dataset, options);
  const { tf, info } = await selectBackend(options.backend ?? 'auto');
  const model = new TfModel(tf, net);
  const d = model.inputSize;
  const k = model.outputSize;
  if (k !== dataset.numOutputs)
    throw new TrainingError(
      `trainNetwork: the network has ${k} outputs — expected ${dataset.numOutputs} for dataset "${dataset.name}"`,
    );
  const train = getSplit(dataset, options.trainSplit ?? 'train');
  checkSplit(`trainNetwork: split "${options.trainSplit ?? 'train'}"`, dataset, train, d);
  const valName =
    options.valSplit === undefined ? (dataset.splits.val ? 'val' : null) : options.valSplit;
  const testName =
    options.testSplit === undefined ? (dataset.splits.test ? 'test' : null) : options.testSplit;
  const val = valName === null ? null : getSplit(dataset, valName);
  const test = testName === null ? null : getSplit(dataset, testName);
  if (val) checkSplit(`trainNetwork: split "${valName}"`, dataset, val, d);
  if (test) checkSplit(`trainNetwork: split "${testName}"`, dataset, test, d);
  const nTrain = splitSize(train);
  if (nTrain === 0)
    throw new TrainingError(
      'trainNetwork: the training split is empty — expected at least 1 sample, got 0',
    );
  const evalBatch = positiveInt('evalBatchSize', options.evalBatchSize ?? 1024);
  const evaluateEvery = positiveInt('evaluateEvery', options.evaluateEvery ?? 1);
  const saveEvery =
    options.saveEvery === undefined ? null : positiveInt('saveEvery', options.saveEvery);
  const progressEvery = positiveInt('progressEvery', options.progressEvery ?? 1);
  const hasBatchNorm = model.running.size > 0;

  const decayOf = (p: TfParam): number => {
    const slot = p.slot as 'weight' | 'bias' | 'gamma' | 'beta';
    const v = options.weightDecayBySlot?.[slot];
    return v === undefined ? cfg.weightDecay : nonNegative(`weightDecayBySlot.${slot}`, v);
  };
  const decays = model.params.map(decayOf);

  // state: raw parameters and optimizer slots live in JavaScript (tfjs layout)
  const raw = model.initial;
  let m: Float32Array[];
  let v: Float32Array[];
  let t: number;
  let epoch0 = 0;
  let step = 0;
  const resume = options.resume;
  if (resume && (!Number.isSafeInteger(resume.epoch) || resume.epoch < 0)) {
    throw new TrainingError(
      `trainNetwork: resume.epoch must be an integer ≥ 0 — got ${resume.epoch}`,
    );
  }
  const resumeOpt = resume?.optimizer;
  if (resume && resumeOpt) {
    if (resumeOpt.kind !== cfg.optimizer) {
      throw new TrainingError(
        `trainNetwork: resume state is for ${resumeOpt.kind} — expected ${cfg.optimizer}`,
      );
    }
    const slotOf = (p: TfParam, which: 'm' | 'v'): Float32Array => {
      const s = resumeOpt.slots[p.name];
      const a = s?.[which];
      if (!a || a.length !== raw[model.params.indexOf(p)]!.length) {
        throw new TrainingError(
          `trainNetwork: resume state lacks a matching ${which} for ${p.name} — expected ${raw[model.params.indexOf(p)]!.length} values, got ${a ? a.length : 'none'}`,
        );
      }
      return model.fromIr(p, a);
    };
    m = model.params.map((p) => slotOf(p, 'm'));
    v =
      cfg.optimizer === 'adamw'
        ? model.params.map((p) => slotOf(p, 'v'))
        : raw.map((r) => new Float32Array(r.length));
    t = resumeOpt.t;
  } else {
    m = raw.map((r) => new Float32Array(r.length));
    v = raw.map((r) => new Float32Array(r.length));
    t = 0;
  }
  if (resume) {
    epoch0 = resume.epoch;
    step = resume.step ?? 0;
  }
  const optimizerConfig: OptimizerConfig = {
    kind: cfg.optimizer,
    lr: cfg.lr,
    betas: cfg.betas,
    eps: cfg.eps,
    momentum: cfg.momentum,
  };
  const slots: OptimizerSlot[] = model.params.map((p, j) => ({
    value: raw[j]!,
    m: m[j]!,
    v: v[j]!,
    mask: p.fixed?.mask ?? null,
    weightDecay: decays[j]!,
  }));

  const provenance = (epoch: number): Network['meta'] => ({
    ...net.meta,
    optimizationSeed: cfg.optimizationSeed,
    provenance: {
      ...(net.meta.provenance ?? {}),
      training: {
        trainer: '@nidkit/models trainNetwork',
        backend: info.name,
        dataset: dataset.name,
        epoch,
        step,
        optimizer: cfg.optimizer,
        lr: cfg.lr,
        weightDecay: cfg.weightDecay,
        ...(options.weightDecayBySlot
          ? { weightDecayBySlot: { ...options.weightDecayBySlot } }
          : {}),
        batchSize: cfg.batchSize,
        loss: cfg.loss,
      },
    },
  });
  const currentState = (epoch: number): TrainState => {
    const state: Record<string, { m: Float32Array; v?: Float32Array }> = {};
    model.params.forEach((p, i) => {
      state[p.name] = {
        m: model.toIr(p, m[i]!).data,
        ...(cfg.optimizer === 'adamw' ? { v: model.toIr(p, v[i]!).data } : {}),
      };
    });
    return {
      epoch,
      step,
      optimizationSeed: cfg.optimizationSeed,
      optimizer: { kind: cfg.optimizer, t, slots: state },
    };
  };
  const checkpoints: Checkpoint[] = [];
  const checkpoint = async (epoch: number): Promise<void> => {
    const cp: Checkpoint = {
      epoch,
      step,
      network: model.toNetwork(raw, provenance(epoch)),
      ...(options.checkpointOptimizerState ? { state: currentState(epoch) } : {}),
    };
    if (options.keepCheckpoints ?? true) checkpoints.push(cp);
    if (options.onCheckpoint) await options.onCheckpoint(cp);
  };

  const history: EpochRecord[] = [];
  const task = dataset.task;
  const stepsPerEpoch = Math.ceil(nTrain / cfg.batchSize);
  let aborted = false;
  let lastEpoch = epoch0;
  try {
    if (saveEvery !== null && epoch0 === 0) await checkpoint(0);
    const pending: {
      stats: BatchStat[];
      logits: Tensor | null;
      x: Tensor2D | null;
      y: Tensor | null;
      tg: Tensor2D | null;
    } = {
      stats: [],
      logits: null,
      x: null,
      y: null,
      tg: null,
    };
    const lossAndGrads = tf.valueAndGrads((...ps: Tensor[]) => {
      const { x, y, tg } = pending as { x: Tensor2D; y: Tensor; tg: Tensor2D };
      const logits = model.forward(ps, x, true, pending.stats);
      pending.logits = tf.keep(logits);
      return batchLoss(
        tf,
        logits,
        cfg.loss,
        cfg.loss === 'cross-entropy' ? y : null,
        cfg.loss === 'cross-entropy' ? null : tg,
      );
    });
    for (let epoch = epoch0 + 1; epoch <= epoch0 + cfg.epochs; epoch++) {
      const started = performance.now();
      const order = Rng.stream(cfg.optimizationSeed, 'shuffle', epoch).permutation(nTrain);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let s = 0, i = 0; s < nTrain; s += cfg.batchSize, i++) {
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
        const e = Math.min(nTrain, s + cfg.batchSize);
        const n = e - s;
        if (hasBatchNorm && n < 2) continue; // BatchNorm cannot normalize a single sample (PyTorch raises)
        const batch = gatherBatch(train, d, k, order, s, e);
        pending.stats = [];
        const effective = model.effectiveTensors(raw);
        let out: { value: Tensor; grads: Tensor[]; correctT: Tensor };
        try {
          out = tf.tidy(() => {
            const x = tf.tensor2d(batch.x, [n, d], 'float32');
            const y = batch.y ? tf.tensor1d(batch.y, 'int32') : null;
            const tg = batch.t ? tf.tensor2d(batch.t, [n, k], 'float32') : null;
            pending.x = x;
            pending.y = y;
            pending.tg = tg;
            const { value, grads } = lossAndGrads(effective);
            let correctT: Tensor = tf.scalar(0, 'int32');
            if (task === 'classification')
              correctT = tf.sum(tf.cast(tf.equal(tf.argMax(pending.logits!, 1), y!), 'int32'));
            else if (task === 'multilabel')
              correctT = tf.sum(
                tf.cast(tf.equal(tf.greater(pending.logits!, 0), tf.greater(tg!, 0.5)), 'int32'),
              );
            return { value, grads, correctT };
          });
        } finally {
          pending.logits?.dispose();
          pending.logits = null;
          for (const x of effective) x.dispose();
        }
        const lossValue = (out.value.dataSync() as Float32Array)[0]!;
        const c = (out.correctT.dataSync() as Int32Array)[0]!;
        const grads = out.grads.map((g) => g.dataSync() as Float32Array);
        if (!Number.isFinite(lossValue)) {
          for (const x of [out.value, out.correctT, ...out.grads]) x.dispose();
          for (const st of pending.stats) {
            st.mean.dispose();
            st.varUnbiased.dispose();
          }
          throw new TrainingError(
            `trainNetwork: the loss became non-finite at epoch ${epoch}, step ${step + 1} — expected a finite loss, got ${lossValue} (lower the learning rate)`,
          );
        }
        t += 1;
        step += 1;
        slots.forEach((slot, j) => optimizerStep(optimizerConfig, t, slot, grads[j]!));
        for (const x of [out.value, out.correctT, ...out.grads]) x.dispose();
        if (hasBatchNorm) model.updateRunning(pending.stats);
        pending.stats = [];
        lossSum += lossValue * n;
        correct += c;
        seen += n;
        if (options.onProgress && (i + 1) % progressEvery === 0) {
          options.onProgress({
            kind: 'step',
            epoch,
            epochs: epoch0 + cfg.epochs,
            step,
            stepInEpoch: i + 1,
            stepsPerEpoch,
            loss: lossValue,
            accuracy:
              task === 'regression' ? null : (100 * c) / (task === 'multilabel' ? n * k : n),
          });
        }
      }
      if (aborted) break;
      lastEpoch = epoch;
      const isLast = epoch === epoch0 + cfg.epochs;
      const valMetrics =
        val && (epoch % evaluateEvery === 0 || isLast)
          ? evaluateTf(tf, model, raw, val, task, evalBatch)
          : undefined;
      const trainAccuracy =
        task === 'regression' ? null : (100 * correct) / (task === 'multilabel' ? seen * k : seen);
      const record: EpochRecord = {
        epoch,
        step,
        trainLoss: lossSum / seen,
        trainAccuracy,
        ...(valMetrics ? { val: valMetrics } : {}),
        seconds: (performance.now() - started) / 1000,
      };
      history.push(record);
      options.onProgress?.({
        kind: 'epoch',
        epoch,
        epochs: epoch0 + cfg.epochs,
        step,
        stepInEpoch: stepsPerEpoch,
        stepsPerEpoch,
        loss: record.trainLoss,
        accuracy: trainAccuracy,
        ...(valMetrics ? { val: valMetrics } : {}),
      });
      if (saveEvery !== null && epoch % saveEvery === 0) await checkpoint(epoch);
    }
    const testMetrics =
      test && !aborted ? evaluateTf(tf, model, raw, test, task, evalBatch) : undefined;
    const network = model.toNetwork(raw, provenance(lastEpoch));
    const state = currentState(lastEpoch);
    return {
      network,
      history,
      checkpoints,
      backend: info.name,
      backendInfo: info,
      ...(testMetrics ? { test: testMetrics } : {}),
      state,
      aborted,
    };
  } finally {
    model.dispose();
  }
}

/**
 * Gradients of the mean loss of one batch with respect to every trainable tensor, in IR layout
 * (`lins.{l}.weight` as `[out, in]`), computed by the same tfjs graph that {@link trainNetwork}
 * uses (BatchNorm in training mode). For W-asym weights the gradient is exactly 0 at fixed positions.
 * @param net - the network
 * @param inputs - `[N, ...inputShape]` inputs
 * @param target - integer labels (cross-entropy) or float targets `[N, K]` (mse, bce)
 * @param options - loss (default cross-entropy with labels, mse with targets) and backend
 * @returns loss and gradients by state-dict name
 * @throws TrainingError when the shapes do not fit
 */
export async function computeGradients(
  net: Network,
  inputs: IrTensor<Float32Array>,
  target: Int32Array | IrTensor<Float32Array>,
  options: { loss?: LossKind; backend?: BackendChoice } = {},
): Promise<{ loss: number; gradients: Record<string, IrTensor<Float32Array>> }> {
  const { tf } = await selectBackend(options.backend ?? 'auto');
  const model = new TfModel(tf, net);
  const n = inputs.shape[0] ?? 0;
  if (inputs.data.length !== n * model.inputSize || n === 0) {
    throw new TrainingError(
      `computeGradients: inputs have shape [${inputs.shape.join(', ')}] — expected [N, ${model.inputSize}] features with N ≥ 1`,
    );
  }
  const loss = options.loss ?? (target instanceof Int32Array ? 'cross-entropy' : 'mse');
  const params = model.effectiveTensors(model.initial);
  try {
    const out = tf.tidy(() => {
      const x = tf.tensor2d(inputs.data, [n, model.inputSize], 'float32');
      const labels = target instanceof Int32Array ? tf.tensor1d(target, 'int32') : null;
      const targets =
        target instanceof Int32Array
          ? null
          : tf.tensor2d(target.data, [n, model.outputSize], 'float32');
      const f = tf.valueAndGrads((...ps: Tensor[]) =>
        batchLoss(tf, model.forward(ps, x, true, []), loss, labels, targets),
      );
      return f(params);
    });
    const gradients: Record<string, IrTensor<Float32Array>> = {};
    model.params.forEach((p, i) => {
      const g = Float32Array.from(out.grads[i]!.dataSync() as Float32Array);
      const mask = p.fixed?.mask;
      if (mask) for (let j = 0; j < g.length; j++) if (mask[j] === 0) g[j] = 0; // raw W is not read there
      gradients[p.name] = model.toIr(p, g);
    });
    const lossValue = (out.value.dataSync() as Float32Array)[0]!;
    out.value.dispose();
    for (const g of out.grads) g.dispose();
    return { loss: lossValue, gradients };
  } finally {
    for (const p of params) p.dispose();
    model.dispose();
  }
}

/**
 * Logits of `net` on `inputs` computed by tfjs in eval mode (float32), in batches. Used to check
 * that the training framework and core's reference forward pass agree.
 * @param net - the network
 * @param inputs - `[N, ...inputShape]`
 * @param options - batch size (default 1024) and backend
 * @returns logits `[N, out]` as float32
 */
export async function predictTf(
  net: Network,
  inputs: IrTensor<Float32Array>,
  options: { batchSize?: number; backend?: BackendChoice } = {},
): Promise<IrTensor<Float32Array>> {
  const { tf } = await selectBackend(options.backend ?? 'auto');
  const model = new TfModel(tf, net);
  const params = model.effectiveTensors(model.initial);
  try {
    const n = inputs.shape[0] ?? 0;
    const d = model.inputSize;
    if (inputs.data.length !== n * d)
      throw new TrainingError(
        `predictTf: inputs have shape [${inputs.shape.join(', ')}] — expected [N, ${d}] features`,
      );
    const out = new Float32Array(n * model.outputSize);
    const batch = Math.max(1, options.batchSize ?? 1024);
    for (let s = 0; s < n; s += batch) {
      const e = Math.min(n, s + batch);
      const r = tf.tidy(() =>
        model
          .forward(
            params,
            tf.tensor2d(inputs.data.subarray(s * d, e * d), [e - s, d], 'float32'),
            false,
          )
          .dataSync(),
      );
      out.set(r, s * model.outputSize);
    }
    return tensor(out, [n, model.outputSize]);
  } finally {
    for (const p of params) p.dispose();
    model.dispose();
  }
}
