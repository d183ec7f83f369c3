/**
 * `nidkit demo`: the paper's headline in a few minutes on the embedded MNIST digits. Trains two
 * standard MLPs and two W-MLPs with κ = 1 (sharing their fixed parts), then measures for each
 * family the unaligned and aligned interpolation barriers, the identity vs optimal matching of
 * neurons, and the swap costs of the first hidden layer, and writes a report folder.
 */
import { join } from 'node:path';
import { getSplit, splitSize } from '@nidkit/core';
import type { Dataset, Evaluator, Family, Network } from '@nidkit/core';
import type { OutputOptions } from '../cli.js';
import { duration, fmt, table } from '../io/format.js';
import { evenSubset, withSplit } from '../io/data.js';
import { toJson } from '../io/output.js';
import { createProgress, note } from '../io/progress.js';
import type { Progress } from '../io/progress.js';
import { barChart, heatmap, lineChart, signedSqrt, symmetricDomain } from '../plots/index.js';
import { writeReport } from '../report/index.js';
import type { ReportFile, ReportPlot } from '../report/index.js';
import { medianSignedSqrt, toRows } from './costs.js';
import { createEvaluator, envelope, preflightOutputs } from './shared.js';
import { defaultNumFixed } from './train.js';

/** Options of {@link demoCommand}. */
export interface DemoCommandOptions extends OutputOptions {
  readonly seed: number;
  readonly scale: 'tiny' | 'small';
}

/** The problem size of a demo run. */
export interface DemoScale {
  readonly widths: readonly number[];
  readonly epochs: number;
  readonly batchSize: number;
  /** Training samples (undefined: the whole train split). */
  readonly trainLimit?: number;
  /** Samples of the train split used for matching, costs and the LMC curves. */
  readonly evalLimit?: number;
  readonly points: number;
}

/** `small` is the README's demo (≤ 5 min on 2 cores); `tiny` runs in seconds for tests. */
export const DEMO_SCALES: Readonly<Record<'tiny' | 'small', DemoScale>> = {
  small: { widths: [784, 128, 128, 128, 10], epochs: 6, batchSize: 64, points: 21 },
  tiny: {
    widths: [784, 24, 10],
    epochs: 1,
    batchSize: 64,
    trainLimit: 600,
    evalLimit: 300,
    points: 5,
  },
};

interface FamilyRun {
  readonly family: Family;
  readonly label: string;
  readonly kappa: number | null;
  readonly nets: [Network, Network];
  readonly accuracy: [number | null, number | null];
}

/** The thresholds under which the demo calls the paper's effect visible (nidkit's choice). */
export const DEMO_EFFECT_RULE =
  'standard MLP: unaligned drop ≥ 2 pp, aligned ≤ half of it; W-MLP κ = 1: unaligned ≤ half the standard MLP’s';

async function trainFamily(
  dataset: Dataset,
  family: Family,
  scale: DemoScale,
  seed: number,
  progress: Progress,
  part: [number, number],
): Promise<FamilyRun> {
  const models = await import('@nidkit/models');
  const nets: Network[] = [];
  const acc: (number | null)[] = [];
  const kappa = family === 'w-asym' ? 1 : null;
  for (let m = 0; m < 2; m++) {
    const initSeed = seed + 1 + m;
    const net = models.buildMlp({
      family,
      widths: scale.widths,
      inputShape: dataset.inputShape,
      norm: 'layer',
      activation: 'gelu',
      ...(family === 'w-asym' ? { kappa: 1, numFixed: defaultNumFixed(scale.widths) } : {}),
      maskSeed: seed,
      initSeed,
      optimizationSeed: initSeed,
    });
    const k = part[0] + m;
    const r = await models.trainNetwork(net, dataset, {
      epochs: scale.epochs,
      batchSize: scale.batchSize,
      optimizationSeed: initSeed,
      valSplit: null,
      testSplit: null,
      progressEvery: 20,
      onProgress: (e) =>
        progress.update(
          `training ${family === 'standard' ? 'standard MLP' : 'W-MLP κ=1'} ${m + 1}/2, epoch ${e.epoch}/${e.epochs}`,
          (0.7 * (k + (e.epoch - 1 + e.stepInEpoch / e.stepsPerEpoch) / e.epochs)) / part[1],
        ),
    });
    nets.push(r.network);
    acc.push(r.history[r.history.length - 1]?.trainAccuracy ?? null);
  }
  return {
    family,
    label: family === 'standard' ? 'standard MLP' : 'W-MLP κ = 1',
    kappa,
    nets: [nets[0]!, nets[1]!],
    accuracy: [acc[0] ?? null, acc[1] ?? null],
  };
}

