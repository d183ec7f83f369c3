/**
 * `nidkit lmc <a> <b> --data …`: linear mode connectivity — loss and accuracy along
 * θ(λ) = (1−λ)θ_A + λθ_B, unaligned and after aligning B to A, with every barrier metric.
 */
import type { DataOptions, OutputOptions } from '../cli.js';
import { describeData, loadData, pickSplit, withSplit } from '../io/data.js';
import { fmt, table } from '../io/format.js';
import { createProgress } from '../io/progress.js';
import { lineChart } from '../plots/index.js';
import { emit, envelope, loadModel, preflightOutputs, withEvaluator } from './shared.js';
import { splitSize } from '@nidkit/core';

/** Options of {@link lmcCommand}. */
export interface LmcCommandOptions extends OutputOptions, DataOptions {
  readonly points: number;
  readonly align: 'activation' | 'weights' | 'reference-anti' | 'none';
  readonly seed: number;
}

/** One interpolation curve of the `lmc` result. */
export interface CurveRecord {
  readonly alignment: 'none' | 'activation' | 'weights' | 'reference-anti';
  readonly space: 'stored' | 'dense';
  readonly lambdas: number[];
  readonly loss: number[];
  readonly accuracy: (number | null)[];
  readonly barriers: Record<string, number | boolean | null>;
  /** Weight distance between A and the (aligned) B. */
  readonly distance: number;
  readonly normalizedDistance: number;
  /** True when σ-gate matrices were interpolated (aligned σ-MLPs). */
  readonly fixedPartsInterpolated: boolean;
  /** How BatchNorm statistics of each interpolant were obtained (`none` without BatchNorm). */
  readonly bnStats: string;
}

/**
 * Runs `nidkit lmc`.
 * @throws InputFileError, OnnxImportError, IncompatibleModelsError, OutputFileError
 */
