import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { CcxtAdapter, MalformedPayloadError, moduleFor, overrideBaseUrl } from '../../adapters/index.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';

/**
 * The generic module (exchanges without a named module) over ccxt's unified
 * structures. The exchange here is a stand-in object answering with ccxt-shaped
 * results, to pin the normalization rules every exchange gets: signs from `side`,
 * magnitudes only, zero rows dropped, hedge rows kept apart, prices fetched for
 * what the account needs.
 */

const linear = (base: string) => ({
  id: `${base}USDT`, symbol: `${base}/USDT:USDT`, base, quote: 'USDT', settle: 'USDT', type: 'swap', spot: false, swap: true,
  contract: true, linear: true, inverse: false, contractSize: 1, precision: { amount: 0.001, price: 0.1 }, limits: { amount: { min: 0.001 }, cost: {} },
  taker: 0, maker: 0, active: true,
});
const spot = (base: string) => ({
  id: `${base}-USDT`, symbol: `${base}/USDT`, base, quote: 'USDT', type: 'spot', spot: true, contract: false,
  precision: { amount: 0.0001, price: 0.01 }, limits: { amount: {}, cost: {} }, taker: 0, maker: 0, active: true,
});

function fakeExchange(positions: any[]) {
  const markets: Record<string, any> = { 'BTC/USDT:USDT': linear('BTC'), 'ETH/USDT:USDT': linear('ETH'), 'BTC/USDT': spot('BTC'), 'ETH/USDT': spot('ETH') };
  const calls: string[] = [];
  const ex: any = {
    id: 'someexchange', precisionMode: 4, options: {},
    has: { fetchPositions: true, fetchOpenOrders: true, fetchMarkPrices: true, fetchTickers: true },
    markets: undefined,
    async loadMarkets() {
      calls.push('loadMarkets');
      ex.markets = markets;
      return markets;
    },
    async fetchPositions() { calls.push('fetchPositions'); return positions; },
    async fetchBalance() { calls.push('fetchBalance'); return { info: {}, total: { USDT: 10000.5, BTC: 0.1, DUST: 0 }, debt: { USDT: 0.5 } }; },
    async fetchOpenOrders() {
      calls.push('fetchOpenOrders');
      return [{ id: '1', symbol: 'ETH/USDT:USDT', side: 'sell', type: 'limit', amount: 0.3, filled: 0.1, remaining: 0.19999999999999998, price: 3100, status: 'open', info: {} }];
    },
    async fetchMarkPrices(symbols: string[]) {
      calls.push(`fetchMarkPrices ${symbols.join(',')}`);
      const px: Record<string, number> = { 'BTC/USDT:USDT': 60000, 'ETH/USDT:USDT': 3000 };
      return Object.fromEntries(symbols.map((s) => [s, { symbol: s, markPrice: px[s] }]));
    },
    async fetchTickers(symbols: string[]) {
      calls.push(`fetchTickers ${symbols.join(',')}`);
      return Object.fromEntries(symbols.map((s) => [s, { symbol: s, last: s === 'BTC/USDT' ? 60010 : 3001 }]));
    },
  };
  return { ex, calls };
}