interface FamilyResult {
  readonly family: Family;
  readonly label: string;
  readonly kappa: number | null;
  readonly lambdas: number[];
  readonly unaligned: { loss: number[]; accuracy: number[]; barriers: Record<string, unknown> };
  readonly aligned: { loss: number[]; accuracy: number[]; barriers: Record<string, unknown> };
  readonly matching: readonly {
    layer: number;
    size: number;
    identity: number;
    optimal: number;
    randomMean: number;
    randomStd: number;
    fixedPointFraction: number;
    verdict: string;
  }[];
  readonly swap: {
    layer: string;
    k: number;
    d: number;
    coherence: number;
    negativeFraction: number;
    medianSignedSqrt: number | null;
    T: number[][];
  };
}

async function analyseFamily(
  ev: Evaluator,
  run: FamilyRun,
  dataset: Dataset,
  scale: DemoScale,
  seed: number,
  progress: Progress,
  at: number,
): Promise<FamilyResult> {
  const merging = await import('@nidkit/merging');
  const fc = await import('@nidkit/function-class');
  const train =
    scale.evalLimit !== undefined
      ? evenSubset(getSplit(dataset, 'train'), scale.evalLimit)
      : getSplit(dataset, 'train');
  const evalData = withSplit(dataset, 'train', train);
  const [a, b] = run.nets;
  // the paper's protocol (merging.md §9): unaligned, then aligned by activation matching on the train split
  const report = await merging.lmcProtocol(ev, a, b, evalData, {
    alignment: ['none', 'activation'],
    points: scale.points,
    splits: ['train'],
    seed,
    onProgress: (e) =>
      progress.update(
        `${run.label}: ${e.mode === 'none' ? 'unaligned path' : e.stage === 'matching' ? 'matching neurons' : 'aligned path'}`,
        at + (e.mode === 'none' ? 0.06 : 0.12) * (e.done / Math.max(1, e.total)),
      ),
  });
  const [un, alc] = [report.records[0]!, report.records[1]!];
  const matched = alc.matching?.layers ?? [];
  progress.update(`${run.label}: swap costs`, at + 0.09);
  const costs = await fc.layerCosts(ev, a, train.inputs, { layers: [0] });
  const c = costs[0]!;
  const pick = (s: (typeof un.splits)[string]) => ({
    loss: s.loss,
    accuracy: s.accuracy ?? [],
    barriers: { ...(s.barriers ?? {}) } as Record<string, unknown>,
  });
  return {
    family: run.family,
    label: run.label,
    kappa: run.kappa,
    lambdas: un.lambdas,
    unaligned: pick(un.splits.train!),
    aligned: pick(alc.splits.train!),
    matching: matched.map((l) => {
      const o = {
        identity: l.identity ?? Number.NaN,
        optimal: l.optimal ?? Number.NaN,
        randomMean: l.randomMean ?? Number.NaN,
        randomStd: l.randomStd ?? Number.NaN,
        fixedPointFraction: l.fixedPointFraction,
      };
      return { layer: l.layer, size: l.size, ...o, verdict: fc.identifiabilityVerdict(o) };
    }),
    swap: {
      layer: c.layer,
      k: c.k,
      d: c.d,
      coherence: c.coherence,
      negativeFraction: c.summaries.negativeFraction,
      medianSignedSqrt: medianSignedSqrt(c.summaries),
      T: toRows(c.T),
    },
  };
}

