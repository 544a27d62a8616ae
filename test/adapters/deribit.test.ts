import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CcxtAdapter, MalformedPayloadError, UnsupportedHoldingError, deribitModule, genericModule } from '../../adapters/index.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { Venue, clone, fx, makeExchange, resetNock } from './helpers.js';

/**
 * Deribit through nock and ccxt's real deribit class. The payloads are Deribit's
 * JSON-RPC answers (test/fixtures/exchanges/deribit, README there says where each
 * shape comes from): numbers arrive as JSON numbers.
 *
 * The account: BTC (inverse), ETH (inverse) and USDC (linear) settlement currencies.
 *   BTC-PERPETUAL       short 5000 USD   mark 62500   size_currency −0.08 BTC
 *   BTC-27JUN25         long 12800 USD   mark 64000   size_currency  0.2 BTC
 *   ETH-PERPETUAL       long 3000 USD    mark 2500    size_currency  1.2 ETH
 *   ETH-27JUN25         size 0, direction "zero" (closed this session)
 *   BTC_USDC-PERPETUAL  long 0.1 BTC     mark 62500
 *   balances (equity): BTC 0.5016 (balance 0.4992 + rpl 0.0008 + upl 0.0016), ETH 2.02, USDC 10040, USDT 0
 *   open orders: BTC-PERPETUAL buy 2000 USD reduce-only; ETH-PERPETUAL sell 1000 USD; BTC_USDC-PERPETUAL buy 0.05 (0.01 filled)
 */

type Data = { positions: Record<string, any>; summaries: any; orders: Record<string, any>; books: Record<string, any> };

function deribitVenue(data: Data = fx('deribit/account.json')) {
  const venue = new Venue(['https://www.deribit.com']);
  const state = { instruments: fx('deribit/instruments.json'), ...clone(data) };
  const envelope = (result: unknown) => ({ jsonrpc: '2.0', result, usIn: 1717000000000000, usOut: 1717000000000412, usDiff: 412, testnet: false });
  venue.get('/api/v2/public/get_instruments', () => state.instruments);
  venue.get('/api/v2/public/get_currencies', () => fx('deribit/currencies.json'));
  // without a currency Deribit answers for every currency ("any")
  const perCurrency = (table: Record<string, any>) => (req: { query: Record<string, string> }) => {
    const c = req.query['currency'];
    if (c === undefined || c === 'any') return envelope(Object.keys(table).sort().flatMap((k) => table[k].result));
    return table[c] ?? envelope([]);
  };
  venue.get('/api/v2/private/get_positions', (req) => perCurrency(state.positions)(req));
  venue.get('/api/v2/private/get_open_orders_by_currency', (req) => perCurrency(state.orders)(req));
  venue.get('/api/v2/private/get_account_summaries', () => state.summaries);
  venue.get('/api/v2/public/get_book_summary_by_currency', (req) => state.books[req.query['currency']!] ?? envelope([]));
  venue.get('/api/v2/public/get_book_summary_by_instrument', (req) => envelope(Object.values(state.books).flatMap((b: any) => b.result).filter((r: any) => r.instrument_name === req.query['instrument_name'])));
  return { venue, state };
}

const makeDeribit = (config: Record<string, any> = {}) => makeExchange('deribit', config);

beforeEach(() => resetNock());
afterEach(() => resetNock());

