import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY, PASSWORD, SECRET, fx } from './helpers.js';

/**
 * `risk-guard snapshot` and `risk-guard report` through the built binary, against a
 * tiny loopback HTTP stub serving the exchanges' raw payloads (nock cannot reach
 * another process), selected with --url.
 */

const run = promisify(execFile);
const BIN = join(process.cwd(), 'dist/src/cli/main.js');

async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', RISK_GUARD_API_KEY: KEY, RISK_GUARD_SECRET: SECRET, RISK_GUARD_PASSWORD: PASSWORD };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...base, ...env } as NodeJS.ProcessEnv });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

interface Stub { url: string; requests: string[]; headers: Record<string, string | string[] | undefined>[]; close(): Promise<void> }

/** Serves `routes[path]` as JSON; answers 401 in the exchange's format when the key header is not the test key. */
async function stub(routes: Record<string, unknown>, auth: (h: IncomingMessage['headers']) => boolean, unauthorized: unknown): Promise<Stub> {
  const requests: string[] = [];
  const headers: Record<string, string | string[] | undefined>[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${req.method} ${u.pathname}`);
    headers.push(req.headers);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify(body));
    };
    const body = routes[u.pathname];
    if (body === undefined) return send(404, { code: -1121, msg: `not served: ${u.pathname}` });
    const isPublic = u.pathname.includes('exchangeInfo') || u.pathname.includes('premiumIndex') || u.pathname.includes('/public/');
    if (!isPublic && !auth(req.headers)) return send(401, unauthorized);
    return send(200, typeof body === 'function' ? (body as (q: URLSearchParams) => unknown)(u.searchParams) : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    headers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let dir: string;
let binance: Stub;
let okx: Stub;

beforeAll(async () => {
  if (!existsSync(join(process.cwd(), 'dist/src/cli/commands/report.js'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  }
  dir = mkdtempSync(join(tmpdir(), 'rg-adapter-cli-'));
  const b = fx('binanceusdm/one-way.json');
  binance = await stub({
    '/fapi/v1/exchangeInfo': fx('binanceusdm/exchangeInfo.json'),
    '/fapi/v3/positionRisk': b.positionRisk,
    '/fapi/v3/account': b.account,
    '/fapi/v1/openOrders': b.openOrders,
    '/fapi/v1/premiumIndex': b.premiumIndex,
  }, (h) => h['x-mbx-apikey'] === KEY, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
  const o = fx('okx/net.json');
  okx = await stub({
    '/api/v5/public/instruments': (q: URLSearchParams) => (['SPOT', 'SWAP'].includes(q.get('instType') ?? '') ? fx(`okx/instruments-${q.get('instType')}.json`) : { code: '0', msg: '', data: [] }),
    '/api/v5/account/positions': o.positions,
    '/api/v5/account/balance': o.balance,
    '/api/v5/trade/orders-pending': o.orders,
    '/api/v5/public/mark-price': o.markPrices,
  }, (h) => h['ok-access-key'] === KEY && h['ok-access-passphrase'] === PASSWORD, { code: '50113', msg: 'Invalid Sign', data: [] });
}, 120_000);

afterAll(async () => {
  await binance?.close();
  await okx?.close();
});

const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};

describe('risk-guard snapshot', () => {
  it('writes the AccountSnapshot of the account, which `simulate` then reads', async () => {
    const out = join(dir, 'account.json');
    const r = await cli(['snapshot', '--exchange', 'binanceusdm', '--url', binance.url, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/account\.json: binanceusdm at .*Z: 2 positions, 2 open orders, 1 balances, 3 markets/);
    const snap = JSON.parse(readFileSync(out, 'utf8'));
    expect(snap).toMatchObject({ exchange: 'binanceusdm', account: 'binanceusdm', precisionMode: 'TICK_SIZE', balance: { USDT: { total: '20000' } } });
    expect(snap.positions.map((p: any) => [p.symbol, p.side, p.contracts])).toEqual([['BTC/USDT:USDT', 'long', '0.5'], ['ETH/USDT:USDT', 'short', '4']]);
    // only the exchange endpoints, all on the stub; no currencies, no leverage brackets
    expect([...binance.requests].sort()).toEqual(['GET /fapi/v1/exchangeInfo', 'GET /fapi/v1/openOrders', 'GET /fapi/v1/premiumIndex', 'GET /fapi/v3/account', 'GET /fapi/v3/positionRisk']);

    // the same snapshot, offline: buy 0.2 BTC against maxNetExposure 36000 with the pending 0.1 BTC buy:
    // worst case net 26250 + 60000 q ≤ 36000 → q ≤ 0.1625 → 0.162
    const sim = await cli(['simulate', '--snapshot', out, '--config', file('c.json', { limits: { maxNetExposure: { value: '36000' } } }),
      '--orders', file('o.json', [{ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.2' }]), '--json']);
    expect(sim.code).toBe(0);
    expect(JSON.parse(sim.stdout).map((d: any) => [d.action, d.approved])).toEqual([['resize', '0.162']]);
  });

  it('prints the snapshot to standard output without --out', async () => {
    const r = await cli(['snapshot', '--exchange', 'binanceusdm', '--url', binance.url, '--symbols', 'BTC/USDT:USDT']);
    expect(r.code).toBe(0);
    const snap = JSON.parse(r.stdout);
    expect(snap.markets.map((m: any) => m.symbol)).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT']); // traded + held
  });

  it('documents the credential variables and refuses to run without them', async () => {
    const help = await cli(['snapshot', '--help']);
    for (const v of ['RISK_GUARD_API_KEY', 'RISK_GUARD_SECRET', 'RISK_GUARD_PASSWORD']) expect(help.stdout).toContain(v);
    const r = await cli(['snapshot', '--exchange', 'binanceusdm', '--url', binance.url], { RISK_GUARD_API_KEY: undefined });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('set RISK_GUARD_API_KEY and RISK_GUARD_SECRET');
    const bad = await cli(['snapshot', '--exchange', 'nosuchexchange', '--url', binance.url]);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('unknown exchange "nosuchexchange"')]);
  });

  it('a rejected key exits 2 with a typed message and no credentials', async () => {
    const wrong = 'RGWRONGKEY-0123456789abcdef';
    const r = await cli(['snapshot', '--exchange', 'binanceusdm', '--url', binance.url], { RISK_GUARD_API_KEY: wrong });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^risk-guard: binanceusdm: auth: (positions|balance|open orders) failed: .*Invalid API-key/);
    for (const s of [wrong, SECRET]) expect(r.stderr + r.stdout).not.toContain(s);
    expect(r.stderr).not.toMatch(/signature=[0-9a-f]{16}/);
  });
});

describe('risk-guard report', () => {
  it('--json prints the ExposureReport with each configured limit\'s utilisation', async () => {
    const config = file('limits.json', { limits: { maxNetExposure: { value: '36000' }, maxAssetExposure: { BTC: '40000' } } });
    const r = await cli(['report', '--exchange', 'binanceusdm', '--url', binance.url, '--config', config, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    // as in the binance one-way test: BTC +30000, ETH −12000, equity 20000
    expect(report).toMatchObject({
      equity: '20000', net: '18000', gross: '42000', leverage: '2.1',
      assets: { BTC: '30000', ETH: '-12000' },
      positions: { 'BTC/USDT:USDT': '30000', 'ETH/USDT:USDT': '-12000' },
      limits: [
        { limit: 'maxNetExposure', threshold: '36000', value: '26250', utilisation: '0.729167' },
        { limit: 'maxAssetExposure', subject: 'BTC', threshold: '40000', value: '36000', utilisation: '0.9' },
      ],
    });
  });

  it('prints a readable report', async () => {
    const config = file('limits2.json', { limits: { maxGrossExposure: { value: '50000' } } });
    const r = await cli(['report', '--exchange', 'binanceusdm', '--url', binance.url, '--config', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^exposure as of .* \(USDT\)/);
    expect(r.stdout).toMatch(/equity\s+20000\nnet\s+18000\ngross\s+42000\nleverage\s+2\.1/);
    expect(r.stdout).toMatch(/BTC\s+30000\nETH\s+-12000/);
    expect(r.stdout).toMatch(/binanceusdm\s+ETH\/USDT:USDT\s+net\s+-4\s+-12000/);
    // gross in its worst case over any mix of fills: BTC max(36000, 30000) + ETH max(9750, 12000) = 48000 / 50000 = 96%
    expect(r.stdout).toMatch(/maxGrossExposure\s+50000\s+48000\s+96\.00%/);
    // what holds room: the account's two open orders, as the exchange lists them
    expect(r.stdout).toMatch(/pending \(holds room\)\s+side\s+amount\s+price\s+stage/);
    expect(r.stdout.match(/binanceusdm (BTC|ETH)\/USDT:USDT\s+(buy|sell)\s+[\d.]+\s+[\d.]+\s+open\s/g)).toHaveLength(2);
  });

  it('okx with a passphrase from RISK_GUARD_PASSWORD', async () => {
    const r = await cli(['report', '--exchange', 'okx', '--url', okx.url, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // as in the okx net-mode test: equity 8600, net −2800, gross 10000
    expect(JSON.parse(r.stdout)).toMatchObject({ equity: '8600', net: '-2800', gross: '10000', leverage: '1.1627907', assets: { BTC: '3200', ETH: '-6000' } });
    expect(okx.headers.some((h) => h['ok-access-passphrase'] === PASSWORD)).toBe(true);
  });
});
