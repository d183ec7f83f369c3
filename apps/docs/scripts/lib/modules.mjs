// @ts-check
/**
 * Loading the workspace packages and the CLI's modules at generation time. Everything is
 * optional: the packages are built by turbo before the docs (`^build`), but while they are being
 * written a missing module must only leave its part of the site out, with a note.
 */

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
 * Imports a module of the built CLI through its exports map (`@nidkit/cli/<subpath>`).
 * @param {string} subpath `program`, `plots` or `reproduce`
 * @returns {Promise<{ mod: any, error?: undefined } | { mod?: undefined, error: string }>}
 */
export async function importCli(subpath) {
  const loaded = await tryImport(`@nidkit/cli/${subpath}`);
  return loaded.mod ? loaded : { error: `${loaded.error} (is @nidkit/cli built?)` };
}
