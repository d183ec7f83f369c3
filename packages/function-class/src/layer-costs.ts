import {
  InvalidArgumentError,
  NonFiniteError,
  blocksOf,
  countNonFinite,
  outputFeatures,
  sliceRows,
} from '@nidkit/core';
import type { Evaluator, LinearLayer, Network, RecordingPoint, Tensor } from '@nidkit/core';
import type { AnisotropyBoundOptions } from './coherence.js';
import { anisotropy, anisotropyBounds, coherence } from './coherence.js';
import type { SwapCostSummary } from './realization-cost.js';
import { realizationCosts, swapCostSummary, swapCostTolerance } from './realization-cost.js';
import { layerStructure } from './structure.js';
import { GramAccumulator } from './linalg/covariance.js';
import type { Subspace } from './subspace.js';
import { subspaceFromGram } from './subspace.js';

/** Progress report of the layer-wise analyses. */
export interface LayerProgress {
  /** Layer being processed, e.g. `lins.1` (or `model-output`). */
  readonly layer: string;
  /** Position in the list of layers (0-based) and their count. */
  readonly index: number;
  readonly total: number;
  /** Step within the layer. */
  readonly stage: 'subspace' | 'costs' | 'done';
}

/** Options of {@link layerCosts}. */
export interface LayerCostOptions {
  /** Explained-variance threshold τ (default 0.9). */
  readonly tau?: number;
  /** Linear layer indices to analyse (default: every linear layer, `lins.0 … lins.{L−1}`). */
  readonly layers?: readonly number[];
  /** Pseudo-inverse cutoff (default `k·2^−23`). */
  readonly rtol?: number;
  /** Evaluator batch size. */
  readonly batchSize?: number;
  /** Samples per evaluator call; layer inputs are folded into Gram matrices chunk by chunk (default 4096). */
  readonly chunkSize?: number;
  /** Quantile levels of the signed-sqrt swap costs. */
  readonly quantiles?: readonly number[];
  /** Called after each step. */
  readonly onProgress?: (p: LayerProgress) => void;
}

/** Costs of one linear layer, recorded at its input (function-class.md §5). */
export interface LayerCostRecord {
  /** `lins.{l}`. */
  readonly layer: string;
  /** Always `input`: the subspace is that of the layer's inputs. */
  readonly recording: 'input';
  /** Realization costs `[n, n]`. */
  readonly M: Tensor<Float64Array>;
  /** Swap costs `[n, n]`. */
  readonly T: Tensor<Float64Array>;
  /** Projected centre distances `[n, n]`. */
  readonly centreDistances: Tensor<Float64Array>;
  readonly k: number;
  readonly d: number;
  readonly explainedVariance: number;
  readonly coherence: number;
  /** Number of neurons whose S_i lost eigenvalues to the pseudo-inverse cutoff. */
  readonly rankDeficientNeurons: number;
  /** Negative fraction and signed-sqrt quantiles of the off-diagonal T. */
  readonly summaries: SwapCostSummary;
}

function selectLayers(
  where: string,
  net: Network,
  layers: readonly number[] | undefined,
): LinearLayer[] {
  const lins = blocksOf(net).map((b) => b.linear);
  if (!layers) return lins;
  return layers.map((l) => {
    const found = lins.find((x) => x.index === l);
    if (!found) {
      throw new InvalidArgumentError(
        `${where}: no such linear layer — expected one of ${lins.map((x) => x.index).join(', ')}, got ${l}`,
      );
    }
    return found;
  });
}

/**
 * Records the inputs of the given linear layers through the evaluator (one run).
 * @internal
 */
export async function recordLayerInputs(
  evaluator: Evaluator,
  net: Network,
  inputs: Tensor,
  layers: readonly LinearLayer[],
  batchSize?: number,
): Promise<{ inputs: Tensor[]; logits: Tensor }> {
  const record: RecordingPoint[] = layers.map((l) => ({ layer: l.index, point: 'input' }));
  const res = await evaluator.run(
    net,
    inputs,
    batchSize === undefined ? { record } : { record, batchSize },
  );
  return { inputs: res.activations, logits: res.logits };
}

/**
 * Principal subspaces of the inputs of the given linear layers (and optionally of the logits),
 * streamed: the inputs run through the evaluator in chunks of `chunkSize` samples and each
 * recording point's centred Gram matrix is accumulated, so memory stays O(chunk·Σd + Σd²)
 * whatever N is. @internal
 */
