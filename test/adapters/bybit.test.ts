import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CcxtAdapter, MalformedPayloadError } from '../../adapters/index.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { bybitVenue, fx, makeBybit, makeExchange, resetNock } from './helpers.js';

beforeEach(() => resetNock());
afterEach(() => resetNock());

describe('bybit, one-way, linear USDT + linear USDC + inverse', () => {
  it('net, gross, leverage, per asset, per position and limit use equal the hand-computed values', async () => {
    const { venue } = bybitVenue(fx('bybit/one-way.json'));
    const config = { limits: { maxNetExposure: { value: '20000' }, maxAssetExposure: { BTC: '20000' }, maxLeverage: '2' } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeBybit())] });
    // BTCUSDT (linear, settle USDT)  Buy 0.2 · 60000          = +12000
    // ETHPERP (linear, settle USDC)  Sell 2 · 3000             =  −6000   (only read with settleCoin=USDC)
    // BTCUSD  (inverse)              Sell 600 USD contracts · 1 = −600    (only read with category=inverse)
    // SOLUSDT size 0, side "": dropped
    // equity = coin equity (wallet + unrealised): USDT 10000 + USDC 3000 + BTC 0.05 · 60000 = 16000
    // BTC asset = 12000 − 600 + 3000 = 14400; ETH = −6000; net = 8400
    // gross = 12000 + 6000 + 600 + 3000 = 21600; leverage = 21600 / 16000 = 1.35
    // pending buys: BTCUSDT buy 0.05 → 0.25 · 60000 = 15000; the reduce-only inverse buy 100 shrinks the short to −500
    //   BTC = 15000 − 500 + 3000 = 17500; net = 17500 − 6000 = 11500
    // gross, worst case over any mix of fills (each holding at its larger direction):
    //   15000 + 6000 + max(500, 600) + 3000 = 24600; leverage 24600 / (16000 − the pending orders' fees)
    //   fees: 0.05 · 58000 · maker 0.0001 = 0.29, the reduce-only buy 100 USD · maker 0.0001 = 0.01
    //   → leverage = 24600 / 15999.70 = 1.537528828… → 1.53752883
    const r = guard.exposure();
    expect(r).toMatchObject({
      equity: '16000', net: '8400', gross: '21600', leverage: '1.35',
      assets: { BTC: '14400', ETH: '-6000' },
      positions: { 'BTC/USDT:USDT': '12000', 'ETH/USDC:USDC': '-6000', 'BTC/USD:BTC': '-600' },
      unpriced: [],
    });
    expect(r.limits).toEqual([
      { limit: 'maxNetExposure', threshold: '20000', value: '11500', utilisation: '0.575' },
      { limit: 'maxLeverage', threshold: '2', value: '1.53752883', utilisation: '0.768764' },
      { limit: 'maxAssetExposure', subject: 'BTC', threshold: '20000', value: '17500', utilisation: '0.875' },
    ]);
    // every settle coin and category the markets have, positions and orders alike
    expect(venue.paths().filter((p) => p.includes('/v5/position/list') || p.includes('/v5/order/realtime')).sort()).toEqual([
      'GET /v5/order/realtime?category=inverse&limit=50',
      'GET /v5/order/realtime?category=linear&settleCoin=USDC&limit=50',
      'GET /v5/order/realtime?category=linear&settleCoin=USDT&limit=50',
      'GET /v5/position/list?category=inverse&limit=200',
      'GET /v5/position/list?category=linear&settleCoin=USDC&limit=200',
      'GET /v5/position/list?category=linear&settleCoin=USDT&limit=200',
    ]);
    expect(venue.unexpected).toEqual([]);
    await guard.close();
  });

  it('traps: ccxt alone sees only linear USDT positions and takes walletBalance (no unrealised PnL) as total', async () => {
    bybitVenue(fx('bybit/one-way.json'));
    const ex = makeBybit();
    const viaCcxt = await ex.fetchPositions();
    expect(viaCcxt.filter((p: any) => p.contracts > 0).map((p: any) => p.symbol)).toEqual(['BTC/USDT:USDT']); // USDC and inverse missing
    const bal = await ex.fetchBalance();
    expect(bal.total.USDT).toBe(9800); // walletBalance
    const snap = await new CcxtAdapter(ex).fetchSnapshot();
    expect(snap.balance['USDT']).toMatchObject({ total: '10000' }); // equity = 9800 + 200 unrealised
    expect(snap.positions.map((p) => [p.symbol, p.side, p.contracts, p.positionSide])).toEqual([
      ['ETH/USDC:USDC', 'short', '2', 'net'],
      ['BTC/USDT:USDT', 'long', '0.2', 'net'],
      ['BTC/USD:BTC', 'short', '600', 'net'], // size in USD contracts, contractSize 1
    ]);
    expect(snap.positions[2]).toMatchObject({ contractSize: '1' });
  });

  it('re-reads equity strings exactly where a float would round', async () => {
    const data = fx('bybit/one-way.json');
    data.wallet.result.list[0].coin[0].equity = '123456789.123456789';
    bybitVenue(data);
    const ex = makeBybit();
    const snap = await new CcxtAdapter(ex).fetchSnapshot();
    expect(snap.balance['USDT']).toMatchObject({ total: '123456789.123456789' });
    expect(String(Number('123456789.123456789'))).not.toBe('123456789.123456789'); // what a float would have kept
  });
});

