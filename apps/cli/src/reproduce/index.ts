/**
 * `nidkit reproduce <experiment>`: the paper's experiments (results.md) run with nidkit's own
 * packages at three scales, each writing `<outDir>/<name>/{result.json, *.svg, summary.md}`.
 */
import { toJson } from '../io/output.js';
import { RunContext, defaultEvaluator } from './context.js';
import { COHERENCE, KAPPAS, MNIST, REALIZATION, SWAP_COSTS } from './configs.js';
import { runCoherence } from './coherence.js';
import { ReproduceError } from './errors.js';
import { runKappaSweep } from './kappa-sweep.js';
import { runLmcFamilies } from './lmc-families.js';
import { runRealizationCosts } from './realization-costs.js';
import { runSwapCosts } from './swap-costs.js';
import type {
  ExperimentResult,
  ReproduceJson,
  ReproduceOptions,
  Scale,
  TrendCheck,
} from './types.js';
import { SCALES } from './types.js';

export { ReproduceError } from './errors.js';
export type {
  ExperimentResult,
  ReproduceJson,
  ReproduceOptions,
  Scale,
  TrendCheck,
  ProgressFn,
} from './types.js';
export { SCALES } from './types.js';
export { reproduceResultSchema } from './schema.js';

/** Version of every reproduce result.json (bumped when a field changes meaning). */
export const REPRODUCE_SCHEMA_VERSION = 'nidkit-reproduce/1';

/** One experiment of `nidkit reproduce`. */
export interface ExperimentInfo {
  readonly name: string;
  readonly title: string;
  readonly description: string;
}

/** The experiments, in the order `reproduce all` runs them. */
export const EXPERIMENTS: readonly ExperimentInfo[] = [
  {
    name: 'lmc-families',
    title: 'Unaligned and aligned LMC of the MLP families on MNIST',
    description:
      'Standard MLP, W-MLP κ=0, W-MLP κ=1, syre κ=1 and σ-MLP, independent pairs with shared fixed parts: endpoint and midpoint train accuracy and every barrier metric, without and with activation matching (results.md §1, R1–R4).',
  },
  {
    name: 'kappa-sweep',
    title: 'Neuron identifiability vs κ (activation-matching objective)',
    description:
      'W-MLPs with κ from 0 to 5 and the standard MLP: identity vs optimal activation-matching objective of the first hidden layer, with the random-permutation band (results.md §3, R5–R6).',
  },
  {
    name: 'swap-costs',
    title: 'Swap costs vs intrinsic dimension on GMM data',
    description:
      'Width-64 W-MLPs at initialization, κ ∈ {0, 1}, GMM data of intrinsic dimension k ∈ {2, 8, 32}: signed-root swap-cost heatmaps and their quantiles (results.md §4, R7).',
  },
  {
    name: 'coherence',
    title: 'Synthetic coherence experiment',
    description:
      'Masked ReLU nets without fixed weights on data of coherence 1/m, exact-copy and random-frame embeddings: mean ± std unaligned midpoint barrier vs coherence (results.md §5, R8).',
  },
  {
    name: 'realization-costs',
    title: 'Per-layer realization and swap costs of the MNIST models',
    description:
      'The trained models of lmc-families: per-layer subspace, coherence, realization and swap-cost summaries (Mahalanobis estimate) and the ridge estimate on a sampled set of neurons (function-class.md §5–§6).',
  },
];

type Runner = (ctx: RunContext) => Promise<{
  data: object;
  plots: Record<string, string>;
  summary: string;
  checks: TrendCheck[];
}>;

const RUNNERS: Record<string, Runner> = {
  'lmc-families': runLmcFamilies,
  'kappa-sweep': runKappaSweep,
  'swap-costs': runSwapCosts,
  coherence: runCoherence,
  'realization-costs': runRealizationCosts,
};