describe('deribit: BTC and ETH inverse, USDC linear', () => {
  it('equity, net, gross, leverage, per asset, per position and limit use equal the hand-computed values', async () => {
    const { venue } = deribitVenue();
    const config = { limits: { maxNetExposure: { value: '100000' }, maxGrossExposure: { value: '100000' }, maxLeverage: '3', maxAssetExposure: { BTC: '60000', ETH: '10000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeDeribit())] });
    // one ccxt unit of a Deribit future is 1 USD (inverse) or 1 coin (linear), not ccxt's contractSize 10:
    // BTC-PERPETUAL       −5000 USD contracts · 1 USD              =  −5000
    // BTC-27JUN25        +12800 USD contracts · 1 USD              = +12800
    // ETH-PERPETUAL       +3000 USD contracts · 1 USD              =  +3000
    // BTC_USDC-PERPETUAL  +0.1 BTC · 1 · mark 62500                =  +6250
    // ETH-27JUN25 size 0 ("zero"): dropped
    // equity = Σ equity · price: BTC 0.5016 · 62500 = 31350, ETH 2.02 · 2500 = 5050, USDC 10040, USDT 0 → 46440
    // BTC asset = −5000 + 12800 + 6250 + 31350 = 45400; ETH = 3000 + 5050 = 8050; net = 53450
    // gross = 5000 + 12800 + 6250 + 31350 + 3000 + 5050 = 63450; leverage = 63450 / 46440 = 1.366279069… → 1.36627907
    // pending: the reduce-only buy 2000 shrinks the BTC short to −3000; the USDC buy has 0.04 left → 0.14 · 62500 = 8750;
    //   the ETH sell 1000 takes ETH-PERPETUAL to 2000
    //   net with buys filled: BTC = 12800 − 3000 + 8750 + 31350 = 49900, ETH 8050 → 57950 (sells filled: 45400 + 7050 = 52450)
    //   gross, each holding at its larger direction: 12800 + max(5000, 3000) + max(6250, 8750) + 31350 + max(3000, 2000) + 5050 = 65950
    //   leverage = 65950 / (46440 − fees: maker commission 0 on every Deribit future here) = 1.420111972… → 1.42011197
    const r = guard.exposure();
    expect(r).toMatchObject({
      equity: '46440', net: '53450', gross: '63450', leverage: '1.36627907',
      assets: { BTC: '45400', ETH: '8050' },
      positions: { 'BTC/USD:BTC': '-5000', 'BTC/USD:BTC-250627': '12800', 'ETH/USD:ETH': '3000', 'BTC/USDC:USDC': '6250' },
      unpriced: [],
    });
    expect(r.limits).toEqual([
      { limit: 'maxNetExposure', threshold: '100000', value: '57950', utilisation: '0.5795' },
      { limit: 'maxGrossExposure', threshold: '100000', value: '65950', utilisation: '0.6595' },
      { limit: 'maxLeverage', threshold: '3', value: '1.42011197', utilisation: '0.473371' },
      { limit: 'maxAssetExposure', subject: 'BTC', threshold: '60000', value: '49900', utilisation: '0.831667' },
      { limit: 'maxAssetExposure', subject: 'ETH', threshold: '10000', value: '8050', utilisation: '0.805' },
    ]);
    expect(venue.unexpected).toEqual([]);
    await guard.close();
  });

  it('resizes an order in ccxt\'s own unit (USD) to the market\'s lot of 10 USD', async () => {
    deribitVenue();
    const config = { limits: { maxPositionNotional: { default: '20005' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeDeribit())] });
    // ccxt's createOrder sends `amount` to Deribit as it is: 10000 means 10000 USD of BTC-27JUN25
    // long 12800 USD + q ≤ 20005 → q ≤ 7205 → lot (min_trade_amount) 10 USD → 7200; after: 12800 + 7200 = 20000
    // (with ccxt's contractSize 10 the guard would have read 10000 as 100000 USD and approved 720)
    const d = guard.preview({ symbol: 'BTC/USD:BTC-250627', side: 'buy', type: 'market', amount: '10000' });
    expect([d.action, d.approved, d.reasons[0]?.code]).toEqual(['resize', '7200', 'POSITION_NOTIONAL']);
    await guard.close();
  });

  it('reads every settle currency\'s positions, orders and prices; the ETH and USDC rows are there', async () => {
    const { venue } = deribitVenue();
    const snap = await new CcxtAdapter(makeDeribit()).fetchSnapshot();
    // the mark feed alongside; open orders first, positions after their answer
    expect(venue.paths().filter((p) => p.includes('/private/get_positions') || p.includes('/get_open_orders') || p.includes('/get_book_summary'))).toEqual([
      'GET /api/v2/public/get_book_summary_by_currency?currency=BTC&kind=future',
      'GET /api/v2/public/get_book_summary_by_currency?currency=ETH&kind=future',
      'GET /api/v2/public/get_book_summary_by_currency?currency=USDC&kind=future',
      'GET /api/v2/private/get_open_orders_by_currency?currency=BTC',
      'GET /api/v2/private/get_open_orders_by_currency?currency=ETH',
      'GET /api/v2/private/get_open_orders_by_currency?currency=USDC',
      'GET /api/v2/private/get_positions?currency=BTC',
      'GET /api/v2/private/get_positions?currency=ETH',
      'GET /api/v2/private/get_positions?currency=USDC',
    ]);
    expect(venue.count('/private/get_account_summaries')).toBe(1); // every currency in one answer
    // Deribit answers each of these with the whole list: there is no page to follow
    expect(snap.positions.map((p) => [p.symbol, p.side, p.contracts, p.contractSize, p.markPrice])).toEqual([
      ['BTC/USD:BTC', 'short', '5000', '1', '62500'],
      ['BTC/USD:BTC-250627', 'long', '12800', '1', '64000'],
      ['ETH/USD:ETH', 'long', '3000', '1', '2500'],
      ['BTC/USDC:USDC', 'long', '0.1', '1', '62500'],
    ]);
    expect(snap.openOrders.map((o) => [o.symbol, o.side, o.amount, o.filled, o.remaining, o.reduceOnly])).toEqual([
      ['BTC/USD:BTC', 'buy', '2000', '0', '2000', true],
      ['ETH/USD:ETH', 'sell', '1000', '0', '1000', false],
      ['BTC/USDC:USDC', 'buy', '0.05', '0.01', '0.04', false],
    ]);
    expect(snap.balance['ETH']).toMatchObject({ total: '2.02' });
    expect(snap.balance['USDC']).toMatchObject({ total: '10040' });
    // the snapshot's markets carry the unit ccxt's amounts are in
    const market = (s: string) => snap.markets.find((m) => m['symbol'] === s)!;
    expect([market('BTC/USD:BTC')['contractSize'], market('BTC/USD:BTC')['precision']['amount'], market('BTC/USDC:USDC')['contractSize']]).toEqual(['1', 10, '1']);
  });

  it('reads only the settle currencies the host names', async () => {
    const { venue } = deribitVenue();
    const snap = await new CcxtAdapter(makeDeribit(), { settleCurrencies: ['ETH'] }).fetchSnapshot();
    expect(venue.paths().filter((p) => p.includes('currency='))).toEqual([
      'GET /api/v2/public/get_book_summary_by_currency?currency=ETH&kind=future',
      'GET /api/v2/private/get_open_orders_by_currency?currency=ETH',
      'GET /api/v2/private/get_positions?currency=ETH',
    ]);
    expect(snap.positions.map((p) => p.symbol)).toEqual(['ETH/USD:ETH']);
    expect(Object.keys(snap.balance['total'])).toEqual(['ETH']);
  });
});

describe('deribit traps: what ccxt alone gets wrong', () => {
  it('ccxt counts a future ten times (size is USD, contractSize 10), and its fetchOpenOrders asks for BTC only', async () => {
    const { venue } = deribitVenue();
    const ex = makeDeribit();
    const [short] = await ex.fetchPositions(undefined, { currency: 'BTC' });
    // ccxt: contracts −5000 (the signed USD size), market contractSize 10 → |contracts| · contractSize = 50000 USD for a 5000 USD short
    expect([short.symbol, short.side, short.contracts, ex.market(short.symbol).contractSize]).toEqual(['BTC/USD:BTC', 'short', -5000, 10]);
    const orders = await ex.fetchOpenOrders();
    expect(orders.map((o: any) => o.symbol)).toEqual(['BTC/USD:BTC']); // the ETH and USDC orders are not asked for
    expect(venue.paths().filter((p) => p.includes('get_open_orders'))).toEqual(['GET /api/v2/private/get_open_orders_by_currency?currency=BTC']);
    // the generic path (ccxt's unified structures) overstates every Deribit future tenfold
    const generic = await RiskGuard.create({ config: { allowUnverifiedExchange: true, limits: {} }, sources: [new CcxtAdapter(makeDeribit(), { module: genericModule() })] });
    expect(generic.exposure().positions).toMatchObject({ 'BTC/USD:BTC': '-50000', 'BTC/USD:BTC-250627': '128000', 'ETH/USD:ETH': '3000' });
    // ...and without knowing Deribit, self-verification catches it: ccxt's own notional (size_currency) disagrees tenfold
    const report = generic.exposure();
    expect(report.warnings).toEqual([expect.stringContaining("the ccxt exchange 'deribit' has no verified module")]);
    expect(report.inconsistencies.map((m) => [m.subject, m.figure, m.field, m.stated, m.computed])).toEqual([
      ['BTC/USD:BTC short on deribit', 'notional', 'notional (ccxt unified)', '0.08', '0.8'],
      ['BTC/USD:BTC-250627 long on deribit', 'notional', 'notional (ccxt unified)', '0.2', '2'],
      ['BTC/USDC:USDC long on deribit', 'notional', 'notional (ccxt unified)', '0.1', '6.25'],
    ]);
    // so nothing opens on those numbers (the short overstated tenfold would have made room for longs); reducing still passes
    const opening = await generic.check({ symbol: 'ETH/USD:ETH', side: 'buy', type: 'market', amount: 10 });
    expect([opening.action, opening.reasons[0]!.code]).toEqual(['block', 'DATA_MISMATCH']);
    expect(opening.reasons[0]!.message).toContain('BTC/USD:BTC short on deribit: the exchange states notional 0.08 (notional (ccxt unified)), the guard computes 0.8');
    const reducing = await generic.check({ symbol: 'BTC/USD:BTC', side: 'buy', type: 'market', amount: 10 });
    expect(reducing.action).toBe('allow');
    await generic.close();
    // this module: the size is the notional in USD
    const guard = await RiskGuard.create({ config: { allowUnverifiedExchange: true, limits: {} }, sources: [new CcxtAdapter(makeDeribit())] });
    expect(guard.exposure().positions).toMatchObject({ 'BTC/USD:BTC': '-5000', 'BTC/USD:BTC-250627': '12800' });
    await guard.close();
  });

  it('ccxt\'s own static-test balance (numbers as strings) reads as the same equity', async () => {
    const { state } = deribitVenue();
    const staticBalance = fx('ccxt-static/deribit-account-summaries.json');
    state.summaries = staticBalance.httpResponse;
    const snap = await new CcxtAdapter(makeDeribit()).fetchSnapshot();
    // ccxt's parsedResponse: total = equity per currency (USDC 42.217, SOL 0.42569894 and zeros)
    expect(snap.balance['USDC']).toMatchObject({ total: '42.217', stated: { equity: { value: '42.217', field: 'equity' } } });
    expect(snap.balance['total']['SOL']).toBe('0.42569894');
    expect(staticBalance.parsedResponse.total).toMatchObject({ USDC: 42.217, SOL: 0.42569894 });
  });
});

describe('deribit self-verification: the exchange\'s own figures against the guard\'s', () => {
  it('the honest payload agrees with itself; every figure Deribit states is passed on', async () => {
    deribitVenue();
    const snap = await new CcxtAdapter(makeDeribit()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches).toEqual([]);
    expect(snap.positions[0]!['stated']).toEqual({
      notional: { value: '0.08', field: 'size_currency', currency: 'BTC' }, // 5000 USD / 62500 = 0.08 BTC
      markPrice: { value: '62500', field: 'mark_price' },
      unrealizedPnl: { value: '-0.0032', field: 'floating_profit_loss' },
    });
    // linear: the position in coin is its delta, which must equal size (the unit check)
    expect(snap.positions[3]!['stated']).toEqual({
      notional: { value: '0.1', field: 'delta', currency: 'BTC' },
      markPrice: { value: '62500', field: 'mark_price' },
      unrealizedPnl: { value: '50', field: 'floating_profit_loss' },
    });
    expect(snap.balance['BTC']['stated']).toEqual({
      equity: { value: '0.5016', field: 'equity' },
      wallet: { value: '0.5', field: 'balance + futures_session_rpl' }, // 0.4992 + 0.0008
      unrealizedPnl: { value: '0.0016', field: 'futures_session_upl' },
    });
  });

  it('positions valued with ccxt\'s contractSize (10 USD, 0.001 BTC) are caught against size_currency and delta', async () => {
    deribitVenue();
    const ccxtSizes = { ...deribitModule(), contractSizeOf: undefined };
    const snap = await new CcxtAdapter(makeDeribit(), { module: ccxtSizes }).fetchSnapshot();
    // 5000 · 10 / 62500 = 0.8 BTC against Deribit's 0.08; 12800 · 10 / 64000 = 2 against 0.2; 3000 · 1 / 2500 = 1.2 agrees (ETH contract_size is 1)
    // the linear BTC_USDC-PERPETUAL: 0.1 · contract_size 0.001 = 0.0001 BTC against its delta 0.1 (a thousandfold understatement)
    expect(normalizeSnapshot(snap).mismatches.map((m) => [m.subject, m.figure, m.field, m.stated, m.computed])).toEqual([
      ['BTC/USD:BTC short on deribit', 'notional', 'size_currency', '0.08', '0.8'],
      ['BTC/USD:BTC-250627 long on deribit', 'notional', 'size_currency', '0.2', '2'],
      ['BTC/USDC:USDC long on deribit', 'notional', 'delta', '0.1', '0.0001'],
    ]);
  });

  it('a size_currency that disagrees with size / mark, a mark far from the feed\'s, an equity without the unrealized PnL', async () => {
    const data = fx('deribit/account.json');
    data.positions.BTC.result[0].size_currency = -0.8;   // ten times 5000 / 62500
    data.positions.ETH.result[0].mark_price = 2400;     // the feed says 2500
    data.summaries.result.summaries[0].equity = 0.5;     // balance 0.4992 + rpl 0.0008, the 0.0016 unrealized left out
    deribitVenue(data);
    const snap = await new CcxtAdapter(makeDeribit()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches).toEqual([
      { subject: 'BTC/USD:BTC short on deribit', figure: 'notional', field: 'size_currency', stated: '0.8', computed: '0.08', basis: 'contracts 5000 × contract size 1 USD / mark 62500', tolerance: '0.001' },
      { subject: 'ETH/USD:ETH long on deribit', figure: 'markPrice', field: 'mark_price', stated: '2400', computed: '2500', basis: 'the price the guard values the position at', tolerance: '0.03' },
      // valued at its own stated mark the ETH size_currency disagrees too: 3000 / 2400 = 1.25 against 1.2
      { subject: 'ETH/USD:ETH long on deribit', figure: 'notional', field: 'size_currency', stated: '1.2', computed: '1.25', basis: 'contracts 3000 × contract size 1 USD / mark 2400', tolerance: '0.001' },
      { subject: 'BTC balance on deribit', figure: 'equity', field: 'balance + futures_session_rpl + futures_session_upl', stated: '0.5016', computed: '0.5', basis: 'the total the guard counts as equity', tolerance: '0.0001' },
    ]);
  });
});

describe('deribit refusals', () => {
  it('refuses an option position and an open option order', async () => {
    const data = fx('deribit/account.json');
    const option = { ...clone(data.positions.BTC.result[1]), instrument_name: 'BTC-27JUN25-80000-C', kind: 'option', size: 1.5, size_currency: 1.5, direction: 'buy', mark_price: 0.012 };
    data.positions.BTC.result.push(option);
    deribitVenue(data);
    const err = await new CcxtAdapter(makeDeribit()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedHoldingError);
    expect(err.message).toMatch(/option position in BTC-27JUN25-80000-C/);

    resetNock();
    const data2 = fx('deribit/account.json');
    data2.orders.BTC.result.push({ ...clone(data2.orders.BTC.result[0]), order_id: '31227345999', instrument_name: 'BTC-27JUN25-80000-C', amount: 0.5, price: 0.01, reduce_only: false });
    deribitVenue(data2);
    const err2 = await new CcxtAdapter(makeDeribit()).fetchSnapshot().catch((e) => e);
    expect(err2).toBeInstanceOf(UnsupportedHoldingError);
    expect(err2.message).toMatch(/open option order in BTC-27JUN25-80000-C/);
  });

  it('refuses a linear position whose delta does not confirm that its size is in coin', async () => {
    const data = fx('deribit/account.json');
    data.positions.USDC.result[0].delta = 0.0000016; // as if size were 0.1 USD: the unit of size is in doubt
    deribitVenue(data);
    const err = await new CcxtAdapter(makeDeribit()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedHoldingError);
    expect(err.message).toMatch(/BTC\/USDC:USDC\): the unit of a linear position's size cannot be established \(size 0\.1, delta 0\.0000016/);
  });

  it('refuses a direction that contradicts the size', async () => {
    const data = fx('deribit/account.json');
    data.positions.BTC.result[0].direction = 'buy'; // size −5000
    deribitVenue(data);
    const err = await new CcxtAdapter(makeDeribit()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/direction buy contradicts size -5000/);
  });

  it('refuses a garbled answer instead of reading "no positions" or "no balance"', async () => {
    const data = fx('deribit/account.json');
    data.positions.ETH = { jsonrpc: '2.0', result: { positions: [] }, testnet: false };
    deribitVenue(data);
    const err = await new CcxtAdapter(makeDeribit()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/get_positions ETH\.result: expected a JSON array/);

    resetNock();
    const data2 = fx('deribit/account.json');
    delete data2.summaries.result.summaries[1].equity;
    deribitVenue(data2);
    const err2 = await new CcxtAdapter(makeDeribit()).fetchSnapshot().catch((e) => e);
    expect(err2).toBeInstanceOf(MalformedPayloadError);
    expect(err2.message).toMatch(/summaries\[1\]: field "equity" is missing/);

    resetNock();
    const { venue } = deribitVenue();
    venue.get('/api/v2/private/get_account_summaries', () => ({ text: '<html>502 Bad Gateway</html>' }));
    const err3 = await new CcxtAdapter(makeDeribit()).fetchSnapshot().catch((e) => e);
    expect(err3).toBeInstanceOf(MalformedPayloadError);
    expect(err3.message).toMatch(/get_account_summaries: expected a JSON object, got text "<html>502 Bad Gateway/);
  });
});
