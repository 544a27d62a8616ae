import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CcxtAdapter } from '../../adapters/index.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { binanceFuturesVenue, fx, makeExchange, resetNock } from './helpers.js';

beforeEach(() => resetNock());
afterEach(() => {
  vi.useRealTimers();
  resetNock();
});

const T0 = 1_722_161_166_529;
const usdm = () => makeExchange('binanceusdm', { options: { fetchCurrencies: false } });
const ACCOUNT_READ = ['/fapi/v3/positionRisk', '/fapi/v3/account', '/fapi/v1/openOrders', '/fapi/v1/premiumIndex'];
const openBtc = { symbol: 'BTC/USDT:USDT', side: 'buy', type: 'limit', amount: '0.01', price: '60000' } as const;

describe('refresh policy and request counting', () => {
  it('a check on fresh data makes zero requests; stale data is refreshed first with exactly one account read', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    let now = T0;
    const clock = () => now;
    const guard = await RiskGuard.create({
      config: { freshness: { maxAgeMs: 5000 } },
      sources: [new CcxtAdapter(usdm(), { clock })],
      clock,
    });
    expect(venue.count()).toBe(5); // exchangeInfo + the four account reads
    const afterCreate = venue.count();

    // fresh: 1 ms, then exactly maxAgeMs later (inclusive) — no request at all
    for (const dt of [1, 2500, 5000]) {
      now = T0 + dt;
      const d = await guard.check(openBtc);
      expect(d.action).toBe('allow');
      guard.release(d.id);
    }
    guard.preview(openBtc);
    guard.exposure();
    expect(venue.count()).toBe(afterCreate);

    // stale by 1 ms: the check reads the account once (no markets), then decides on fresh data
    now = T0 + 5001;
    const d = await guard.check(openBtc);
    expect(d.action).toBe('allow');
    expect(venue.requests.slice(afterCreate).map((r) => r.path).sort()).toEqual([...ACCOUNT_READ].sort());
    // and it is fresh again
    now = T0 + 5002;
    await guard.check(openBtc);
    expect(venue.count()).toBe(afterCreate + 4);
    await guard.close();
  });

  it('with onStale "block", stale data blocks opening orders and makes no request', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    let now = T0;
    const clock = () => now;
    const guard = await RiskGuard.create({ config: { freshness: { maxAgeMs: 1000, onStale: 'block' } }, sources: [new CcxtAdapter(usdm(), { clock })], clock });
    const n = venue.count();
    now = T0 + 1001;
    const d = await guard.check(openBtc);
    expect([d.action, d.reasons[0]?.code]).toEqual(['block', 'STALE_DATA']);
    expect(venue.count()).toBe(n);
    await guard.close();
  });

  it('markets are reloaded after marketsRefreshMs, not before', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    let now = T0;
    const adapter = new CcxtAdapter(usdm(), { clock: () => now, marketsRefreshMs: 3_600_000 });
    await adapter.fetchSnapshot();
    now = T0 + 3_599_999;
    await adapter.fetchSnapshot();
    expect(venue.count('/fapi/v1/exchangeInfo')).toBe(1);
    now = T0 + 3_600_000;
    const snap = await adapter.fetchSnapshot();
    expect(venue.count('/fapi/v1/exchangeInfo')).toBe(2);
    expect(snap.timestamp).toBe(T0 + 3_600_000); // stamped when the read went out
  });

  it('a failed markets reload keeps the markets it has and tries again on the next read', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    let now = T0;
    const adapter = new CcxtAdapter(usdm(), { clock: () => now, marketsRefreshMs: 1000 });
    await adapter.fetchSnapshot();
    now += 1000;
    venue.fault = (req) => (req.path === '/fapi/v1/exchangeInfo' ? { status: 503, text: 'Service Unavailable' } : undefined);
    const snap = await adapter.fetchSnapshot();
    expect(snap.positions).toHaveLength(2);
    expect(adapter.lastMarketsError?.kind).toBe('unavailable');
    venue.fault = null;
    await adapter.fetchSnapshot();
    expect(adapter.lastMarketsError).toBeNull();
    expect(venue.count('/fapi/v1/exchangeInfo')).toBe(3);
  });

  it('refreshes on config.refreshIntervalMs in the background', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    const guard = await RiskGuard.create({ config: { refreshIntervalMs: 2000 }, sources: [new CcxtAdapter(usdm())] });
    const n = venue.count();
    const refreshed = () => new Promise<void>((resolve) => guard.once('refresh', () => resolve()));
    let next = refreshed();
    vi.advanceTimersByTime(2000);
    await next;
    expect(venue.count()).toBe(n + 4);
    next = refreshed();
    vi.advanceTimersByTime(2000);
    await next;
    expect(venue.count()).toBe(n + 8);
    expect(venue.count('/fapi/v1/exchangeInfo')).toBe(1);
    await guard.close();
    vi.advanceTimersByTime(10_000); // closed: the interval is gone
    expect(venue.count()).toBe(n + 8);
  });
});
