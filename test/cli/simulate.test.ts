import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { BTC, buy, linearBook, openOrder, position, sell } from '../helpers/snapshots.js';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'dist/src/cli/main.js');

/** Runs the built binary the way `npx risk-guard` does; resolves with exit code, stdout and stderr. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
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

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rg-cli-'));
});

describe('risk-guard simulate (the real binary)', () => {
  it('prints one Decision per order; approved orders stay pending for later ones', async () => {
    const s = file('s.json', linearBook([position(BTC, 'long', 0.1)], { openOrders: [openOrder(BTC, 'sell', '0.05', 52000, { reduceOnly: true })] }));
    const c = file('c.json', { limits: { maxNetExposure: { value: '8000' } } });
    const o = file('o.json', [buy(BTC, '0.2', '50000'), buy(BTC, '0.01'), sell(BTC, '0.5'), { symbol: 'NOPE', side: 'buy', type: 'market', amount: 1 }]);
    const r = await cli(['simulate', '--snapshot', s, '--config', c, '--orders', o, '--json']);
    expect(r.code).toBe(0);
    const decisions = JSON.parse(r.stdout);
    expect(decisions.map((d: { action: string; approved: string }) => `${d.action}:${d.approved}`)).toEqual([
      'resize:0.06', // 5000 + 50000q ≤ 8000
      'block:0', // the 0.06 stays pending
      'resize:0.21', // worst case: the reduce-only 0.05 fills, 0.05 more reduces, then 0.16 short = −8000
      'block:0',
    ]);
    expect(decisions[0].reasons[0]).toEqual({ code: 'NET_EXPOSURE', limit: 'maxNetExposure', scope: 'account', threshold: '8000', before: '5000', after: '8000', unclipped: '15000', message: 'net exposure would be 15000 USDT, limit 8000' });
    expect(decisions[3].reasons[0].code).toBe('UNKNOWN_SYMBOL');
  });

  it('judges staleness at the snapshot time, however old the snapshot is', async () => {
    const s = file('old.json', { ...linearBook(), timestamp: 1_000_000_000_000 });
    const c = file('c2.json', { freshness: { maxAgeMs: 1000, onStale: 'block' } });
    const o = file('o2.json', [buy(BTC, '0.01')]);
    const r = await cli(['simulate', '--snapshot', s, '--config', c, '--orders', o, '--json']);
    expect(JSON.parse(r.stdout)[0].action).toBe('allow');
  });

  it('prints a readable table without --json', async () => {
    const s = file('s3.json', linearBook([position(BTC, 'long', 0.1)]));
    const c = file('c3.json', { limits: { maxNetExposure: { value: 8000 } } });
    const o = file('o3.json', [buy(BTC, '0.2'), buy(BTC, '0.01')]);
    const r = await cli(['simulate', '--snapshot', s, '--config', c, '--orders', o]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/RESIZE\s+NET_EXPOSURE\s+net exposure would be 15000 USDT, limit 8000/);
    expect(r.stdout).toMatch(/2 orders: 0 allowed, 1 resized, 1 blocked/);
  });

  it('a bad config lists every problem and exits 2', async () => {
    const s = file('s4.json', linearBook());
    const c = file('c4.json', { limits: { maxLeverage: 'two', maxNet: 1 } });
    const o = file('o4.json', []);
    const r = await cli(['simulate', '--snapshot', s, '--config', c, '--orders', o]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/limits\.maxLeverage/);
    expect(r.stderr).toMatch(/Unrecognized key: "maxNet"/);
  });

  it('missing files and bad JSON are clear errors', async () => {
    const r = await cli(['simulate', '--snapshot', join(dir, 'missing.json'), '--config', join(dir, 'c.json'), '--orders', join(dir, 'o.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read the snapshot file .*missing\.json: ENOENT/);
    const bad = file('bad.json', '{ nope');
    const r2 = await cli(['simulate', '--snapshot', bad, '--config', join(dir, 'c.json'), '--orders', join(dir, 'o.json')]);
    expect(r2.stderr).toMatch(/is not valid JSON/);
    const notArray = file('na.json', { symbol: BTC });
    const r3 = await cli(['simulate', '--snapshot', join(dir, 's.json'), '--config', join(dir, 'c.json'), '--orders', notArray]);
    expect(r3.stderr).toMatch(/must hold a JSON array/);
  });
});

describe('risk-guard validate-config and schema', () => {
  it('accepts a valid config', async () => {
    const c = file('ok.json', { mode: 'dryRun', limits: { maxNetExposure: { pctOfEquity: 80 }, maxLeverage: 3 } });
    const r = await cli(['validate-config', c]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid \(2 limits configured, mode dryRun, onBreach resize\)/);
  });
  it('rejects an invalid one with every problem, exit 1', async () => {
    const c = file('ko.json', { onBreach: 'explode', limits: { maxGrossExposure: { value: -1 }, orderRate: { max: 0, perMs: 10 } } });
    const r = await cli(['validate-config', c]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/onBreach/);
    expect(r.stderr).toMatch(/limits\.maxGrossExposure/);
    expect(r.stderr).toMatch(/limits\.orderRate\.max/);
  });
  it('prints the JSON Schema', async () => {
    const r = await cli(['schema']);
    const schema = JSON.parse(r.stdout);
    expect(schema.properties.limits.properties.maxNetExposure).toBeDefined();
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('the README example', () => {
  it('runs on the embedded example files', async () => {
    const r = await cli(['simulate', '--snapshot', 'examples/snapshot.json', '--config', 'examples/config.json', '--orders', 'examples/orders.json', '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as Array<{ action: string; approved: string; reasons: Array<{ code: string }> }>;
    // BTC +0.06 to the net limit; ETH short capped by order notional 6000/2500; a price 20% off the mark; a 100 BTC fat finger
    expect(d.map((x) => `${x.action}:${x.approved}:${x.reasons[0]?.code ?? ''}`)).toEqual([
      'resize:0.06:NET_EXPOSURE', 'resize:2.4:ORDER_NOTIONAL', 'block:0:PRICE_BAND', 'resize:0.09:NET_EXPOSURE',
    ]);
  });
});
