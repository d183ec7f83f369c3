/**
 * `nidkit match <a> <b> --data …`: aligns B to A (activation or weight matching), prints the
 * per-layer matching objective (optimal vs identity vs random) and writes the aligned copy of B.
 */
import { join } from 'node:path';
import { splitSize } from '@nidkit/core';
import type { OutputOptions, DataOptions } from '../cli.js';
import { UsageError } from '../errors.js';
import { describeData, loadData, pickSplit } from '../io/data.js';
import { fmt, table } from '../io/format.js';
import { writeFileAtomic } from '../io/output.js';
import { createProgress } from '../io/progress.js';
import { barChart } from '../plots/index.js';
import {
  emit,
  envelope,
  loadModel,
  outIsJsonFile,
  preflightOutputs,
  withEvaluator,
} from './shared.js';

/** Options of {@link matchCommand}. */
export interface MatchCommandOptions extends OutputOptions, DataOptions {
  readonly method: 'activation' | 'weights';
  readonly point: 'post_linear' | 'post_norm' | 'post_activation';
  readonly alignment: 'real' | 'reference-anti';
  readonly seed: number;
  readonly aligned?: string;
}

/** A matching layer as the CLI reports it. */
export interface MatchLayerRecord {
  readonly layer: number;
  readonly size: number;
  readonly permutation: number[];
  readonly optimal: number | null;
  readonly identity: number | null;
  readonly randomMean: number | null;
  readonly randomStd: number | null;
  readonly fixedPointFraction: number;
  /** Units of A / B that are constant on the samples (similarity 0), or null for weight matching. */
  readonly constantA: number[] | null;
  readonly constantB: number[] | null;
}

function fixedPoints(p: ArrayLike<number>): number {
  let f = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === i) f++;
  return p.length === 0 ? 1 : f / p.length;
}

/** A line naming the layers with constant units (they have similarity 0 to every unit), if any. */
function constantNote(layers: readonly MatchLayerRecord[]): string[] {
  const parts = layers
    .filter((l) => (l.constantA?.length ?? 0) + (l.constantB?.length ?? 0) > 0)
    .map((l) => `hidden ${l.layer}: ${l.constantA!.length} of A, ${l.constantB!.length} of B`);
  return parts.length === 0
    ? []
    : [
        `constant units on these samples (similarity 0 to every unit, so their pairing is arbitrary): ${parts.join('; ')}.`,
      ];
}

/**
 * Runs `nidkit match`.
 * @throws InputFileError, OnnxImportError, IncompatibleModelsError, OutputFileError
 */
