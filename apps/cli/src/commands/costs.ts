/**
 * `nidkit costs <model> --data …`: per linear layer, the data subspace of its inputs (k, ν), the
 * realization costs M and swap costs T of its neurons, and their summaries.
 */
import { splitSize } from '@nidkit/core';
import type { Tensor } from '@nidkit/core';
import type { DataOptions, OutputOptions } from '../cli.js';
import { describeData, loadData, pickSplit } from '../io/data.js';
import { fmt, table } from '../io/format.js';
import { createProgress } from '../io/progress.js';
import { heatmap, lineChart, signedSqrt, symmetricDomain } from '../plots/index.js';
import type { ReportPlot } from '../report/index.js';
import {
  emit,
  envelope,
  loadModel,
  outIsJsonFile,
  preflightOutputs,
  withEvaluator,
} from './shared.js';

/** Options of {@link costsCommand}. */
export interface CostsCommandOptions extends OutputOptions, DataOptions {
  readonly estimator: 'mahalanobis' | 'ridge';
  readonly tau: number;
  readonly beta: number;
  readonly layer?: number[];
  readonly neurons: number;
  readonly iterations: number;
}

/** A row-major `[n, m]` tensor as nested arrays. */
export function toRows(t: Tensor): number[][] {
  const [n, m] = [t.shape[0]!, t.shape[1]!];
  return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * m, (i + 1) * m)));
}

/** The median of the signed square root of the off-diagonal swap costs, from a summary. */
export function medianSignedSqrt(summary: {
  signedSqrtQuantiles: readonly { q: number; value: number }[];
}): number | null {
  return summary.signedSqrtQuantiles.find((x) => Math.abs(x.q - 0.5) < 1e-9)?.value ?? null;
}

/** Cumulative explained variance `r_k` for k = 1…d from descending eigenvalues. */
export function cumulative(eigenvalues: Float64Array | undefined): { x: number; y: number }[] {
  if (!eigenvalues || eigenvalues.length === 0) return [];
  const total = eigenvalues.reduce((a, b) => a + Math.max(0, b), 0) || 1;
  let acc = 0;
  return Array.from(eigenvalues, (v, i) => {
    acc += Math.max(0, v);
    return { x: i + 1, y: Math.min(1, acc / total) };
  });
}

/**
 * Runs `nidkit costs`.
 * @throws InputFileError, OnnxImportError, UsageError, OutputFileError
 */
