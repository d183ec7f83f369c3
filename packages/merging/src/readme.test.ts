import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { readmeExample } from '../examples/readme.js';

it('the README example runs and prints what the README says', async () => {
  const printed = await readmeExample();
  expect(printed).toHaveLength(2);
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const line of printed) expect(readme).toContain(`// ${line}`);
  const example = readFileSync(new URL('../examples/readme.ts', import.meta.url), 'utf8');
  // the README shows the same code as the example file (from the network builder to the loop)
  const code = example.slice(example.indexOf('const f32'), example.indexOf('  return lines;'));
  for (const line of code.split('\n').filter((l) => l.trim() !== '' && !l.includes('lines.push'))) {
    expect(readme).toContain(line.replace(/^ {2}/, ''));
  }
});
