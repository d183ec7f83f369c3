import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../examples/readme.js';

describe('README example', () => {
  it('prints what the README shows', async () => {
    const lines: string[] = [];
    await main((...args: unknown[]) =>
      lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')),
    );
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = readme.slice(
      readme.indexOf('```ts'),
      readme.indexOf('```', readme.indexOf('```ts') + 5),
    );
    const shown = block
      .split('\n')
      .filter((l) => l.startsWith('// '))
      .map((l) => l.slice(3).trim());
    expect(lines.length).toBeGreaterThan(0);
    if (!lines.some((l) => l.startsWith('wasm:'))) return; // the figures in the README were produced on the wasm backend
    const normalize = (s: string) => s.replace(/\s+/g, '').replace(/"/g, '');
    for (const line of lines) expect(shown.map(normalize)).toContain(normalize(line));
  }, 60_000);
});