describe('bybit, hedge mode', () => {
  it('positionIdx 1 and 2 rows are separate long and short holdings; a reduce-only buy on the short adds nothing', async () => {
    bybitVenue(fx('bybit/hedge.json'), ['linear']);
    const config = { limits: { maxGrossExposure: { value: '30000' }, maxPositionNotional: { default: '20000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeBybit(['linear']))] });
    // idx 1 Buy 0.3 · 60000 = +18000; idx 2 Sell 0.1 · 60000 = −6000; SOLUSDT rows size 0: dropped
    // equity = USDT equity 12000 (wallet 12100 − 100); net 12000; gross 24000; leverage 2
    // pending: buy 0.05 on idx 2 (reduce-only) shrinks the short to −0.05: gross with buys filled = 18000 + 3000 = 21000
    const r = guard.exposure();
    expect(r).toMatchObject({ equity: '12000', net: '12000', gross: '24000', leverage: '2', assets: { BTC: '12000' } });
    expect(r.holdings.map((h) => [h.side, h.units, h.notional])).toEqual([['long', '0.3', '18000'], ['short', '-0.1', '-6000']]);
    expect(r.limits).toEqual([
      { limit: 'maxGrossExposure', threshold: '30000', value: '24000', utilisation: '0.8' },
      { limit: 'maxPositionNotional', subject: 'BTC/USDT:USDT long', threshold: '20000', value: '18000', utilisation: '0.9' },
      { limit: 'maxPositionNotional', subject: 'BTC/USDT:USDT short', threshold: '20000', value: '6000', utilisation: '0.3' },
    ]);
    // opening more long through positionIdx 1: 18000 + 60000 q ≤ 20000 → q ≤ 0.0333… → 0.033 (qtyStep 0.001)
    const d = guard.preview({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.1', params: { positionIdx: 1 } });
    expect([d.action, d.approved, d.reasons[0]?.code]).toEqual(['resize', '0.033', 'POSITION_NOTIONAL']);
    await guard.close();
  });

  it('refuses a positionIdx 2 row that says Buy', async () => {
    const data = fx('bybit/hedge.json');
    data.positions['linear USDT'].result.list[1].side = 'Buy';
    bybitVenue(data, ['linear']);
    const err = await new CcxtAdapter(makeBybit(['linear'])).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/positionIdx 2 with side Buy/);
  });
});

describe('bybit pagination and the real loadMarkets path', () => {
  it('follows nextPageCursor to the end', async () => {
    const data = fx('bybit/one-way.json');
    const page1 = data.positions['linear USDT'];
    const btc = page1.result.list[0];
    page1.result.list = [page1.result.list[1]]; // SOL zero row on page 1
    page1.result.nextPageCursor = 'SOLUSDT%2C1722161166529%2C0';
    const { venue, state } = bybitVenue(data);
    const page2 = JSON.parse(JSON.stringify(page1));
    page2.result.list = [btc];
    page2.result.nextPageCursor = '';
    const first = state.positions['linear USDT'];
    venue.get('/v5/position/list', (req) => {
      if (req.query['category'] !== 'linear' || req.query['settleCoin'] !== 'USDT') return state.positions[req.query['category'] === 'inverse' ? 'inverse' : `linear ${req.query['settleCoin']}`];
      return req.query['cursor'] === 'SOLUSDT,1722161166529,0' ? page2 : first; // bybit's cursor arrives url-decoded
    });
    const snap = await new CcxtAdapter(makeBybit()).fetchSnapshot();
    expect(snap.positions.map((p) => p.symbol)).toContain('BTC/USDT:USDT');
    expect(venue.paths().filter((p) => p.includes('settleCoin=USDT') && p.includes('position/list'))).toEqual([
      'GET /v5/position/list?category=linear&settleCoin=USDT&limit=200',
      'GET /v5/position/list?category=linear&settleCoin=USDT&limit=200&cursor=SOLUSDT%2C1722161166529%2C0',
    ]);
  });

  it('loads spot, linear, inverse and option markets, detects the unified account, and resolves BTCUSDT by category', async () => {
    const data = fx('bybit/one-way.json');
    // a spot order and a linear order on the same exchange id BTCUSDT
    const spotOrder = JSON.parse(JSON.stringify(data.orders['linear USDT'].result.list[0]));
    spotOrder.orderId = 'spot-0001';
    spotOrder.qty = '0.01';
    spotOrder.leavesQty = '0.01';
    data.orders['spot'] = { ...data.orders['spot'], result: { ...data.orders['spot'].result, list: [spotOrder] } };
    const { venue } = bybitVenue(data, ['linear', 'inverse', 'spot']);
    venue.get('/v5/market/instruments-info', (req) => {
      const c = req.query['category']!;
      if (c === 'option' || req.query['status'] === 'PreLaunch') return { retCode: 0, retMsg: 'OK', result: { category: c, list: [], nextPageCursor: '' }, retExtInfo: {}, time: 1 };
      return fx(`bybit/instruments-${c}.json`);
    });
    const ex = makeExchange('bybit'); // ccxt defaults: all market types, currencies, unified detection
    const snap = await new CcxtAdapter(ex).fetchSnapshot();
    expect(venue.count('/v5/user/query-api')).toBe(1);
    expect(venue.count('/v5/account/info')).toBe(1);
    expect(venue.count('/v5/asset/coin/query-info')).toBe(1);
    expect(venue.paths()).toContain('GET /v5/account/wallet-balance?accountType=UNIFIED');
    expect(snap.openOrders.map((o) => [o.symbol, o.remaining])).toEqual([
      ['BTC/USDT:USDT', '0.05'],
      ['BTC/USD:BTC', '100'],
      ['BTC/USDT', '0.01'],
    ]);
    expect(venue.unexpected).toEqual([]);
  });
});

describe('bybit self-verification: the exchange\'s own figures against the guard\'s', () => {
  it('the honest payloads (one-way and hedge) agree with themselves; positionValue is passed on as the value at entry', async () => {
    const data = fx('bybit/one-way.json');
    // Bybit's positionValue is size · avgPrice (inverse size / avgPrice), not the value at the mark:
    // BTCUSDT 0.2 · 59000 = 11800 (at the mark 12000), BTCUSD 600 / 61000 = 0.00983607 (at the mark 0.01)
    expect(data.positions['linear USDT'].result.list[0].positionValue).toBe('11800');
    expect(data.positions.inverse.result.list[0].positionValue).toBe('0.00983607');
    bybitVenue(data);
    const snap = await new CcxtAdapter(makeBybit()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches).toEqual([]);
    // the inverse BTCUSD short: 600 USD, unrealised 600 · (1/60000 − 1/61000) = 0.00016393 BTC
    expect(snap.positions.map((p) => p.symbol)[2]).toBe('BTC/USD:BTC');
    expect(snap.positions[2]!['stated']).toEqual({
      markPrice: { value: '60000', field: 'markPrice' },
      unrealizedPnl: { value: '0.00016393', field: 'unrealisedPnl' },
      valueAtEntry: { value: '0.00983607', field: 'positionValue', currency: 'BTC', entryPrice: { value: '61000', field: 'avgPrice' } },
    });
    expect(snap.balance['USDT']['stated']).toEqual({
      equity: { value: '10000', field: 'equity' },
      wallet: { value: '9800', field: 'walletBalance' },
      unrealizedPnl: { value: '200', field: 'unrealisedPnl' }, // 9800 + 200 = 10000
    });
    resetNock();
    bybitVenue(fx('bybit/hedge.json'), ['linear']);
    expect(normalizeSnapshot(await new CcxtAdapter(makeBybit(['linear'])).fetchSnapshot()).mismatches).toEqual([]);
  });

  it('a tenfold positionValue, a mark far from the feed\'s, an equity without the unrealised PnL', async () => {
    const data = fx('bybit/one-way.json');
    const btc = data.positions['linear USDT'].result.list[0];
    btc.positionValue = '118000';                       // ten times 0.2 · 59000 (a size read in the wrong unit would look like this)
    btc.markPrice = '66000.00';                         // the feed (tickers markPrice) says 60000
    data.wallet.result.list[0].coin[0].equity = '9800'; // walletBalance, the 200 unrealised left out
    bybitVenue(data);
    const snap = await new CcxtAdapter(makeBybit()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches).toEqual([
      // |66000 − 60000| / 66000 = 0.0909 > 0.03
      { subject: 'BTC/USDT:USDT long on bybit', figure: 'markPrice', field: 'markPrice', stated: '66000', computed: '60000', basis: 'the price the guard values the position at', tolerance: '0.03' },
      // 0.2 · 59000 = 11800 against 118000
      { subject: 'BTC/USDT:USDT long on bybit', figure: 'valueAtEntry', field: 'positionValue', stated: '118000', computed: '11800', basis: 'contracts 0.2 × contract size 1 × entry price (avgPrice) 59000 USDT', tolerance: '0.001' },
      // walletBalance 9800 + unrealisedPnl 200 = 10000 against the total 9800 (the corrupted equity)
      { subject: 'USDT balance on bybit', figure: 'equity', field: 'walletBalance + unrealisedPnl', stated: '10000', computed: '9800', basis: 'the total the guard counts as equity', tolerance: '0.0001' },
    ]);
  });

  it('under the UTA manual-borrow logic the wallet is walletBalance − spotBorrow', async () => {
    const data = fx('bybit/one-way.json');
    // 500 USDT borrowed: the new walletBalance counts it (old 9800 + 500), equity = 10300 − 500 + 200 = 10000
    Object.assign(data.wallet.result.list[0].coin[0], { walletBalance: '10300', spotBorrow: '500', borrowAmount: '500.000000000000000000' });
    bybitVenue(data);
    const snap = await new CcxtAdapter(makeBybit()).fetchSnapshot();
    expect(snap.balance['USDT']['stated']['wallet']).toEqual({ value: '9800', field: 'walletBalance - spotBorrow' });
    expect(normalizeSnapshot(snap).mismatches).toEqual([]); // walletBalance + unrealisedPnl alone would be 10500
  });
});
