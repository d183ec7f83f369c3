#!/usr/bin/env node
// @ts-check
/**
 * Writes everything the site generates from the code into apps/docs/generated/ (gitignored):
 *   api/<pkg>/…         TypeDoc markdown of each package's src/index.ts
 *   packages/<pkg>.md   each package README
 *   reference/cli.md    the CLI reference, from the CLI's own commander definitions
 *   results/…           plots and tables computed by running nidkit (reproduce, a worked example)
 *   demo/               the report of `nidkit demo --scale tiny`, shown on the getting-started page
 *   manifest.json       what was generated (read by the VitePress config and the browser test)
 * Run by `pnpm build` / `pnpm dev` before VitePress. Parts whose package is not built yet are left
 * out with a warning and a note on the page; nothing is pasted by hand.
 *
 * Environment:
 *   NIDKIT_DOCS_EXPERIMENTS  comma list of `nidkit reproduce` experiments to run (default: all; `none`)
 *   NIDKIT_DOCS_REUSE=1      keep existing results instead of recomputing them
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApi } from './lib/api.mjs';
import { generateCliReference } from './lib/cli-page.mjs';
import { generateDemo } from './lib/demo.mjs';
import { errorMessage } from './lib/modules.mjs';
import { listPackages } from './lib/packages.mjs';
import { GENERATED, MANIFEST } from './lib/paths.mjs';
import { generateReadmes } from './lib/readmes.mjs';
import { generateResults } from './lib/results.mjs';

/** @param {string} msg */
const log = (msg) => process.stderr.write(`[docs:generate] ${msg}\n`);

const started = Date.now();
const reuse = process.env.NIDKIT_DOCS_REUSE === '1';
for (const dir of ['api', 'packages', 'reference'])
  rmSync(join(GENERATED, dir), { recursive: true, force: true });
if (!reuse) rmSync(join(GENERATED, 'results'), { recursive: true, force: true });
for (const dir of ['api', 'packages', 'reference', 'results'])
  mkdirSync(join(GENERATED, dir), { recursive: true });

const packages = listPackages();
const api = await generateApi(packages, log);
const readmes = generateReadmes(packages, new Set(api.generated.map((p) => p.short)), log);
const cli = await generateCliReference(log);
const results = await generateResults({ log, reuse });
/** @type {{ svgs: string[], seconds?: number, error?: string }} */
let demo;
try {
  demo = await generateDemo(log);
} catch (err) {
  const error = errorMessage(err);
  demo = { svgs: [], error };
  log(`demo: WARNING not run: ${error}`);
  writeFileSync(
    join(GENERATED, 'results', 'demo.md'),
    `::: warning Not run in this build\n\`nidkit demo\` could not be run: ${error.replace(/[<>{}]/g, ' ')}\n:::\n`,
  );
}

const manifest = {
  generatedAt: new Date().toISOString(),
  packages: packages.map((p) => ({
    name: p.name,
    short: p.short,
    hasIndex: p.hasIndex,
    hasReadme: p.hasReadme,
  })),
  api,
  readmes,
  cli,
  results,
  demo,
};
writeFileSync(MANIFEST, JSON.stringify(manifest, null, 2) + '\n');
const problems = [
  ...api.failed.map((f) => `api ${f.name}: ${f.reason}`),
  ...(cli.error ? [`cli: ${cli.error}`] : []),
  ...results.errors,
  ...(demo.error ? [`demo: ${demo.error}`] : []),
];
log(
  `done in ${((Date.now() - started) / 1000).toFixed(1)} s${problems.length ? `; left out: ${problems.length}` : ''}`,
);
for (const p of problems) log(`  left out: ${p}`);
