import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CcxtAdapter, MalformedPayloadError, UnsupportedHoldingError } from '../../adapters/index.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { clone, fx, makeExchange, resetNock, Venue } from './helpers.js';

beforeEach(() => resetNock());
afterEach(() => resetNock());

// ---- a mocked Gate: every route answers Gate's raw API v4 format (test/fixtures/exchanges/gate) ----

type Key = 'futures/usdt' | 'futures/btc' | 'delivery/usdt';
const KEYS: Key[] = ['futures/usdt', 'futures/btc', 'delivery/usdt'];

interface GateData { positions: Record<string, any>; accounts: Record<string, any>; orders: Record<string, any>; tickers: Record<string, any> }

function gateVenue(data: GateData = fx('gate/account.json')) {
  const venue = new Venue(['https://api.gateio.ws']);
  const state = clone(data);
  const contracts: Record<string, any> = {
    'futures/usdt': fx('gate/contracts-futures-usdt.json'),
    'futures/btc': fx('gate/contracts-futures-btc.json'),
    'delivery/usdt': fx('gate/contracts-delivery-usdt.json'),
  };
  venue.get('/api/v4/account/detail', () => fx('gate/account-detail.json'));
  for (const key of KEYS) {
    venue.get(`/api/v4/${key}/contracts`, () => contracts[key]);
    venue.get(`/api/v4/${key}/positions`, () => state.positions[key]);
    venue.get(`/api/v4/${key}/accounts`, () => state.accounts[key]);
    venue.get(`/api/v4/${key}/orders`, () => state.orders[key]);
    venue.get(`/api/v4/${key}/tickers`, (req) => (req.query['contract'] ? state.tickers[key].filter((t: any) => t.contract === req.query['contract']) : state.tickers[key]));
  }
  return { venue, state, contracts };
}

/** ccxt gate limited to the mocked market types (swap: USDT and BTC settled, its default; delivery: USDT) */
function makeGate(extra: Record<string, any> = {}) {
  return makeExchange('gate', { has: { fetchCurrencies: false }, options: { fetchMarkets: { types: ['swap', 'future'] }, ...extra } });
}

const accountPaths = (venue: Venue) => venue.paths().filter((p) => /\/(positions|accounts|orders)/.test(p)).sort();

