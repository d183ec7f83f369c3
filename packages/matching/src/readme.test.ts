import { readFileSync } from 'node:fs';
import { format } from 'node:util';
import { expect, it, vi } from 'vitest';

it('the README example is examples/readme.ts and prints what its comments say', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = readFileSync(new URL('../examples/readme.ts', import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBe(example);
  const expected = example
    .split('\n')
    .filter((l) => l.startsWith('console.log('))
    .map((l) => l.slice(l.lastIndexOf('// ') + 3));
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(format(...args));
  });
  try {
    await import('../examples/readme.js');
  } finally {
    spy.mockRestore();
  }
  expect(lines).toEqual(expected);
}, 20_000);
