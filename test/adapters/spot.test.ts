import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CcxtAdapter } from '../../adapters/index.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { binanceSpotVenue, fx, makeBinanceSpot, resetNock } from './helpers.js';

beforeEach(() => resetNock());
afterEach(() => resetNock());

describe('binance spot account', () => {
  it('values every non-cash balance as a holding at its market\'s price, exactly', async () => {
    const { venue } = binanceSpotVenue(fx('binance-spot/account.json'));
    const config = { limits: { maxAssetExposure: { BTC: '12000' }, maxGrossExposure: { value: '30000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeBinanceSpot())] });
    // USDT 5000 free + 1000 locked = 6000 (cash)
    // BTC 0.1 + 0.05 locked = 0.15 · last 60000 = 9000
    // PEPE 1234567890.12345678 · 0.00001 = 12345.6789012345678   (ETH 0: nothing)
    // equity = 6000 + 9000 + 12345.6789012345678 = 27345.6789012345678
    // net = gross = 9000 + 12345.6789012345678 = 21345.6789012345678
    // leverage = 21345.6789012345678 / 27345.6789012345678 = 0.780586909… → 0.78058691
    // pending buy 0.01 BTC @ 59000: BTC with buys filled = 0.16 · 60000 = 9600; gross = 21945.6789012345678
    const r = guard.exposure();
    expect(r).toMatchObject({
      equity: '27345.6789012345678', net: '21345.6789012345678', gross: '21345.6789012345678', leverage: '0.78058691',
      assets: { BTC: '9000', PEPE: '12345.6789012345678' },
      positions: {},
      unpriced: [],
    });
    expect(r.limits).toEqual([
      { limit: 'maxGrossExposure', threshold: '30000', value: '21945.6789012345678', utilisation: '0.731523' },
      { limit: 'maxAssetExposure', subject: 'BTC', threshold: '12000', value: '9600', utilisation: '0.8' },
    ]);
    // a spot buy adds base exposure: 9600 + 60000 q ≤ 12000 → q ≤ 0.04 (step 0.00001)
    const d = guard.preview({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.1' });
    expect([d.action, d.approved, d.reasons[0]?.code]).toEqual(['resize', '0.04', 'ASSET_EXPOSURE']);
    expect(venue.unexpected).toEqual([]);
    await guard.close();
  });

  it('ccxt\'s float total loses PEPE digits; the snapshot adds free + locked from the raw strings', async () => {
    binanceSpotVenue(fx('binance-spot/account.json'));
    const ex = makeBinanceSpot();
    const viaCcxt = await ex.fetchBalance();
    expect(String(viaCcxt.total.PEPE)).toBe('1234567890.1234567'); // one digit gone
    const snap = await new CcxtAdapter(ex).fetchSnapshot();
    expect(snap.balance['PEPE']).toMatchObject({ total: '1234567890.12345678' });
    expect(snap.balance['USDT']).toMatchObject({ total: '6000' });
    expect(snap.balance['ETH']).toBeUndefined();
    expect(snap.positions).toEqual([]);
    expect(snap.openOrders.map((o) => [o.symbol, o.side, o.remaining, o.price])).toEqual([['BTC/USDT', 'buy', '0.01', '59000']]);
    expect(snap.prices).toEqual({
      'BTC/USDT': { last: '60000', bid: '59999.99', ask: '60000.01' },
      'PEPE/USDT': { last: '0.00001', bid: '0.00000999', ask: '0.00001001' },
    });
  });

  it('learns which prices the balances need, then fetches them together with the account', async () => {
    const { venue } = binanceSpotVenue(fx('binance-spot/account.json'));
    const adapter = new CcxtAdapter(makeBinanceSpot());
    await adapter.fetchSnapshot();
    // first read: open orders first, the balance after their answer; the currencies are unknown until the balance arrives, so the tickers follow it
    expect(venue.paths().map((p) => p.split('?')[0])).toEqual(['GET /api/v3/exchangeInfo', 'GET /api/v3/openOrders', 'GET /api/v3/account', 'GET /api/v3/ticker/24hr']);
    expect(venue.requests.at(-1)!.query['symbols']).toBe('["BTCUSDT","PEPEUSDT"]');
    // second read: the account answer is held back until the ticker request has arrived — which only
    // happens if the tickers are requested concurrently with the account (else this would time out)
    let tickerArrived!: () => void;
    const arrived = new Promise<void>((resolve) => { tickerArrived = resolve; });
    const state = fx('binance-spot/account.json');
    venue.get('/api/v3/ticker/24hr', (req) => {
      tickerArrived();
      const wanted: string[] = JSON.parse(req.query['symbols']!);
      return state.tickers.filter((t: any) => wanted.includes(t.symbol));
    });
    venue.get('/api/v3/account', async () => { await arrived; return state.account; });
    const before = venue.count();
    const snap = await adapter.fetchSnapshot();
    expect(venue.count() - before).toBe(3); // account, open orders, tickers: nothing else
    expect(snap.balance['PEPE']).toMatchObject({ total: '1234567890.12345678' });
  });

  it('with `symbols`, prefetches the symbols the bot trades and limits the snapshot\'s markets', async () => {
    const { venue } = binanceSpotVenue(fx('binance-spot/account.json'));
    const snap = await new CcxtAdapter(makeBinanceSpot(), { symbols: ['ETH/USDT'] }).fetchSnapshot();
    expect(snap.markets.map((m) => m.symbol)).toEqual(['BTC/USDT', 'ETH/USDT', 'PEPE/USDT']); // traded + held (ETHBTC left out)
    expect(snap.prices['ETH/USDT']).toEqual({ last: '3000', bid: '2999.99', ask: '3000.01' });
    expect(venue.requests.filter((r) => r.path === '/api/v3/ticker/24hr').map((r) => r.query['symbols'])).toEqual([
      '["ETHUSDT"]',              // with the account
      '["BTCUSDT","PEPEUSDT"]',   // what the balances turned out to need
    ]);
  });
});
