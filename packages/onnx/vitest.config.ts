import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The README example imports the package by name; tests run it against the sources.
    alias: { '@nidkit/onnx': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: { testTimeout: 30_000 },
});
