import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CcxtAdapter, MalformedPayloadError, UnsupportedHoldingError } from '../../adapters/index.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { clone, fx, makeExchange, resetNock, Venue } from './helpers.js';

beforeEach(() => resetNock());
afterEach(() => resetNock());

// ---- a mocked KuCoin Futures: every route answers KuCoin's raw format (test/fixtures/exchanges/kucoinfutures) ----

interface KucoinData { positions: Record<string, any>; accounts: Record<string, any>; orders: any }

function kucoinVenue(data: KucoinData = fx('kucoinfutures/account.json')) {
  const venue = new Venue(['https://api-futures.kucoin.com', 'https://api.kucoin.com']);
  const state = clone(data);
  const contracts = fx('kucoinfutures/contracts-active.json');
  venue.get('/api/v1/contracts/active', () => contracts);
  // without a currency KuCoin lists the positions of every currency
  venue.get('/api/v1/positions', (req) => (req.query['currency'] ? state.positions[req.query['currency']] : { code: '200000', data: Object.values(state.positions).flatMap((p: any) => p.data) }));
  venue.get('/api/v1/account-overview', (req) => state.accounts[req.query['currency']!]);
  venue.get('/api/v1/orders', () => state.orders);
  venue.get('/api/v1/mark-price/XBTUSDTM/current', () => ({ code: '200000', data: { symbol: 'XBTUSDTM', granularity: 1000, timePoint: 1733011200000, value: 60000, indexPrice: 59995.2 } }));
  // what ccxt asks on api.kucoin.com with keys: the account mode (unified or classic) and, while loading markets, margin pairs and the HF migration
  venue.get('/api/ua/v1/account/mode', () => ({ code: '200000', data: { selfAccountMode: 'CLASSIC' } }));
  venue.get('/api/v3/margin/symbols', () => ({ code: '200000', data: { timestamp: 1733011200000, items: [] } }));
  venue.get('/api/v1/isolated/symbols', () => ({ code: '200000', data: [] }));
  venue.get('/api/v1/hf/accounts/opened', () => ({ code: '200000', data: true }));
  return { venue, state, contracts };
}

function makeKucoin(extra: Record<string, any> = {}) {
  return makeExchange('kucoinfutures', { has: { fetchCurrencies: false }, options: { ...extra } });
}

const accountPaths = (venue: Venue) => venue.paths().filter((p) => /\/api\/v1\/(positions|account-overview|orders)/.test(p)).sort();

