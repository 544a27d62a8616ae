import { defineConfig } from 'vitest/config';

/**
 * The tests mutation testing runs (npm run mutate): everything that exercises the code it
 * mutates (src/limits, src/book, src/projection, adapters/), without the end-to-end runs of
 * the demo, the CLI binary, the benchmarks and the simulator's own tests, which only repeat
 * what these cover at a hundred times the cost. Property tests run fewer cases here
 * (PROPERTY_RUNS). One reused worker (threads, no isolation): Stryker switches mutants at
 * run time, so nothing is imported again between mutants (test/setup/mutate.ts keeps the
 * files from leaking nock into each other).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/demo/**', 'test/cli/**', 'test/bench/**', 'test/sim/**', 'test/adapters/cli.test.ts', 'test/hook/storm.test.ts', 'test/docs.test.ts', 'test/package/**', 'test/types/**'],
    env: { PROPERTY_RUNS: '60' },
    setupFiles: ['test/setup/mutate.ts'],
    pool: 'threads',
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