export async function streamSubspaces(
  evaluator: Evaluator,
  net: Network,
  inputs: Tensor,
  layers: readonly LinearLayer[],
  options: { tau: number; chunkSize?: number; batchSize?: number; logits?: boolean; where: string },
): Promise<{ layers: Subspace[]; logits: Subspace | null }> {
  const N = inputs.shape[0] ?? 0;
  const chunk = options.chunkSize ?? 4096;
  if (!Number.isSafeInteger(chunk) || chunk < 1) {
    throw new InvalidArgumentError(
      `${options.where}: invalid chunkSize — expected a positive integer, got ${chunk}`,
    );
  }
  const record: RecordingPoint[] = layers.map((l) => ({ layer: l.index, point: 'input' }));
  const accs: GramAccumulator[] = [];
  let logitAcc: GramAccumulator | null = null;
  for (let start = 0; start < N; start += chunk) {
    const part = sliceRows(inputs, start, Math.min(N, start + chunk));
    const res = await evaluator.run(
      net,
      part,
      options.batchSize === undefined ? { record } : { record, batchSize: options.batchSize },
    );
    const tensors = options.logits ? [...res.activations, res.logits] : res.activations;
    tensors.forEach((t, i) => {
      const rows = t.shape[0]!;
      const cols = t.shape[1]!;
      const bad = countNonFinite(t.data);
      const name = i < layers.length ? `lins.${layers[i]!.index} input` : 'model output';
      if (bad > 0)
        throw new NonFiniteError(`${options.where}: ${name}`, bad, `(evaluator ${evaluator.name})`);
      if (i < layers.length) (accs[i] ??= new GramAccumulator(cols)).add(t.data, rows);
      else (logitAcc ??= new GramAccumulator(cols)).add(t.data, rows);
    });
  }
  const finish = (acc: GramAccumulator | undefined | null, width: number): Subspace => {
    const a = acc ?? new GramAccumulator(width);
    const { gram, mean, rows } = a.finish();
    return subspaceFromGram(gram, mean, rows, options.tau, options.where);
  };
  return {
    layers: layers.map((l, i) => finish(accs[i], l.weight.shape[1]!)),
    logits: options.logits ? finish(logitAcc, outputFeatures(net)) : null,
  };
}

/**
 * Realization and swap costs of every linear layer of a network (function-class.md §4–§5).
 * For each layer `lins.l` the layer's inputs are recorded through `evaluator` (eval mode), the
 * principal subspace at τ is estimated, and `M`, `T` and the projected centre distances are
 * computed from the effective weights, mask D and fixed part F (dense layers: D = 1, F = 0).
 *
 * @param evaluator - core `Evaluator` (reference forward pass or the ONNX runner)
 * @param net - any core IR network
 * @param inputs - `[N, ...inputShape]` samples (the training split in the paper)
 * @param options - τ, layers, cutoff, batch size, quantiles, progress callback
 * @returns one record per analysed linear layer
 * @throws InvalidArgumentError for an unknown layer index or τ ∉ (0, 1]
 * @throws ZeroVarianceError when a layer's inputs are constant
 */
export async function layerCosts(
  evaluator: Evaluator,
  net: Network,
  inputs: Tensor,
  options: LayerCostOptions = {},
): Promise<LayerCostRecord[]> {
  const where = 'layerCosts';
  const tau = options.tau ?? 0.9;
  if (!(tau > 0 && tau <= 1))
    throw new InvalidArgumentError(`${where}: τ out of range — expected 0 < τ ≤ 1, got ${tau}`);
  const layers = selectLayers(where, net, options.layers);
  const subs = await streamSubspaces(evaluator, net, inputs, layers, {
    tau,
    chunkSize: options.chunkSize,
    batchSize: options.batchSize,
    where,
  });
  const out: LayerCostRecord[] = [];
  layers.forEach((lin, index) => {
    const name = `lins.${lin.index}`;
    const sub = subs.layers[index]!;
    options.onProgress?.({ layer: name, index, total: layers.length, stage: 'subspace' });
    const costs = realizationCosts(
      sub.U,
      layerStructure(lin),
      options.rtol === undefined ? {} : { rtol: options.rtol },
    );
    options.onProgress?.({ layer: name, index, total: layers.length, stage: 'costs' });
    let rankDeficient = 0;
    for (const x of costs.droppedEigenvalues) if (x > 0) rankDeficient++;
    out.push({
      layer: name,
      recording: 'input',
      M: costs.M,
      T: costs.T,
      centreDistances: costs.centreDistances,
      k: sub.k,
      d: sub.d,
      explainedVariance: sub.explainedVariance,
      coherence: coherence(sub.U),
      rankDeficientNeurons: rankDeficient,
      summaries: swapCostSummary(costs.T, options.quantiles, {
        tolerance: swapCostTolerance(costs.M),
      }),
    });
    options.onProgress?.({ layer: name, index, total: layers.length, stage: 'done' });
  });
  return out;
}

