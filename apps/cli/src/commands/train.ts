/**
 * `nidkit train`: trains one model per seed of one family (all sharing the same fixed parts via
 * the mask seed) and writes each as ONNX, plus `train-log.json` and a report with the curves.
 */
import { join } from 'node:path';
import { inputFeatures, outputFeatures, splitSize } from '@nidkit/core';
import type { Dataset, Family, Network } from '@nidkit/core';
import type { OutputOptions } from '../cli.js';
import { UsageError } from '../errors.js';
import { describeData, evenSubset, loadData } from '../io/data.js';
import { duration, fmt, table } from '../io/format.js';
import { checkOutputPath, toJson, writeFileAtomic } from '../io/output.js';
import { createProgress, note } from '../io/progress.js';
import { lineChart } from '../plots/index.js';
import { writeReport } from '../report/index.js';
import { envelope } from './shared.js';

/** Options of {@link trainCommand} (see `nidkit train --help`). */
export interface TrainCommandOptions extends OutputOptions {
  readonly family: 'standard' | 'w' | 'sigma' | 'syre';
  readonly kappa: number;
  readonly widths?: number[];
  readonly width: number;
  readonly depth: number;
  readonly norm: 'layer' | 'batch' | 'none';
  readonly activation: 'gelu' | 'relu';
  readonly numFixed?: number[];
  readonly maskSeed: number;
  readonly seeds: number[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr?: number;
  readonly data: string;
  readonly limit?: number;
  readonly saveEvery?: number;
}

const FAMILY: Record<TrainCommandOptions['family'], Family> = {
  standard: 'standard',
  w: 'w-asym',
  sigma: 'sigma-asym',
  syre: 'syre',
};

/** The paper's fixed fractions of a mask row (64 of 784, 64 of 512, 256 of 512), by position. */
export function defaultNumFixed(widths: readonly number[]): number[] {
  const L = widths.length - 1;
  return Array.from({ length: L }, (_, l) => {
    const fan = widths[l]!;
    const fraction = l === L - 1 ? 0.5 : l === 0 ? 64 / 784 : 0.125;
    return Math.max(1, Math.min(fan - 1, Math.round(fraction * fan)));
  });
}

/** Layer widths from `--widths`, or from `--width`/`--depth` and the data's sizes. */
export function resolveWidths(
  opts: Pick<TrainCommandOptions, 'widths' | 'width' | 'depth'>,
  dataset: Dataset,
): number[] {
  const d = dataset.inputShape.reduce((a, b) => a * b, 1);
  if (opts.widths) {
    if (opts.widths.length < 2)
      throw new UsageError(
        `--widths: expected at least input and output width, got ${opts.widths.join(',')}`,
      );
    if (opts.widths[0] !== d || opts.widths[opts.widths.length - 1] !== dataset.numOutputs) {
      throw new UsageError(
        `--widths ${opts.widths.join(',')}: the data "${dataset.name}" needs input width ${d} and output width ${dataset.numOutputs}`,
      );
    }
    return opts.widths;
  }
  return [d, ...Array.from({ length: opts.depth }, () => opts.width), dataset.numOutputs];
}

/**
 * Trains `--seeds` models and writes `model-seed<s>.onnx`, `train-log.json` and a report into
 * `--out` (default `nidkit-train`).
 * @throws UsageError for inconsistent options; OutputFileError for refused outputs
 */
export async function trainCommand(opts: TrainCommandOptions): Promise<void> {
  const outDir = opts.out ?? 'nidkit-train';
  const quiet = opts.quiet ?? false;
  const family = FAMILY[opts.family];
  if (new Set(opts.seeds).size !== opts.seeds.length)
    throw new UsageError(`--seeds ${opts.seeds.join(',')}: seeds must differ`);
  const modelFiles = opts.seeds.map((s) => join(outDir, `model-seed${s}.onnx`));
  const reportFiles = ['train-log.json', 'result.json', 'index.html', 'training-curves.svg'].map(
    (f) => join(outDir, f),
  );
  const checkpointNames: string[] = [];
  if (opts.saveEvery !== undefined) {
    for (const s of opts.seeds) {
      for (let e = 0; e < opts.epochs; e += opts.saveEvery)
        checkpointNames.push(join(outDir, `model-seed${s}-epoch${e}.onnx`));
    }
  }
  for (const p of [...modelFiles, ...reportFiles, ...checkpointNames])
    await checkOutputPath(p, { force: opts.force ?? false });

  const models = await import('@nidkit/models');
  const dataset = await loadData(opts.data);
  const data = opts.limit !== undefined ? limitDataset(dataset, opts.limit) : dataset;
  const widths = resolveWidths(opts, data);
  const L = widths.length - 1;
  const numFixed =
    family === 'w-asym'
      ? expand('--num-fixed', opts.numFixed ?? defaultNumFixed(widths), L)
      : undefined;
  const config = {
    family,
    widths,
    inputShape: [...data.inputShape],
    norm: opts.norm,
    activation: opts.activation,
    ...(family === 'w-asym' || family === 'syre' ? { kappa: opts.kappa } : {}),
    ...(numFixed ? { numFixed } : {}),
    maskSeed: opts.maskSeed,
  };
  const trainSplit = data.splits.train;
  if (!trainSplit) throw new UsageError(`--data ${opts.data}: the dataset has no train split`);
  const progress = await createProgress('training', { quiet });
  const records: {
    seed: number;
    file: string;
    backend: string;
    seconds: number;
    final: object;
    history: object[];
  }[] = [];
  const trained: Network[] = [];
  const checkpointFiles: string[] = [];
  const { exportOnnx } = await import('@nidkit/onnx');
  try {
    for (const [m, seed] of opts.seeds.entries()) {
      const t0 = Date.now();
      const net = models.buildMlp({ ...config, initSeed: seed, optimizationSeed: seed });
      if (inputFeatures(net) !== widths[0] || outputFeatures(net) !== widths[L]) {
        throw new UsageError(
          `the model does not fit the data — expected ${widths[0]} inputs and ${widths[L]} outputs`,
        );
      }
      const r = await models.trainNetwork(net, data, {
        epochs: opts.epochs,
        batchSize: opts.batchSize,
        ...(opts.lr !== undefined ? { lr: opts.lr } : {}),
        optimizationSeed: seed,
        progressEvery: 10,
        ...(opts.saveEvery !== undefined
          ? {
              saveEvery: opts.saveEvery,
              keepCheckpoints: false,
              onCheckpoint: async (c: { epoch: number; network: Network }) => {
                // intermediate checkpoints (epoch 0 = initialization); the final model is written below
                if (c.epoch >= opts.epochs) return;
                const file = join(outDir, `model-seed${seed}-epoch${c.epoch}.onnx`);
                await writeFileAtomic(file, exportOnnx(c.network), { force: opts.force ?? false });
                checkpointFiles.push(file);
              },
            }
          : {}),
        onProgress: (e) =>
          progress.update(
            `model ${m + 1}/${opts.seeds.length} epoch ${e.epoch}/${e.epochs} loss ${fmt(e.loss, 3)}`,
            (m + (e.epoch - 1 + e.stepInEpoch / e.stepsPerEpoch) / e.epochs) / opts.seeds.length,
          ),
      });
      trained.push(r.network);
      const last = r.history[r.history.length - 1];
      records.push({
        seed,
        file: modelFiles[m]!,
        backend: r.backend,
        seconds: (Date.now() - t0) / 1000,
        final: {
          trainLoss: last?.trainLoss ?? null,
          trainAccuracy: last?.trainAccuracy ?? null,
          val: last?.val ?? null,
          test: r.test ?? null,
        },
        history: r.history.map((h) => ({ ...h })),
      });
    }
  } finally {
    progress.stop();
  }

  for (const [m, net] of trained.entries()) {
    await writeFileAtomic(modelFiles[m]!, exportOnnx(net), { force: opts.force ?? false });
  }
  const result = envelope('train', {
    config: {
      ...config,
      epochs: opts.epochs,
      batchSize: opts.batchSize,
      lr: opts.lr ?? 1e-3,
      seeds: opts.seeds,
    },
    data: { spec: opts.data, name: data.name, split: 'train', samples: splitSize(trainSplit) },
    models: records,
    checkpoints: checkpointFiles,
  });
  const summary = [
    `trained ${records.length} ${family} model${records.length === 1 ? '' : 's'} ${widths.join('-')} on ${describeData(data, 'train', splitSize(trainSplit))}, ${opts.epochs} epoch${opts.epochs === 1 ? '' : 's'}`,
    '',
    table(
      ['seed', 'file', 'train acc %', 'val acc %', 'test acc %', 'time'],
      records.map((r) => {
        const f = r.final as {
          trainAccuracy: number | null;
          val: { accuracy: number | null } | null;
          test: { accuracy: number | null } | null;
        };
        return [
          String(r.seed),
          r.file,
          fmt(f.trainAccuracy, 2),
          fmt(f.val?.accuracy, 2),
          fmt(f.test?.accuracy, 2),
          duration(r.seconds * 1000),
        ];
      }),
    ),
  ].join('\n');
  await writeFileAtomic(join(outDir, 'train-log.json'), toJson(result), {
    force: opts.force ?? false,
  });
  const svg = await lineChart({
    title: 'Training: validation accuracy per epoch',
    xLabel: 'epoch',
    yLabel: 'validation accuracy (%)',
    series: records.map((r) => ({
      name: `seed ${r.seed}`,
      points: (
        r.history as {
          epoch: number;
          val?: { accuracy: number | null };
          trainAccuracy: number | null;
        }[]
      )
        .map((h) => ({ x: h.epoch, y: h.val?.accuracy ?? h.trainAccuracy ?? Number.NaN }))
        .filter((p) => Number.isFinite(p.y)),
    })),
  }).catch(() => null);
  await writeReport(
    outDir,
    {
      title: `nidkit train: ${family} ${widths.join('-')}`,
      summary,
      json: result,
      plots: svg
        ? [{ file: 'training-curves.svg', title: 'Validation accuracy per epoch', svg }]
        : [],
    },
    { force: opts.force ?? false },
  );
  if (opts.json) process.stdout.write(toJson(result));
  else process.stdout.write(`${summary}\n`);
  note(
    `nidkit: wrote ${modelFiles.length} model${modelFiles.length === 1 ? '' : 's'}, train-log.json and index.html → ${outDir}`,
    { quiet },
  );
}

function expand(flag: string, values: readonly number[], L: number): number[] {
  if (values.length === 1) return Array.from({ length: L }, () => values[0]!);
  if (values.length !== L)
    throw new UsageError(
      `${flag}: expected 1 or ${L} values (one per linear layer), got ${values.length}`,
    );
  return [...values];
}

function limitDataset(dataset: Dataset, limit: number): Dataset {
  const train = dataset.splits.train;
  if (!train) return dataset;
  return { ...dataset, splits: { ...dataset.splits, train: evenSubset(train, limit) } };
}
