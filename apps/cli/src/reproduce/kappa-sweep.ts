/**
 * Experiment `kappa-sweep` (results.md §3, checks R5–R6; function-class.md §7): W-MLPs with
 * uniform κ, and the standard MLP, first hidden layer: identity vs optimal activation-matching
 * objective (Pearson with zero for constant units, post-activation) and the random-permutation
 * band, mean ± std over pairs.
 */
import { barChart, lineChart } from '../plots/index.js';
import type { RunContext } from './context.js';
import { KAPPAS, MNIST } from './configs.js';
import { STANDARD, wVariant, type Variant } from './families.js';
import { checksMarkdown } from './lmc-families.js';
import { matchingObjective, type LayerObjective } from './science.js';
import { fmt, fmtMs, mdTable, meanStd, type MeanStd } from './stats.js';
import type { TrendCheck } from './types.js';
import { mnistForScale, zooCheckpoint, zooPairs, zooUnits } from './zoo.js';
import { subsetSplit } from './data.js';
import { getSplit } from '@nidkit/core';

/** Aggregate over pairs of the first hidden layer's objective. */
export interface ObjectiveAggregate {
  readonly identity: MeanStd;
  readonly optimal: MeanStd;
  readonly randomMean: MeanStd;
  /** Mean over pairs of the random-permutation std. */
  readonly randomStd: number;
  readonly fixedPointFraction: MeanStd;
  /** Verdict of each pair (function-class.md §7). */
  readonly verdicts: readonly string[];
}

/** One row of the sweep: a κ (or the standard MLP) at an epoch. */
export interface SweepRow {
  readonly id: string;
  readonly label: string;
  readonly kappa: number | null;
  readonly epoch: number;
  /** First hidden layer (P_0) of each pair. */
  readonly pairs: readonly LayerObjective[];
  readonly aggregate: ObjectiveAggregate;
}

function aggregate(rs: readonly LayerObjective[]): ObjectiveAggregate {
  return {
    identity: meanStd(rs.map((r) => r.identity)),
    optimal: meanStd(rs.map((r) => r.optimal)),
    randomMean: meanStd(rs.map((r) => r.randomMean)),
    randomStd: meanStd(rs.map((r) => r.randomStd)).mean,
    fixedPointFraction: meanStd(rs.map((r) => r.fixedPointFraction)),
    verdicts: rs.map((r) => r.verdict),
  };
}