export async function matchCommand(a: string, b: string, opts: MatchCommandOptions): Promise<void> {
  const quiet = opts.quiet ?? false;
  const inputs = [a, b];
  const alignedPath =
    opts.aligned ??
    (opts.out !== undefined && !outIsJsonFile(opts.out)
      ? join(opts.out, 'aligned-b.onnx')
      : undefined);
  const inFolder =
    alignedPath !== undefined &&
    opts.out !== undefined &&
    !outIsJsonFile(opts.out) &&
    alignedPath === join(opts.out, 'aligned-b.onnx');
  await preflightOutputs(
    opts,
    inputs,
    ['matching-objective.svg'],
    alignedPath ? [alignedPath] : [],
  );
  const [ma, mb] = [await loadModel(a, { quiet }), await loadModel(b, { quiet })];
  const matching = await import('@nidkit/matching');
  const dataset = await loadData(opts.data);
  const split = pickSplit(dataset, opts.split, opts.limit);
  const progress = await createProgress('matching', { quiet });
  let layers: MatchLayerRecord[];
  let permutations: Int32Array[];
  let extra: Record<string, unknown> = {};
  try {
    if (opts.method === 'activation') {
      progress.update('recording activations', 0.1);
      const r = await withEvaluator(opts.evaluator, { quiet }, (ev) =>
        matching.activationMatching(ev, ma.network, mb.network, split.inputs, {
          point: opts.point,
          alignment: opts.alignment,
          seed: opts.seed,
        }),
      );
      layers = r.layers.map((l) => ({
        layer: l.layer,
        size: l.size,
        permutation: Array.from(l.permutation),
        optimal: l.optimal,
        identity: l.identity,
        randomMean: l.randomMean,
        randomStd: l.randomStd,
        fixedPointFraction: l.fixedPointFraction,
        constantA: l.constantA,
        constantB: l.constantB,
      }));
      permutations = r.layers.map((l) => l.permutation);
    } else {
      if (opts.alignment !== 'real')
        throw new UsageError('--alignment reference-anti applies to --method activation only');
      progress.update('weight matching', 0.1);
      const r = matching.weightMatching(ma.network, mb.network, { seed: opts.seed });
      permutations = r.permutations;
      layers = r.permutations.map((p, l) => ({
        layer: l,
        size: p.length,
        permutation: Array.from(p),
        optimal: null,
        identity: null,
        randomMean: null,
        randomStd: null,
        fixedPointFraction: fixedPoints(p),
        constantA: null,
        constantB: null,
      }));
      extra = { weightMatchingScore: r.score, sweeps: r.sweeps };
    }
    progress.update('permuting B', 0.9);
  } finally {
    progress.stop();
  }
  const alignedB = matching.permuteNetwork(mb.network, permutations, { verify: true });
  const { exportOnnx } = await import('@nidkit/onnx');
  const alignedBytes = exportOnnx(alignedB);
  if (alignedPath !== undefined && !inFolder)
    await writeFileAtomic(alignedPath, alignedBytes, { force: opts.force ?? false, inputs });

  const result = envelope('match', {
    a,
    b,
    method: opts.method,
    point: opts.method === 'activation' ? opts.point : null,
    alignment: opts.alignment,
    seed: opts.seed,
    data: {
      spec: opts.data,
      name: dataset.name,
      split: opts.split ?? 'train',
      samples: splitSize(split),
    },
    layers,
    aligned: alignedPath ?? null,
    ...extra,
  });
  const summary = [
    `match ${b} → ${a} (${opts.method} matching${opts.method === 'activation' ? `, ${opts.point}, ${opts.alignment}` : ''}) on ${describeData(dataset, opts.split ?? 'train', splitSize(split))}`,
    '',
    table(
      ['layer', 'width', 'optimal', 'identity', 'random (mean ± std)', 'unchanged units'],
      layers.map((l) => [
        `hidden ${l.layer}`,
        String(l.size),
        fmt(l.optimal),
        fmt(l.identity),
        l.randomMean === null ? '—' : `${fmt(l.randomMean)} ± ${fmt(l.randomStd)}`,
        `${fmt(100 * l.fixedPointFraction, 1)}%`,
      ]),
    ),
    '',
    opts.method === 'activation'
      ? 'objective = mean correlation of matched units; identity ≈ optimal means the units are already aligned (identifiable).'
      : 'weight matching maximizes Σ ⟨W_A, P W_B Pᵀ⟩; "unchanged units" is the share of units the permutation keeps in place.',
    ...constantNote(layers),
    alignedPath
      ? `aligned copy of B: ${alignedPath}`
      : 'aligned copy of B not written (use --aligned <file> or --out <dir>)',
  ].join('\n');
  await emit(opts, {
    command: 'match',
    title: `nidkit match: ${b} → ${a}`,
    summary,
    json: result,
    inputs,
    files: inFolder
      ? [{ file: 'aligned-b.onnx', title: 'B permuted to match A (ONNX)', data: alignedBytes }]
      : [],
    plots: async () =>
      opts.method === 'activation'
        ? [
            {
              file: 'matching-objective.svg',
              title: 'Matching objective per hidden layer',
              caption:
                'Mean correlation of paired units: optimal pairing, the identity pairing, and random pairings (± std).',
              svg: await barChart({
                title: 'Activation matching objective per hidden layer',
                yLabel: 'mean correlation of paired units',
                bars: layers.flatMap((l) => [
                  { label: `hidden ${l.layer}`, group: 'optimal', value: l.optimal ?? 0 },
                  { label: `hidden ${l.layer}`, group: 'identity', value: l.identity ?? 0 },
                  {
                    label: `hidden ${l.layer}`,
                    group: 'random',
                    value: l.randomMean ?? 0,
                    error: l.randomStd ?? 0,
                  },
                ]),
              }),
            },
          ]
        : [],
  });
}
