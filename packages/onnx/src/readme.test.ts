import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

describe('README example', () => {
  it('runs examples/readme.ts and prints what the README shows', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(
        args
          .map((a) =>
            typeof a === 'string'
              ? a
              : JSON.stringify(a)
                  .replace(/^\[(.*)\]$/, '[ $1 ]')
                  .replace(/,/g, ', '),
          )
          .join(' '),
      );
    });
    try {
      await import('../examples/readme.js');
    } finally {
      spy.mockRestore();
    }
    const example = readFileSync(new URL('../examples/readme.ts', import.meta.url), 'utf8');
    const printed = example
      .split('\n')
      .filter((l) => l.startsWith('// ') && !l.startsWith('// A '))
      .map((l) => l.slice(3));
    expect(lines).toEqual(printed);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(example.trim());
  });
});
