#!/usr/bin/env node
// The CommonJS build (`require('risk-guard')`, `require('risk-guard/sim')`): tsc compiles the
// package's entry points and what they import (not the CLI, which stays ESM: `bin` runs it
// as a module whatever the project that installs it is) into dist/cjs, and a package.json
// there marks those .js files as CommonJS. `npm run build` runs it after the ESM build.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
rmSync('dist/cjs', { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.cjs.json'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
