/**
 * The command line as a user meets it (the built binary): exit codes as documented, the
 * version, messages in the CLI's words that name the file at fault and stay on one line,
 * failures found before the account is read, and `risk-guard sim`, whose printed lines
 * work exactly as written.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimExchange, type SimExchange } from '../../src/sim/index.js';
import { BTC, linearBook, position } from '../helpers/snapshots.js';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'dist/src/cli/main.js');
const VERSION = (JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let dir: string;
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};
const KEYS = { RISK_GUARD_API_KEY: 'any', RISK_GUARD_SECRET: 'any' };

let sim: SimExchange;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rg-cli2-'));
  sim = await startSimExchange({ seed: 3 });
});
afterAll(async () => {
  await sim.close();
});

describe('exit codes', () => {
  it('usage errors exit 2: no command, an unknown command, an unknown or a missing option', async () => {
    for (const args of [[], ['nope'], ['--nope'], ['simulate'], ['report', '--exchange'], ['validate-config']]) {
      const r = await cli(args);
      expect(r.code, `risk-guard ${args.join(' ')}`).toBe(2);
      expect(r.stderr).toMatch(/Usage: risk-guard/);
    }
  });

  it('--version prints the version and exits 0; --help exits 0', async () => {
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    expect((await cli(['--help'])).code).toBe(0);
  });

  it('an invalid config exits 1 from validate-config, in the CLI\'s words; a config that is null is invalid', async () => {
    const nul = file('null.json', 'null');
    const r = await cli(['validate-config', nul]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the config file ${nul} is invalid (1 problem); fix it and run the command again`);
    expect(r.stderr).not.toContain('create the guard');
    const bad = file('bad.json', { limits: { maxLeverage: 'two', maxDrawdownPct: { value: 150 } } });
    const r2 = await cli(['validate-config', bad]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('limits.maxLeverage');
  });
});

describe('messages name what is at fault, on one line', () => {
  it('a bad snapshot names its file; a bad config names its file', async () => {
    const orders = file('o.json', []);
    const config = file('c.json', {});
    const snap = file('s.json', { ...linearBook([position(BTC, 'long', 0.1)]), balance: [] });
    const r = await cli(['simulate', '--snapshot', snap, '--config', config, '--orders', orders]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the snapshot file ${snap} is unusable: balance must be a ccxt Balance object`);
    const badConfig = file('c2.json', { limits: { maxLeverag: 3 } });
    const good = file('s2.json', linearBook([position(BTC, 'long', 0.1)]));
    const r2 = await cli(['simulate', '--snapshot', good, '--config', badConfig, '--orders', orders]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`the config file ${badConfig} is invalid`);
  });

  it('an identifier with a line break stays on one line', async () => {
    const r = await cli(['report', '--exchange', 'binance\nusdm'], KEYS);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('unknown exchange "binance\\nusdm"');
  });
});

describe('failures found before the account is read', () => {
  it('--out into a missing folder fails before any request', async () => {
    const before = sim.requests?.length;
    const out = join(dir, 'missing', 'account.json');
    const r = await cli(['snapshot', '--exchange', 'binanceusdm', '--url', sim.url, '--out', out], KEYS);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${out}: the folder ${join(dir, 'missing')} does not exist`);
    if (before !== undefined) expect(sim.requests!.length).toBe(before);
    const demo = await cli(['demo', '--steps', '5', '--out', out, '--no-progress']);
    expect(demo.code).toBe(2);
    expect(demo.stderr).toContain('does not exist');
  });

  it('--symbols naming a market the exchange does not list is an error', async () => {
    const r = await cli(['snapshot', '--exchange', 'binanceusdm', '--url', sim.url, '--symbols', 'BTC/USDT:USDT,NOPE/USDT:USDT'], KEYS);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--symbols: NOPE/USDT:USDT is not a market of binanceusdm');
  });
});

describe('risk-guard sim', () => {
  it('prints its URL and the lines to paste; they work exactly as written; Ctrl-C stops it cleanly', async () => {
    const child = spawn(process.execPath, [BIN, 'sim', '--seed', '5', '--balance', 'USDT=25000', '--tick-ms', '0'], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      child.stdout.on('data', () => { if (out.includes('Ctrl-C stops it')) { clearTimeout(t); resolve(); } });
    });
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    expect(out).toContain('balances: 25000 USDT; seed 5; prices stand still');
    const exportLine = out.split('\n').find((l) => l.trim().startsWith('export '))!.trim();
    expect(exportLine).toBe('export RISK_GUARD_API_KEY=any RISK_GUARD_SECRET=any');
    const reportLine = out.split('\n').find((l) => l.includes('risk-guard report'))!.trim();
    expect(reportLine).toBe(`npx risk-guard report --exchange binanceusdm --url ${url}`);
    // the report line as printed (npx risk-guard → the binary), with the exported keys
    const args = reportLine.split(' ').slice(2);
    const r = await cli(args, KEYS);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/equity\s+25000/);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('simulated exchange stopped');
  });

  it('a bad option is a usage error', async () => {
    const r = await cli(['sim', '--balance', 'USDT:100']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--balance must look like USDT=10000');
  });
});
