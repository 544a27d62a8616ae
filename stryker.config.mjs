/**
 * Mutation testing: `npm run mutate`. Stryker changes one thing at a time in the engine
 * (a comparison, a rounding, an exemption, a window edge, an adapter's hedge rows…) and
 * runs the tests that cover it; a mutant that no test notices is a test that is missing.
 * Incremental: results are kept in reports/mutation/incremental.json, so a rerun after a
 * change only tests what changed. Not part of CI (it takes long); the score and the
 * surviving mutants kept on purpose are in the README.
 */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  mutate: ['src/limits/**/*.ts', 'src/book/**/*.ts', 'src/projection/**/*.ts', 'adapters/**/*.ts'],
  // messages are text, checked by tests that read them; a mutated message is not a mutated rule
  mutator: { excludedMutations: ['StringLiteral'] },
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  concurrency: 2,
  timeoutMS: 30_000,
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
