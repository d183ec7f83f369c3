// @ts-check
/**
 * Loading the workspace packages and the CLI's modules at generation time. Everything is
 * optional: the packages are built by turbo before the docs (`^build`), but while they are being
 * written a missing module must only leave its part of the site out, with a note.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DOCS_ROOT } from './paths.mjs';

/**
 * @param {unknown} err
 * @returns {string}
 */
export function errorMessage(err) {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}

/**
 * `import(specifier)`, returning the error instead of throwing.
 * @param {string} specifier
 * @returns {Promise<{ mod: any, error?: undefined } | { mod?: undefined, error: string }>}
 */
export async function tryImport(specifier) {
  try {
    return { mod: await import(specifier) };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

/**
 * Imports a module of the built CLI (`@nidkit/cli`): first through its exports map
 * (`@nidkit/cli/<subpath>`), then — while the CLI does not export that subpath yet — from its
 * built `dist/<distFile>` inside the installed package.
 * @param {string} subpath e.g. `program`, `plots`, `reproduce`
 * @param {string} distFile e.g. `cli.js`, `plots/index.js`
 * @returns {Promise<{ mod: any, error?: undefined } | { mod?: undefined, error: string }>}
 */
export async function importCli(subpath, distFile) {
  const viaExports = await tryImport(`@nidkit/cli/${subpath}`);
  if (viaExports.mod) return viaExports;
  const file = join(DOCS_ROOT, 'node_modules', '@nidkit', 'cli', 'dist', distFile);
  if (!existsSync(file))
    return { error: `${viaExports.error}; and ${file} does not exist (is @nidkit/cli built?)` };
  return tryImport(pathToFileURL(file).href);
}
