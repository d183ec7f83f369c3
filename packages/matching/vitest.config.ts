import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The README example imports the package by name; tests resolve it to the sources.
export default defineConfig({
  resolve: {
    alias: { '@nidkit/matching': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
});
