#!/usr/bin/env node
// Thin launcher: the CLI itself is the built dist/main.js.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'nidkit: the CLI is not built yet — run `pnpm nidkit …` from the repository root (it builds first), ' +
      'or `pnpm turbo run build --filter=@nidkit/cli...`\n',
  );
  process.exit(1);
}
await import(entry.href);
