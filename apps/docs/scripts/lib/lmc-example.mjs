// @ts-check
/**
 * A worked LMC example computed with the nidkit packages at build time.
 *
 * Model A is a small ReLU MLP with seeded random weights ("teacher"); the data are Gaussian inputs
 * labelled by A's own predictions, so A is 100 % accurate. Model B is A with the hidden units of
 * every layer shuffled (`permuteNetwork`): the same function, a different point in weight space.
 * Interpolating A and B as stored crosses a barrier; activation matching recovers the shuffle and
 * the aligned path is flat. Every barrier variant of merging.md §4 is computed by @nidkit/merging.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importCli, tryImport } from './modules.mjs';
import { relFromPage } from './paths.mjs';

export const EXAMPLE_CONFIG = Object.freeze({
  seed: 7,
  widths: [8, 24, 24, 4],
  samples: 1000,
  points: 21,
});

/** The barrier variants of merging.md §4, in display order, with their formulas (LaTeX). */
export const BARRIER_ROWS = Object.freeze([
  {
    key: 'lossBarrier',
    formula: '\\max_t \\big[L_t - ((1-\\lambda_t)L_0 + \\lambda_t L_S)\\big]',
    unit: 'loss',
  },
  { key: 'midpointLossBarrier', formula: 'L(0.5) - (L_0 + L_S)/2', unit: 'loss' },
  {
    key: 'accuracyBarrierPp',
    formula: '\\max_t \\big[((1-\\lambda_t)a_0 + \\lambda_t a_S) - a_t\\big]',
    unit: 'pp',
  },
  { key: 'midpointAccuracyBarrierPp', formula: '(a_0 + a_S)/2 - a(0.5)', unit: 'pp' },
  {
    key: 'accuracyDropPp',
    formula: '\\max(a_0, a_S) - \\min_t a_t',
    unit: 'pp',
  },
  {
    key: 'relativeAccuracyDropPct',
    formula: '100\\,(\\min_t a_t - m)/m,\\; m = \\max(a_0, a_S)',
    unit: '%',
  },
]);

/**
 * @param {number | null | undefined} v
 * @param {number} [digits]
 * @returns {string}
 */
export function fmt(v, digits = 3) {
  if (v === null || v === undefined) return '—';
  const s = v.toFixed(digits);
  return /^-0\.0*$/.test(s) ? s.slice(1) : s;
}

/**
 * @template T
 * @param {string} name
 * @returns {Promise<any>}
 */
async function need(name) {
  const r = await tryImport(name);
  if (!r.mod) throw new Error(`${name} is not available (${r.error})`);
  return r.mod;
}

/**
 * A ReLU MLP with He-initialized weights from nidkit's seeded generator, in the core IR.
 * @param {any} core @nidkit/core
 * @param {readonly number[]} widths
 * @param {number} seed
 */
function teacher(core, widths, seed) {
  /** @type {any[]} */
  const layers = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const fanIn = /** @type {number} */ (widths[l]);
    const fanOut = /** @type {number} */ (widths[l + 1]);
    const rng = core.Rng.stream(seed, 'docs-example', 'layer', l);
    const w = new Float32Array(fanOut * fanIn).map(() => rng.normal() * Math.sqrt(2 / fanIn));
    const b = new Float32Array(fanOut).map(() => rng.normal() * 0.1);
    layers.push({
      type: 'linear',
      index: l,
      weight: core.tensor(w, [fanOut, fanIn]),
      bias: core.tensor(b, [fanOut]),
    });
    if (l + 2 < widths.length) layers.push({ type: 'act', index: l, kind: 'relu' });
  }
  return core.validateNetwork({
    family: 'standard',
    inputShape: [widths[0]],
    meta: { initSeed: seed },
    layers,
  });
}

/**
 * @param {any} result activationMatching result
 * @returns {any[]} per hidden layer records
 */
function matchingLayers(result) {
  if (Array.isArray(result)) return result;
  for (const key of ['layers', 'perLayer', 'permutations'])
    if (Array.isArray(result?.[key])) return result[key];
  throw new Error('activationMatching returned no per-layer records');
}

