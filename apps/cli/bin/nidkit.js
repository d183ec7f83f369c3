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
// `pnpm nidkit …` runs in the repository root; resolve the user's paths from where they typed it
if (process.env.npm_lifecycle_event === 'nidkit' && process.env.INIT_CWD)
  process.chdir(process.env.INIT_CWD);
await import(entry.href);