describe('generic module (unified ccxt structures)', () => {
  it('trusts side and magnitudes, drops zero rows, keeps hedge rows apart and prices what the account needs', async () => {
    const { ex, calls } = fakeExchange([
      { symbol: 'BTC/USDT:USDT', side: 'long', contracts: 0.3, notional: -18000, hedged: true, info: { positionSide: 'LONG' } }, // notional sign is noise
      { symbol: 'BTC/USDT:USDT', side: 'short', contracts: -0.1, hedged: true, info: { positionSide: 'SHORT' } },                // contracts sign is noise
      { symbol: 'ETH/USDT:USDT', side: 'short', contracts: 2, markPrice: 2990, info: {} },
      { symbol: 'ETH/USDT:USDT', side: undefined, contracts: 0, info: {} },                                                      // closed row
    ]);
    const adapter = new CcxtAdapter(ex);
    expect(adapter.module.name).toBe('generic');
    const guard = await RiskGuard.create({ config: { allowUnverifiedExchange: true }, sources: [adapter] });
    // BTC long 0.3 · 60000 = 18000; BTC short 0.1 · 60000 = −6000 (no mark in the rows: fetched)
    // ETH short 2 · 2990 (the row's own mark: nothing else prices ETH on the first read) = −5980
    // balance: USDT 10000.5 − 0.5 debt = 10000; BTC 0.1 · 60010 (BTC/USDT last) = 6001 → equity 16001
    // BTC asset = 18000 − 6000 + 6001 = 18001; net = 18001 − 5980 = 12021; gross = 18000 + 6000 + 5980 + 6001 = 35981
    const r = guard.exposure();
    // an exchange without a verified module: the long's own notional confirms its unit; the rows that state none cannot be confirmed
    expect(r.inconsistencies.map((m) => [m.subject, m.figure, m.stated, m.computed])).toEqual([
      ['BTC/USDT:USDT short on someexchange', 'unverifiable', 'none', '0.1 contracts'],
      ['ETH/USDT:USDT short on someexchange', 'unverifiable', 'none', '2 contracts'],
    ]);
    expect(r.warnings).toEqual([expect.stringContaining("the ccxt exchange 'someexchange' has no verified module")]);
    expect(r).toMatchObject({ equity: '16001', net: '12021', gross: '35981', assets: { BTC: '18001', ETH: '-5980' } });
    expect(r.holdings.map((h) => [h.instrument, h.side, h.units]).sort()).toEqual([
      ['BTC', 'balance', '0.1'], ['BTC/USDT:USDT', 'long', '0.3'], ['BTC/USDT:USDT', 'short', '-0.1'], ['ETH/USDT:USDT', 'net', '-2'],
    ]);
    // first read: the prices the account turned out to need follow it (the BTC balance's spot ticker, the unmarked BTC rows)
    expect(calls).toEqual(['loadMarkets', 'fetchOpenOrders', 'fetchPositions', 'fetchBalance', 'fetchTickers BTC/USDT', 'fetchMarkPrices BTC/USDT:USDT']);
    const snap = await adapter.fetchSnapshot();
    expect(snap.openOrders[0]).toMatchObject({ remaining: '0.19999999999999998' }); // ccxt's own remaining, spelled exactly as ccxt computed it
    // second read: every symbol the account relies on is priced together with the account; ETH now from the mark feed
    expect(calls.slice(6)).toEqual(['fetchMarkPrices BTC/USDT:USDT,ETH/USDT:USDT', 'fetchTickers BTC/USDT', 'fetchOpenOrders', 'fetchPositions', 'fetchBalance']);
    expect(snap.prices['ETH/USDT:USDT']).toEqual({ mark: '3000' });
    await guard.close();
  });

  it('a non-zero position without a side is malformed', async () => {
    const { ex } = fakeExchange([{ symbol: 'BTC/USDT:USDT', side: undefined, contracts: 0.3, info: {} }]);
    const err = await new CcxtAdapter(ex).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/side must be long or short/);
  });

  it('picks the named module by exchange id, spot or contract', () => {
    expect(moduleFor(new ccxt.binanceusdm()).name).toBe('binance-usdm');
    expect(moduleFor(new ccxt.binancecoinm()).name).toBe('binance-coinm');
    expect(moduleFor(new ccxt.binance()).name).toBe('binance-spot');
    expect(moduleFor(new ccxt.binance({ options: { defaultType: 'future' } })).name).toBe('binance-usdm');
    expect(moduleFor(new ccxt.bybit()).name).toBe('bybit');
    expect(moduleFor(new ccxt.okx()).name).toBe('okx');
    expect(moduleFor(new ccxt.bitstamp()).name).toBe('spot'); // no fetchPositions: a spot account
    expect(moduleFor(new ccxt.kucoinfutures()).name).toBe('kucoinfutures');
    expect(moduleFor(new ccxt.bitget()).name).toBe('spot');                 // defaultType spot
    expect(moduleFor(new ccxt.bitget(), 'contract').name).toBe('bitget');
    expect(moduleFor(new ccxt.bitget({ options: { defaultType: 'swap' } })).name).toBe('bitget');
    expect(moduleFor(new ccxt.gate()).name).toBe('gate');                    // no default type: contracts, as before
    expect(moduleFor(new ccxt.gate(), 'spot').name).toBe('spot');
  });

  it('--url rewrites every REST base URL, hostname templates included, and keeps the paths', () => {
    const b = new ccxt.binanceusdm();
    overrideBaseUrl(b, 'http://127.0.0.1:9999/');
    expect(b.urls.api['fapiPrivateV3']).toBe('http://127.0.0.1:9999/fapi/v3');
    expect(b.urls.api['sapi']).toBe('http://127.0.0.1:9999/sapi/v1');
    const y = new ccxt.bybit();
    overrideBaseUrl(y, 'http://127.0.0.1:9999');
    expect(Object.values(y.urls.api as Record<string, string>).every((u) => u === 'http://127.0.0.1:9999')).toBe(true);
    expect(() => overrideBaseUrl(new ccxt.okx(), 'ftp://x')).toThrow(/http/);
  });
});