/**
 * Computes the example, writes its plots into `outDir`, and returns a renderer of the markdown
 * fragment for a page in a given directory.
 * @param {string} outDir
 */
export async function computeLmcExample(outDir) {
  const core = await need('@nidkit/core');
  const matching = await need('@nidkit/matching');
  const merging = await need('@nidkit/merging');
  const plots = await importCli('plots');
  if (!plots.mod) throw new Error(`the CLI plot module is not available (${plots.error})`);

  const { seed, widths, samples, points } = EXAMPLE_CONFIG;
  const a = teacher(core, widths, seed);
  const evaluator = new core.ReferenceEvaluator();
  const rng = core.Rng.stream(seed, 'docs-example', 'inputs');
  const d = /** @type {number} */ (widths[0]);
  const inputs = core.tensor(
    new Float32Array(samples * d).map(() => rng.normal()),
    [samples, d],
  );
  const { logits } = await evaluator.run(a, inputs);
  const k = /** @type {number} */ (widths[widths.length - 1]);
  const labels = new Int32Array(samples);
  for (let n = 0; n < samples; n++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits.data[n * k + j] > logits.data[n * k + best]) best = j;
    labels[n] = best;
  }
  const dataset = {
    name: 'teacher-labelled Gaussian inputs',
    task: 'classification',
    inputShape: [d],
    numOutputs: k,
    splits: { train: { inputs, labels } },
  };

  // B: the same function with shuffled hidden units.
  const hidden = widths.slice(1, -1);
  const shuffles = hidden.map((n, l) =>
    core.Rng.stream(seed, 'docs-example', 'shuffle', l).permutation(n),
  );
  const b = matching.permuteNetwork(a, shuffles, { verify: true });

  // Align B to A by activation matching (real alignment: maximize Pearson correlation).
  const matched = await matching.activationMatching(evaluator, a, b, inputs, { seed: 0 });
  const layers = matchingLayers(matched);
  const perms = layers.map((r) => (r instanceof Int32Array ? r : r.permutation));
  const bAligned = matching.permuteNetwork(b, perms, { verify: true });

  const opts = { points, splits: ['train'] };
  const unaligned = await merging.lmcCurve(evaluator, a, b, dataset, opts);
  const aligned = await merging.lmcCurve(evaluator, a, bAligned, dataset, opts);
  const lambdas = /** @type {number[]} */ (unaligned.lambdas);
  const cu = unaligned.splits.train;
  const ca = aligned.splits.train;
  const bu = merging.barriers({ lambdas, loss: cu.loss, accuracy: cu.accuracy });
  const ba = merging.barriers({ lambdas, loss: ca.loss, accuracy: ca.accuracy });

  /** @param {number[]} ys */
  const series = (ys) => ys.map((y, t) => ({ x: /** @type {number} */ (lambdas[t]), y }));
  mkdirSync(outDir, { recursive: true });
  const accSvg = join(outDir, 'lmc-accuracy.svg');
  const lossSvg = join(outDir, 'lmc-loss.svg');
  writeFileSync(
    accSvg,
    await plots.mod.lineChart({
      title: 'Accuracy along the linear path from A (λ = 0) to B (λ = 1)',
      xLabel: 'interpolation weight λ',
      yLabel: 'train accuracy (%)',
      series: [
        { name: 'unaligned (as stored)', points: series(cu.accuracy) },
        { name: 'aligned (activation matching)', points: series(ca.accuracy) },
      ],
    }),
  );
  writeFileSync(
    lossSvg,
    await plots.mod.lineChart({
      title: 'Cross-entropy loss along the same paths',
      xLabel: 'interpolation weight λ',
      yLabel: 'train loss',
      series: [
        { name: 'unaligned (as stored)', points: series(cu.loss) },
        { name: 'aligned (activation matching)', points: series(ca.loss) },
      ],
    }),
  );

  // How much of the shuffle did matching recover? B' = permute(B, π) equals A iff π undoes the shuffle.
  const recovered = layers.map((r, l) => {
    const pi = perms[l];
    const shuffle = shuffles[l];
    let same = 0;
    // permuteNetwork(A, s) puts A's unit s[i] at position i; matching pairs A's unit i with B's unit π[i].
    for (let i = 0; i < pi.length; i++) if (shuffle[pi[i]] === i) same++;
    return {
      layer: r.layer ?? `layer ${l}`,
      size: pi.length,
      identity: r.identity,
      optimal: r.optimal,
      randomMean: r.randomMean,
      recovered: same / pi.length,
    };
  });

  /** @param {string} pageDir directory of the including page, relative to the docs root */
  const render = (pageDir) =>
    [
      `**Setup** (computed during this build). Model A is a ${widths.join('-')} ReLU network with seeded random`,
      `weights (seed ${seed}); the data are ${samples} Gaussian inputs labelled by A itself, so A is`,
      `${fmt(cu.accuracy[0], 1)} % accurate. Model B is A with the hidden units of both layers shuffled by`,
      '`permuteNetwork`: exactly the same function, a different weight vector. Both paths are evaluated',
      `on ${points} λ values with \`lmcCurve\` (exact reference evaluator); the aligned path first permutes B`,
      'with the permutation found by `activationMatching` (Pearson correlation, maximized).',
      '',
      `![Accuracy along the unaligned and aligned paths](${relFromPage(accSvg, pageDir)})`,
      '',
      `![Loss along the unaligned and aligned paths](${relFromPage(lossSvg, pageDir)})`,
      '',
      '| hidden layer | units | identity objective | optimal objective | random mean | shuffle recovered |',
      '|---|---|---|---|---|---|',
      ...recovered.map(
        (r) =>
          `| ${typeof r.layer === 'number' ? r.layer : `\`${r.layer}\``} | ${r.size} | ${fmt(r.identity)} | ${fmt(r.optimal)} | ${fmt(r.randomMean)} | ${fmt(100 * r.recovered, 0)} % |`,
      ),
      '',
      'Every barrier variant on both paths ([definitions](/concepts/lmc-barriers#barrier-definitions)), computed by',
      '`barriers()` of `@nidkit/merging`:',
      '',
      '| barrier | unaligned | aligned |',
      '|---|---|---|',
      ...BARRIER_ROWS.map(
        (row) =>
          `| \`${row.key}\` | ${fmt(bu[row.key])} ${row.unit} | ${fmt(ba[row.key])} ${row.unit} |`,
      ),
      '',
    ].join('\n');

  return { render, unaligned: bu, aligned: ba, recovered, files: [accSvg, lossSvg] };
}

/**
 * The three-point toy curve of merging.md §4 (a = [90, 80, 95]) run through every barrier
 * function of @nidkit/merging, so the table shows what the code computes.
 * @returns {Promise<string>}
 */
export async function renderBarrierToyExample() {
  const merging = await need('@nidkit/merging');
  const lambdas = [0, 0.5, 1];
  const accuracy = [90, 80, 95];
  const loss = [0.3, 0.65, 0.2];
  const r = merging.barriers({ lambdas, loss, accuracy });
  return [
    '| λ | 0 | 0.5 | 1 |',
    '|---|---|---|---|',
    `| loss $L_t$ | ${loss.join(' | ')} |`,
    `| accuracy $a_t$ (%) | ${accuracy.join(' | ')} |`,
    '',
    '| barrier | formula | value on this curve |',
    '|---|---|---|',
    ...BARRIER_ROWS.map(
      (row) => `| \`${row.key}\` | $${row.formula}$ | ${fmt(r[row.key], 4)} ${row.unit} |`,
    ),
    '',
    `Linearity flag of the reference, $|a_{\\lfloor n/2\\rfloor} - (a_0 + a_S)/2| < 0.5$: **${String(r.linearity)}**.`,
    '',
  ].join('\n');
}
