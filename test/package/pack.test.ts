/**
 * Issue 12, items 1, 2, 3 and 6, as a user gets them: risk-guard is packed (scripts/pack.mjs:
 * built from the sources in a staging folder, `npm pack`), then installed from the tarball
 * into a fresh CommonJS project (`npm init -y`) and a fresh ES module project, each with
 * ccxt beside it, from the local npm cache (`npm install --prefer-offline`). In each: the
 * README's embedding snippet runs (on the simulated exchange instead of real keys), the
 * same snippet type-checks under `strict` against the installed types, one ccxt is
 * installed, installing ran no build, and the CLI works.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimExchange, type SimExchange } from '../../src/sim/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(ROOT, 'test/package/fixtures');
const require = createRequire(import.meta.url);
const versionOf = (dir: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', dir, 'package.json'), 'utf8')) as { version: string }).version;
/**
 * The ccxt a bot installs beside risk-guard, from the npm cache: the version the repository
 * develops with (its devDependency), and in the CommonJS project the other version the
 * repository has (`ccxt-alt`), so "one ccxt" also holds for a bot whose ccxt is not the one
 * risk-guard was developed with.
 */
const CCXT = { module: versionOf('ccxt'), commonjs: versionOf('ccxt-alt') };
const TSC = require.resolve('typescript/bin/tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const LONG = 600_000;

interface Run { code: number; out: string }
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
const execFileAsync = promisify(execFile);
/** For commands that talk to the simulator served by this process: the event loop must keep running. */
async function runAsync(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  try {
    const r = await execFileAsync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, out: `${r.stdout}${r.stderr}` };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p, base) : [relative(base, p).split('\\').join('/')];
  });
}

let work: string;
let tarball: string;
let packed: string[];
let extracted: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'risk-guard-package-test-'));
  const r = run(process.execPath, [join(ROOT, 'scripts/pack.mjs'), '--out', work], ROOT);
  expect(r.code, r.out).toBe(0);
  const info = JSON.parse(r.out.trim().split('\n').pop()!) as { tarball: string; files: string[] };
  tarball = info.tarball;
  packed = info.files;
  extracted = join(work, 'extracted');
  mkdirSync(extracted);
  const x = run('tar', ['-xzf', tarball, '-C', extracted], work);
  expect(x.code, x.out).toBe(0);
}, LONG);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const file = (p: string) => join(extracted, 'package', p);
const manifest = () => JSON.parse(readFileSync(file('package.json'), 'utf8')) as Record<string, any>;

