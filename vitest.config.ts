import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Every test opens real sockets; two cores cannot run many files at once without
    // starving the servers under test.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
