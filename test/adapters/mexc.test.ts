import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CcxtAdapter, MalformedPayloadError, UnsupportedHoldingError } from '../../adapters/index.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { Venue, clone, fx, makeExchange, resetNock } from './helpers.js';

beforeEach(() => resetNock());
afterEach(() => resetNock());

/** MEXC's futures API on api.mexc.com: markets (spot exchangeInfo + contract detail), account, orders (paged), tickers. */
function mexcVenue(data: any) {
  const venue = new Venue(['https://api.mexc.com']);
  const state = { detail: fx('mexc/contract-detail.json'), spot: fx('mexc/spot-exchangeInfo.json'), pages: null as any[] | null, ...clone(data) };
  venue.get('/api/v3/exchangeInfo', () => state.spot);
  venue.get('/api/v1/contract/detail', () => state.detail);
  venue.get('/api/v1/private/position/open_positions', () => state.positions);
  venue.get('/api/v1/private/position/position_mode', () => state.positionMode);
  venue.get('/api/v1/private/account/assets', () => state.assets);
  venue.get('/api/v1/private/order/list/open_orders', (req) => {
    if (!state.pages) return state.orders;
    const page = Number(req.query['page_num'] ?? '1');
    return { success: true, code: 0, data: state.pages[page - 1] ?? [] };
  });
  venue.get('/api/v1/contract/ticker', (req) => {
    const s = req.query['symbol'];
    return s ? { ...state.ticker, data: state.ticker.data.find((t: any) => t.symbol === s) } : state.ticker;
  });
  return { venue, state };
}

/** ccxt mexc with currencies off (that endpoint needs a spot key permission the tests do not mock). */
const makeMexc = () => makeExchange('mexc', { has: { fetchCurrencies: false } });