/** Experiment body. */
export async function runKappaSweep(
  ctx: RunContext,
): Promise<{ data: object; plots: Record<string, string>; summary: string; checks: TrendCheck[] }> {
  const cfg = MNIST[ctx.scale];
  const kappas = KAPPAS[ctx.scale];
  const variants: Variant[] = [...kappas.map(wVariant), STANDARD];
  ctx.progress.plan(
    zooUnits(cfg, variants.length) + (variants.length + cfg.checkpointEpochs.length) * cfg.pairs,
  );
  const inputs = subsetSplit(
    getSplit(mnistForScale(cfg), 'train'),
    cfg.matchLimit,
    'mnist-match',
  ).inputs;
  const rows: SweepRow[] = [];
  for (const v of variants) {
    const pairs = await zooPairs(ctx, v);
    const recs: LayerObjective[] = [];
    for (const [p, [a, b]] of pairs.entries()) {
      const rec = await ctx.unit(
        `${v.id}-pair${p}-final`,
        async () =>
          (await matchingObjective(ctx.evaluator, a.network, b.network, inputs, ctx.seed))[0]!,
      );
      recs.push(rec);
      ctx.progress.tick(
        `${v.label} pair ${p}: identity ${fmt(rec.identity, 3)}, optimal ${fmt(rec.optimal, 3)}`,
      );
    }
    rows.push({
      id: v.id,
      label: v.label,
      kappa: v.kappa ?? null,
      epoch: cfg.epochs,
      pairs: recs,
      aggregate: aggregate(recs),
    });
  }
  // R6: the standard MLP over training, from the checkpoints written while training it
  const overTraining: SweepRow[] = [];
  for (const epoch of cfg.checkpointEpochs) {
    const recs: LayerObjective[] = [];
    for (let p = 0; p < cfg.pairs; p++) {
      const rec = await ctx.unit(`standard-pair${p}-epoch${epoch}`, async () => {
        const a = await zooCheckpoint(ctx, STANDARD, 2 * p, epoch);
        const b = await zooCheckpoint(ctx, STANDARD, 2 * p + 1, epoch);
        return (await matchingObjective(ctx.evaluator, a, b, inputs, ctx.seed))[0]!;
      });
      recs.push(rec);
      ctx.progress.tick(
        `standard MLP at epoch ${epoch}, pair ${p}: identity ${fmt(rec.identity, 3)}, optimal ${fmt(rec.optimal, 3)}`,
      );
    }
    overTraining.push({
      id: 'standard',
      label: 'standard MLP',
      kappa: null,
      epoch,
      pairs: recs,
      aggregate: aggregate(recs),
    });
  }

  const wRows = rows.filter((r) => r.kappa !== null);
  const plots: Record<string, string> = {};
  plots['objective-vs-kappa.svg'] = await barChart({
    title: `First hidden layer: activation-matching objective (Pearson), mean ± std over ${cfg.pairs} pair(s)`,
    yLabel: 'mean correlation of paired neurons',
    xLabel: 'model',
    bars: rows.flatMap((r) => {
      const label = r.kappa === null ? 'standard' : `κ=${r.kappa}`;
      return [
        {
          label,
          group: 'optimal',
          value: r.aggregate.optimal.mean,
          error: r.aggregate.optimal.std,
        },
        {
          label,
          group: 'identity',
          value: r.aggregate.identity.mean,
          error: r.aggregate.identity.std,
        },
        {
          label,
          group: 'random permutation',
          value: r.aggregate.randomMean.mean,
          error: r.aggregate.randomStd,
        },
      ];
    }),
  });
  plots['identity-over-optimal.svg'] = await lineChart({
    title: 'W-MLP: identity / optimal objective vs κ (1 = identifiable)',
    xLabel: 'κ (σ_F)',
    yLabel: 'identity / optimal',
    series: [
      {
        name: 'W-MLP, first hidden layer',
        points: wRows.map((r) => ({
          x: r.kappa!,
          y: r.aggregate.identity.mean / r.aggregate.optimal.mean,
        })),
      },
    ],
  });
  plots['standard-over-training.svg'] = await lineChart({
    title: `Standard MLP, first hidden layer over training (mean ± std over ${cfg.pairs} pair(s))`,
    xLabel: 'epoch',
    yLabel: 'mean correlation of paired neurons',
    series: [
      {
        name: 'optimal',
        points: overTraining.map((r) => ({
          x: r.epoch,
          y: r.aggregate.optimal.mean,
          yErr: r.aggregate.optimal.std,
        })),
      },
      {
        name: 'identity',
        points: overTraining.map((r) => ({
          x: r.epoch,
          y: r.aggregate.identity.mean,
          yErr: r.aggregate.identity.std,
        })),
      },
      {
        name: 'random permutation',
        points: overTraining.map((r) => ({
          x: r.epoch,
          y: r.aggregate.randomMean.mean,
          yErr: r.aggregate.randomStd,
        })),
      },
    ],
  });
  const checks = sweepChecks(wRows, overTraining);
  const table = mdTable(
    ['model', 'epoch', 'optimal', 'identity', 'random mean ± std', 'fixed points', 'verdicts'],
    rows.map((r) => [
      r.label,
      String(r.epoch),
      fmtMs(r.aggregate.optimal, 3),
      fmtMs(r.aggregate.identity, 3),
      `${fmt(r.aggregate.randomMean.mean, 3)} ± ${fmt(r.aggregate.randomStd, 3)}`,
      fmtMs(r.aggregate.fixedPointFraction, 2),
      r.aggregate.verdicts.join(', '),
    ]),
  );
  const trainingTable = mdTable(
    ['epoch', ...overTraining.map((r) => String(r.epoch))],
    [
      ['optimal', ...overTraining.map((r) => fmt(r.aggregate.optimal.mean, 3))],
      ['identity', ...overTraining.map((r) => fmt(r.aggregate.identity.mean, 3))],
      ['random mean', ...overTraining.map((r) => fmt(r.aggregate.randomMean.mean, 4))],
      ['random std', ...overTraining.map((r) => fmt(r.aggregate.randomStd, 3))],
    ],
  );
  const summary = [
    `Scale \`${ctx.scale}\`: first hidden layer (P_0) of 784-${cfg.width}-${cfg.width}-${cfg.width}-10 MLPs after ${cfg.epochs} epoch(s), activation matching on ${cfg.matchLimit ?? 'all'} training digits, post-activation, Pearson with zero for constant units; ${cfg.pairs} pair(s) per model, mean ± std over pairs. The random band is mean ± std of 100 seeded random permutations.`,
    '',
    table,
    '',
    `Standard MLP over training (first hidden layer, mean over ${cfg.pairs} pair(s); results.md §3, second table):`,
    '',
    trainingTable,
    '',
    '### Trends (results.md §3, checks R5–R6)',
    '',
    checksMarkdown(checks),
  ].join('\n');
  return { data: { kappas, rows, standardOverTraining: overTraining }, plots, summary, checks };
}

