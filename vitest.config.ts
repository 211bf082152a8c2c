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
    // Tests that note what they measured (netem probes, proxy timings) say it on the console;
    // `npm test` stays quiet unless WIRELAB_TEST_LOG=1 asks for those notes.
    onConsoleLog: () => (process.env.WIRELAB_TEST_LOG === '1' ? undefined : false),
  },
});
