#!/usr/bin/env node
// `npm run test:ccxt-range`: risk-guard against both ends of the ccxt range it declares as a
// peer dependency. The package is packed (scripts/pack.mjs) and, for each end, installed from
// the tarball beside that ccxt into a fresh CommonJS project and a fresh ES module project,
// where the README's embedding snippet runs on the simulated exchange (an order allowed, one
// resized, one blocked as the bot's ccxt.InvalidOrder) and `npm ls ccxt` must show one ccxt.
//
//   npm run test:ccxt-range                      both ends: the range's lower bound and the newest
//                                                published version inside it (`npm view`)
//   npm run test:ccxt-range -- 4.5.81 4.5.84     given versions
//   npm run test:ccxt-range -- --deep            also the repository's ccxt-dependent tests
//                                                (wrapping, the simulator, every exchange module
//                                                on its recorded payloads) with `ccxt` resolved
//                                                to each version: how the range was established
//
// Needs the npm registry for a ccxt version that is not in the npm cache, so it is not part
// of `npm test`. Exit 0 when every check passed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const args = process.argv.slice(2);
const deep = args.includes('--deep');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const range = pkg.peerDependencies.ccxt;

const run = (cmd, argv, cwd, env = {}) => {
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
};

function ends() {
  const given = args.filter((a) => /^\d+\.\d+\.\d+/.test(a));
  if (given.length) return given;
  const lower = /^>=\s*(\d+\.\d+\.\d+)/.exec(range)?.[1];
  if (!lower) throw new Error(`peerDependencies.ccxt "${range}" has no ">=x.y.z" lower bound`);
  const view = run(npm, ['view', `ccxt@${range}`, 'version', '--json'], root);
  let newest = pkg.devDependencies.ccxt;
  if (view.code === 0) {
    const v = JSON.parse(view.out);
    // npm lists the matching versions in no particular order
    const num = (x) => x.split(/[.-]/).slice(0, 3).map(Number);
    const newer = (a, b) => { const [x, y] = [num(a), num(b)]; for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i]; return false; };
    newest = (Array.isArray(v) ? v : [v]).filter((x) => !x.includes('-')).reduce((a, b) => (newer(b, a) ? b : a));
  } else {
    console.log(`npm view failed (offline?): the newest end is the devDependency, ccxt ${newest}`);
  }
  return [...new Set([lower, newest])];
}

const versions = ends();
console.log(`ccxt peer range ${range}: testing ${versions.join(' and ')}${deep ? ' (--deep)' : ''}`);
const work = mkdtempSync(join(tmpdir(), 'risk-guard-ccxt-range-'));
const failures = [];
try {
  const packed = run(process.execPath, [join(root, 'scripts/pack.mjs'), '--out', work], root);
  if (packed.code !== 0) throw new Error(`packing failed:\n${packed.out}`);
  const { tarball } = JSON.parse(packed.out.trim().split('\n').pop());

  for (const version of versions) {
    for (const kind of ['commonjs', 'module']) {
      const dir = join(work, `${version}-${kind}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `bot-${kind}`, version: '1.0.0', private: true, ...(kind === 'module' ? { type: 'module' } : {}) }, null, 2));
      const label = `ccxt ${version}, ${kind === 'module' ? 'ESM' : 'CommonJS'}`;
      const install = run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `ccxt@${version}`], dir);
      if (install.code !== 0) {
        failures.push(`${label}: npm install failed`);
        console.log(`${label}: npm install failed\n${install.out}`);
        continue;
      }
      const ls = run(npm, ['ls', 'ccxt', '--all', '--parseable'], dir);
      const copies = [...new Set(ls.out.trim().split('\n').filter(Boolean))];
      copyFileSync(join(root, 'test/package/fixtures', kind === 'module' ? 'embed.mjs' : 'embed.cjs'), join(dir, 'index.js'));
      const smoke = run(process.execPath, ['index.js'], dir);
      let out = null;
      try {
        out = JSON.parse(smoke.out.trim().split('\n').pop());
      } catch {
        // reported below
      }
      const ok = ls.code === 0 && copies.length === 1 && smoke.code === 0 && out !== null
        && out.allowed?.[0] === 'allow' && out.resized?.[0] === 'resize' && out.resized?.[2] === '0.083'
        && out.blocked === 'PRICE_BAND' && out.invalidOrder === true && out.exchangeError === true;
      if (ok) console.log(`${label}: ok (allowed; resized 0.5 → ${out.resized[2]}; blocked ${out.blocked}, an instance of the bot's ccxt.InvalidOrder; one ccxt installed)`);
      else {
        failures.push(label);
        console.log(`${label}: FAILED\n  npm ls ccxt (${copies.length} copies): ${ls.out.trim()}\n  smoke (exit ${smoke.code}): ${smoke.out.trim()}`);
      }
      if (deep && kind === 'module' && install.code === 0) {
        const files = [
          'test/hook/wrap.test.ts', 'test/hook/coverage.test.ts', 'test/hook/lifecycle.test.ts', 'test/hook/concurrency.test.ts', 'test/hook/races.test.ts',
          'test/sim', 'test/adapters/binance.test.ts', 'test/adapters/bingx.test.ts', 'test/adapters/bitget.test.ts', 'test/adapters/bybit.test.ts',
          'test/adapters/deribit.test.ts', 'test/adapters/equivalence.test.ts', 'test/adapters/faults.test.ts', 'test/adapters/gate.test.ts',
          'test/adapters/generic.test.ts', 'test/adapters/htx.test.ts', 'test/adapters/hyperliquid.test.ts', 'test/adapters/krakenfutures.test.ts',
          'test/adapters/kucoinfutures.test.ts', 'test/adapters/mexc.test.ts', 'test/adapters/multi-venue.test.ts', 'test/adapters/okx.test.ts',
          'test/adapters/refresh.test.ts', 'test/adapters/spot.test.ts', 'test/guard/data-consistency.test.ts', 'test/book/valuation.test.ts',
          'test/book/market.test.ts', 'test/snapshot/contradictions.test.ts', 'test/package/second-ccxt.test.ts',
        ];
        const report = join(work, `${version}-deep.json`);
        run(npm, ['exec', '--', 'vitest', 'run', '--config', join(root, 'scripts/vitest.ccxt-alias.mjs'), '--reporter=json', `--outputFile.json=${report}`, ...files], root,
          { RISK_GUARD_CCXT_DIR: join(dir, 'node_modules/ccxt') });
        let r;
        try {
          r = JSON.parse(readFileSync(report, 'utf8'));
        } catch {
          failures.push(`${label}: the repository's tests did not run`);
          console.log(`ccxt ${version}, repository tests: did not run`);
          continue;
        }
        const failed = r.testResults.flatMap((f) => (f.status === 'failed' && f.assertionResults.every((a) => a.status !== 'failed')
          ? [`${f.name.replace(`${root}/`, '')}: ${String(f.message).slice(0, 200)}`]
          : f.assertionResults.filter((a) => a.status === 'failed').map((a) => `${f.name.replace(`${root}/`, '')} > ${a.title}`)));
        console.log(`ccxt ${version}, repository tests with ccxt resolved to it: ${r.numPassedTests} passed, ${failed.length} failed`);
        for (const f of failed) console.log(`  ✗ ${f}`);
        if (failed.length) failures.push(`ccxt ${version}: repository tests`);
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(failures.length ? `FAILED: ${failures.join('; ')}` : `ccxt ${versions.join(' and ')}: every check passed`);
process.exit(failures.length ? 1 : 0);