/** R5 and R6 with numbers. */
export function sweepChecks(
  wRows: readonly SweepRow[],
  standardOverTraining: readonly SweepRow[],
): TrendCheck[] {
  const inBand = (r: SweepRow) =>
    Math.abs(r.aggregate.identity.mean - r.aggregate.randomMean.mean) <= 3 * r.aggregate.randomStd;
  const low = wRows.filter((r) => r.kappa! <= 0.05);
  const high = wRows.filter((r) => r.kappa! >= 1);
  const checks: TrendCheck[] = [
    {
      id: 'R5-low',
      expectation:
        'κ ≤ 0.05: identity objective within the random band (|identity − random mean| ≤ 3·random std)',
      observed:
        low
          .map(
            (r) =>
              `κ=${r.kappa}: identity ${fmt(r.aggregate.identity.mean, 3)}, random ${fmt(r.aggregate.randomMean.mean, 3)} ± ${fmt(r.aggregate.randomStd, 3)}`,
          )
          .join('; ') || 'no such κ',
      holds: low.length === 0 ? null : low.every(inBand),
    },
    {
      id: 'R5-high',
      expectation: 'κ ≥ 1: identity ≥ 0.95·optimal with verdict `identifiable`',
      observed:
        high
          .map(
            (r) =>
              `κ=${r.kappa}: identity/optimal ${fmt(r.aggregate.identity.mean / r.aggregate.optimal.mean, 3)}, verdicts ${r.aggregate.verdicts.join('/')}`,
          )
          .join('; ') || 'no such κ',
      holds:
        high.length === 0
          ? null
          : high.every(
              (r) =>
                r.aggregate.identity.mean >= 0.95 * r.aggregate.optimal.mean &&
                r.aggregate.verdicts.every((v) => v === 'identifiable'),
            ),
    },
  ];
  const r6 = standardOverTraining;
  checks.push({
    id: 'R6',
    expectation: `standard MLP: identity ≈ random ≪ optimal at every recorded epoch (${r6.map((r) => r.epoch).join(', ')}); ≪ means above identity by more than 10 random std`,
    observed: r6
      .map(
        (r) =>
          `epoch ${r.epoch}: identity ${fmt(r.aggregate.identity.mean, 3)}, random ${fmt(r.aggregate.randomMean.mean, 3)} ± ${fmt(r.aggregate.randomStd, 3)}, optimal ${fmt(r.aggregate.optimal.mean, 3)}`,
      )
      .join('; '),
    holds:
      r6.length === 0
        ? null
        : r6.every(
            (r) =>
              inBand(r) &&
              r.aggregate.optimal.mean > r.aggregate.identity.mean + 10 * r.aggregate.randomStd,
          ),
  });
  return checks;
}
