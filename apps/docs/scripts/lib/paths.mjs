// @ts-check
/** Paths shared by the generator scripts and the tests. */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/docs — the VitePress source root. */
export const DOCS_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The monorepo root (two levels above apps/docs). */
export const REPO_ROOT = resolve(DOCS_ROOT, '..', '..');
/** Everything the generator writes; gitignored, rewritten to site paths by the VitePress config. */
export const GENERATED = join(DOCS_ROOT, 'generated');
/** The built site. */
export const DIST = join(DOCS_ROOT, '.vitepress', 'dist');
/** Manifest of what the last generation produced (read by the VitePress config and the tests). */
export const MANIFEST = join(GENERATED, 'manifest.json');

/**
 * Site-relative path of a generated file as seen from a page in `pageDir` (relative to the docs root).
 * @param {string} abs
 * @param {string} pageDir
 * @returns {string}
 */
export function relFromPage(abs, pageDir) {
  const rel = relative(join(DOCS_ROOT, pageDir), abs).split('\\').join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}
