import { describe, expect, it } from 'vitest';
import { BTC, failure, simWithCcxt, startSim } from './harness.js';

describe('sim: injected faults raise the ccxt errors the real exchange would cause', () => {
  it.each([
    ['http500', 'ExchangeNotAvailable'],
    ['http502', 'ExchangeNotAvailable'],
    ['http503', 'ExchangeNotAvailable'],
    ['http429', 'DDoSProtection'], // ccxt's binance maps HTTP 418/429 to DDoSProtection, not RateLimitExceeded
    ['http418', 'DDoSProtection'],
    ['auth', 'AuthenticationError'],
    ['disconnect', 'NetworkError'],
    ['timeout', 'RequestTimeout'],
  ] as const)('%s → %s, then the next request succeeds', async (kind, errorName) => {
    const { sim, ex } = await simWithCcxt({}, { timeout: 250 });
    await ex.loadMarkets();
    sim.injectFault({ path: '/fapi/v3/account', kind });
    expect((await failure(ex.fetchBalance())).name).toBe(errorName);
    expect(sim.pendingFaults()).toBe(0);
    expect((await ex.fetchBalance()).USDT.total).toBe(10000);
    const account = sim.requests.filter((r) => r.path === '/fapi/v3/account');
    expect(account.map((r) => r.fault)).toEqual([kind, undefined]);
  });

  it('the rate-limit error is a NetworkError like the others, so a retry policy can treat them alike', async () => {
    const { sim, ex } = await simWithCcxt();
    await ex.loadMarkets();
    sim.injectFault({ kind: 'http429' });
    const { error } = await failure(ex.fetchPositions());
    const ccxt = (await import('ccxt')).default;
    expect(error).toBeInstanceOf(ccxt.NetworkError);
    expect(error.message).toContain('-1003');
  });

  it('malformed bodies: ccxt does not raise for every method — it can return an empty structure', async () => {
    const { sim, ex } = await simWithCcxt();
    await ex.loadMarkets();
    sim.injectFault({ path: '/fapi/v3/account', kind: 'malformed' });
    const balance = await ex.fetchBalance();
    expect(balance.USDT).toBeUndefined(); // a silent failure a caller must catch by validating
    sim.injectFault({ path: '/fapi/v1/order', method: 'POST', kind: 'malformed' });
    await expect(ex.createOrder(BTC, 'market', 'buy', 0.01)).rejects.toThrow();
  });

  it('times, path patterns and methods select which requests fail', async () => {
    const { sim, ex } = await simWithCcxt();
    await ex.loadMarkets();
    sim.injectFault({ path: /^\/fapi\/v1\/(order|openOrders)$/, method: 'GET', kind: 'http500', times: 2 });
    const order = await ex.createOrder(BTC, 'limit', 'buy', 0.01, 59000); // POST: not matched
    expect((await failure(ex.fetchOpenOrders(BTC))).name).toBe('ExchangeNotAvailable');
    expect((await failure(ex.fetchOrder(order.id, BTC))).name).toBe('ExchangeNotAvailable');
    expect((await ex.fetchOrder(order.id, BTC)).status).toBe('open');
    sim.injectFault({ kind: 'http503', times: 5 });
    expect(sim.pendingFaults()).toBe(5);
    sim.clearFaults();
    expect(sim.pendingFaults()).toBe(0);
    expect(() => sim.injectFault({ kind: 'http500', times: 0 })).toThrow(/positive integer/);
  });

  it('a fault does not reach the engine: the failed order was never placed', async () => {
    const { sim, ex } = await simWithCcxt();
    await ex.loadMarkets();
    sim.injectFault({ path: '/fapi/v1/order', kind: 'http500' });
    await failure(ex.createOrder(BTC, 'market', 'buy', 0.01));
    expect(sim.state().orders).toEqual([]);
  });

  it('seeded latency delays answers without changing them', async () => {
    const { ex } = await simWithCcxt({ latencyMs: [2, 8] });
    const results = await Promise.all([ex.fetchBalance(), ex.fetchMarkPrices(), ex.fetchTime()]);
    expect(results[0].USDT.total).toBe(10000);
    expect(results[1][BTC].markPrice).toBe(60000);
  });

  it('signed endpoints require X-MBX-APIKEY (-2014), timestamp and signature (-1102); any values are accepted', async () => {
    const sim = await startSim();
    const get = (query: string, headers: Record<string, string> = {}) => fetch(`${sim.url}/fapi/v3/account${query}`, { headers });
    let res = await get('?timestamp=1&signature=abc');
    expect([res.status, ((await res.json()) as { code: number }).code]).toEqual([401, -2014]);
    res = await get('?signature=abc', { 'X-MBX-APIKEY': 'any' });
    expect(await res.json()).toMatchObject({ code: -1102, msg: expect.stringContaining("'timestamp'") });
    res = await get('?timestamp=1', { 'X-MBX-APIKEY': 'any' });
    expect(await res.json()).toMatchObject({ code: -1102, msg: expect.stringContaining("'signature'") });
    res = await get('?timestamp=1&signature=not-checked', { 'X-MBX-APIKEY': 'any' });
    expect(res.status).toBe(200);
    res = await fetch(`${sim.url}/fapi/v1/premiumIndex?symbol=BTCUSDT`); // public: no credentials
    expect(await res.json()).toMatchObject({ symbol: 'BTCUSDT', markPrice: '60000.00000000' });
  });
});
