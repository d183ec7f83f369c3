// @ts-check
/** Discovery of the workspace's published packages (packages/*), whichever exist right now. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.mjs';

/**
 * @typedef {object} WorkspacePackage
 * @property {string} name      package name, e.g. `@nidkit/core`
 * @property {string} short     folder name, e.g. `core` (used in site paths)
 * @property {string} dir       absolute package directory
 * @property {string} description package.json description ('' if none)
 * @property {boolean} hasIndex  src/index.ts exists
 * @property {boolean} hasReadme README.md exists
 */

/**
 * Lists `packages/*` that have a package.json, sorted with `core` first, then by name.
 * @param {string} [root] repository root (tests pass a fixture tree)
 * @returns {WorkspacePackage[]}
 */
export function listPackages(root = REPO_ROOT) {
  const base = join(root, 'packages');
  if (!existsSync(base)) return [];
  /** @type {WorkspacePackage[]} */
  const out = [];
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(base, entry.name);
    const pj = join(dir, 'package.json');
    if (!existsSync(pj)) continue;
    /** @type {{name?: string, description?: string, private?: boolean}} */
    const meta = JSON.parse(readFileSync(pj, 'utf8'));
    if (!meta.name || meta.private) continue;
    out.push({
      name: meta.name,
      short: entry.name,
      dir,
      description: meta.description ?? '',
      hasIndex: existsSync(join(dir, 'src', 'index.ts')),
      hasReadme: existsSync(join(dir, 'README.md')),
    });
  }
  return out.sort((a, b) =>
    a.short === 'core' ? -1 : b.short === 'core' ? 1 : a.short.localeCompare(b.short),
  );
}