/** The demo's reading of its own numbers: each claim is made only when the measurement supports it. */
function explain(
  std: FamilyResult,
  w: FamilyResult,
  stdUn: number,
  stdAl: number,
  wUn: number,
): string[] {
  const s0 = std.matching[0]!;
  const w0 = w.matching[0]!;
  const out = [
    `Standard MLPs: ${fmt(stdUn, 1)} pp lost on the way from A to B as trained, ${fmt(stdAl, 1)} pp after permuting B's neurons`,
    `  to match A; neuron i of A vs neuron i of B correlates ${fmt(s0.identity, 2)}, vs ${fmt(s0.optimal, 2)} with its best partner.`,
  ];
  if (stdUn >= 2 && stdAl <= stdUn / 2 && s0.verdict !== 'identifiable') {
    out.push(
      '  → the two runs learned similar neurons in a different order: averaging needs alignment first.',
    );
  }
  out.push(
    `W-MLPs (κ = 1): ${fmt(wUn, 1)} pp lost without any alignment; identity ${fmt(w0.identity, 2)} vs optimal ${fmt(w0.optimal, 2)} (${w0.verdict}).`,
  );
  if (wUn <= stdUn / 2 && w0.verdict === 'identifiable') {
    out.push(
      '  → the shared fixed weights give every neuron its own function class: neuron i learns the same function in',
    );
    out.push('    both runs (identifiable neurons), so the models can be averaged as they are.');
  }
  return out;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Runs `nidkit demo`: trains, measures, prints the headline table and writes the report folder
 * (default `nidkit-demo`).
 * @throws OutputFileError when the report folder holds a previous demo and `--force` is absent
 */
export async function demoCommand(opts: DemoCommandOptions): Promise<void> {
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const quiet = opts.quiet ?? false;
  const outDir = opts.out ?? 'nidkit-demo';
  const scale = DEMO_SCALES[opts.scale];
  const plotFiles = [
    'lmc-accuracy.svg',
    'lmc-loss.svg',
    'matching-objective.svg',
    'swap-costs-standard.svg',
    'swap-costs-w-mlp.svg',
  ];
  const modelFiles = ['standard-a.onnx', 'standard-b.onnx', 'w-mlp-a.onnx', 'w-mlp-b.onnx'];
  await preflightOutputs({ ...opts, out: outDir }, [], [...plotFiles, ...modelFiles]);

  const models = await import('@nidkit/models');
  const full = models.loadMnist10k();
  const dataset: Dataset =
    scale.trainLimit !== undefined
      ? withSplit(full, 'train', evenSubset(getSplit(full, 'train'), scale.trainLimit))
      : full;
  const trainN = splitSize(getSplit(dataset, 'train'));
  const progress = await createProgress('demo', { quiet });
  let results: FamilyResult[];
  let runs: FamilyRun[];
  let trainSeconds: number;
  let evaluatorName = '';
  try {
    note(
      `nidkit demo: training 2 standard MLPs and 2 W-MLPs (κ = 1) ${scale.widths.join('-')} for ${scale.epochs} epoch${scale.epochs === 1 ? '' : 's'} on ${trainN} MNIST digits…`,
      { quiet },
    );
    runs = [
      await trainFamily(dataset, 'standard', scale, opts.seed, progress, [0, 4]),
      await trainFamily(dataset, 'w-asym', scale, opts.seed, progress, [2, 4]),
    ];
    trainSeconds = (Date.now() - t0) / 1000;
    const ev = await createEvaluator('auto', { quiet });
    evaluatorName = ev.name;
    try {
      results = [];
      for (const [i, run] of runs.entries())
        results.push(
          await analyseFamily(ev, run, dataset, scale, opts.seed, progress, 0.7 + 0.15 * i),
        );
    } finally {
      await ev.dispose();
    }
  } finally {
    progress.stop();
  }
  const [std, w] = [results[0]!, results[1]!];
  const drop = (r: FamilyResult, path: 'unaligned' | 'aligned') =>
    num(r[path].barriers.accuracyDropPp);
  const stdUn = drop(std, 'unaligned') ?? Number.NaN;
  const stdAl = drop(std, 'aligned') ?? Number.NaN;
  const wUn = drop(w, 'unaligned') ?? Number.NaN;
  const effectShown = stdUn >= 2 && stdAl <= stdUn / 2 && wUn <= stdUn / 2;
  const seconds = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;

  const { exportOnnx } = await import('@nidkit/onnx');
  const files: ReportFile[] = runs.flatMap((r, i) =>
    r.nets.map((net, m) => ({
      file: modelFiles[2 * i + m]!,
      title: `${r.label}, model ${m === 0 ? 'A' : 'B'} (ONNX)`,
      data: exportOnnx(net),
    })),
  );
  const config = {
    widths: scale.widths,
    norm: 'layer',
    activation: 'gelu',
    epochs: scale.epochs,
    batchSize: scale.batchSize,
    optimizer: 'AdamW lr 1e-3, weight decay 0.01',
    wMlp: { kappa: 1, numFixed: defaultNumFixed(scale.widths), maskSeed: opts.seed },
    seeds: [opts.seed + 1, opts.seed + 2],
    points: scale.points,
    evaluator: evaluatorName,
  };
  const json = envelope('demo', {
    scale: opts.scale,
    seconds,
    cpuSeconds,
    trainSeconds,
    data: { spec: 'mnist', name: dataset.name, split: 'train', samples: scale.evalLimit ?? trainN },
    config,
    families: results.map((r, i) => ({
      family: r.family,
      label: r.label,
      kappa: r.kappa,
      endpointAccuracy: [
        r.unaligned.accuracy[0] ?? Number.NaN,
        r.unaligned.accuracy[r.unaligned.accuracy.length - 1] ?? Number.NaN,
      ],
      trainAccuracyAtEnd: runs[i]!.accuracy,
      lambdas: r.lambdas,
      unaligned: r.unaligned.barriers,
      aligned: r.aligned.barriers,
      curves: {
        unaligned: { loss: r.unaligned.loss, accuracy: r.unaligned.accuracy },
        aligned: { loss: r.aligned.loss, accuracy: r.aligned.accuracy },
      },
      matching: { ...r.matching[0]!, layers: r.matching },
      swapCosts: {
        layer: r.swap.layer,
        k: r.swap.k,
        d: r.swap.d,
        coherence: r.swap.coherence,
        negativeFraction: r.swap.negativeFraction,
        medianSignedSqrt: r.swap.medianSignedSqrt,
      },
      files: modelFiles.slice(2 * i, 2 * i + 2),
    })),
    headline: {
      standardUnalignedAccuracyDropPp: stdUn,
      standardAlignedAccuracyDropPp: stdAl,
      wMlpUnalignedAccuracyDropPp: wUn,
      wMlpAlignedAccuracyDropPp: drop(w, 'aligned'),
      effectShown,
      rule: DEMO_EFFECT_RULE,
    },
  });

  const verdictWord = (v: string) =>
    v === 'identifiable' ? 'identifiable' : v === 'partial' ? 'partial' : 'not identifiable';
  const lines = [
    `nidkit demo — can two independently trained networks be averaged without aligning their neurons?`,
    `2 standard MLPs and 2 W-MLPs (κ = 1, shared fixed weights), ${scale.widths.join('-')}, LayerNorm, GELU, ${scale.epochs} epoch${scale.epochs === 1 ? '' : 's'}`,
    `of AdamW on ${trainN.toLocaleString('en-US')} MNIST training digits (mnist-10k); measured on ${(scale.evalLimit ?? trainN).toLocaleString('en-US')} training digits.`,
    '',
    'Interpolating the weights, θ(λ) = (1−λ)·θ_A + λ·θ_B  (barrier = how much worse the path gets than its endpoints):',
    table(
      [
        'model',
        'accuracy A / B',
        'unaligned: acc drop',
        'loss barrier',
        'aligned: acc drop',
        'loss barrier',
      ],
      results.map((r) => [
        r.label,
        `${fmt(r.unaligned.accuracy[0], 1)} / ${fmt(r.unaligned.accuracy[r.unaligned.accuracy.length - 1], 1)} %`,
        `${fmt(drop(r, 'unaligned'), 2)} pp`,
        fmt(num(r.unaligned.barriers.lossBarrier), 3),
        `${fmt(drop(r, 'aligned'), 2)} pp`,
        fmt(num(r.aligned.barriers.lossBarrier), 3),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right'],
    ),
    '',
    'Are the neurons identifiable? First hidden layer: mean correlation of neuron i in A with neuron i in B (identity)',
    'vs. with its best partner (optimal) vs. random pairings; swap costs T of that layer in model A:',
    table(
      ['model', 'identity', 'optimal', 'random', 'verdict', 'median signed √T', 'T < 0'],
      results.map((r) => {
        const m = r.matching[0]!;
        return [
          r.label,
          fmt(m.identity),
          fmt(m.optimal),
          `${fmt(m.randomMean)} ± ${fmt(m.randomStd)}`,
          verdictWord(m.verdict),
          fmt(r.swap.medianSignedSqrt, 2),
          `${fmt(100 * r.swap.negativeFraction, 0)} %`,
        ];
      }),
      ['left', 'right', 'right', 'right', 'left', 'right', 'right'],
    ),
    '',
    ...explain(std, w, stdUn, stdAl, wUn),
    effectShown
      ? `The paper's effect is visible in this run\n  (rule: ${DEMO_EFFECT_RULE}).`
      : `The paper's effect is NOT clearly visible in this run\n  (rule: ${DEMO_EFFECT_RULE}).`,
    '',
    `Wall time ${duration(seconds * 1000)} (training ${duration(trainSeconds * 1000)}; CPU time of this process ${duration(cpuSeconds * 1000)}; evaluator ${evaluatorName}).`,
    `Report: ${join(outDir, 'index.html')}`,
  ];
  const summary = lines.join('\n');

  // one colour scale for both models' swap costs, so the two heatmaps can be compared
  const sharedDomain = symmetricDomain(results.map((r) => signedSqrt(r.swap.T)));
  const series = (path: 'unaligned' | 'aligned', key: 'accuracy' | 'loss') =>
    results.map((r) => ({
      name: `${r.label}, ${path}`,
      dashed: path === 'aligned',
      points: r.lambdas
        .map((x, i) => ({ x, y: r[path][key][i] ?? Number.NaN }))
        .filter((p) => Number.isFinite(p.y)),
    }));
  const plots: ReportPlot[] = [
    {
      file: 'lmc-accuracy.svg',
      title: 'Accuracy along the interpolation path',
      caption:
        'λ = 0 is model A, λ = 1 is model B; solid: as trained (unaligned), dashed: B’s neurons aligned to A. A dip is a barrier.',
      svg: await lineChart({
        title: 'Train accuracy along (1−λ)·A + λ·B',
        xLabel: 'λ',
        yLabel: 'train accuracy (%)',
        series: [...series('unaligned', 'accuracy'), ...series('aligned', 'accuracy')],
      }),
    },
    {
      file: 'lmc-loss.svg',
      title: 'Loss along the interpolation path',
      caption:
        'Cross-entropy on the training digits; a bump above the endpoints is a loss barrier.',
      svg: await lineChart({
        title: 'Train loss along (1−λ)·A + λ·B',
        xLabel: 'λ',
        yLabel: 'cross-entropy loss',
        series: [...series('unaligned', 'loss'), ...series('aligned', 'loss')],
      }),
    },
    {
      file: 'matching-objective.svg',
      title: 'Identity vs optimal matching of neurons',
      caption:
        'Identity ≈ optimal ≫ random: identifiable neurons (W-MLP). Identity ≈ random ≪ optimal: permuted neurons (standard MLP).',
      svg: await barChart({
        title: 'Activation matching objective per hidden layer',
        yLabel: 'mean correlation of paired neurons',
        bars: results.flatMap((r) =>
          r.matching.flatMap((m) => [
            { label: `${r.label}, layer ${m.layer}`, group: 'optimal', value: m.optimal },
            { label: `${r.label}, layer ${m.layer}`, group: 'identity', value: m.identity },
            {
              label: `${r.label}, layer ${m.layer}`,
              group: 'random',
              value: m.randomMean,
              error: m.randomStd,
            },
          ]),
        ),
      }),
    },
    ...(await Promise.all(
      results.map(async (r, i) => ({
        file: plotFiles[3 + i]!,
        title: `Swap costs ${r.swap.layer}, ${r.label} (signed √T)`,
        caption:
          'sign(T)·√|T| for every pair of first-layer neurons, one colour scale for both models. Near 0 or negative: interchangeable; large: pinned to their functions.',
        svg: await heatmap({
          title: `Swap costs ${r.swap.layer}, ${r.label}: signed √T`,
          matrix: signedSqrt(r.swap.T),
          xLabel: 'neuron j',
          yLabel: 'neuron i',
          colorLabel: 'signed √T',
          diverging: true,
          domain: sharedDomain,
        }),
      })),
    )),
  ];
  await writeReport(
    outDir,
    {
      title: 'nidkit demo: neuron identifiability and linear mode connectivity',
      summary,
      json,
      plots,
      files,
    },
    { force: opts.force ?? false },
  );
  if (opts.json) process.stdout.write(toJson(json));
  else process.stdout.write(`${summary}\n`);
}
