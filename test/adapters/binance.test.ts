import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CcxtAdapter, MalformedPayloadError } from '../../adapters/index.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { binanceFuturesVenue, fx, makeExchange, resetNock } from './helpers.js';

beforeEach(() => resetNock());
afterEach(() => resetNock());

const usdm = () => makeExchange('binanceusdm', { options: { fetchCurrencies: false } });
const coinm = () => makeExchange('binancecoinm', { options: { fetchCurrencies: false } });

describe('binanceusdm, one-way mode', () => {
  it('net, gross, leverage, per asset, per position and limit use equal the hand-computed values', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    const config = {
      limits: {
        maxNetExposure: { value: '36000' },
        maxGrossExposure: { value: '60000' },
        maxAssetExposure: { BTC: '40000' },
        maxPositionNotional: { default: '50000' },
      },
    };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(usdm())] });
    // BTC  +0.5 · 60000 = +30000        ETH  −4 · 3000 = −12000       LTC row positionAmt 0.000: dropped
    // net = 30000 − 12000 = 18000       gross = 30000 + 12000 = 42000
    // equity = USDT marginBalance 20000 (wallet 18600 + unrealized 1400)     leverage = 42000 / 20000 = 2.1
    // pending, all buys filled: BTC buy 0.1 → 0.6 · 60000 = 36000; ETH reduce-only buy 1 − 0.25 filled = 0.75
    //   shrinks the short toward zero → −3.25 · 3000 = −9750; net = 36000 − 9750 = 26250
    // gross, worst case over any mix of fills: BTC max(36000, 30000) + ETH max(9750, 12000) = 48000
    // pending sells: none → as now
    const r = guard.exposure();
    expect(r).toMatchObject({
      equity: '20000', net: '18000', gross: '42000', leverage: '2.1',
      assets: { BTC: '30000', ETH: '-12000' },
      positions: { 'BTC/USDT:USDT': '30000', 'ETH/USDT:USDT': '-12000' },
      unpriced: [],
    });
    expect(r.limits).toEqual([
      { limit: 'maxNetExposure', threshold: '36000', value: '26250', utilisation: '0.729167' },          // 26250 / 36000
      { limit: 'maxGrossExposure', threshold: '60000', value: '48000', utilisation: '0.8' },              // 48000 / 60000
      { limit: 'maxAssetExposure', subject: 'BTC', threshold: '40000', value: '36000', utilisation: '0.9' },
      { limit: 'maxPositionNotional', subject: 'BTC/USDT:USDT', threshold: '50000', value: '36000', utilisation: '0.72' },
      { limit: 'maxPositionNotional', subject: 'ETH/USDT:USDT', threshold: '50000', value: '12000', utilisation: '0.24' },
    ]);
    expect(venue.unexpected).toEqual([]);
    await guard.close();
  });

  it('hands the book exact strings and the exchange\'s own sides, not ccxt\'s notional sign', async () => {
    binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    const snap = await new CcxtAdapter(usdm()).fetchSnapshot();
    expect(snap.positions.map((p) => [p.symbol, p.side, p.contracts, p.positionSide, p.markPrice])).toEqual([
      ['BTC/USDT:USDT', 'long', '0.5', 'net', '60000'],
      ['ETH/USDT:USDT', 'short', '4', 'net', '3000'], // positionAmt −4.000: magnitude 4, side short
    ]);
    expect(snap.balance['USDT']).toMatchObject({ total: '20000' });
    // open orders: remaining = origQty − executedQty from the raw strings; reduce-only from the raw flag
    expect(snap.openOrders.map((o) => [o.symbol, o.side, o.amount, o.filled, o.remaining, o.price, o.reduceOnly])).toEqual([
      ['BTC/USDT:USDT', 'buy', '0.1', '0', '0.1', '59000', false],
      ['ETH/USDT:USDT', 'buy', '1', '0.25', '0.75', '2900', true],
    ]);
    // premiumIndex marks for every listed contract in one call; XYZUSDT is not a loaded market
    expect(snap.prices).toEqual({ 'BTC/USDT:USDT': { mark: '60000' }, 'ETH/USDT:USDT': { mark: '3000' }, 'LTC/USDT:USDT': { mark: '80' } });
    expect(snap.precisionMode).toBe(4); // ccxt TICK_SIZE
  });

  it('keeps a position whose entryPrice reads 0 and whose notional is 0, which ccxt\'s fetchPositions drops or leaves without a side', async () => {
    const data = fx('binanceusdm/one-way.json');
    const btc = data.positionRisk[0];
    btc.entryPrice = '0.0';       // ccxt keeps only rows with entryPrice > 0
    btc.notional = '0';           // ccxt reads the side from the notional's sign
    binanceFuturesVenue('usdm', data);
    const ex = usdm();
    ex.options.leverageBrackets = {};
    const viaCcxt = await ex.fetchPositions();
    expect(viaCcxt.map((p: any) => p.symbol)).toEqual(['ETH/USDT:USDT']); // the BTC long is gone
    const snap = await new CcxtAdapter(ex).fetchSnapshot();
    expect(snap.positions.map((p) => [p.symbol, p.side, p.contracts])).toEqual([
      ['BTC/USDT:USDT', 'long', '0.5'], // side from positionAmt 0.500
      ['ETH/USDT:USDT', 'short', '4'],
    ]);
  });

  it('refuses a row whose notional sign contradicts positionAmt', async () => {
    const data = fx('binanceusdm/one-way.json');
    data.positionRisk[0].notional = '-30000.00000000';
    binanceFuturesVenue('usdm', data);
    const err = await new CcxtAdapter(usdm()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/positionRisk\[0\].*ccxt reads the position as short, the exchange's fields say long/);
  });

  it('goes through the real loadMarkets path with keys (sapi currency and margin endpoints, exchangeInfo) and loads markets once', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    const ex = makeExchange('binanceusdm'); // ccxt's defaults: fetchCurrencies on, so loadMarkets calls sapi with the keys
    const adapter = new CcxtAdapter(ex);
    await adapter.fetchSnapshot();
    expect(venue.count('/sapi/v1/capital/config/getall')).toBe(1);
    expect(venue.count('/sapi/v1/margin/allPairs')).toBe(1);
    expect(venue.count('/fapi/v1/exchangeInfo')).toBe(1);
    await adapter.fetchSnapshot();
    expect(venue.count('/fapi/v1/exchangeInfo')).toBe(1); // cached for marketsRefreshMs (1 h)
    expect(venue.count('/fapi/v3/positionRisk')).toBe(2);
    // no leverage brackets are needed: positions are parsed from positionRisk without fetchPositions' bracket lookup
    expect(venue.count('/fapi/v1/leverageBracket')).toBe(0);
    expect(venue.unexpected).toEqual([]);
  });
});

