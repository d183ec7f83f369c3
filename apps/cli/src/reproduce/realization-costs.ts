/**
 * Experiment `realization-costs` (function-class.md §5–§6): for the trained MNIST models of
 * lmc-families, per linear layer the data subspace (k, coherence ν), the realization costs M and
 * swap costs T by the Mahalanobis estimate, and the ridge estimate (regression through the
 * nonlinearity) on a sampled set of neurons of chosen layers.
 */
import { getSplit } from '@nidkit/core';
import { barChart, heatmap, signedSqrt } from '../plots/index.js';
import type { RunContext } from './context.js';
import { MNIST, REALIZATION } from './configs.js';
import { subsetSplit } from './data.js';
import { LMC_VARIANTS } from './families.js';
import { checksMarkdown } from './lmc-families.js';
import {
  mahalanobisLayers,
  ridgeLayers,
  type LayerCostSummary,
  type RidgeLayerSummary,
} from './science.js';
import { fmt, mdTable } from './stats.js';
import type { TrendCheck } from './types.js';
import { mnist, zooModel } from './zoo.js';

const HEAT_MAX = 64;

/** One analyzed model. */
export interface ModelCosts {
  readonly variant: string;
  readonly label: string;
  readonly model: string;
  readonly mahalanobis: readonly LayerCostSummary[];
  readonly ridge: readonly RidgeLayerSummary[];
}

/** Experiment body. */
export async function runRealizationCosts(
  ctx: RunContext,
): Promise<{ data: object; plots: Record<string, string>; summary: string; checks: TrendCheck[] }> {
  const cfg = MNIST[ctx.scale];
  const rc = REALIZATION[ctx.scale];
  ctx.progress.plan(LMC_VARIANTS.length * rc.modelsPerFamily * 3);
  const train = subsetSplit(getSplit(mnist(), 'train'), rc.mahalanobisSamples, 'mnist-costs');
  const val = subsetSplit(getSplit(mnist(), 'val'), rc.ridge.samples, 'mnist-ridge');
  const results: ModelCosts[] = [];
  const heat: Record<string, { layer: string; T: number[][] }> = {};
  for (const v of LMC_VARIANTS) {
    for (let m = 0; m < rc.modelsPerFamily; m++) {
      // model A of pair m (index 2m), the same file lmc-families trains
      const model = await zooModel(ctx, v, 2 * m);
      const mah = await ctx.unit(`${v.id}-m${2 * m}-mahalanobis`, async () => {
        return mahalanobisLayers(ctx.evaluator, model.network, train.inputs, rc.layers);
      });
      ctx.progress.tick(
        `${v.label}: Mahalanobis costs, ${mah[0]?.layer ?? '-'} median signed √T ${fmt(mah[0]?.signedSqrtMedian ?? NaN, 3)}`,
      );
      const ridge = await ctx.unit(`${v.id}-m${2 * m}-ridge`, () =>
        ridgeLayers(ctx.evaluator, model.network, val.inputs, {
          numNeurons: Math.round(Math.sqrt(rc.ridge.numPairs)),
          iterations: rc.ridge.iterations,
          layers: rc.ridge.layers,
          seed: ctx.seed,
          onProgress: (msg) => ctx.progress.note(`${v.label}: ${msg}`),
        }),
      );
      ctx.progress.tick(
        ridge.length > 0
          ? `${v.label}: ridge costs on ${ridge[0]!.neurons} neurons`
          : `${v.label}: no ridge estimate (no elementwise activation)`,
      );
      results.push({
        variant: v.id,
        label: v.label,
        model: model.key,
        mahalanobis: mah.map(({ T: _T, ...rest }) => rest),
        ridge,
      });
      // heatmaps show the first 64 neurons at most (a 512×512 SVG would be tens of megabytes)
      if (m === 0 && mah[0]?.T)
        heat[v.id] = {
          layer: mah[0].layer,
          T: mah[0].T.slice(0, HEAT_MAX).map((r) => r.slice(0, HEAT_MAX)),
        };
    }
  }
  const plots: Record<string, string> = {};
  const first = results.filter((r, i) => results.findIndex((x) => x.variant === r.variant) === i);
  plots['median-swap-cost-by-layer.svg'] = await barChart({
    title: 'Median off-diagonal signed √T per layer (Mahalanobis estimate)',
    yLabel: 'median signed √T',
    xLabel: 'layer',
    bars: first.flatMap((r) =>
      r.mahalanobis.map((l) => ({ label: l.layer, group: r.label, value: l.signedSqrtMedian })),
    ),
  });
  for (const [id, { layer, T }] of Object.entries(heat)) {
    const label = LMC_VARIANTS.find((v) => v.id === id)!.label;
    plots[`swap-${layer.replace('.', '')}-${id}.svg`] = await heatmap({
      title: `Swap costs of ${layer}, ${label} (trained, ${cfg.epochs} epoch(s)${T.length === HEAT_MAX ? `, first ${HEAT_MAX} neurons` : ''})`,
      matrix: signedSqrt(T),
      xLabel: 'neuron j',
      yLabel: 'neuron i',
      colorLabel: 'signed √T',
      diverging: true,
    });
  }
  const checks = costChecks(first);
  const table = mdTable(
    [
      'model',
      'layer',
      'd',
      'k̂',
      'ν',
      'median √M_ii',
      'median signed √T',
      'negative T (%)',
      'ridge median signed √T (β=0.01)',
    ],
    first.flatMap((r) =>
      r.mahalanobis.map((l) => {
        const ridge = r.ridge.find((x) => x.layer === l.layer);
        return [
          r.label,
          l.layer,
          String(l.d),
          String(l.k),
          fmt(l.coherence, 3),
          fmt(l.diagonalSqrtMMedian, 3),
          fmt(l.signedSqrtMedian, 3),
          // T ≡ 0 (dense layers): the sign of rounding residue is meaningless
          l.signedSqrtMaxAbs < 1e-6 ? `— (max |T| < 1e-12)` : fmt(100 * l.negativeFraction, 1),
          ridge ? fmt(ridge.byBeta.find((b) => b.beta === 0.01)?.signedSqrtMedian ?? NaN, 3) : '—',
        ];
      }),
    ),
  );
  const summary = [
    `Scale \`${ctx.scale}\`: model A of the first ${rc.modelsPerFamily} pair(s) of each lmc-families configuration (784-${cfg.width}-${cfg.width}-${cfg.width}-10, ${cfg.epochs} epoch(s)). Mahalanobis estimate on the τ = 0.9 principal subspace of the inputs of ${rc.layers ? rc.layers.map((l) => `lins.${l}`).join(', ') : 'every layer'} over ${rc.mahalanobisSamples ?? 'all'} training digits; ridge estimate (β ∈ {0.001, 0.01, 0.1, 1}, warm start, ${rc.ridge.iterations} full-batch AdamW steps per β) on all pairs of the first ${Math.round(Math.sqrt(rc.ridge.numPairs))} neurons of layers ${rc.ridge.layers.map((l) => `lins.${l}`).join(', ')}, over ${rc.ridge.samples ?? 'all'} validation digits.`,
    '',
    table,
    '',
    '### Trends',
    '',
    checksMarkdown(checks),
  ].join('\n');
  return { data: { models: results }, plots, summary, checks };
}

