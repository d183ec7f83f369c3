// @ts-check
/**
 * Runs the built `nidkit demo` (the CLI binary itself, as a user would) at its tiny testing scale
 * during the docs build, so that the getting-started page shows real output and real plots.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED, relFromPage } from './paths.mjs';

/**
 * The path of the `nidkit` launcher of the installed @nidkit/cli.
 * @returns {string}
 */
export function nidkitBin() {
  const pkgJson = fileURLToPath(import.meta.resolve('@nidkit/cli/package.json'));
  /** @type {{ bin?: string | Record<string, string> }} */
  const meta = JSON.parse(readFileSync(pkgJson, 'utf8'));
  const bin = typeof meta.bin === 'string' ? meta.bin : meta.bin?.nidkit;
  if (!bin) throw new Error('@nidkit/cli declares no nidkit binary');
  return resolve(dirname(pkgJson), bin);
}

/**
 * Runs `nidkit <args>`; resolves with stdout, rejects with the end of stderr on failure.
 * @param {string[]} args
 * @returns {Promise<string>}
 */
export function runNidkit(args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [nidkitBin(), ...args], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolvePromise(out)
        : reject(
            new Error(
              `nidkit ${args.join(' ')} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' / ')}`,
            ),
          ),
    );
  });
}

/**
 * Runs the demo and writes generated/results/demo.md (included by guide/getting-started.md).
 * @param {(msg: string) => void} log
 * @returns {Promise<{ svgs: string[], seconds: number }>}
 */
export async function generateDemo(log) {
  const outDir = join(GENERATED, 'demo');
  rmSync(outDir, { recursive: true, force: true });
  const started = Date.now();
  log('demo: running nidkit demo --scale tiny …');
  const stdout = await runNidkit([
    'demo',
    '--scale',
    'tiny',
    '--seed',
    '0',
    '--out',
    outDir,
    '--quiet',
  ]);
  const seconds = (Date.now() - started) / 1000;
  const text = stdout
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split(outDir)
    .join('<out>')
    .trimEnd();
  const svgs = readdirSync(outDir)
    .filter((f) => f.endsWith('.svg'))
    .sort()
    .map((f) => join(outDir, f));
  const md = [
    '```text',
    '$ nidkit demo --scale tiny --out <out>',
    text.replace(/```/g, "'''"),
    '```',
    '',
    ...svgs.map((f) => `![nidkit demo plot: ${f.split('/').pop()}](${relFromPage(f, 'guide')})\n`),
  ];
  writeFileSync(join(GENERATED, 'results', 'demo.md'), md.join('\n'));
  log(`demo: ${svgs.length} plots in ${seconds.toFixed(1)} s`);
  return { svgs: svgs.map((f) => f.slice(GENERATED.length + 1)), seconds };
}
