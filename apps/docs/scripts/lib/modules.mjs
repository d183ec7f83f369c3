// @ts-check
/**
 * Loading the workspace packages and the CLI's modules at generation time (turbo builds them
 * before the docs, `^build`). A failed import is returned as an error message so that the
 * generator can name what is missing; the browser test fails on any page left out.
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
