#!/usr/bin/env node
// Packs risk-guard as a user gets it, and as it is published (`npm run release:pack`, then
// `npm publish risk-guard-X.Y.Z.tgz`): the package's sources are copied to a staging folder
// (the working tree's dist/ is left alone, so tests running the CLI from it are not
// disturbed), built there with `npm run build` (ESM and CommonJS), and packed with `npm pack`.
// The packed package.json loses the scripts that only serve a checkout of the repository:
// `prepare` (builds on `npm ci`; npm counts a tarball's `prepare` as an install script and
// warns about it on every install of the tarball) and `prepublishOnly` (which stops a
// `npm publish` straight from the working tree, whose manifest still has `prepare`).
// Prints one JSON line: { tarball, files } (files: the paths in the tarball).
//
//   node scripts/pack.mjs [--out DIR]      (default: a new folder under the system's temp dir)
//
// Used by `npm run release:pack`, test/package/pack.test.ts and scripts/ccxt-range.mjs.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? resolve(process.argv[outArg + 1]) : mkdtempSync(join(tmpdir(), 'risk-guard-pack-'));
mkdirSync(out, { recursive: true });

const stage = mkdtempSync(join(tmpdir(), 'risk-guard-stage-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args, cwd) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    process.stderr.write(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}\n`);
    process.exit(1);
  }
  return r.stdout;
};

try {
  for (const f of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.cjs.json', 'src', 'adapters', 'scripts']) {
    if (existsSync(join(root, f))) cpSync(join(root, f), join(stage, f), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');
  run(npm, ['run', 'build', '--silent'], stage);
  const manifest = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8'));
  for (const script of ['prepare', 'prepublishOnly']) delete manifest.scripts?.[script];
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const json = run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', out], stage);
  const [info] = JSON.parse(json);
  process.stdout.write(`${JSON.stringify({ tarball: join(out, info.filename), files: info.files.map((f) => f.path).sort() })}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