describe('kucoinfutures: USDT, USDC and XBT margined contracts', () => {
  it('net, gross, leverage, per asset, per position, limit use and a resize equal the hand-computed values', async () => {
    const { venue } = kucoinVenue();
    const config = { limits: { maxGrossExposure: { value: '35000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeKucoin())] });
    // sizes are lots of `multiplier` (ccxt contractSize):
    // XBTUSDTM  USDT  currentQty +200 · 0.001 BTC · 60000 = +12000   (markValue 12000)
    // ETHUSDTM  USDT  currentQty −300 · 0.01 ETH  · 3000  =  −9000   (markValue −9000)
    // ETHUSDCM  USDC  currentQty +100 · 0.01 ETH  · 3000  =  +3000   (markValue 3000)
    // XBTUSDM   XBT   currentQty −600 · 1 USD (multiplier −1) = −600  (markValue −0.01 XBT = 600 / 60000)
    // equity = accountEquity per currency (marginBalance + unrealisedPNL):
    //   USDT 10000 − 350 = 9650; USDC 3000 + 200 = 3200; XBT 0.1 − 0.002 = 0.098 BTC · 60000 = 5880 → 18730
    // BTC asset = 12000 − 600 + 5880 = 17280; ETH = −9000 + 3000 = −6000; net = 11280
    // gross = 12000 + 9000 + 3000 + 600 + 5880 = 30480; leverage = 30480 / 18730 = 1.6273358248… → 1.62733582
    // pending: XBTUSDTM buy 50 lots → 250 · 0.001 · 60000 = 15000 with buys filled
    //          ETHUSDTM reduce-only buy 100 lots → short −200 · 30 = −6000 with buys filled
    //          XBTUSDM sell 100, 60 filled → 40 USD more short: −640 with sells filled
    // gross, worst case: 15000 + max(9000, 6000) + 3000 + max(600, 640) + 5880 = 33520
    const r = guard.exposure();
    expect(r).toMatchObject({
      equity: '18730', net: '11280', gross: '30480', leverage: '1.62733582',
      assets: { BTC: '17280', ETH: '-6000' },
      positions: { 'BTC/USDT:USDT': '12000', 'ETH/USDT:USDT': '-9000', 'ETH/USDC:USDC': '3000', 'BTC/USD:BTC': '-600' },
      unpriced: [],
    });
    expect(r.limits).toEqual([{ limit: 'maxGrossExposure', threshold: '35000', value: '33520', utilisation: '0.957714' }]);
    // buying 100 more XBTUSDTM lots: one lot is 0.001 BTC · 60000 = 60 USDT
    // room 35000 − 33520 = 1480 → 1480 / 60 = 24.67 → lot 1 → 24 lots; after 33520 + 24 · 60 = 34960
    const d = guard.preview({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '100' });
    expect([d.action, d.approved, d.reasons[0]?.code, d.after.gross]).toEqual(['resize', '24', 'GROSS_EXPOSURE', '34960']);
    expect(accountPaths(venue)).toEqual([
      'GET /api/v1/account-overview?currency=USDC',
      'GET /api/v1/account-overview?currency=USDT',
      'GET /api/v1/account-overview?currency=XBT',
      'GET /api/v1/orders?status=active&currentPage=1&pageSize=100',
      'GET /api/v1/positions?currency=USDC',
      'GET /api/v1/positions?currency=USDT',
      'GET /api/v1/positions?currency=XBT',
    ]);
    expect(venue.count('/api/ua/v1/account/mode')).toBe(1); // asked once, kept by ccxt
    expect(venue.unexpected).toEqual([]);
    await guard.close();
  });

  it('sees the USDC and XBT margined positions, balances and orders', async () => {
    kucoinVenue();
    const snap = await new CcxtAdapter(makeKucoin()).fetchSnapshot();
    expect(snap.positions.map((p) => [p.symbol, p.side, p.contracts, p.contractSize])).toEqual([
      ['ETH/USDC:USDC', 'long', '100', '0.01'],
      ['BTC/USDT:USDT', 'long', '200', '0.001'],
      ['ETH/USDT:USDT', 'short', '300', '0.01'],
      ['BTC/USD:BTC', 'short', '600', '1'],
    ]);
    expect(snap.balance['BTC']).toMatchObject({ total: '0.098', stated: { equity: { value: '0.098' }, wallet: { value: '0.1', field: 'marginBalance' }, unrealizedPnl: { value: '-0.002' } } });
    expect(snap.balance['USDC']).toMatchObject({ total: '3200' });
    expect(snap.openOrders.map((o) => [o.symbol, o.side, o.amount, o.filled, o.remaining, o.reduceOnly])).toEqual([
      ['BTC/USDT:USDT', 'buy', '50', '0', '50', false],
      ['ETH/USDT:USDT', 'buy', '100', '0', '100', true],
      ['BTC/USD:BTC', 'sell', '100', '60', '40', false],
    ]);
  });

  it('reads only the settle currencies the host names ("BTC" is KuCoin\'s XBT)', async () => {
    const { venue } = kucoinVenue();
    const snap = await new CcxtAdapter(makeKucoin(), { settleCurrencies: ['BTC'] }).fetchSnapshot();
    expect(snap.positions.map((p) => p.symbol)).toEqual(['BTC/USD:BTC']);
    expect(snap.openOrders.map((o) => o.symbol)).toEqual(['BTC/USD:BTC']); // the USDT orders of the same list are left out
    expect(accountPaths(venue)).toEqual([
      'GET /api/v1/account-overview?currency=XBT',
      'GET /api/v1/orders?status=active&currentPage=1&pageSize=100',
      'GET /api/v1/positions?currency=XBT',
    ]);
  });

  it('follows currentPage to totalPage', async () => {
    const data: KucoinData = fx('kucoinfutures/account.json');
    const { venue, state } = kucoinVenue(data);
    const filler = Array.from({ length: 100 }, (_, i) => ({ ...data.orders.data.items[0], id: `9${String(i).padStart(17, '0')}`, clientOid: `filler-${i}`, size: 1 }));
    const page = (n: number) => (n === 1
      ? { code: '200000', data: { currentPage: 1, pageSize: 100, totalNum: 103, totalPage: 2, items: filler } }
      : { code: '200000', data: { ...state.orders.data, currentPage: 2, totalNum: 103, totalPage: 2 } });
    venue.get('/api/v1/orders', (req) => page(Number(req.query['currentPage'] ?? 1)));
    const snap = await new CcxtAdapter(makeKucoin()).fetchSnapshot();
    expect(snap.openOrders).toHaveLength(103);
    expect(snap.openOrders.map((o) => o.clientOrderId)).toContain('rg-kc-3'); // on page 2
    expect(venue.paths().filter((p) => p.startsWith('GET /api/v1/orders'))).toEqual([
      'GET /api/v1/orders?status=active&currentPage=1&pageSize=100',
      'GET /api/v1/orders?status=active&currentPage=2&pageSize=100',
    ]);
    // ccxt's fetchOpenOrders() asks once, without a page: the first 100 (KuCoin's default page holds 50) only
    const viaCcxt = await makeKucoin().fetchOpenOrders();
    expect(viaCcxt).toHaveLength(100);
  });
});

describe('kucoinfutures traps', () => {
  it('ccxt alone: one currency\'s balance, and a position notional that is the entry cost', async () => {
    kucoinVenue();
    const ex = makeKucoin();
    const bal = await ex.fetchBalance();
    expect(Object.keys(bal.total)).toEqual(['USDT']); // options.fetchBalance.code: the USDC and XBT accounts are missing
    const positions = await ex.fetchPositions();
    const xbt = positions.find((p: any) => p.symbol === 'BTC/USDT:USDT');
    // ccxt's notional is posCost (200 lots bought at 61000 = 12200), not the value at the mark (12000)
    expect([xbt.notional, xbt.contracts, xbt.contractSize, xbt.markPrice]).toEqual([12200, 200, 0.001, 60000]);
    const snap = await new CcxtAdapter(ex).fetchSnapshot();
    expect(snap.positions.find((p) => p.symbol === 'BTC/USDT:USDT')).toMatchObject({ contracts: '200', contractSize: '0.001', stated: { notional: { value: '12000', field: 'markValue', currency: 'USDT' } } });
    expect(Object.keys(snap.balance['total'] as object)).toEqual(['BTC', 'USDC', 'USDT']);
  });

  it('XBTUSDM states multiplier −1: one contract is 1 USD, confirmed by markValue in XBT', async () => {
    kucoinVenue();
    const ex = makeKucoin();
    const snap = await new CcxtAdapter(ex).fetchSnapshot();
    expect([ex.markets['BTC/USD:BTC'].info.multiplier, ex.markets['BTC/USD:BTC'].contractSize, ex.markets['BTC/USDT:USDT'].contractSize]).toEqual([-1, 1, 0.001]);
    // 600 contracts · 1 USD / 60000 = 0.01 BTC = |markValue|
    expect(snap.positions.find((p) => p.symbol === 'BTC/USD:BTC')).toMatchObject({ stated: { notional: { value: '0.01', currency: 'BTC' } } });
    expect(normalizeSnapshot(snap).mismatches).toEqual([]);
  });

  it('refuses a contract whose unit cannot be established', async () => {
    const { venue, contracts } = kucoinVenue();
    const odd = { ...contracts.data[3], symbol: 'ETHUSDM', baseCurrency: 'ETH', settleCurrency: 'ETH', rootSymbol: 'ETH', multiplier: -10 };
    venue.get('/api/v1/contracts/active', () => ({ ...contracts, data: [...contracts.data, odd] }));
    venue.get('/api/v1/positions', (req) => (req.query['currency'] === 'ETH'
      ? { code: '200000', data: [{ ...fx('kucoinfutures/account.json').positions.XBT.data[0], symbol: 'ETHUSDM', settleCurrency: 'ETH', currentQty: -10, markPrice: 3000, markValue: -0.0333 }] }
      : fx('kucoinfutures/account.json').positions[req.query['currency']!]));
    venue.get('/api/v1/account-overview', (req) => (req.query['currency'] === 'ETH' ? { code: '200000', data: { ...fx('kucoinfutures/account.json').accounts.XBT.data, currency: 'ETH' } } : fx('kucoinfutures/account.json').accounts[req.query['currency']!]));
    const err = await new CcxtAdapter(makeKucoin()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedHoldingError);
    expect(err.message).toMatch(/ETH\/USD:ETH has multiplier -10/);
  });

  it('hedge mode: LONG and SHORT rows are separate holdings; a SHORT row with a positive quantity is refused', async () => {
    const data: KucoinData = fx('kucoinfutures/account.json');
    const xbt = data.positions.USDT.data[0];
    data.positions.USDT.data = [
      { ...xbt, positionSide: 'LONG' },
      { ...xbt, id: '6750f1a2b3c4d50001a00009', positionSide: 'SHORT', currentQty: -50, markValue: -3000, posCost: -2950, avgEntryPrice: 59000, unrealisedPnl: -50 },
      data.positions.USDT.data[1],
    ];
    data.accounts.USDT.data.unrealisedPNL = -400;
    data.accounts.USDT.data.accountEquity = 9600;
    kucoinVenue(data);
    const snap = await new CcxtAdapter(makeKucoin()).fetchSnapshot();
    expect(snap.positions.filter((p) => p.symbol === 'BTC/USDT:USDT').map((p) => [p.side, p.contracts, p.positionSide])).toEqual([['long', '200', 'long'], ['short', '50', 'short']]);
    expect(normalizeSnapshot(snap).mismatches).toEqual([]);

    resetNock();
    data.positions.USDT.data[1].currentQty = 50;
    kucoinVenue(data);
    const err = await new CcxtAdapter(makeKucoin()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/positionSide SHORT with currentQty 50/);
  });
});

describe('kucoinfutures self-verification against the figures KuCoin states', () => {
  it('the honest payload gives no mismatch; each corrupted figure is caught with its field', async () => {
    const read = async (mutate: (d: KucoinData) => void) => {
      resetNock();
      const data: KucoinData = fx('kucoinfutures/account.json');
      mutate(data);
      kucoinVenue(data);
      return normalizeSnapshot(await new CcxtAdapter(makeKucoin()).fetchSnapshot()).mismatches.map((m) => `${m.subject}: ${m.figure} ${m.field} stated ${m.stated} computed ${m.computed}`);
    };
    expect(await read(() => {})).toEqual([]);
    // a markValue that disagrees with lots · multiplier · mark (as if a lot were 1 BTC): 200 · 0.001 · 60000 = 12000
    expect(await read((d) => { d.positions.USDT.data[0].markValue = 12000000; })).toEqual([
      'BTC/USDT:USDT long on kucoinfutures: notional markValue stated 12000000 computed 12000',
    ]);
    // the inverse markValue in USD instead of XBT: 600 · 1 / 60000 = 0.01
    expect(await read((d) => { d.positions.XBT.data[0].markValue = -600; })).toEqual([
      'BTC/USD:BTC short on kucoinfutures: notional markValue stated 600 computed 0.01',
    ]);
    // a position mark far from the contract list's markPrice (3000); the value at that mark disagrees too
    expect(await read((d) => { d.positions.USDC.data[0].markPrice = 3600; })).toEqual([
      'ETH/USDC:USDC long on kucoinfutures: markPrice markPrice stated 3600 computed 3000',
      'ETH/USDC:USDC long on kucoinfutures: notional markValue stated 3000 computed 3600',
    ]);
    // an equity without the unrealized loss: accountEquity 10000 = marginBalance, against marginBalance + unrealisedPNL = 9650
    expect(await read((d) => { d.accounts.USDT.data.accountEquity = 10000; })).toEqual([
      'USDT balance on kucoinfutures: equity marginBalance + unrealisedPNL stated 9650 computed 10000',
    ]);
    // a wallet or an account PnL that disagrees: marginBalance 10350 − 350 = 10000 against accountEquity 9650; 10000 + 0 against 9650
    expect(await read((d) => { d.accounts.USDT.data.marginBalance = 10350; })).toEqual([
      'USDT balance on kucoinfutures: equity marginBalance + unrealisedPNL stated 10000 computed 9650',
    ]);
    expect(await read((d) => { d.accounts.USDT.data.unrealisedPNL = 0; })).toEqual([
      'USDT balance on kucoinfutures: equity marginBalance + unrealisedPNL stated 10000 computed 9650',
    ]);
    // the same in XBT: 0.1 against 0.1 − 0.002
    expect(await read((d) => { d.accounts.XBT.data.accountEquity = 0.1; })).toEqual([
      'BTC balance on kucoinfutures: equity marginBalance + unrealisedPNL stated 0.098 computed 0.1',
    ]);
  });
});

describe('kucoinfutures refusals and the real loadMarkets path', () => {
  it('a garbled or contradictory answer is an error, never "no positions"', async () => {
    const { venue } = kucoinVenue();
    venue.get('/api/v1/positions', () => ({ code: '200000', data: { items: [] } }));
    const err = await new CcxtAdapter(makeKucoin()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/positions (USDC|USDT|XBT)\.data: expected a JSON array/);

    resetNock();
    const { venue: v2 } = kucoinVenue();
    v2.get('/api/v1/positions', () => fx('kucoinfutures/account.json').positions.USDT); // every currency answered with the USDT rows
    const err2 = await new CcxtAdapter(makeKucoin()).fetchSnapshot().catch((e) => e);
    expect(err2).toBeInstanceOf(MalformedPayloadError);
    expect(err2.message).toMatch(/settleCurrency "USDT" in the answer for (USDC|XBT)/);

    resetNock();
    const data: KucoinData = fx('kucoinfutures/account.json');
    data.orders.data.items[2].filledSize = 120;
    kucoinVenue(data);
    const err3 = await new CcxtAdapter(makeKucoin()).fetchSnapshot().catch((e) => e);
    expect(err3).toBeInstanceOf(MalformedPayloadError);
    expect(err3.message).toMatch(/filledSize 120 exceeds size 100/);
  });

  it('refuses a unified trading account', async () => {
    const { venue } = kucoinVenue();
    venue.get('/api/ua/v1/account/mode', () => ({ code: '200000', data: { selfAccountMode: 'UNIFIED' } }));
    const err = await new CcxtAdapter(makeKucoin()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedHoldingError);
    expect(err.message).toMatch(/unified trading account/);
  });

  it('loads markets with ccxt\'s defaults (currencies too) and prices a symbol the contract list lacks', async () => {
    const { venue, contracts } = kucoinVenue();
    venue.get('/api/v3/currencies', () => ({ code: '200000', data: [] }));
    const ex = makeExchange('kucoinfutures');
    await ex.loadMarkets();
    // the feed answers without XBTUSDTM this time: its mark is asked for on its own
    venue.get('/api/v1/contracts/active', () => ({ ...contracts, data: contracts.data.filter((c: any) => c.symbol !== 'XBTUSDTM') }));
    const data: KucoinData = fx('kucoinfutures/account.json');
    data.positions.USDT.data[0].markPrice = null; // and the position row carries none
    venue.get('/api/v1/positions', (req) => data.positions[req.query['currency']!]);
    const snap = await new CcxtAdapter(ex).fetchSnapshot();
    expect(snap.prices['BTC/USDT:USDT']).toEqual({ mark: '60000' });
    expect(venue.paths()).toContain('GET /api/v1/mark-price/XBTUSDTM/current');
    expect(venue.count('/api/v3/currencies')).toBe(1);
    expect(venue.unexpected).toEqual([]);
  });
});