describe('the packed tarball', () => {
  it('ships the ESM and the CommonJS builds of every entry point, with their types, the CLI, README and LICENSE; no tests, no benchmarks', () => {
    const m = manifest();
    const targets: string[] = [];
    for (const [entry, conditions] of Object.entries(m['exports'] as Record<string, unknown>)) {
      if (typeof conditions === 'string') {
        targets.push(conditions);
        continue;
      }
      expect(Object.keys(conditions as object), entry).toEqual(['import', 'require']);
      for (const c of Object.values(conditions as Record<string, Record<string, string>>)) {
        expect(Object.keys(c), entry).toEqual(['types', 'default']); // types first, as TypeScript requires
        targets.push(c['types']!, c['default']!);
      }
    }
    expect(Object.keys(m['exports'])).toEqual(['.', './sim', './package.json']);
    targets.push(m['main'], m['types'], m['bin']['risk-guard']);
    for (const t of targets) expect(packed, t).toContain(posix.normalize(t));
    expect(JSON.parse(readFileSync(file('dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect(packed).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    expect(packed.filter((f) => /^(test|bench|dist\/bench|dist\/test|dist\/strategies-example|node_modules|scripts)\//.test(f) || f.endsWith('.tgz'))).toEqual([]);
  });

  it('LICENSE is MIT, risk-guard contributors, 2026; the manifest names the license and the repository', () => {
    const license = readFileSync(file('LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    expect(license).toContain('Copyright (c) 2026 risk-guard contributors');
    const m = manifest();
    expect(m['license']).toBe('MIT');
    expect(m['repository']).toEqual({ type: 'git', url: 'git+https://github.com/risk-guard/risk-guard.git' });
  });

  it('ccxt is a peer dependency (the bot\'s own copy), never a dependency; nothing runs at install', () => {
    const m = manifest();
    expect(m['dependencies']['ccxt']).toBeUndefined();
    expect(m['peerDependencies']).toEqual({ ccxt: expect.stringMatching(/^>=4\.5\.\d+ <4\.6\.0$/) });
    // npm counts a tarball's `prepare` as an install script: the packed manifest has none of them
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare', 'prepublishOnly']) expect(m['scripts']?.[s], s).toBeUndefined();
  });

  it('every source map points at a source the tarball ships', () => {
    const maps = packed.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(100);
    const missing: string[] = [];
    for (const mapPath of maps) {
      const map = JSON.parse(readFileSync(file(mapPath), 'utf8')) as { sources: string[]; sourceRoot?: string };
      for (const s of map.sources) {
        const target = posix.normalize(posix.join(posix.dirname(mapPath), map.sourceRoot ?? '', s));
        if (!packed.includes(target)) missing.push(`${mapPath} → ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('README links resolve on the npm page: absolute, an anchor, or a file the tarball ships', () => {
    const readme = readFileSync(file('README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    const broken = links.filter((l) => !/^(https?:|mailto:|#)/.test(l) && !packed.includes(posix.normalize(l.split('#')[0]!)));
    expect(broken).toEqual([]);
    expect(links.filter((l) => l.includes('github.com/risk-guard/risk-guard')).length).toBeGreaterThan(3);
  });

  it('`npm pack --dry-run` in the working tree lists the same files', () => {
    const r = run(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT);
    expect(r.code, r.out).toBe(0);
    const listed = (JSON.parse(r.out.slice(r.out.indexOf('['))) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    // the working tree's dist/ is whatever was last built there; the package's sources and top-level files must match
    const outsideDist = (l: string[]) => l.filter((f) => !f.startsWith('dist/')).sort();
    expect(outsideDist(listed)).toEqual(outsideDist(packed));
  });
});

for (const kind of ['commonjs', 'module'] as const) {
  describe(`installed from the tarball into a fresh ${kind === 'commonjs' ? 'CommonJS (npm init -y)' : 'ES module'} project, with ccxt ${CCXT[kind]} beside it`, () => {
    let dir: string;
    let install: Run;
    let sim: SimExchange | undefined;

    beforeAll(() => {
      dir = join(work, kind);
      mkdirSync(dir);
      expect(run(NPM, ['init', '-y'], dir).code).toBe(0);
      if (kind === 'module') {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, type: 'module' }, null, 2));
      }
      install = run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts', tarball, `ccxt@${CCXT[kind]}`], dir);
      expect(install.code, install.out).toBe(0);
    }, LONG);

    afterAll(async () => {
      await sim?.close();
    });

    it('installing ran no build and left no install script of risk-guard pending; the installed files are the tarball\'s', () => {
      expect(install.out).not.toMatch(/risk-guard@[\w.-]+ (prepare|build|preinstall|install|postinstall)\b/);
      expect(install.out).not.toMatch(/risk-guard@[\w.-]+ \((prepare|preinstall|install|postinstall):/);
      expect(filesUnder(join(dir, 'node_modules/risk-guard')).sort()).toEqual([...packed].sort());
    });

    it('one ccxt: `npm ls ccxt` shows the bot\'s, and risk-guard uses it (deduped)', () => {
      const ls = run(NPM, ['ls', 'ccxt', '--all', '--parseable'], dir);
      expect(ls.code, ls.out).toBe(0);
      expect([...new Set(ls.out.trim().split('\n').filter(Boolean))]).toEqual([join(dir, 'node_modules/ccxt')]);
      const tree = run(NPM, ['ls', 'ccxt', '--all'], dir).out;
      expect(tree).toContain(`ccxt@${CCXT[kind]} deduped`);
      expect(filesUnder(join(dir, 'node_modules')).filter((f) => f.endsWith('/package.json') && /(^|\/)ccxt\/package\.json$/.test(f))).toEqual(['ccxt/package.json']);
    });

    it('the README embedding snippet runs: allowed, resized with order.riskGuard, blocked with a RiskGuardRejection that is the bot\'s ccxt.InvalidOrder', () => {
      copyFileSync(join(FIXTURES, kind === 'commonjs' ? 'embed.cjs' : 'embed.mjs'), join(dir, 'index.js'));
      const r = run(process.execPath, ['index.js'], dir);
      expect(r.code, r.out).toBe(0);
      const out = JSON.parse(r.out.trim().split('\n').pop()!);
      expect(out).toMatchObject({
        module: kind === 'commonjs' ? 'cjs' : 'esm',
        allowed: ['allow', 'closed'],
        resized: ['resize', '0.5', '0.083', '0.083'],
        blocked: 'PRICE_BAND',
        invalidOrder: true,
        exchangeError: true,
      });
      // each module system loads its own build
      expect(out.riskGuard).toContain(kind === 'commonjs' ? 'node_modules/risk-guard/dist/cjs/src/index.js' : 'node_modules/risk-guard/dist/src/index.js');
      expect(out.sim).toContain(kind === 'commonjs' ? 'node_modules/risk-guard/dist/cjs/src/sim/index.js' : 'node_modules/risk-guard/dist/src/sim/index.js');
    });

    it('the snippet type-checks under strict against the installed types (order.riskGuard exists, a misspelt limit does not compile)', () => {
      copyFileSync(join(FIXTURES, 'embed-types.ts.txt'), join(dir, 'bot.ts'));
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: {
          strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true,
          // risk-guard's declarations are checked too; ccxt's own have an error of their own (throttle.d.ts: Num), left out below
          skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['bot.ts'],
      }));
      const r = run(process.execPath, [TSC, '-p', '.', '--listFiles'], dir);
      const errors = r.out.split('\n').filter((l) => /error TS\d+/.test(l) && !l.startsWith('node_modules/ccxt/'));
      expect(errors).toEqual([]);
      // the `require` types for CommonJS, the `import` types for ESM
      const build = kind === 'commonjs' ? 'dist/cjs/src' : 'dist/src';
      expect(r.out).toContain(join(dir, `node_modules/risk-guard/${build}/index.d.ts`));
      expect(r.out).toContain(join(dir, `node_modules/risk-guard/${build}/sim/index.d.ts`));
      if (kind === 'commonjs') {
        // an older CommonJS setup (moduleResolution node10 reads no `exports`): `types` and `typesVersions` lead to the same declarations
        writeFileSync(join(dir, 'tsconfig.node10.json'), JSON.stringify({
          compilerOptions: {
            strict: true, module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true, target: 'es2022', noEmit: true,
            skipLibCheck: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
          },
          files: ['bot.ts'],
        }));
        const old = run(process.execPath, [TSC, '-p', 'tsconfig.node10.json', '--listFiles'], dir);
        expect(old.out.split('\n').filter((l) => /error TS\d+/.test(l))).toEqual([]);
        expect(old.out).toContain(join(dir, 'node_modules/risk-guard/dist/cjs/src/index.d.ts'));
        expect(old.out).toContain(join(dir, 'node_modules/risk-guard/dist/cjs/src/sim/index.d.ts'));
      }
    }, 180_000);

    it('the CLI works: validate-config; snapshot writes precisionMode as a name ("TICK_SIZE"); simulate reads it, and ccxt\'s number too', async () => {
      const bin = join(dir, 'node_modules/.bin/risk-guard');
      writeFileSync(join(dir, 'c.json'), JSON.stringify({ limits: { maxNetExposure: { value: '5000' } } }));
      const valid = run(bin, ['validate-config', 'c.json'], dir);
      expect(valid.code, valid.out).toBe(0);
      expect(valid.out).toMatch(/valid/);

      sim = await startSimExchange({ seed: 1, balances: { USDT: '10000' }, instruments: [{ symbol: 'BTCUSDT', price: '50000' }] });
      const snap = await runAsync(bin, ['snapshot', '--exchange', 'binanceusdm', '--url', sim.url, '--out', 'snap.json'], dir, { RISK_GUARD_API_KEY: 'k', RISK_GUARD_SECRET: 's' });
      expect(snap.code, snap.out).toBe(0);
      const written = readFileSync(join(dir, 'snap.json'), 'utf8');
      expect(JSON.parse(written).precisionMode).toBe('TICK_SIZE');
      expect(written).not.toMatch(/"precisionMode": 4/);

      writeFileSync(join(dir, 'o.json'), JSON.stringify([{ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.2' }]));
      const simulate = (snapshot: string) => run(bin, ['simulate', '--snapshot', snapshot, '--config', 'c.json', '--orders', 'o.json', '--json'], dir);
      const byName = simulate('snap.json');
      expect(byName.code, byName.out).toBe(0);
      // 5000 / 50000 = 0.1 BTC, on the market's 0.001 lot
      expect(JSON.parse(byName.out)[0]).toMatchObject({ action: 'resize', approved: '0.1' });
      writeFileSync(join(dir, 'snap4.json'), written.replace('"precisionMode": "TICK_SIZE"', '"precisionMode": 4'));
      const byNumber = simulate('snap4.json');
      expect(byNumber.code, byNumber.out).toBe(0);
      expect(JSON.parse(byNumber.out)[0]).toMatchObject({ action: 'resize', approved: '0.1' });
    }, 120_000);
  });
}