export async function lmcCommand(a: string, b: string, opts: LmcCommandOptions): Promise<void> {
  const quiet = opts.quiet ?? false;
  const inputs = [a, b];
  await preflightOutputs(opts, inputs, ['lmc-accuracy.svg', 'lmc-loss.svg']);
  const [ma, mb] = [await loadModel(a, { quiet }), await loadModel(b, { quiet })];
  const merging = await import('@nidkit/merging');
  const dataset = await loadData(opts.data);
  const splitName = opts.split ?? 'train';
  const split = pickSplit(dataset, splitName, opts.limit);
  const progress = await createProgress('lmc', { quiet });
  type Mode = 'none' | 'activation' | 'weight' | 'reference-anti';
  const modes: Mode[] =
    opts.align === 'none' ? ['none'] : ['none', opts.align === 'weights' ? 'weight' : opts.align];
  const report = await withEvaluator(opts.evaluator, { quiet }, async (ev) => {
    try {
      return await merging.lmcProtocol(
        ev,
        ma.network,
        mb.network,
        withSplit(dataset, splitName, split),
        {
          alignment: [...modes],
          points: opts.points,
          splits: [splitName],
          matchSplit: splitName,
          seed: opts.seed,
          ids: { a, b },
          onProgress: (e) => {
            const m = modes.indexOf(e.mode);
            progress.update(
              `${e.mode === 'none' ? 'unaligned' : `aligned (${e.mode})`}: ${e.stage === 'matching' ? 'matching neurons' : `λ ${e.done}/${e.total}`}`,
              (m + (e.stage === 'matching' ? 0 : e.done / Math.max(1, e.total))) / modes.length,
            );
          },
        },
      );
    } finally {
      progress.stop();
    }
  });
  const curves: CurveRecord[] = report.records.map((r) => {
    const s = r.splits[splitName]!;
    return {
      alignment: r.alignment === 'weight' ? 'weights' : r.alignment,
      space: r.space,
      lambdas: r.lambdas,
      loss: s.loss,
      accuracy: s.accuracy ?? s.loss.map(() => null),
      barriers: { ...(s.barriers ?? {}) },
      distance: r.distance,
      normalizedDistance: r.normalizedDistance,
      fixedPartsInterpolated: r.fixedPartsInterpolated,
      bnStats: r.bnStats,
    };
  });
  const matchingLayers = report.records.find((r) => r.matching)?.matching ?? null;
  const result = envelope('lmc', {
    a,
    b,
    data: { spec: opts.data, name: dataset.name, split: splitName, samples: splitSize(split) },
    points: opts.points,
    curves,
    evaluator: report.evaluator,
    matching: matchingLayers,
    report,
  });
  const name = (c: CurveRecord) =>
    c.alignment === 'none' ? 'unaligned' : `aligned (${c.alignment})`;
  const hasAcc = curves.some((c) => c.accuracy.some((v) => v !== null));
  const mid = (c: CurveRecord, ys: readonly (number | null)[]) => {
    const i = c.lambdas.findIndex((l) => Math.abs(l - 0.5) < 1e-9);
    return i >= 0 ? (ys[i] ?? null) : null;
  };
  const summary = [
    `linear mode connectivity ${a} ↔ ${b} on ${describeData(dataset, splitName, splitSize(split))}, ${opts.points} λ values`,
    '',
    table(
      [
        'path',
        'acc A %',
        'acc mid %',
        'acc B %',
        'acc drop pp',
        'acc barrier pp',
        'loss barrier',
        'midpoint loss barrier',
        'rel. drop %',
      ],
      curves.map((c) => [
        name(c),
        fmt(c.accuracy[0], 2),
        fmt(mid(c, c.accuracy), 2),
        fmt(c.accuracy[c.accuracy.length - 1], 2),
        fmt(c.barriers.accuracyDropPp as number | null, 2),
        fmt(c.barriers.accuracyBarrierPp as number | null, 2),
        fmt(c.barriers.lossBarrier as number | null, 4),
        fmt(c.barriers.midpointLossBarrier as number | null, 4),
        fmt(c.barriers.relativeAccuracyDropPct as number | null, 2),
      ]),
    ),
    ...(curves.some((c) => c.space === 'dense')
      ? [
          'note: the aligned W-/syre-models are interpolated as dense networks (their permuted fixed parts differ).',
        ]
      : []),
    ...(curves.some((c) => c.fixedPartsInterpolated)
      ? [
          'note: the σ-gate matrices C were interpolated on the aligned path (a σ-MLP has no dense form).',
        ]
      : []),
    ...(curves.some((c) => c.bnStats === 'recompute')
      ? ['note: BatchNorm statistics were recomputed on the data for every λ.']
      : []),
    '',
    'loss barrier = max over λ of the loss above the straight line between the endpoints (0 = linearly connected);',
    'acc drop = best endpoint accuracy − worst accuracy on the path. A barrier that vanishes only after alignment means',
    'the models differ by a permutation of their neurons; no barrier without alignment means the neurons are identifiable.',
  ].join('\n');
  await emit(opts, {
    command: 'lmc',
    title: `nidkit lmc: ${a} ↔ ${b}`,
    summary,
    json: result,
    inputs,
    plots: async () => {
      const plots = [];
      if (hasAcc) {
        plots.push({
          file: 'lmc-accuracy.svg',
          title: 'Accuracy along the interpolation path',
          caption: 'λ = 0 is model A, λ = 1 is model B. A dip in the middle is a barrier.',
          svg: await lineChart({
            title: `Accuracy along (1−λ)·A + λ·B (${splitName} split)`,
            xLabel: 'λ',
            yLabel: 'accuracy (%)',
            series: curves.map((c) => ({
              name: name(c),
              dashed: c.alignment !== 'none',
              points: c.lambdas
                .map((x, i) => ({ x, y: c.accuracy[i] ?? Number.NaN }))
                .filter((p) => Number.isFinite(p.y)),
            })),
          }),
        });
      }
      plots.push({
        file: 'lmc-loss.svg',
        title: 'Loss along the interpolation path',
        caption:
          'λ = 0 is model A, λ = 1 is model B. A bump above the straight line between the endpoints is a loss barrier.',
        svg: await lineChart({
          title: `Loss along (1−λ)·A + λ·B (${splitName} split)`,
          xLabel: 'λ',
          yLabel: 'loss',
          series: curves.map((c) => ({
            name: name(c),
            dashed: c.alignment !== 'none',
            points: c.lambdas.map((x, i) => ({ x, y: c.loss[i]! })),
          })),
        }),
      });
      return plots;
    },
  });
}
