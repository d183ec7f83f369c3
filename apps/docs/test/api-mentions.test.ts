/**
 * The concept and guide pages end with "In code: `fn` … of `@nidkit/pkg`" pointers. This test
 * checks each named function against the built package's real exports, so a renamed export
 * cannot leave the docs pointing at nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCS_ROOT } from '../scripts/lib/paths.mjs';

/** Paragraphs that start with "In code" and the identifiers and packages they name. */
export function apiMentions(markdown: string): { names: string[]; packages: string[] }[] {
  return markdown
    .split(/\n\s*\n/)
    .filter((p) => /^In code\b/.test(p.trim()))
    .map((p) => ({
      names: [...p.matchAll(/`([a-z][A-Za-z0-9]*)(?:\(\))?`/g)].map((m) => m[1]!),
      packages: [...new Set([...p.matchAll(/`(@nidkit\/[a-z-]+)`/g)].map((m) => m[1]!))],
    }));
}

describe('functions named on the hand-written pages', () => {
  it('are exported by the packages the sentence names', async () => {
    const files = ['guide', 'concepts'].flatMap((d) =>
      readdirSync(join(DOCS_ROOT, d))
        .filter((f) => f.endsWith('.md'))
        .map((f) => join(d, f)),
    );
    const mentions = files.flatMap((f) =>
      apiMentions(readFileSync(join(DOCS_ROOT, f), 'utf8')).map((m) => ({ file: f, ...m })),
    );
    expect(mentions.length).toBeGreaterThan(3);
    const missing: string[] = [];
    for (const m of mentions) {
      expect(m.packages.length, m.file).toBeGreaterThan(0);
      const exported = new Set<string>();
      for (const pkg of m.packages) {
        for (const key of Object.keys((await import(pkg)) as object)) exported.add(key);
      }
      for (const name of m.names)
        if (!exported.has(name)) missing.push(`${m.file}: ${name} (${m.packages.join(', ')})`);
    }
    expect(missing).toEqual([]);
  });

  it('the parser finds names and packages of "In code" paragraphs only', () => {
    const md =
      'Intro `x`.\n\nIn code: `foo` and `barBaz()` of [`@nidkit/a-b`](/p); on the command line,\n`nidkit costs`.\n';
    expect(apiMentions(md)).toEqual([{ names: ['foo', 'barBaz'], packages: ['@nidkit/a-b'] }]);
  });
});