describe('mexc, dual-side mode, USDT-M and USDC-M', () => {
  it('net, gross, leverage, per asset, per position and limit use equal the hand-computed values', async () => {
    const { venue } = mexcVenue(fx('mexc/dual-side.json'));
    const config = { limits: { maxNetExposure: { value: '20000' }, maxLeverage: '2', maxAssetExposure: { BTC: '20000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeMexc())] });
    // marks: contract/ticker fairPrice — BTC_USDT 60000, ETH_USDT 3000, BTC_USDC 60000
    // BTC_USDT long  2000 contracts · 0.0001 BTC · 60000 = +12000 USDT
    // ETH_USDT short  200 contracts · 0.01 ETH  · 3000  =  −6000 USDT
    // BTC_USDC long   500 contracts · 0.0001 BTC · 60000 = +3000 USDC   (settled in USDC: same lists, nothing extra to ask)
    // the closed ETH_USDT row (state 3, holdVol 0): dropped
    // equity = the currencies' `equity`: USDT 10000 + 150 = 10150, USDC 2000 − 50 = 1950 → 12100
    // BTC = 12000 + 3000 = 15000; ETH = −6000; net 9000; gross 21000; leverage 21000 / 12100 = 1.735537190… → 1.73553719
    // pending (dual-side, side codes): BTC_USDT side 1 (open long) 500 − 100 dealt = 400 contracts → +0.04 BTC = +2400
    //   ETH_USDT side 2 (close short: a buy on the short) 100 → the short shrinks to 100 contracts = −3000
    //   BTC_USDC side 4 (close long: a sell on the long) 200 → the long shrinks to 300 contracts = 1800
    // net with the buys filled: 14400 − 3000 + 3000 = 14400 (with the sells filled: 12000 − 6000 + 1800 = 7800)
    // BTC with the buys filled: 14400 + 3000 = 17400
    // gross, each holding at its larger direction: 14400 + 6000 + 3000 = 23400; maker fee 0 → 23400 / 12100 = 1.933884297… → 1.9338843
    const r = guard.exposure();
    expect(r).toMatchObject({
      equity: '12100', net: '9000', gross: '21000', leverage: '1.73553719',
      assets: { BTC: '15000', ETH: '-6000' },
      positions: { 'BTC/USDT:USDT': '12000', 'ETH/USDT:USDT': '-6000', 'BTC/USDC:USDC': '3000' },
      unpriced: [],
    });
    expect(r.limits).toEqual([
      { limit: 'maxNetExposure', threshold: '20000', value: '14400', utilisation: '0.72' },
      { limit: 'maxLeverage', threshold: '2', value: '1.9338843', utilisation: '0.966942' },
      { limit: 'maxAssetExposure', subject: 'BTC', threshold: '20000', value: '17400', utilisation: '0.87' },
    ]);
    // a new market long on BTC_USDT, one contract = 0.0001 · 60000 = 6 USDT, taker fee 0.0002 · 6 = 0.0012 per contract:
    //   BTC room 20000 − 17400 = 2600 → 433 contracts; leverage: 23400 + 6q ≤ 2 · (12100 − 0.0012q)
    //   → 6.0024q ≤ 800 → q ≤ 133.28… → 133 contracts (volUnit 1): the leverage limit binds first
    const d = guard.preview({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '1000', params: { hedged: true } });
    expect([d.action, d.approved, d.reasons[0]?.code]).toEqual(['resize', '133', 'LEVERAGE']);
    expect(venue.unexpected).toEqual([]);
    await guard.close();
  });

  it('reads positions, the USDC-M holding, balances and orders from the raw payloads, with every request shown', async () => {
    const { venue } = mexcVenue(fx('mexc/dual-side.json'));
    const snap = await new CcxtAdapter(makeMexc()).fetchSnapshot();
    expect(snap.positions.map((p) => [p.symbol, p.side, p.contracts, p.contractSize, p.positionSide, p.marginMode])).toEqual([
      ['BTC/USDT:USDT', 'long', '2000', '0.0001', 'long', 'cross'],
      ['ETH/USDT:USDT', 'short', '200', '0.01', 'short', 'cross'],
      ['BTC/USDC:USDC', 'long', '500', '0.0001', 'long', 'isolated'], // openType 1
    ]);
    expect(snap.openOrders.map((o) => [o.symbol, o.side, o.remaining, o.reduceOnly, o.positionSide])).toEqual([
      ['BTC/USDT:USDT', 'buy', '400', false, 'long'], // side 1: open long
      ['ETH/USDT:USDT', 'buy', '100', true, 'short'], // side 2: close short
      ['BTC/USDC:USDC', 'sell', '200', true, 'long'], // side 4: close long (state 1, pending, is open too)
    ]);
    expect(snap.balance['USDC']).toMatchObject({ total: '1950', stated: { equity: { value: '1950', field: 'equity' }, wallet: { value: '2000', field: 'cashBalance' }, unrealizedPnl: { value: '-50', field: 'unrealized' } } });
    expect(snap.balance['BTC']).toBeUndefined(); // an all-zero currency row
    expect(snap.prices['BTC/USDC:USDC']).toEqual({ mark: '60000', last: '60012', bid: '60000', ask: '60020' });
    // one list per kind answers every settle currency (USDT and USDC alike); the ticker list carries every mark
    // the ticker feed alongside; open orders first, positions and balances after their answer
    expect(venue.paths().filter((p) => p.includes('/private/') || p.includes('/ticker'))).toEqual([
      'GET /api/v1/contract/ticker',
      'GET /api/v1/private/order/list/open_orders?page_num=1&page_size=100',
      'GET /api/v1/private/position/open_positions',
      'GET /api/v1/private/position/position_mode',
      'GET /api/v1/private/account/assets',
    ]);
  });

  it('follows open-order pages to the end (ccxt asks for one page of 100 only)', async () => {
    const data = fx('mexc/dual-side.json');
    const { venue, state } = mexcVenue(data);
    // page 1: 100 reduce-only close-long sells of 1 contract on BTC_USDC; page 2: the three orders of the fixture
    const template = data.orders.data[2];
    state.pages = [
      Array.from({ length: 100 }, (_, i) => ({ ...clone(template), orderId: String(760000000000000000n + BigInt(i)), vol: 1 })),
      data.orders.data,
    ];
    const snap = await new CcxtAdapter(makeMexc()).fetchSnapshot();
    expect(snap.openOrders).toHaveLength(103);
    expect(snap.openOrders.map((o) => o.symbol)).toContain('BTC/USDT:USDT'); // only on page 2
    expect(venue.paths().filter((p) => p.includes('open_orders'))).toEqual([
      'GET /api/v1/private/order/list/open_orders?page_num=1&page_size=100',
      'GET /api/v1/private/order/list/open_orders?page_num=2&page_size=100',
    ]);
    // what ccxt alone asks: page_size 100 and no page_num — the second page is never read
    const ex = makeMexc();
    const ccxtOrders = await ex.fetchOpenOrders(undefined, undefined, undefined, { type: 'swap' });
    expect(ccxtOrders).toHaveLength(100);
    expect(venue.paths().at(-1)).toBe('GET /api/v1/private/order/list/open_orders?page_size=100');
  });
});

describe('mexc prices', () => {
  it('a contract the ticker list lacks is priced by a targeted request (?symbol=)', async () => {
    const data = fx('mexc/dual-side.json');
    const { venue, state } = mexcVenue(data);
    const usdc = data.ticker.data.find((t: any) => t.symbol === 'BTC_USDC');
    venue.get('/api/v1/contract/ticker', (req) => (req.query['symbol'] === 'BTC_USDC'
      ? { success: true, code: 0, data: usdc }
      : { ...state.ticker, data: state.ticker.data.filter((t: any) => t.symbol !== 'BTC_USDC') }));
    const snap = await new CcxtAdapter(makeMexc()).fetchSnapshot();
    expect(snap.prices['BTC/USDC:USDC']).toEqual({ mark: '60000', last: '60012', bid: '60000', ask: '60020' });
    expect(venue.paths().filter((p) => p.includes('ticker'))).toEqual(['GET /api/v1/contract/ticker', 'GET /api/v1/contract/ticker?symbol=BTC_USDC']);
  });
});

describe('mexc traps: what ccxt alone reads', () => {
  it('side 2 (close short) is read by ccxt as a sell and 3/4 stay unparsed; here 1/2 are buys, 3/4 sells', async () => {
    const data = fx('mexc/dual-side.json');
    const extra = clone(data.orders.data[0]);
    Object.assign(extra, { orderId: '750330744886358531', side: 3, vol: 10, dealVol: 0, createTime: 1764563190300 }); // open short
    data.orders.data.push(extra);
    mexcVenue(data);
    const ex = makeMexc();
    const ccxtSides = (await ex.fetchOpenOrders(undefined, undefined, undefined, { type: 'swap' })).map((o: any) => o.side);
    expect(ccxtSides).toEqual(['buy', 'sell', '4', '3']); // close short as "sell": the guard would count a short-increasing order
    const snap = await new CcxtAdapter(makeMexc()).fetchSnapshot();
    expect(snap.openOrders.map((o) => [o.side, o.reduceOnly, o.positionSide])).toEqual([
      ['buy', false, 'long'], ['buy', true, 'short'], ['sell', true, 'long'], ['sell', false, 'short'],
    ]);
  });

  it('ccxt\'s swap balance total is availableBalance + frozenBalance (no position margin, no unrealized PnL); here the equity', async () => {
    mexcVenue(fx('mexc/dual-side.json'));
    const ex = makeMexc();
    const ccxtBalance = await ex.fetchBalance({ type: 'swap' });
    // USDT: available 8693 + frozen 0 = 8693, while the currency is worth its equity 10150 (cash 10000 + unrealized 150)
    expect([ccxtBalance.total.USDT, ccxtBalance.total.USDC]).toEqual([8693, 1390]);
    const snap = await new CcxtAdapter(makeMexc()).fetchSnapshot();
    expect([snap.balance['USDT']!.total, snap.balance['USDC']!.total]).toEqual(['10150', '1950']);
  });

  it('ccxt calls an isolated position cross (it reads a margin_mode field MEXC does not send)', async () => {
    const data = fx('mexc/dual-side.json');
    mexcVenue(data);
    const ex = makeMexc();
    await ex.loadMarkets();
    const row = data.positions.data[2]; // BTC_USDC, openType 1 = isolated
    expect(ex.parsePosition(row).marginMode).toBe('cross');
    const snap = await new CcxtAdapter(makeMexc()).fetchSnapshot();
    expect(snap.positions[2]).toMatchObject({ symbol: 'BTC/USDC:USDC', marginMode: 'isolated' });
  });
});

describe('mexc, one-way mode', () => {
  it('rows are the net holding of their symbol; a side-2 order is a reduce-only buy on it', async () => {
    const data = fx('mexc/dual-side.json');
    data.positionMode.data = 2;
    data.positions.data = [data.positions.data[1]]; // ETH_USDT short 200
    data.orders.data = [data.orders.data[1]]; // side 2, close short
    data.orders.data[0].positionMode = 2;
    mexcVenue(data);
    const config = { limits: { maxGrossExposure: { value: '10000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeMexc())] });
    // ETH short 200 · 0.01 · 3000 = −6000; gross 6000; the reduce-only buy of 100 shrinks it, adds nothing
    const r = guard.exposure();
    expect(r).toMatchObject({ net: '-6000', gross: '6000' });
    expect(r.holdings.map((h) => [h.instrument, h.side, h.notional])).toEqual([['ETH/USDT:USDT', 'net', '-6000']]);
    expect(r.limits).toEqual([{ limit: 'maxGrossExposure', threshold: '10000', value: '6000', utilisation: '0.6' }]);
    const snap = await new CcxtAdapter(makeMexc()).fetchSnapshot();
    expect(snap.positions[0]).toMatchObject({ positionSide: 'net', hedged: false });
    expect(snap.openOrders[0]).toMatchObject({ side: 'buy', reduceOnly: true, positionSide: 'net' });
    await guard.close();
  });
});

describe('mexc self-verification: the stated figures', () => {
  it('the honest payload agrees with itself', async () => {
    mexcVenue(fx('mexc/dual-side.json'));
    const snap = await new CcxtAdapter(makeMexc()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches).toEqual([]);
    // open_positions states no value, mark or PnL per position: the balance rows are MEXC's only stated figures
    expect(snap.positions.every((p) => p.stated === undefined)).toBe(true);
  });

  it('an equity without unrealized PnL, or a PnL that does not add up, is caught for each currency', async () => {
    const data = fx('mexc/dual-side.json');
    data.assets.data[0].equity = 10000; // USDT: equity = cashBalance, the +150 unrealized left out
    data.assets.data[1].unrealized = -500; // USDC: 2000 − 500 ≠ equity 1950
    mexcVenue(data);
    const snap = await new CcxtAdapter(makeMexc()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches.map((m) => [m.subject, m.figure, m.field, m.stated, m.computed])).toEqual([
      ['USDC balance on mexc', 'equity', 'cashBalance + unrealized', '1500', '1950'],
      ['USDT balance on mexc', 'equity', 'cashBalance + unrealized', '10150', '10000'],
    ]);
  });
});

describe('mexc refusals', () => {
  it('refuses a coin-margined (inverse) position: the unit of its contractSize is not established', async () => {
    const data = fx('mexc/dual-side.json');
    data.positions.data.push({ ...clone(data.positions.data[0]), positionId: 1109973899, symbol: 'BTC_USD', holdVol: 10 });
    mexcVenue(data);
    const err = await new CcxtAdapter(makeMexc()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedHoldingError);
    expect(err.message).toMatch(/BTC\/USD:BTC is a coin-margined contract/);
  });

  it('an answer with success false is the exchange\'s error (ccxt raises it), never an empty account', async () => {
    const data = fx('mexc/dual-side.json');
    data.positions = { success: false, code: 500, message: 'System internal error!' };
    mexcVenue(data);
    const err = await new CcxtAdapter(makeMexc()).fetchSnapshot().catch((e) => e);
    expect(err.kind).toBe('exchange');
    expect(err.message).toMatch(/positions failed/);
  });

  it.each([
    ['an answer without its data list', (d: any) => { d.positions = { success: true, code: 0 }; }, /open_positions.data: expected a JSON array, got undefined/],
    ['an HTML page instead of the asset list', (d: any) => { d.assets = { success: true, code: 0, data: '<html>busy</html>' }; }, /expected a JSON array/],
    ['an unknown positionType', (d: any) => { d.positions.data[0].positionType = 3; }, /unknown positionType 3/],
    ['an unknown order side', (d: any) => { d.orders.data[0].side = 5; }, /unknown side 5/],
    ['a negative holdVol', (d: any) => { d.positions.data[1].holdVol = -200; }, /is negative/],
    ['an unknown position mode', (d: any) => { d.positionMode.data = 3; }, /unknown position mode 3/],
    ['an equity that is not a number', (d: any) => { d.assets.data[0].equity = 'NaN'; }, /"equity" is not a decimal/],
  ])('refuses %s (MalformedPayloadError, never "no positions")', async (_name, corrupt, message) => {
    const data = fx('mexc/dual-side.json');
    corrupt(data);
    mexcVenue(data);
    const err = await new CcxtAdapter(makeMexc()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(message);
  });
});