/** Expected orderings with numbers: dense layers have T ≡ 0; fixed weights (κ = 1) make swaps costly. */
export function costChecks(results: readonly ModelCosts[]): TrendCheck[] {
  const get = (id: string) => results.find((r) => r.variant === id);
  const checks: TrendCheck[] = [];
  for (const id of ['standard', 'sigma']) {
    const r = get(id);
    if (!r) continue;
    const maxAbs = Math.max(...r.mahalanobis.map((l) => l.signedSqrtMaxAbs));
    const scale = Math.max(...r.mahalanobis.map((l) => l.diagonalSqrtMMedian));
    checks.push({
      id: `dense-${id}`,
      expectation: `${r.label}: dense layers have T ≡ 0 (closed form, function-class.md §5)`,
      observed: `max |signed √T| ${fmt(maxAbs, 6)} over all layers (median √M_ii up to ${fmt(scale, 3)})`,
      holds: maxAbs <= 1e-3 * Math.max(1, scale),
    });
  }
  const w0 = get('w-kappa0');
  const w1 = get('w-kappa1');
  const sy = get('syre-kappa1');
  if (w0 && w1 && sy) {
    const hidden = w1.mahalanobis.map((l) => l.layer);
    const per = hidden.map((layer) => {
      const m = (r: ModelCosts) => r.mahalanobis.find((l) => l.layer === layer)!.signedSqrtMedian;
      return { layer, w0: m(w0), w1: m(w1), sy: m(sy) };
    });
    checks.push({
      id: 'fixed-weights',
      expectation:
        'κ = 1 (W and syre) gives larger median swap costs than masks alone (W κ = 0) in every layer',
      observed: per
        .map(
          (p) => `${p.layer}: W κ=0 ${fmt(p.w0, 3)}, W κ=1 ${fmt(p.w1, 3)}, syre ${fmt(p.sy, 3)}`,
        )
        .join('; '),
      holds: per.every((p) => p.w1 > p.w0 && p.sy > p.w0),
    });
  }
  return checks;
}
