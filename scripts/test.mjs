#!/usr/bin/env node
// `npm test`: typecheck, build (the CLI tests run the real binary), run every test,
// and end with one line "N passed, N failed" that CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', shell: false }).status ?? 1;
const results = '.vitest-results.json';
let passed = 0;
let failed = 0;

if (run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0) {
  console.error('typecheck failed');
  failed += 1;
} else {
  passed += 1; // the typecheck counts as one test
}
if (run('npx', ['tsc', '-p', 'tsconfig.build.json']) !== 0) {
  console.error('build failed');
  failed += 1;
}

rmSync(results, { force: true });
const extra = process.argv.slice(2);
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...extra]);
if (existsSync(results)) {
  const r = JSON.parse(readFileSync(results, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  // a file that fails to load has no failed tests, yet must fail the run
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults.every((a) => a.status !== 'failed')).length;
  failed += brokenFiles;
  if ((r.numPendingTests ?? 0) + (r.numTodoTests ?? 0) > 0) {
    console.error(`${r.numPendingTests + r.numTodoTests} skipped or todo tests: none may be left behind`);
    failed += r.numPendingTests + r.numTodoTests;
  }
} else {
  failed += 1;
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