/** Options of {@link coherenceRecords}. */
export interface CoherenceRecordOptions extends AnisotropyBoundOptions {
  /** Explained-variance threshold τ (default 0.9). */
  readonly tau?: number;
  /** Evaluator batch size. */
  readonly batchSize?: number;
  /** Samples per evaluator call (default 4096). */
  readonly chunkSize?: number;
  /** Called after each recording point. */
  readonly onProgress?: (p: LayerProgress) => void;
}

/** Coherence of one recording point (function-class.md §3). */
export interface CoherenceRecord {
  /** `lins.{l}` (the layer's input) or `model-output` (the logits). */
  readonly point: string;
  readonly coherence: number;
  readonly k: number;
  readonly d: number;
  readonly explainedVariance: number;
  /** Per-neuron `‖S_i − pI‖₂` of the layer whose input this is (zeros without mask); null for the model output. */
  readonly anisotropy: number[] | null;
  readonly meanAnisotropy: number | null;
  /** Trainable fraction p of the layer's mask (1 without mask); null for the model output. */
  readonly p: number | null;
  /** Matrix-Bernstein bound per δ; null for the model output. */
  readonly anisotropyBounds: Record<string, number> | null;
}

/**
 * Coherence records per recording point (function-class.md §3): the inputs of `lins.0 … lins.{L−1}`
 * and the model output (`model-output`). Each has ν, k, d and the explained variance; layer inputs
 * also have the anisotropy of that layer's neurons (zeros for dense and syre layers) and the
 * matrix-Bernstein bound (0 for dense layers).
 * @param evaluator - core `Evaluator`
 * @param net - any core IR network
 * @param inputs - `[N, ...inputShape]` samples
 * @param options - τ, the bound's δ grid and b, batch size, progress callback
 * @returns one record per point
 * @throws InvalidArgumentError for τ ∉ (0, 1]
 * @throws ZeroVarianceError when a recorded point is constant
 */
export async function coherenceRecords(
  evaluator: Evaluator,
  net: Network,
  inputs: Tensor,
  options: CoherenceRecordOptions = {},
): Promise<CoherenceRecord[]> {
  const tau = options.tau ?? 0.9;
  if (!(tau > 0 && tau <= 1))
    throw new InvalidArgumentError(
      `coherenceRecords: τ out of range — expected 0 < τ ≤ 1, got ${tau}`,
    );
  const layers = selectLayers('coherenceRecords', net, undefined);
  const subs = await streamSubspaces(evaluator, net, inputs, layers, {
    tau,
    chunkSize: options.chunkSize,
    batchSize: options.batchSize,
    logits: true,
    where: 'coherenceRecords',
  });
  const total = layers.length + 1;
  const out: CoherenceRecord[] = [];
  layers.forEach((lin, index) => {
    const name = `lins.${lin.index}`;
    const sub = subs.layers[index]!;
    const nu = coherence(sub.U);
    const mask = lin.fixed?.kind === 'mask' ? lin.fixed.mask : null;
    const an = anisotropy(sub.U, mask, lin.weight.shape[0]);
    out.push({
      point: name,
      coherence: nu,
      k: sub.k,
      d: sub.d,
      explainedVariance: sub.explainedVariance,
      anisotropy: Array.from(an.perNeuron),
      meanAnisotropy: an.mean,
      p: an.p,
      anisotropyBounds: anisotropyBounds(an.p, nu, sub.k, options),
    });
    options.onProgress?.({ layer: name, index, total, stage: 'done' });
  });
  const sub = subs.logits!;
  out.push({
    point: 'model-output',
    coherence: coherence(sub.U),
    k: sub.k,
    d: sub.d,
    explainedVariance: sub.explainedVariance,
    anisotropy: null,
    meanAnisotropy: null,
    p: null,
    anisotropyBounds: null,
  });
  options.onProgress?.({ layer: 'model-output', index: layers.length, total, stage: 'done' });
  return out;
}
