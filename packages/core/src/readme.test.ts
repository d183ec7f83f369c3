import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readmeExample } from '../examples/readme.js';

it('the README example runs and prints what the README says', () => {
  const printed = readmeExample();
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const line of printed) expect(readme).toContain(`// ${line}`);
});