describe('gate: USDT and BTC settled swaps and USDT delivery futures', () => {
  it('net, gross, leverage, per asset, per position, limit use and a resize equal the hand-computed values', async () => {
    const { venue } = gateVenue();
    const config = { limits: { maxGrossExposure: { value: '35000' }, maxAssetExposure: { BTC: '25000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeGate())] });
    // contracts are quanto_multiplier coins (ccxt contractSize); BTC_USD is 1 USD a contract
    // BTC_USDT            swap usdt   size +2000 · 0.0001 BTC · mark 60000 = +12000   (value "12000")
    // ETH_USDT            swap usdt   size  −300 · 0.01 ETH   · mark 3000  =  −9000   (value "9000")
    // BTC_USD             swap btc    size  −600 · 1 USD                   =   −600   (value "0.01" BTC = 600 / 60000)
    // BTC_USDT_20261225   delivery    size  +500 · 0.0001 BTC · mark 60500 =  +3025   (value "3025")
    // equity = total + unrealised_pnl of every account:
    //   USDT: swap 10000 − 350 + delivery 2000 + 25 = 11675
    //   BTC:  swap 0.1 − 0.002 = 0.098 BTC · 60000 (BTC/USDT:USDT mark) = 5880
    //   equity = 11675 + 5880 = 17555   (ccxt's total would say 10000 + 0.1 BTC: the unrealised loss left out)
    // BTC asset = 12000 − 600 + 3025 + 5880 = 20305; ETH = −9000; net = 11305
    // gross = 12000 + 9000 + 600 + 3025 + 5880 = 30505; leverage = 30505 / 17555 = 1.7376815721… → 1.73768157
    // pending orders (contracts):
    //   BTC_USDT buy 500 (0.05 BTC)         → BTC_USDT 2500 · 6 = 15000 with buys filled
    //   ETH_USDT reduce-only buy 100 (1 ETH) → shrinks the short to −200 · 30 = −6000 with buys filled
    //   BTC_USD sell −100, left −40          → 40 USD more short: −640 with sells filled
    // gross, worst case over any mix of fills (each holding at its larger direction):
    //   15000 + max(9000, 6000) + max(600, 640) + 3025 + 5880 = 33545
    // BTC asset with buys filled = 15000 − 600 + 3025 + 5880 = 23305 (sells filled: 12000 − 640 + 3025 + 5880 = 20265)
    const r = guard.exposure();
    expect(r).toMatchObject({
      equity: '17555', net: '11305', gross: '30505', leverage: '1.73768157',
      assets: { BTC: '20305', ETH: '-9000' },
      positions: { 'BTC/USDT:USDT': '12000', 'ETH/USDT:USDT': '-9000', 'BTC/USD:BTC': '-600', 'BTC/USDT:USDT-261225': '3025' },
      unpriced: [],
    });
    expect(r.limits).toEqual([
      { limit: 'maxGrossExposure', threshold: '35000', value: '33545', utilisation: '0.958429' },
      { limit: 'maxAssetExposure', subject: 'BTC', threshold: '25000', value: '23305', utilisation: '0.9322' },
    ]);
    // buying 1000 more BTC_USDT contracts (0.1 BTC): one contract is 0.0001 BTC · 60000 = 6 USDT
    // gross room 35000 − 33545 = 1455 → 1455 / 6 = 242.5 → lot 1 → 242 contracts (after: 33545 + 1452 = 34997)
    // the BTC asset limit would allow (25000 − 23305) / 6 = 282.5: gross binds
    const d = guard.preview({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '1000' });
    expect([d.action, d.approved, d.reasons[0]?.code, d.after.gross]).toEqual(['resize', '242', 'GROSS_EXPOSURE', '34997']);
    // every type and settle currency the markets have: positions, accounts and orders alike
    expect(accountPaths(venue)).toEqual([
      'GET /api/v4/delivery/usdt/accounts',
      'GET /api/v4/delivery/usdt/orders?status=open&limit=100&offset=0',
      'GET /api/v4/delivery/usdt/positions',
      'GET /api/v4/futures/btc/accounts',
      'GET /api/v4/futures/btc/accounts', // in_dual_mode, for the position side of its open orders
      'GET /api/v4/futures/btc/orders?status=open&limit=100&offset=0',
      'GET /api/v4/futures/btc/positions?holding=true&limit=100&offset=0',
      'GET /api/v4/futures/usdt/accounts',
      'GET /api/v4/futures/usdt/accounts',
      'GET /api/v4/futures/usdt/orders?status=open&limit=100&offset=0',
      'GET /api/v4/futures/usdt/positions?holding=true&limit=100&offset=0',
    ]);
    expect(venue.unexpected).toEqual([]);
    await guard.close();
  });

  it('sees the position, balance and open order of the second settle currency and of the delivery account', async () => {
    gateVenue();
    const snap = await new CcxtAdapter(makeGate()).fetchSnapshot();
    expect(snap.positions.map((p) => [p.symbol, p.side, p.contracts, p.contractSize, p.positionSide])).toEqual([
      ['BTC/USDT:USDT-261225', 'long', '500', '0.0001', 'net'], // delivery: size arrives as the number 500
      ['BTC/USD:BTC', 'short', '600', '1', 'net'],                // BTC settled, 1 USD a contract
      ['BTC/USDT:USDT', 'long', '2000', '0.0001', 'net'],
      ['ETH/USDT:USDT', 'short', '300', '0.01', 'net'],
    ]);
    // swap total 0.1 − 0.002 unrealised; USDT = swap 10000 − 350 + delivery 2000 + 25
    expect(snap.balance['BTC']).toMatchObject({ total: '0.098', stated: { wallet: { value: '0.1', field: 'total' } } });
    expect(snap.balance['USDT']).toMatchObject({ total: '11675', stated: { wallet: { value: '12000', field: 'delivery total + futures total' } } });
    expect(snap.openOrders.map((o) => [o.symbol, o.side, o.amount, o.filled, o.remaining, o.reduceOnly, o.clientOrderId])).toEqual([
      ['BTC/USD:BTC', 'sell', '100', '60', '40', false, null], // size −100, left −40 (numbers, signed)
      ['BTC/USDT:USDT', 'buy', '500', '0', '500', false, 't-rg-buy-1'],
      ['ETH/USDT:USDT', 'buy', '100', '0', '100', true, null], // text "api" names the source, not the order
    ]);
  });

  it('reads only the settle currencies the host names', async () => {
    const { venue } = gateVenue();
    const snap = await new CcxtAdapter(makeGate(), { settleCurrencies: ['BTC'] }).fetchSnapshot();
    expect(snap.positions.map((p) => p.symbol)).toEqual(['BTC/USD:BTC']);
    expect(Object.keys(snap.balance['total'] as object)).toEqual(['BTC']);
    expect(accountPaths(venue)).toEqual([
      'GET /api/v4/futures/btc/accounts',
      'GET /api/v4/futures/btc/accounts',
      'GET /api/v4/futures/btc/orders?status=open&limit=100&offset=0',
      'GET /api/v4/futures/btc/positions?holding=true&limit=100&offset=0',
    ]);
  });

  it('follows limit/offset pages of positions and open orders to the end', async () => {
    const data: GateData = fx('gate/account.json');
    const { venue, state } = gateVenue(data);
    // a full page of 100 rows means there may be more: 100 filler rows on page 1, the real ones on page 2
    const fillerPositions = Array.from({ length: 100 }, (_, i) => ({ ...data.positions['futures/usdt'][0], size: '0', value: '0', unrealised_pnl: '0', update_id: i }));
    const fillerOrders = Array.from({ length: 100 }, (_, i) => ({ ...data.orders['futures/usdt'][0], id: 90000 + i, size: '1', left: '1', text: `t-filler-${i}` }));
    venue.get('/api/v4/futures/usdt/positions', (req) => (req.query['offset'] === '0' ? fillerPositions : req.query['offset'] === '100' ? state.positions['futures/usdt'] : []));
    venue.get('/api/v4/futures/usdt/orders', (req) => (req.query['offset'] === '0' ? fillerOrders : req.query['offset'] === '100' ? state.orders['futures/usdt'] : []));
    const snap = await new CcxtAdapter(makeGate()).fetchSnapshot();
    expect(snap.positions.map((p) => p.symbol)).toContain('ETH/USDT:USDT');
    expect(snap.openOrders.filter((o) => o.symbol === 'BTC/USDT:USDT' || o.symbol === 'ETH/USDT:USDT')).toHaveLength(102);
    expect(venue.paths().filter((p) => p.startsWith('GET /api/v4/futures/usdt/positions') || p.startsWith('GET /api/v4/futures/usdt/orders'))
      .sort()).toEqual([
      'GET /api/v4/futures/usdt/orders?status=open&limit=100&offset=0',
      'GET /api/v4/futures/usdt/orders?status=open&limit=100&offset=100', // 2 rows: the last page
      'GET /api/v4/futures/usdt/positions?holding=true&limit=100&offset=0',
      'GET /api/v4/futures/usdt/positions?holding=true&limit=100&offset=100',
    ]);
  });
});

describe('gate traps', () => {
  it('ccxt alone: total without unrealised PnL, and only the USDT settled swaps', async () => {
    gateVenue();
    const ex = makeGate();
    const bal = await ex.fetchBalance({ type: 'swap' });
    // Gate documents the futures account's total as the balance EXCLUDING unrealised PnL
    expect(bal.total.USDT).toBe(10000); // the −350 of the losing positions is not in it: equity overstated
    expect(bal.total.BTC).toBeUndefined(); // the BTC settled account is not read at all
    const viaCcxt = await ex.fetchPositions();
    expect(viaCcxt.map((p: any) => p.symbol)).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT']); // BTC_USD and the delivery future missing
    const snap = await new CcxtAdapter(ex).fetchSnapshot();
    expect(snap.balance['USDT']).toMatchObject({ total: '11675' }); // 10000 − 350 + 2000 + 25
    expect(snap.positions).toHaveLength(4);
  });

  it('BTC_USD states quanto_multiplier "0": one contract is 1 USD, confirmed by the position value in BTC', async () => {
    gateVenue();
    const ex = makeGate();
    const snap = await new CcxtAdapter(ex).fetchSnapshot();
    expect(ex.markets['BTC/USD:BTC'].info.quanto_multiplier).toBe('0');
    // 600 contracts · 1 USD / mark 60000 = 0.01 BTC = Gate's "value"
    expect(snap.positions.find((p) => p.symbol === 'BTC/USD:BTC')).toMatchObject({ contracts: '600', contractSize: '1', stated: { notional: { value: '0.01', field: 'value', currency: 'BTC' } } });
    expect(normalizeSnapshot(snap).mismatches).toEqual([]);
  });

  it('refuses a position in a contract whose unit cannot be established (a quanto contract)', async () => {
    const { venue, state, contracts } = gateVenue();
    // ETH_USD settled in BTC: quote USD, settle BTC, base ETH — a quanto contract, neither linear nor inverse
    const quanto = { ...contracts['futures/btc'][0], name: 'ETH_USD', type: 'quanto', quanto_multiplier: '0.000001' };
    venue.get('/api/v4/futures/btc/contracts', () => [...contracts['futures/btc'], quanto]);
    state.positions['futures/btc'].push({ ...state.positions['futures/btc'][0], contract: 'ETH_USD', size: '10', value: '0.0005' });
    const err = await new CcxtAdapter(makeGate()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedHoldingError);
    expect(err.message).toMatch(/ETH_USD|ETH\/USD:BTC/);
    expect(err.message).toMatch(/unit of one contract cannot be established/);
  });

  it('dual mode: dual_long / dual_short rows are separate holdings; orders get their position side from direction and reduce_only', async () => {
    const data: GateData = fx('gate/account.json');
    const btc = data.positions['futures/usdt'][0];
    data.positions['futures/usdt'] = [
      { ...btc, mode: 'dual_long', size: '2000', value: '12000', unrealised_pnl: '-200' },
      { ...btc, mode: 'dual_short', size: '-500', value: '3000', entry_price: '59000', unrealised_pnl: '-50' },
    ];
    data.accounts['futures/usdt'] = { ...data.accounts['futures/usdt'], in_dual_mode: true, position_mode: 'dual', unrealised_pnl: '-250' };
    const order = data.orders['futures/usdt'][0];
    data.orders['futures/usdt'] = [
      { ...order, id: 1, size: '-300', left: '-300', is_reduce_only: true, text: 't-close-long' }, // sell, reduce-only: closes the long
      { ...order, id: 2, size: '200', left: '200', is_reduce_only: true, text: 't-close-short' }, // buy, reduce-only: closes the short
      { ...order, id: 3, size: '-100', left: '-100', is_reduce_only: false, text: 't-open-short' }, // sell: opens more short
    ];
    gateVenue(data);
    const config = { limits: { maxPositionNotional: { default: '15000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeGate())] });
    // long 2000 · 6 = +12000; short 500 · 6 = −3000 (each contract 0.0001 BTC · 60000)
    const r = guard.exposure();
    expect(r.holdings.filter((h) => h.instrument === 'BTC/USDT:USDT').map((h) => [h.side, h.units, h.notional])).toEqual([['long', '2000', '12000'], ['short', '-500', '-3000']]);
    const snap = await new CcxtAdapter(makeGate()).fetchSnapshot();
    expect(snap.openOrders.filter((o) => o.symbol === 'BTC/USDT:USDT').map((o) => [o.clientOrderId, o.side, o.positionSide, o.reduceOnly])).toEqual([
      ['t-close-long', 'sell', 'long', true],
      ['t-close-short', 'buy', 'short', true],
      ['t-open-short', 'sell', 'short', false],
    ]);
    expect(normalizeSnapshot(snap).mismatches).toEqual([]);
    await guard.close();
  });

  it('refuses a dual_short row with a positive size', async () => {
    const data: GateData = fx('gate/account.json');
    data.positions['futures/usdt'][0].mode = 'dual_short'; // size +2000
    gateVenue(data);
    const err = await new CcxtAdapter(makeGate()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/mode dual_short with size 2000/);
  });
});

describe('gate self-verification against the figures Gate states', () => {
  it('the honest payload gives no mismatch; each corrupted figure is caught with its field', async () => {
    const read = async (mutate: (d: GateData) => void) => {
      resetNock();
      const data: GateData = fx('gate/account.json');
      mutate(data);
      gateVenue(data);
      return normalizeSnapshot(await new CcxtAdapter(makeGate()).fetchSnapshot()).mismatches.map((m) => `${m.subject}: ${m.figure} ${m.field} stated ${m.stated} computed ${m.computed}`);
    };
    expect(await read(() => {})).toEqual([]);
    // a value that disagrees with size · quanto_multiplier · mark (as if the size were coins): 2000 · 0.0001 · 60000 = 12000
    expect(await read((d) => { d.positions['futures/usdt'][0].value = '120000000'; })).toEqual([
      'BTC/USDT:USDT long on gate: notional value stated 120000000 computed 12000',
    ]);
    // the inverse value in USD instead of BTC: 600 · 1 / 60000 = 0.01 BTC
    expect(await read((d) => { d.positions['futures/btc'][0].value = '600'; })).toEqual([
      'BTC/USD:BTC short on gate: notional value stated 600 computed 0.01',
    ]);
    // a stated mark far from the price feed's (3000): caught as a mark, and the value at that mark (3 ETH · 3300 = 9900) disagrees too
    expect(await read((d) => { d.positions['futures/usdt'][1].mark_price = '3300'; })).toEqual([
      'ETH/USDT:USDT short on gate: markPrice mark_price stated 3300 computed 3000',
      'ETH/USDT:USDT short on gate: notional value stated 9000 computed 9900',
    ]);
    // an account whose unrealised_pnl leaves out the positions' losses (the equity-without-PnL trap):
    // total = 10000 + 0 + 2000 + 25 = 12025, but wallet 12000 + the positions' own PnL (−200 − 150 + 25) = 11675
    expect(await read((d) => { d.accounts['futures/usdt'].unrealised_pnl = '0'; })).toEqual([
      "USDT balance on gate: equity delivery total + futures total + positions' unrealized PnL stated 11675 computed 12025",
    ]);
    // a position PnL that disagrees with its account's: 12000 + (−2000 − 150 + 25) = 9875 against total 11675
    expect(await read((d) => { d.positions['futures/usdt'][0].unrealised_pnl = '-2000'; })).toEqual([
      "USDT balance on gate: equity delivery total + futures total + positions' unrealized PnL stated 9875 computed 11675",
    ]);
    // the same in the BTC settled account: 0.1 + 0 against 0.1 − 0.002
    expect(await read((d) => { d.accounts['futures/btc'].unrealised_pnl = '0'; })).toEqual([
      "BTC balance on gate: equity total + positions' unrealized PnL stated 0.098 computed 0.1",
    ]);
  });
});

describe('gate refusals and the real loadMarkets path', () => {
  it('a garbled answer is an error, never "no positions"', async () => {
    const { venue } = gateVenue();
    venue.get('/api/v4/futures/btc/positions', () => ({ positions: [] })); // an object where Gate documents a list
    const err = await new CcxtAdapter(makeGate()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/futures\/btc\/positions: expected a JSON array/);

    resetNock();
    const data: GateData = fx('gate/account.json');
    data.positions['futures/usdt'][0].size = 'lots';
    gateVenue(data);
    const err2 = await new CcxtAdapter(makeGate()).fetchSnapshot().catch((e) => e);
    expect(err2).toBeInstanceOf(MalformedPayloadError);
    expect(err2.message).toMatch(/field "size" is not a decimal/);
  });

  it('refuses contradictory answers: an account in another currency, an order whose left exceeds its size', async () => {
    const data: GateData = fx('gate/account.json');
    data.accounts['futures/btc'].currency = 'USDT';
    gateVenue(data);
    const err = await new CcxtAdapter(makeGate()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/currency "USDT" is not the settle currency asked for \(btc\)/);

    resetNock();
    const data2: GateData = fx('gate/account.json');
    data2.orders['futures/usdt'][0].left = '700';
    gateVenue(data2);
    const err2 = await new CcxtAdapter(makeGate()).fetchSnapshot().catch((e) => e);
    expect(err2).toBeInstanceOf(MalformedPayloadError);
    expect(err2.message).toMatch(/left 700 exceeds size 500/);
  });

  it('prices a position the ticker list lacks with a request for its own ticker', async () => {
    const data: GateData = fx('gate/account.json');
    const ticker = data.tickers['delivery/usdt'][0];
    data.tickers['delivery/usdt'] = [];
    data.positions['delivery/usdt'][0].mark_price = '0'; // and the position row states none
    const { venue } = gateVenue(data);
    venue.get('/api/v4/delivery/usdt/tickers', (req) => (req.query['contract'] === 'BTC_USDT_20261225' ? [ticker] : []));
    const snap = await new CcxtAdapter(makeGate()).fetchSnapshot();
    expect(snap.prices['BTC/USDT:USDT-261225']).toEqual({ mark: '60500', last: '60510', bid: '60505', ask: '60510' });
    expect(venue.paths()).toContain('GET /api/v4/delivery/usdt/tickers?contract=BTC_USDT_20261225');
  });

  it('refuses a unified account (detected by ccxt from /account/detail, or by the account\'s margin_mode)', async () => {
    const { venue } = gateVenue();
    venue.get('/api/v4/account/detail', () => ({ ...fx<Record<string, unknown>>('gate/account-detail.json'), key: { mode: 2 } }));
    const err = await new CcxtAdapter(makeGate()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedHoldingError);
    expect(err.message).toMatch(/unified account/);

    resetNock();
    const data: GateData = fx('gate/account.json');
    data.accounts['futures/usdt'].margin_mode = 1; // multi-currency margin mode of the unified account
    gateVenue(data);
    const err2 = await new CcxtAdapter(makeGate()).fetchSnapshot().catch((e) => e);
    expect(err2).toBeInstanceOf(UnsupportedHoldingError);
    expect(err2.message).toMatch(/margin_mode 1/);
  });

  it('loads every market type ccxt loads by default (spot, swap, delivery, options) and refuses an options position', async () => {
    const { venue } = gateVenue();
    const options = fx('gate/options.json');
    venue.get('/api/v4/spot/currency_pairs', () => []);
    venue.get('/api/v4/margin/currency_pairs', () => []);
    venue.get('/api/v4/spot/currencies', () => []);
    venue.get('/api/v4/options/underlyings', () => options.underlyings);
    venue.get('/api/v4/options/contracts', (req) => options.contracts[req.query['underlying']!] ?? []);
    venue.get('/api/v4/options/positions', () => []);
    const ex = makeExchange('gate'); // ccxt defaults: all market types, currencies, unified-account detection
    const snap = await new CcxtAdapter(ex).fetchSnapshot();
    expect(ex.markets['BTC/USDT:USDT-261225-70000-C']).toMatchObject({ option: true });
    expect(snap.positions).toHaveLength(4);
    expect(venue.count('/api/v4/account/detail')).toBe(1);
    expect(venue.count('/api/v4/options/positions')).toBe(1);
    expect(venue.unexpected).toEqual([]);

    venue.get('/api/v4/options/positions', () => options.positions);
    const err = await new CcxtAdapter(ex).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedHoldingError);
    expect(err.message).toMatch(/options position in BTC_USDT-20261225-70000-C/);
  });
});
