/**
 * `nidkit identify <a> <b> --data …`: the verdict first — are the neurons of A and B identifiable,
 * can the models be averaged without alignment — then the evidence: per hidden layer the
 * activation-matching objective (identity vs optimal vs random), swap costs and coherence.
 */
import { splitSize } from '@nidkit/core';
import type { DataOptions, OutputOptions } from '../cli.js';
import { describeData, loadData, pickSplit } from '../io/data.js';
import { fmt, table } from '../io/format.js';
import { createProgress } from '../io/progress.js';
import { barChart, heatmap, signedSqrt, symmetricDomain } from '../plots/index.js';
import type { ReportPlot } from '../report/index.js';
import { medianSignedSqrt, toRows } from './costs.js';
import {
  emit,
  envelope,
  loadModel,
  outIsJsonFile,
  preflightOutputs,
  withEvaluator,
} from './shared.js';

/** Options of {@link identifyCommand}. */
export interface IdentifyCommandOptions extends OutputOptions, DataOptions {
  readonly seed: number;
}

const VERDICT_WORDS: Record<string, string> = {
  identifiable: 'identifiable',
  partial: 'partially identifiable',
  'not-identifiable': 'NOT identifiable',
};

/**
 * Runs `nidkit identify`.
 * @throws InputFileError, OnnxImportError, IncompatibleModelsError, OutputFileError
 */
export async function identifyCommand(
  a: string,
  b: string,
  opts: IdentifyCommandOptions,
): Promise<void> {
  const quiet = opts.quiet ?? false;
  const inputs = [a, b];
  await preflightOutputs(opts, inputs);
  const [ma, mb] = [await loadModel(a, { quiet }), await loadModel(b, { quiet })];
  const fc = await import('@nidkit/function-class');
  const dataset = await loadData(opts.data);
  const split = pickSplit(dataset, opts.split, opts.limit);
  const progress = await createProgress('identify', { quiet });
  const wantPlots = opts.out !== undefined && !outIsJsonFile(opts.out);
  const { report, costs } = await withEvaluator(opts.evaluator, { quiet }, async (ev) => {
    try {
      progress.update('activation matching and swap costs', 0.05);
      const report = await fc.identifiability(ev, ma.network, mb.network, split.inputs, {
        seed: opts.seed,
      });
      // the full swap-cost matrices of A, for the report's heatmaps only
      const costs = wantPlots
        ? await fc.layerCosts(ev, ma.network, split.inputs, {
            layers: report.layers.map((l) => l.index),
            onProgress: (p) =>
              progress.update(
                `swap costs ${p.layer}`,
                0.5 + (0.5 * (p.index + (p.stage === 'done' ? 1 : 0.5))) / p.total,
              ),
          })
        : [];
      return { report, costs };
    } finally {
      progress.stop();
    }
  });
  const layers = report.layers.map((l) => {
    const c = l.swapCosts?.a;
    return {
      layer: l.index,
      name: l.layer,
      size: l.size,
      verdict: l.verdict,
      identity: l.identity,
      optimal: l.optimal,
      randomMean: l.randomMean,
      randomStd: l.randomStd,
      fixedPointFraction: l.fixedPointFraction,
      swapCosts: c
        ? {
            k: c.k,
            d: c.d,
            coherence: c.coherence,
            negativeFraction: c.negativeFraction,
            medianSignedSqrt: medianSignedSqrt(c),
            signedSqrtQuantiles: c.signedSqrtQuantiles,
          }
        : null,
    };
  });
  const result = envelope('identify', {
    a,
    b,
    data: {
      spec: opts.data,
      name: dataset.name,
      split: opts.split ?? 'train',
      samples: splitSize(split),
    },
    verdict: report.verdict,
    mergeableWithoutAlignment: report.mergeableWithoutAlignment,
    layers,
    report,
  });
  const headline = report.mergeableWithoutAlignment
    ? 'YES — the neurons are identifiable: A and B can be averaged without alignment.'
    : 'NO — the neurons are not (all) identifiable: align B to A (nidkit match) before averaging.';
  const summary = [
    headline,
    `  ${report.verdict}`,
    '',
    `evidence (${describeData(dataset, opts.split ?? 'train', splitSize(split))}):`,
    table(
      [
        'hidden layer',
        'verdict',
        'identity',
        'optimal',
        'random ± std',
        'kept units',
        'median signed √T',
        'T < 0',
        'coherence ν (k/d)',
      ],
      layers.map((l) => [
        `${l.layer} (${l.name})`,
        VERDICT_WORDS[l.verdict] ?? l.verdict,
        fmt(l.identity),
        fmt(l.optimal),
        `${fmt(l.randomMean)} ± ${fmt(l.randomStd)}`,
        `${fmt(100 * l.fixedPointFraction, 1)}%`,
        fmt(l.swapCosts?.medianSignedSqrt),
        l.swapCosts ? `${fmt(100 * l.swapCosts.negativeFraction, 1)}%` : '—',
        l.swapCosts ? `${fmt(l.swapCosts.coherence)} (${l.swapCosts.k}/${l.swapCosts.d})` : '—',
      ]),
    ),
    '',
    'identity/optimal: mean correlation of unit i in A with unit i in B, vs. with its best partner; identity ≈ optimal ≫ random',
    'means each neuron learned the same function in both runs. Swap costs > 0 pin neurons to their functions; ≈ 0 or < 0',
    'means neurons are interchangeable (a symmetry that unaligned averaging cannot survive).',
  ].join('\n');
  await emit(opts, {
    command: 'identify',
    title: `nidkit identify: ${a} vs ${b}`,
    summary,
    json: result,
    inputs,
    plots: async () => {
      const plots: ReportPlot[] = [
        {
          file: 'matching-objective.svg',
          title: 'Matching objective per hidden layer',
          caption:
            'Identity ≈ optimal ≫ random: identifiable neurons. Identity ≈ random: a hidden permutation separates the runs.',
          svg: await barChart({
            title: 'Identity vs optimal pairing of neurons',
            yLabel: 'mean correlation of paired units',
            bars: layers.flatMap((l) => [
              { label: `hidden ${l.layer}`, group: 'optimal', value: l.optimal },
              { label: `hidden ${l.layer}`, group: 'identity', value: l.identity },
              {
                label: `hidden ${l.layer}`,
                group: 'random',
                value: l.randomMean,
                error: l.randomStd,
              },
            ]),
          }),
        },
      ];
      for (const c of costs) {
        plots.push({
          file: `swap-costs-${c.layer}.svg`,
          title: `Swap costs ${c.layer} of A (signed √T)`,
          caption:
            'sign(T)·√|T| per neuron pair; large positive: neurons pinned to their functions; ≤ 0: interchangeable.',
          svg: await heatmap({
            title: `Swap costs ${c.layer}: signed √T`,
            matrix: signedSqrt(toRows(c.T)),
            xLabel: 'neuron j',
            yLabel: 'neuron i',
            colorLabel: 'signed √T',
            diverging: true,
            domain: symmetricDomain([signedSqrt(toRows(c.T))]),
          }),
        });
      }
      return plots;
    },
  });
}
