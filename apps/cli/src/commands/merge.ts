/**
 * `nidkit merge <models…> --out merged.onnx`: a weighted average of two or more models, optionally
 * after aligning each to the first (activation matching), with BatchNorm statistics recomputed
 * on data when the models have BatchNorm.
 */
import { splitSize } from '@nidkit/core';
import { UsageError } from '../errors.js';
import { describeData, loadData, pickSplit } from '../io/data.js';
import { fmt, table } from '../io/format.js';
import { checkOutputPath, toJson, writeFileAtomic } from '../io/output.js';
import { createProgress, note } from '../io/progress.js';
import { alignTo } from './align.js';
import { envelope, loadModel, withEvaluator } from './shared.js';

/** Options of {@link mergeCommand}. */
export interface MergeCommandOptions {
  readonly out: string;
  readonly align?: boolean;
  readonly weights?: number[];
  readonly data?: string;
  readonly split?: string;
  readonly limit?: number;
  readonly evaluator?: 'auto' | 'onnx' | 'reference';
  readonly json?: boolean;
  readonly force?: boolean;
  readonly quiet?: boolean;
}

/**
 * Runs `nidkit merge`.
 * @throws UsageError, InputFileError, OnnxImportError, IncompatibleModelsError, OutputFileError
 */
export async function mergeCommand(paths: string[], opts: MergeCommandOptions): Promise<void> {
  const quiet = opts.quiet ?? false;
  if (paths.length < 2)
    throw new UsageError(`expected at least two models to merge, got ${paths.length}`);
  if (opts.weights && opts.weights.length !== paths.length) {
    throw new UsageError(
      `--weights: expected ${paths.length} weights (one per model), got ${opts.weights.length}`,
    );
  }
  if (opts.weights && opts.weights.reduce((a, b) => a + b, 0) <= 0)
    throw new UsageError('--weights: the weights must not all be 0');
  await checkOutputPath(opts.out, { force: opts.force ?? false, inputs: paths });
  const models = [];
  for (const p of paths) models.push(await loadModel(p, { quiet }));
  const merging = await import('@nidkit/merging');
  const nets = models.map((m) => m.network);
  const needsBn = nets.some((n) => merging.hasBatchNorm(n));
  const needsData = (opts.align ?? false) || needsBn;
  const dataSpec = opts.data ?? 'mnist';
  const dataset = needsData ? await loadData(dataSpec) : null;
  const split = dataset ? pickSplit(dataset, opts.split, opts.limit) : null;
  if (needsBn && !opts.data)
    note(`nidkit: the models use BatchNorm; recomputing its statistics on --data ${dataSpec}`, {
      quiet,
    });

  const progress = await createProgress('merging', { quiet });
  const permutations: (Int32Array[] | null)[] = [null];
  const alignment: { model: string; fixedPointFraction: number[] }[] = [];
  try {
    if (opts.align) {
      await withEvaluator(opts.evaluator, { quiet }, async (ev) => {
        for (let i = 1; i < nets.length; i++) {
          progress.update(`aligning ${paths[i]}`, i / nets.length);
          const al = await alignTo(ev, nets[0]!, nets[i]!, split!.inputs, 'activation');
          permutations.push(al.permutations);
          alignment.push({
            model: paths[i]!,
            fixedPointFraction: al.layers.map((l) => l.fixedPointFraction),
          });
        }
      });
    }
    progress.update('averaging', 0.95);
  } finally {
    progress.stop();
  }
  // mergeNetworks applies the permutations (fixed parts included) and averages aligned W-/syre-models densely
  const merged = merging.mergeNetworks(nets, {
    ...(opts.weights ? { weights: opts.weights } : {}),
    ...(opts.align ? { permutations } : {}),
    ...(needsBn ? { bnData: split! } : {}),
  });
  const space =
    opts.align && nets.some((n) => n.family === 'w-asym' || n.family === 'syre')
      ? 'dense'
      : 'stored';
  const total = (opts.weights ?? paths.map(() => 1)).reduce((a, b) => a + b, 0);
  const weights = (opts.weights ?? paths.map(() => 1)).map((w) => w / total);
  const { exportOnnx } = await import('@nidkit/onnx');
  await writeFileAtomic(opts.out, exportOnnx(merged), {
    force: opts.force ?? false,
    inputs: paths,
  });
  const result = envelope('merge', {
    models: paths,
    weights,
    aligned: opts.align ?? false,
    space,
    batchNormRecomputed: needsBn,
    data:
      dataset && split
        ? {
            spec: dataSpec,
            name: dataset.name,
            split: opts.split ?? 'train',
            samples: splitSize(split),
          }
        : null,
    alignment,
    out: opts.out,
    family: merged.family,
  });
  if (opts.json) {
    process.stdout.write(toJson(result));
    return;
  }
  const lines = [
    `merged ${paths.length} models → ${opts.out} (${merged.family}${space === 'dense' ? ', dense: aligned fixed parts folded into the weights' : ''})`,
    '',
    table(
      ['model', 'weight', 'aligned to the first'],
      paths.map((p, i) => [
        p,
        fmt(weights[i], 3),
        i === 0 || !opts.align
          ? '—'
          : `${fmt(100 * mean(alignment[i - 1]!.fixedPointFraction), 1)}% of units kept in place`,
      ]),
    ),
  ];
  if (needsBn && dataset && split)
    lines.push(
      '',
      `BatchNorm statistics recomputed on ${describeData(dataset, opts.split ?? 'train', splitSize(split))}`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 1 : xs.reduce((a, b) => a + b, 0) / xs.length;
}