export async function costsCommand(model: string, opts: CostsCommandOptions): Promise<void> {
  const quiet = opts.quiet ?? false;
  await preflightOutputs(opts, [model]);
  if (opts.estimator === 'ridge') return ridgeCosts(model, opts, quiet);
  const m = await loadModel(model, { quiet });
  const fc = await import('@nidkit/function-class');
  const dataset = await loadData(opts.data);
  const split = pickSplit(dataset, opts.split, opts.limit);
  const progress = await createProgress('costs', { quiet });
  const wantPlots = opts.out !== undefined && !outIsJsonFile(opts.out);
  const spectra = new Map<string, Float64Array>();
  const records = await withEvaluator(opts.evaluator, { quiet }, async (ev) => {
    try {
      const recs = await fc.layerCosts(ev, m.network, split.inputs, {
        tau: opts.tau,
        ...(opts.layer ? { layers: opts.layer } : {}),
        onProgress: (p) =>
          progress.update(
            `${p.layer} ${p.stage}`,
            (p.index + (p.stage === 'done' ? 1 : 0.5)) / p.total,
          ),
      });
      if (wantPlots) {
        // the spectrum of each analysed layer's inputs, for the report's spectrum plot
        const idx = recs.map((r) => Number(r.layer.replace(/^lins\./, '')));
        const run = await ev.run(m.network, split.inputs, {
          record: idx.map((layer) => ({ layer, point: 'input' as const })),
        });
        run.activations.forEach((x, i) =>
          spectra.set(recs[i]!.layer, fc.estimateSubspace(x, { tau: opts.tau }).eigenvalues),
        );
      }
      return recs;
    } finally {
      progress.stop();
    }
  });
  const layers = records.map((r) => ({
    layer: Number(r.layer.replace(/^lins\./, '')),
    name: r.layer,
    n: r.M.shape[0]!,
    k: r.k,
    d: r.d,
    explainedVariance: r.explainedVariance,
    coherence: r.coherence,
    rankDeficientNeurons: r.rankDeficientNeurons,
    summary: r.summaries,
    M: toRows(r.M),
    T: toRows(r.T),
    centreDistances: toRows(r.centreDistances),
  }));
  const result = envelope('costs', {
    model,
    family: m.network.family,
    data: {
      spec: opts.data,
      name: dataset.name,
      split: opts.split ?? 'train',
      samples: splitSize(split),
    },
    estimator: opts.estimator,
    tau: opts.tau,
    layers,
  });
  const summary = [
    `realization and swap costs of ${model} (${m.network.family}) on ${describeData(dataset, opts.split ?? 'train', splitSize(split))}, τ = ${opts.tau}`,
    '',
    table(
      [
        'layer',
        'neurons',
        'k / d',
        'coherence ν',
        'median signed √T',
        'T < 0 (share)',
        'mean diag M',
      ],
      layers.map((l) => [
        l.name,
        String(l.n),
        `${l.k} / ${l.d}`,
        fmt(l.coherence),
        fmt(medianSignedSqrt(l.summary)),
        `${fmt(100 * l.summary.negativeFraction, 1)}%`,
        fmt(l.M.reduce((s, row, i) => s + row[i]!, 0) / l.n),
      ]),
    ),
    '',
    'swap cost T_ij = M_ij + M_ji − M_ii − M_jj: how much weight norm it costs neurons i and j to exchange their functions.',
    'Large positive T: neurons are pinned to their functions (identifiable). T ≈ 0 or negative: they are interchangeable.',
  ].join('\n');
  await emit(opts, {
    command: 'costs',
    title: `nidkit costs: ${model}`,
    summary,
    json: result,
    inputs: [model],
    plots: async () => {
      const plots: ReportPlot[] = [];
      if (spectra.size > 0) {
        plots.push({
          file: 'subspace-spectrum.svg',
          title: 'Subspace spectrum of each layer’s inputs',
          caption: `Cumulative explained variance over the number of principal directions; k is where it reaches τ = ${opts.tau}.`,
          svg: await lineChart({
            title: 'Explained variance of layer inputs',
            xLabel: 'number of principal directions',
            yLabel: 'cumulative explained variance',
            yDomain: [0, 1],
            series: layers.map((l) => ({
              name: `${l.name} (k = ${l.k} of ${l.d})`,
              points: cumulative(spectra.get(l.name)),
            })),
          }),
        });
      }
      for (const l of layers) {
        plots.push({
          file: `swap-costs-${l.name}.svg`,
          title: `Swap costs ${l.name} (signed √T)`,
          caption:
            'sign(T)·√|T| for every pair of neurons; the diagonal is 0. Negative (red) pairs could swap at no cost.',
          svg: await heatmap({
            title: `Swap costs ${l.name}: signed √T`,
            matrix: signedSqrt(l.T),
            xLabel: 'neuron j',
            yLabel: 'neuron i',
            colorLabel: 'signed √T',
            diverging: true,
            domain: symmetricDomain([signedSqrt(l.T)]),
          }),
        });
        plots.push({
          file: `realization-costs-${l.name}.svg`,
          title: `Realization costs ${l.name} (√M)`,
          caption:
            '√M_ij: the weight norm neuron i needs to compute neuron j’s function on the data subspace.',
          svg: await heatmap({
            title: `Realization costs ${l.name}: √M`,
            matrix: l.M.map((row) => row.map((v) => Math.sqrt(Math.max(0, v)))),
            xLabel: 'function of neuron j',
            yLabel: 'neuron i',
            colorLabel: '√M',
          }),
        });
      }
      return plots;
    },
  });
}

