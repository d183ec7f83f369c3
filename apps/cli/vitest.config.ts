import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // colocated unit tests and the end-to-end tests of the built binary; nothing else
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
