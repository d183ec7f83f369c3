// @ts-check
/**
 * Results computed by running nidkit during the docs build (nothing here is pasted by hand):
 *
 * 1. `nidkit reproduce` experiments at `scale: 'tiny'` through the CLI's `runExperiment`, which
 *    writes `<outDir>/<name>/{result.json, *.svg, summary.md}`; shown on /results.
 * 2. A worked LMC example computed with the packages (permutation symmetry of a small constructed
 *    network: unaligned vs aligned interpolation), with every barrier variant of merging.md §4
 *    computed by @nidkit/merging; shown on /concepts/lmc-barriers and /results.
 *
 * Each part is written as a markdown fragment that a hand-written page includes
 * (`<!--@include: …-->`); image paths are relative to the including page.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { errorMessage, importCli } from './modules.mjs';
import { DOCS_ROOT, GENERATED, relFromPage } from './paths.mjs';
import { adaptReadme } from './readmes.mjs';
import { computeLmcExample, renderBarrierToyExample } from './lmc-example.mjs';

/**
 * @typedef {{ name: string, title: string, svgs: string[], checks: { id: string, holds: boolean | null }[], seconds: number }} ExperimentRun
 * @typedef {{ experiments: ExperimentRun[], example: boolean, errors: string[] }} ResultsManifest
 */

/**
 * @param {string} s
 * @returns {string}
 */
function prose(s) {
  return s.replace(/</g, '&lt;').replace(/\{/g, '&#123;').replace(/\}/g, '&#125;');
}

/**
 * Summary markdown written by an experiment, made safe for a Vue page: its own title is dropped
 * (the page has one), the other headings are moved below the experiment's heading (h3), and
 * links to the run's files (shown on the page already) become plain names.
 * @param {string} md
 * @param {string} title
 * @returns {string}
 */