describe('binanceusdm, hedge mode with BTC collateral', () => {
  it('keys the LONG and SHORT rows of one symbol separately and values the BTC collateral at the BTC mark', async () => {
    binanceFuturesVenue('usdm', fx('binanceusdm/hedge.json'));
    const config = { limits: { maxPositionNotional: { default: '20000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(usdm())] });
    // LONG  +0.3 · 60000 = +18000      SHORT positionAmt −0.100 → −0.1 · 60000 = −6000   (ETH rows are 0.000: dropped)
    // collateral: USDT marginBalance 10000 (wallet 10100 − 100 unrealized) + BTC 0.1 · 60000 (BTC/USDT:USDT mark) = 6000
    // equity = 16000; BTC asset = 18000 − 6000 + 6000 = 18000; net = 18000; gross = 18000 + 6000 + 6000 = 30000
    // leverage = 30000 / 16000 = 1.875
    // the pending BUY 0.05 on the SHORT side closes the short: it adds no exposure
    const r = guard.exposure();
    expect(r).toMatchObject({
      equity: '16000', net: '18000', gross: '30000', leverage: '1.875',
      assets: { BTC: '18000' },
      positions: { 'BTC/USDT:USDT': '12000' }, // long and short rows summed per symbol: 18000 − 6000
    });
    expect(r.holdings.map((h) => [h.instrument, h.side, h.units, h.notional])).toEqual([
      ['BTC/USDT:USDT', 'long', '0.3', '18000'],
      ['BTC/USDT:USDT', 'short', '-0.1', '-6000'],
      ['BTC', 'balance', '0.1', '6000'],
    ]);
    expect(r.limits).toEqual([
      { limit: 'maxPositionNotional', subject: 'BTC/USDT:USDT long', threshold: '20000', value: '18000', utilisation: '0.9' },
      { limit: 'maxPositionNotional', subject: 'BTC/USDT:USDT short', threshold: '20000', value: '6000', utilisation: '0.3' },
    ]);
    // an order in hedge mode needs its position side; a sell on the LONG row reduces it
    const d = guard.preview({ symbol: 'BTC/USDT:USDT', side: 'sell', type: 'market', amount: '0.1', params: { positionSide: 'LONG' } });
    expect(d.action).toBe('allow');
    await guard.close();
  });

  it('refuses a SHORT row with a positive positionAmt', async () => {
    const data = fx('binanceusdm/hedge.json');
    data.positionRisk[1].positionAmt = '0.100';
    data.positionRisk[1].notional = '6000.00000000';
    binanceFuturesVenue('usdm', data);
    const err = await new CcxtAdapter(usdm()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/a SHORT row with positionAmt 0.1/);
  });
});

describe('binancecoinm (inverse)', () => {
  it('values contracts as contracts · contractSize USD and coin margin at the coin\'s mark', async () => {
    const { venue } = binanceFuturesVenue('coinm', fx('binancecoinm/account.json'));
    const config = { limits: { maxAssetExposure: { BTC: '1000', ETH: '2000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(coinm())] });
    // BTCUSD_PERP −3 contracts · 100 USD = −300 (ccxt's notional −0.005 is in BTC: not used)
    // ETHUSD_PERP +20 contracts · 10 USD = +200
    // balances (marginBalance = wallet + unrealized): BTC 0.02 · 60000 = 1200, ETH 0.5 · 3000 = 1500 → equity 2700
    // BTC asset = 1200 − 300 = 900; ETH asset = 1500 + 200 = 1700; net = 2600
    // gross = 300 + 200 + 1200 + 1500 = 3200; leverage = 3200 / 2700 = 1.185185185… → 1.18518519
    const r = guard.exposure();
    expect(r).toMatchObject({
      equity: '2700', net: '2600', gross: '3200', leverage: '1.18518519',
      assets: { BTC: '900', ETH: '1700' },
      positions: { 'BTC/USD:BTC': '-300', 'ETH/USD:ETH': '200' },
    });
    expect(r.limits).toEqual([
      { limit: 'maxAssetExposure', subject: 'BTC', threshold: '1000', value: '900', utilisation: '0.9' },
      { limit: 'maxAssetExposure', subject: 'ETH', threshold: '2000', value: '1700', utilisation: '0.85' },
    ]);
    // a buy of 50 ETH contracts: ETH asset 1700 + 10 USD · q ≤ 2000 → q ≤ 30 (lot 1)
    const d = guard.preview({ symbol: 'ETH/USD:ETH', side: 'buy', type: 'market', amount: '50' });
    expect([d.action, d.approved, d.reasons[0]?.code]).toEqual(['resize', '30', 'ASSET_EXPOSURE']);
    // the mark feed alongside; open orders first, positions and balance after their answer
    expect(venue.paths().map((p) => p.split('?')[0])).toEqual([
      'GET /dapi/v1/exchangeInfo', 'GET /dapi/v1/premiumIndex', 'GET /dapi/v1/openOrders', 'GET /dapi/v1/positionRisk', 'GET /dapi/v1/account',
    ]);
    await guard.close();
  });
});

describe('ccxt\'s own static-test payloads', () => {
  it('USD-M positionRisk and COIN-M positionRisk (with a zero BCHUSD_241227 row) read as ccxt\'s parsedResponse says', async () => {
    // ccxt/ccxt ts/src/test/static/response/binance.json, fetchPositions[0] and [3]
    const linear = fx('ccxt-static/binance-usdm-positions.json');
    const inverse = fx('ccxt-static/binance-coinm-positions.json');
    const usdmData = fx('binanceusdm/one-way.json');
    usdmData.positionRisk = linear.httpResponse;
    binanceFuturesVenue('usdm', usdmData);
    const a = await new CcxtAdapter(usdm()).fetchSnapshot();
    expect(a.positions).toMatchObject([{ symbol: linear.parsedResponse.symbol, side: linear.parsedResponse.side, contracts: '0.009', markPrice: '67502.68519858' }]);
    resetNock();
    const coinmData = fx('binancecoinm/account.json');
    coinmData.positionRisk = inverse.httpResponse;
    binanceFuturesVenue('coinm', coinmData);
    const b = await new CcxtAdapter(coinm()).fetchSnapshot();
    expect(inverse.parsedResponse).toMatchObject({ symbol: 'BTC/USD:BTC', side: 'short', contracts: 3, contractSize: 100 });
    expect(b.positions).toMatchObject([{ symbol: 'BTC/USD:BTC', side: 'short', contracts: '3', contractSize: '100', markPrice: '68234.2' }]);
  });
});

describe('binanceusdm self-verification: the exchange\'s own figures against the guard\'s', () => {
  it('the honest payloads (one-way and hedge) agree with themselves; every figure positionRisk and account state is passed on', async () => {
    binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    const snap = await new CcxtAdapter(usdm()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches).toEqual([]);
    // the ETH short: notional −12000 (signed) is passed as its size, 4 · 3000 USDT
    expect(snap.positions[1]!['stated']).toEqual({
      notional: { value: '12000', field: 'notional', currency: 'USDT' },
      markPrice: { value: '3000', field: 'markPrice' },
      unrealizedPnl: { value: '400', field: 'unRealizedProfit' }, // 4 · (3100 − 3000)
    });
    expect(snap.balance['USDT']['stated']).toEqual({
      equity: { value: '20000', field: 'marginBalance' },
      wallet: { value: '18600', field: 'walletBalance' },
      unrealizedPnl: { value: '1400', field: 'unrealizedProfit' }, // 18600 + 1400 = 20000; BTC 1000 + ETH 400
    });
    resetNock();
    binanceFuturesVenue('usdm', fx('binanceusdm/hedge.json'));
    expect(normalizeSnapshot(await new CcxtAdapter(usdm()).fetchSnapshot()).mismatches).toEqual([]);
  });

  it('a notional that disagrees with size · mark, a mark far from the feed\'s, a marginBalance without the unrealized PnL', async () => {
    const data = fx('binanceusdm/one-way.json');
    data.positionRisk[0].notional = '300000.00000000';        // ten times 0.5 · 60000
    data.positionRisk[1].markPrice = '3300.00000000';          // the feed (premiumIndex) says 3000
    data.account.assets[0].marginBalance = '18600.00000000';   // walletBalance, the 1400 unrealized left out
    binanceFuturesVenue('usdm', data);
    const snap = await new CcxtAdapter(usdm()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches).toEqual([
      // 0.5 · 1 · 60000 = 30000 against 300000
      { subject: 'BTC/USDT:USDT long on binanceusdm', figure: 'notional', field: 'notional', stated: '300000', computed: '30000', basis: 'contracts 0.5 × contract size 1 × mark 60000 USDT', tolerance: '0.001' },
      // |3300 − 3000| / 3300 = 0.0909 > 0.03
      { subject: 'ETH/USDT:USDT short on binanceusdm', figure: 'markPrice', field: 'markPrice', stated: '3300', computed: '3000', basis: 'the price the guard values the position at', tolerance: '0.03' },
      // valued at its own stated mark the ETH notional disagrees too: 4 · 3300 = 13200 against 12000
      { subject: 'ETH/USDT:USDT short on binanceusdm', figure: 'notional', field: 'notional', stated: '12000', computed: '13200', basis: 'contracts 4 × contract size 1 × mark 3300 USDT', tolerance: '0.001' },
      // walletBalance 18600 + unrealizedProfit 1400 = 20000 against the total 18600 (the corrupted marginBalance)
      { subject: 'USDT balance on binanceusdm', figure: 'equity', field: 'walletBalance + unrealizedProfit', stated: '20000', computed: '18600', basis: 'the total the guard counts as equity', tolerance: '0.0001' },
    ]);
  });
});

describe('binancecoinm self-verification: the exchange\'s own figures against the guard\'s', () => {
  it('the honest payload agrees with itself; notionalValue is in the coin', async () => {
    binanceFuturesVenue('coinm', fx('binancecoinm/account.json'));
    const snap = await new CcxtAdapter(coinm()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches).toEqual([]);
    // ETHUSD_PERP long 20 contracts · 10 USD = 200 USD / mark 3000 = 0.0666… ETH (Binance truncates to 0.06666666)
    expect(snap.positions[1]!['stated']).toEqual({
      notional: { value: '0.06666666', field: 'notionalValue', currency: 'ETH' },
      markPrice: { value: '3000', field: 'markPrice' },
      unrealizedPnl: { value: '0.00112994', field: 'unRealizedProfit' }, // 200 · (1/2950 − 1/3000) = 0.00112994…
    });
    expect(snap.balance['ETH']['stated']).toEqual({
      equity: { value: '0.5', field: 'marginBalance' },
      wallet: { value: '0.49', field: 'walletBalance' },
      unrealizedPnl: { value: '0.01', field: 'unrealizedProfit' }, // 0.49 + 0.01 = 0.5
    });
  });

  it('a notionalValue that disagrees with contracts · contractSize / mark, a mark far from the feed\'s, a marginBalance without the unrealized PnL', async () => {
    const data = fx('binancecoinm/account.json');
    data.positionRisk[0].notionalValue = '-0.05000000';     // ten times 3 · 100 USD / 60000 = 0.005 BTC
    data.positionRisk[1].markPrice = '3300.00';             // the feed (premiumIndex) says 3000
    data.account.assets[0].marginBalance = '0.01990000';    // walletBalance, the 0.0001 unrealized left out
    binanceFuturesVenue('coinm', data);
    const snap = await new CcxtAdapter(coinm()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches).toEqual([
      // 3 · 100 / 60000 = 0.005 against 0.05
      { subject: 'BTC/USD:BTC short on binancecoinm', figure: 'notional', field: 'notionalValue', stated: '0.05', computed: '0.005', basis: 'contracts 3 × contract size 100 USD / mark 60000', tolerance: '0.001' },
      // |3300 − 3000| / 3300 = 0.0909 > 0.03
      { subject: 'ETH/USD:ETH long on binancecoinm', figure: 'markPrice', field: 'markPrice', stated: '3300', computed: '3000', basis: 'the price the guard values the position at', tolerance: '0.03' },
      // valued at its own stated mark: 20 · 10 / 3300 = 0.0606… against 0.06666666 (0.0909 apart)
      { subject: 'ETH/USD:ETH long on binancecoinm', figure: 'notional', field: 'notionalValue', stated: '0.06666666', computed: COINM_ETH_AT_3300, basis: 'contracts 20 × contract size 10 USD / mark 3300', tolerance: '0.001' },
      // walletBalance 0.0199 + unrealizedProfit 0.0001 = 0.02 against the total 0.0199
      { subject: 'BTC balance on binancecoinm', figure: 'equity', field: 'walletBalance + unrealizedProfit', stated: '0.02', computed: '0.0199', basis: 'the total the guard counts as equity', tolerance: '0.0001' },
    ]);
  });
});

/** 200 / 3300 = 0.0606… to the 60 significant digits of the guard's Decimal (src/number.ts), last one rounded up */
const COINM_ETH_AT_3300 = `0.0${'60'.repeat(29)}61`;