/** The configuration of an experiment at a scale (recorded in result.json). */
export function experimentConfig(name: string, scale: Scale): object {
  switch (name) {
    case 'lmc-families':
      return { mnist: MNIST[scale] };
    case 'kappa-sweep':
      return { mnist: MNIST[scale], kappas: KAPPAS[scale] };
    case 'swap-costs':
      return SWAP_COSTS[scale];
    case 'coherence':
      return COHERENCE[scale];
    case 'realization-costs':
      return { mnist: MNIST[scale], realization: REALIZATION[scale] };
    default:
      throw new ReproduceError(
        `experimentConfig: unknown experiment — expected one of ${EXPERIMENTS.map((e) => e.name).join(', ')}, got ${name}`,
      );
  }
}

/**
 * Runs one experiment and writes `<outDir>/<name>/result.json`, its SVG plots and `summary.md`.
 *
 * With `resume`, every work unit whose file exists (trained models in `<outDir>/models/`, pair
 * records in `<outDir>/<name>/work/`) is reused; with `force`, everything is recomputed and
 * overwritten; with neither, an existing result is refused. Models trained earlier in the same
 * process (e.g. by `reproduce all`) are always reused.
 * @param name - one of {@link EXPERIMENTS}
 * @param options - scale (default `small`), output folder, seed (default 0), resume, force, progress
 * @returns the JSON written, the files and the markdown summary
 * @throws ReproduceError for an unknown experiment or scale, or an existing result without resume/force
 */
export async function runExperiment(
  name: string,
  options: ReproduceOptions,
): Promise<ExperimentResult> {
  const runner = RUNNERS[name];
  const info = EXPERIMENTS.find((e) => e.name === name);
  if (!runner || !info) {
    throw new ReproduceError(
      `runExperiment: unknown experiment — expected one of ${EXPERIMENTS.map((e) => e.name).join(', ')}, got ${name}`,
    );
  }
  const scale = options.scale ?? 'small';
  if (!SCALES.includes(scale)) {
    throw new ReproduceError(
      `runExperiment: unknown scale — expected one of ${SCALES.join(', ')}, got ${String(scale)}`,
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ReproduceError(
      `runExperiment: seed must be a non-negative integer — expected e.g. 0, got ${seed}`,
    );
  }
  const chosen = options.evaluator
    ? { evaluator: options.evaluator, note: null }
    : await defaultEvaluator();
  const evaluator = chosen.evaluator;
  const ctx = new RunContext(
    name,
    { ...options, scale, seed },
    evaluator,
    experimentConfig(name, scale),
  );
  try {
    ctx.checkStart();
    ctx.progress.note(`${name}: scale ${scale}, seed ${seed}, evaluator ${evaluator.name}`);
    if (chosen.note) ctx.progress.note(chosen.note);
    const out = await runner(ctx);
    const json: ReproduceJson = {
      schemaVersion: REPRODUCE_SCHEMA_VERSION,
      experiment: name,
      title: info.title,
      scale,
      seed,
      createdAt: new Date().toISOString(),
      evaluator: evaluator.name,
      durationSeconds: Math.round(ctx.elapsedSeconds() * 10) / 10,
      config: experimentConfig(name, scale),
      checks: out.checks,
      ...out.data,
    };
    for (const [file, svg] of Object.entries(out.plots)) await ctx.output(file, svg);
    const holds = out.checks.filter((c) => c.holds === true).length;
    const fails = out.checks.filter((c) => c.holds === false).length;
    const summaryMarkdown = [
      `## ${info.title}`,
      '',
      `\`nidkit reproduce ${name} --scale ${scale} --seed ${seed}\` — ${json.durationSeconds} s with the ${evaluator.name} evaluator; ${holds} of ${out.checks.length} trend checks hold${fails > 0 ? `, ${fails} ${fails === 1 ? 'does' : 'do'} not` : ''}.`,
      '',
      out.summary,
      '',
      `Plots: ${Object.keys(out.plots)
        .map((f) => `[${f}](${f})`)
        .join(', ')}. Full numbers: [result.json](result.json).`,
      '',
    ].join('\n');
    await ctx.output('summary.md', summaryMarkdown);
    await ctx.output('result.json', toJson(json));
    ctx.progress.note(`${name}: done in ${json.durationSeconds} s`);
    return { name, json, files: ctx.writtenFiles(), summaryMarkdown };
  } finally {
    if (!options.evaluator) await evaluator.dispose();
  }
}
