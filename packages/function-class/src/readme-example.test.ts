import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../examples/readme.js';

describe('README example', () => {
  it('prints what the README shows', () => {
    const lines: string[] = [];
    main((l) => lines.push(l));
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const shown = [...readme.matchAll(/^\/\/ → (.*)$/gm)].map((m) => m[1]);
    expect(lines).toEqual(shown);
  });
});