/**
 * `--estimator ridge`: regression through the nonlinearity (function-class.md §6) on the first
 * `--neurons` neurons of each layer, all pairs, one β: R[i, j] is the weight norm with which
 * neuron j's slot re-fits neuron i's function; T_ridge from R as for the Mahalanobis costs.
 */
async function ridgeCosts(model: string, opts: CostsCommandOptions, quiet: boolean): Promise<void> {
  const m = await loadModel(model, { quiet });
  const fc = await import('@nidkit/function-class');
  const dataset = await loadData(opts.data);
  const split = pickSplit(dataset, opts.split, opts.limit);
  const progress = await createProgress('ridge costs', { quiet });
  const records = await withEvaluator(opts.evaluator, { quiet }, async (ev) => {
    try {
      return await fc.ridgeRealizationCosts(ev, m.network, split.inputs, {
        betas: [opts.beta],
        numNeurons: opts.neurons,
        iterations: opts.iterations,
        ...(opts.layer ? { layers: opts.layer } : {}),
        onProgress: (p) => progress.update(`${p.layer} iteration ${p.iteration}/${p.iterations}`),
      });
    } finally {
      progress.stop();
    }
  });
  const layers = records.map((r) => {
    const b = r.perBeta[0]!;
    const T = b.T!;
    return {
      layer: Number(r.layer.replace(/^lins\./, '')),
      name: r.layer,
      n: r.numNeurons,
      samples: r.samples,
      beta: b.beta,
      summary: fc.swapCostSummary(T),
      meanMse: b.mse.reduce((a, v) => a + v, 0) / Math.max(1, b.mse.length),
      M: toRows(b.Rgrid!),
      T: toRows(T),
    };
  });
  const result = envelope('costs', {
    model,
    family: m.network.family,
    data: {
      spec: opts.data,
      name: dataset.name,
      split: opts.split ?? 'train',
      samples: splitSize(split),
    },
    estimator: opts.estimator,
    beta: opts.beta,
    iterations: opts.iterations,
    layers,
  });
  const summary = [
    `ridge realization and swap costs of ${model} (${m.network.family}) on ${describeData(dataset, opts.split ?? 'train', splitSize(split))}, β = ${opts.beta}, first ${opts.neurons} neurons per layer`,
    '',
    table(
      ['layer', 'neurons', 'median signed √T', 'T < 0 (share)', 'mean fit MSE'],
      layers.map((l) => [
        l.name,
        String(l.n),
        fmt(medianSignedSqrt(l.summary)),
        `${fmt(100 * l.summary.negativeFraction, 1)}%`,
        fmt(l.meanMse, 4),
      ]),
    ),
    '',
    'R_ij: weight norm with which neuron j re-fits neuron i’s function (ridge, through the nonlinearity); T from R as M → T.',
  ].join('\n');
  await emit(opts, {
    command: 'costs',
    title: `nidkit costs (ridge): ${model}`,
    summary,
    json: result,
    inputs: [model],
    plots: async () =>
      Promise.all(
        layers.map(async (l) => ({
          file: `swap-costs-${l.name}.svg`,
          title: `Ridge swap costs ${l.name} (signed √T)`,
          caption: 'sign(T)·√|T| from the ridge estimate R; the diagonal is 0.',
          svg: await heatmap({
            title: `Ridge swap costs ${l.name}: signed √T (β = ${l.beta})`,
            matrix: signedSqrt(l.T),
            xLabel: 'neuron j',
            yLabel: 'neuron i',
            colorLabel: 'signed √T',
            diverging: true,
            domain: symmetricDomain([signedSqrt(l.T)]),
          }),
        })),
      ),
  });
}