export function adaptSummary(md, title) {
  const lines = md.split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  const heading = first >= 0 ? /^#{1,6}\s+(.*)$/.exec(lines[first] ?? '') : null;
  if (heading && heading[1]?.trim() === title.trim()) lines.splice(first, 1);
  const levels = lines
    .map((l) => /^(#{1,6})\s/.exec(l)?.[1]?.length)
    .filter((n) => n !== undefined);
  const shift = levels.length > 0 ? 4 - Math.min(...levels) : 0;
  const body = lines
    .map((l) =>
      l.replace(
        /^(#{1,6})(\s)/,
        (_m, h, sp) => '#'.repeat(Math.min(6, Math.max(1, String(h).length + shift))) + sp,
      ),
    )
    .join('\n')
    .replace(/(?<!!)\[([^\]]*)\]\((?![a-z]+:|#|\/)[^)\s]+\)/gi, '$1');
  return adaptReadme(body, { fromDir: DOCS_ROOT, linkFor: () => undefined });
}

/**
 * @param {{ log: (msg: string) => void, reuse: boolean }} opts
 * @returns {Promise<ResultsManifest>}
 */
export async function generateResults({ log, reuse }) {
  /** @type {string[]} */
  const errors = [];
  const outDir = join(GENERATED, 'results', 'runs');
  /** @type {ExperimentRun[]} */
  const experiments = [];
  /** @type {string[]} */
  const sections = [];

  // 1. nidkit reproduce experiments.
  const selection = (process.env.NIDKIT_DOCS_EXPERIMENTS ?? 'all').trim();
  if (selection !== 'none') {
    const loaded = await importCli('reproduce');
    if (!loaded.mod || typeof loaded.mod.runExperiment !== 'function') {
      errors.push(`reproduce: ${loaded.error ?? 'runExperiment is not exported'}`);
    } else {
      /** @type {{ name: string, title: string, description: string }[]} */
      const all = loaded.mod.EXPERIMENTS ?? [];
      const wanted =
        selection === 'all' ? all : all.filter((e) => selection.split(',').includes(e.name));
      for (const exp of wanted) {
        const started = Date.now();
        try {
          const summaryFile = join(outDir, exp.name, 'summary.md');
          /** @type {{ summaryMarkdown: string, files: string[], json: { checks?: { id: string, holds: boolean | null }[] } }} */
          let res;
          if (reuse && existsSync(summaryFile)) {
            const dir = join(outDir, exp.name);
            res = {
              summaryMarkdown: readFileSync(summaryFile, 'utf8'),
              files: readdirSync(dir).map((f) => join(dir, f)),
              json: JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')),
            };
          } else {
            log(`results: running nidkit reproduce ${exp.name} --scale tiny …`);
            res = await loaded.mod.runExperiment(exp.name, {
              scale: 'tiny',
              outDir,
              seed: 0,
              force: true,
              onProgress: () => {},
            });
          }
          // The run's own wall time (also right when NIDKIT_DOCS_REUSE kept an earlier run).
          const recorded = /** @type {{ durationSeconds?: unknown }} */ (res.json).durationSeconds;
          const seconds = typeof recorded === 'number' ? recorded : (Date.now() - started) / 1000;
          const svgs = res.files.filter((f) => f.endsWith('.svg')).sort();
          experiments.push({
            name: exp.name,
            title: exp.title,
            svgs: svgs.map((f) => relative(GENERATED, f)),
            checks: (res.json.checks ?? []).map((c) => ({ id: c.id, holds: c.holds })),
            seconds,
          });
          sections.push(
            `### ${prose(exp.title)} {#run-${exp.name}}`,
            '',
            `${prose(exp.description)} Run with \`nidkit reproduce ${exp.name} --scale tiny --seed 0\` during this build (${seconds.toFixed(1)} s).`,
            '',
            adaptSummary(res.summaryMarkdown, exp.title),
            '',
            ...svgs.map(
              (f) => `![${prose(exp.title)}: ${f.split('/').pop()}](${relFromPage(f, '.')})\n`,
            ),
          );
          log(`results: ${exp.name}: ${svgs.length} plots in ${seconds.toFixed(1)} s`);
        } catch (err) {
          errors.push(`reproduce ${exp.name}: ${errorMessage(err)}`);
          log(`results: WARNING ${exp.name} failed: ${errorMessage(err)}`);
        }
      }
    }
  }

  // 2. The worked LMC example.
  let example = false;
  try {
    const ex = await computeLmcExample(join(GENERATED, 'results', 'example'));
    writeFileSync(join(GENERATED, 'results', 'lmc-example-concepts.md'), ex.render('concepts'));
    writeFileSync(join(GENERATED, 'results', 'lmc-example-results.md'), ex.render('.'));
    example = true;
    log('results: worked LMC example computed');
  } catch (err) {
    errors.push(`LMC example: ${errorMessage(err)}`);
    log(`results: WARNING LMC example not computed: ${errorMessage(err)}`);
    const note = `::: warning Not computed in this build\nThe worked example could not be computed: ${prose(errorMessage(err))}\n:::\n`;
    writeFileSync(join(GENERATED, 'results', 'lmc-example-concepts.md'), note);
    writeFileSync(join(GENERATED, 'results', 'lmc-example-results.md'), note);
  }
  try {
    writeFileSync(join(GENERATED, 'results', 'barrier-toy.md'), await renderBarrierToyExample());
  } catch (err) {
    errors.push(`barrier toy example: ${errorMessage(err)}`);
    writeFileSync(
      join(GENERATED, 'results', 'barrier-toy.md'),
      `::: warning Not computed in this build\n${prose(errorMessage(err))}\n:::\n`,
    );
  }

  const runs =
    experiments.length > 0
      ? [
          '| experiment | plots | trend checks that hold at tiny scale |',
          '|---|---|---|',
          ...experiments.map((e) => {
            const held = e.checks.filter((c) => c.holds === true).length;
            const tested = e.checks.filter((c) => c.holds !== null).length;
            return `| [${prose(e.title)}](#run-${e.name}) | ${e.svgs.length} | ${tested > 0 ? `${held} of ${tested}` : 'not testable at this scale'} |`;
          }),
          '',
          ...sections,
        ]
      : [
          '::: warning No experiment ran in this build',
          ...errors.filter((e) => e.startsWith('reproduce')).map((e) => `- ${prose(e)}`),
          ':::',
          '',
        ];
  writeFileSync(join(GENERATED, 'results', 'computed.md'), runs.join('\n'));
  return { experiments, example, errors };
}
