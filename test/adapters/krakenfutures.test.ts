import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CcxtAdapter, MalformedPayloadError, genericModule } from '../../adapters/index.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { SECRET, Venue, clone, fx, makeExchange, resetNock } from './helpers.js';

/**
 * Kraken Futures through nock and ccxt's real krakenfutures class, with Kraken's own
 * payloads (test/fixtures/exchanges/krakenfutures, README there).
 *
 * The account:
 *   flex (multi-collateral, USD-settled PF_ contracts): USD 10000, XBT 0.1 (value 6000);
 *     pnl 150, unrealizedFunding −5, totalUnrealized 145; balanceValue 16000, portfolioValue 16145
 *     PF_XBTUSD long 0.25 (entry 59800, upnl 50), PF_ETHUSD short 5 (entry 3020, upnl 100)
 *   fi_xbtusd (single-collateral, BTC): balance 0.5, pnl 0.008, pv 0.508; PI_XBTUSD short 12000 USD (entry 62500)
 *   fi_ethusd (single-collateral, ETH): balance 2, pnl −0.02, pv 1.98; PI_ETHUSD long 1500 USD (entry 3125)
 *   fi_xrpusd empty; cash (holding wallet) XBT 1, USD 500: margins nothing, not counted
 *   marks (tickers): PF_XBTUSD and PI_XBTUSD 60000, PF_ETHUSD and PI_ETHUSD 3000
 *   open orders: PF_XBTUSD buy 0.1 @ 59000; pi_xbtusd (lower case) buy 3000 @ 59500 reduce-only, 1000 filled
 */

function krakenVenue(data: any = fx('krakenfutures/account.json')) {
  const venue = new Venue(['https://futures.kraken.com']);
  const state = { instruments: fx('krakenfutures/instruments.json'), tickers: fx('krakenfutures/tickers.json'), ...clone(data) };
  venue.get('/derivatives/api/v3/instruments', () => state.instruments);
  venue.get('/derivatives/api/v3/tickers', () => state.tickers);
  venue.get('/derivatives/api/v3/openpositions', () => state.positions);
  venue.get('/derivatives/api/v3/accounts', () => state.accounts);
  venue.get('/derivatives/api/v3/openorders', () => state.orders);
  return { venue, state };
}

/** Kraken signs with the base64-decoded secret: the fake secret is given base64-encoded */
const makeKraken = () => makeExchange('krakenfutures', { secret: Buffer.from(SECRET).toString('base64') });

beforeEach(() => resetNock());
afterEach(() => resetNock());

describe('krakenfutures: flex and single-collateral accounts', () => {
  it('equity, net, gross, leverage, per asset, per position and limit use equal the hand-computed values', async () => {
    const { venue } = krakenVenue();
    const config = { limits: { maxNetExposure: { value: '100000' }, maxGrossExposure: { value: '100000' }, maxLeverage: '3', maxAssetExposure: { BTC: '50000', ETH: '20000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeKraken())] });
    // positions (contract size 1: the coin for PF_, 1 USD for PI_):
    //   BTC/USD:USD (PF_XBTUSD)  +0.25 · 60000 = +15000
    //   ETH/USD:USD (PF_ETHUSD)  −5 · 3000     = −15000
    //   BTC/USD:BTC (PI_XBTUSD)  −12000 USD    = −12000
    //   ETH/USD:ETH (PI_ETHUSD)  +1500 USD     =  +1500
    // balances: USD = flex 10000 + pnl 150 + funding −5 = 10145
    //           BTC = flex 0.1 + fi_xbtusd pv 0.508 = 0.608 · 60000 = 36480
    //           ETH = fi_ethusd pv 1.98 · 3000 = 5940;  XRP 0;  the cash wallet not counted
    // equity = 10145 + 36480 + 5940 = 52565
    // BTC asset = 15000 − 12000 + 36480 = 39480; ETH = −15000 + 1500 + 5940 = −7560; net = 31920
    // gross = 15000 + 15000 + 12000 + 1500 + 36480 + 5940 = 85920; leverage = 85920 / 52565 = 1.634547703… → 1.6345477
    // pending: PF_XBTUSD buy 0.1 → 0.35 · 60000 = 21000; the reduce-only PI buy (2000 left) shrinks the short to −10000
    //   net with buys filled: BTC 21000 − 10000 + 36480 = 47480, ETH −7560 → 39920
    //   gross, each holding at its larger direction: 21000 + 15000 + max(12000, 10000) + 1500 + 36480 + 5940 = 91920
    //   leverage = 91920 / (52565 − the pending orders' fees: the PF buy's 0.1 · 59000 · maker 0.0002 = 1.18,
    //              the reduce-only PI buy's 2000 USD · maker 0.0002 = 0.4) = 91920 / 52563.42 = 1.748744659… → 1.74874466
    const r = guard.exposure();
    expect(r).toMatchObject({
      equity: '52565', net: '31920', gross: '85920', leverage: '1.6345477',
      assets: { BTC: '39480', ETH: '-7560' },
      positions: { 'BTC/USD:USD': '15000', 'ETH/USD:USD': '-15000', 'BTC/USD:BTC': '-12000', 'ETH/USD:ETH': '1500' },
      unpriced: [],
    });
    expect(r.limits).toEqual([
      { limit: 'maxNetExposure', threshold: '100000', value: '39920', utilisation: '0.3992' },
      { limit: 'maxGrossExposure', threshold: '100000', value: '91920', utilisation: '0.9192' },
      { limit: 'maxLeverage', threshold: '3', value: '1.74874466', utilisation: '0.582915' },
      { limit: 'maxAssetExposure', subject: 'BTC', threshold: '50000', value: '47480', utilisation: '0.9496' },
      { limit: 'maxAssetExposure', subject: 'ETH', threshold: '20000', value: '7560', utilisation: '0.378' },
    ]);
    expect(venue.unexpected).toEqual([]);
    await guard.close();
  });

  it('resizes a sell to the contract\'s value precision', async () => {
    krakenVenue();
    const config = { limits: { maxPositionNotional: { symbols: { 'ETH/USD:USD': '20000' } } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeKraken())] });
    // short 5 · 3000 = 15000; more short: 15000 + 3000 q ≤ 20000 → q ≤ 1.666… → contractValueTradePrecision 3 → 1.666
    const d = guard.preview({ symbol: 'ETH/USD:USD', side: 'sell', type: 'market', amount: '5' });
    expect([d.action, d.approved, d.reasons[0]?.code]).toEqual(['resize', '1.666', 'POSITION_NOTIONAL']);
    await guard.close();
  });

  it('reads both account types in one call each; the inverse accounts\' positions, order and balances are there', async () => {
    const { venue } = krakenVenue();
    const snap = await new CcxtAdapter(makeKraken()).fetchSnapshot();
    // the mark feed alongside; open orders first, positions and accounts after their answer
    expect(venue.paths()).toEqual([
      'GET /derivatives/api/v3/instruments',
      'GET /derivatives/api/v3/tickers',
      'GET /derivatives/api/v3/openorders',
      'GET /derivatives/api/v3/openpositions',
      'GET /derivatives/api/v3/accounts',
    ]); // each answer is the whole list: nothing pages
    expect(snap.positions.map((p) => [p.symbol, p.side, p.contracts, p.contractSize, p.markPrice])).toEqual([
      ['BTC/USD:USD', 'long', '0.25', '1', null],
      ['ETH/USD:USD', 'short', '5', '1', null],
      ['BTC/USD:BTC', 'short', '12000', '1', null],
      ['ETH/USD:ETH', 'long', '1500', '1', null],
    ]);
    expect(snap.prices['BTC/USD:BTC']).toMatchObject({ mark: '60000' });
    expect(snap.openOrders.map((o) => [o.symbol, o.side, o.amount, o.filled, o.remaining, o.reduceOnly, o.price])).toEqual([
      ['BTC/USD:USD', 'buy', '0.1', '0', '0.1', false, '59000'],
      ['BTC/USD:BTC', 'buy', '3000', '1000', '2000', true, '59500'], // "pi_xbtusd" in lower case
    ]);
    expect(snap.balance['total']).toEqual({ BTC: '0.608', ETH: '1.98', USD: '10145', XRP: '0' });
  });

  it('reads only the account types whose settle currency the host names', async () => {
    krakenVenue();
    const snap = await new CcxtAdapter(makeKraken(), { settleCurrencies: ['BTC'] }).fetchSnapshot();
    // fi_xbtusd only: flex (USD-settled, its XBT collateral included) and fi_ethusd are left out
    expect(snap.positions.map((p) => p.symbol)).toEqual(['BTC/USD:BTC']);
    expect(snap.openOrders.map((o) => o.symbol)).toEqual(['BTC/USD:BTC']);
    expect(snap.balance['total']).toEqual({ BTC: '0.508' });
  });
});

describe('krakenfutures traps: what ccxt alone gets wrong', () => {
  it('ccxt\'s balance is the flex wallet\'s collateral quantities: no unrealized PnL, no single-collateral account', async () => {
    const { state } = krakenVenue();
    const ex = makeKraken();
    const balance = await ex.fetchBalance();
    expect(balance.total).toEqual({ BTC: 0.1, USD: 10000 }); // pnl 150 and funding −5 missing; fi_xbtusd 0.508 BTC and fi_ethusd 1.98 ETH missing
    const positions = await ex.fetchPositions();
    expect(positions.map((p: any) => p.markPrice)).toEqual([undefined, undefined, undefined, undefined]);
    // ccxt leaves a lower-case instrument id unresolved, and drops every open order's limitPrice
    const orders = await ex.fetchOpenOrders();
    expect(orders.map((o: any) => [o.symbol, o.amount, o.price])).toEqual([['BTC/USD:USD', 0.1, undefined], ['pi_xbtusd', 3000, undefined]]);
    // the generic path (with the order's id in upper case, which it can resolve): equity 10000 + 0.1 · 60000 = 16000 instead of 52565
    state.orders.openOrders[1].symbol = 'PI_XBTUSD';
    const generic = await RiskGuard.create({ config: { allowUnverifiedExchange: true, limits: {} }, sources: [new CcxtAdapter(makeKraken(), { module: genericModule() })] });
    expect(generic.exposure().equity).toBe('16000');
    // ccxt states no value for a Kraken position, so none can be confirmed: nothing opens on the generic path
    expect(generic.exposure().inconsistencies.map((m) => [m.subject, m.figure])).toEqual([
      ['BTC/USD:USD long on krakenfutures', 'unverifiable'], ['ETH/USD:USD short on krakenfutures', 'unverifiable'],
      ['BTC/USD:BTC short on krakenfutures', 'unverifiable'], ['ETH/USD:ETH long on krakenfutures', 'unverifiable'],
    ]);
    const opening = await generic.check({ symbol: 'BTC/USD:USD', side: 'buy', type: 'market', amount: 0.01 });
    expect([opening.action, opening.reasons[0]!.code]).toEqual(['block', 'DATA_MISMATCH']);
    await generic.close();
  });
});

describe('krakenfutures self-verification: the exchange\'s own figures against the guard\'s', () => {
  it('the honest payload agrees with itself; every figure Kraken states is passed on', async () => {
    krakenVenue();
    const snap = await new CcxtAdapter(makeKraken()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches).toEqual([]);
    // Kraken states neither a value nor a mark per position: only its unrealized PnL
    expect(snap.positions[2]!['stated']).toEqual({ unrealizedPnl: { value: '0.008', field: 'unrealizedPnl' } });
    expect(snap.balance['USD']['stated']).toEqual({
      equity: { value: '10145', field: 'flex.portfolioValue − flex.currencies.{XBT}.value' }, // 16145 − 6000
      wallet: { value: '10000', field: 'flex.currencies.USD.quantity' },
      unrealizedPnl: { value: '145', field: 'flex.totalUnrealized' },
    });
    expect(snap.balance['BTC']['stated']).toEqual({
      equity: { value: '0.608', field: 'fi_xbtusd.auxiliary.pv + flex.currencies.XBT.quantity' },
      wallet: { value: '0.6', field: 'fi_xbtusd.balances.xbt + flex.currencies.XBT.quantity' },
      unrealizedPnl: { value: '0.008', field: 'fi_xbtusd.auxiliary.pnl' },
    });
  });

  it('a flex portfolio value or a single-collateral pv without the unrealized PnL is caught', async () => {
    const data = fx('krakenfutures/account.json');
    data.accounts.accounts.flex.portfolioValue = 16000;      // = balanceValue: the 145 unrealized left out
    data.accounts.accounts.fi_xbtusd.auxiliary.pv = 0.5;     // = the balance: pnl 0.008 left out
    krakenVenue(data);
    const snap = await new CcxtAdapter(makeKraken()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches).toEqual([
      // BTC total = 0.5 + 0.1 = 0.6; wallet 0.6 + pnl 0.008 = 0.608
      { subject: 'BTC balance on krakenfutures', figure: 'equity', field: 'fi_xbtusd.balances.xbt + flex.currencies.XBT.quantity + fi_xbtusd.auxiliary.pnl', stated: '0.608', computed: '0.6', basis: 'the total the guard counts as equity', tolerance: '0.0001' },
      // USD total = 10000 + 150 − 5 = 10145; Kraken's equity 16000 − 6000 = 10000
      { subject: 'USD balance on krakenfutures', figure: 'equity', field: 'flex.portfolioValue − flex.currencies.{XBT}.value', stated: '10000', computed: '10145', basis: 'the total the guard counts as equity', tolerance: '0.0001' },
    ]);
  });
});

describe('krakenfutures refusals', () => {
  it('refuses an unknown side, an unknown account type and a garbled answer', async () => {
    const data = fx('krakenfutures/account.json');
    data.positions.openPositions[1].side = 'both';
    krakenVenue(data);
    const err = await new CcxtAdapter(makeKraken()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/openpositions\[1\] \(ETH\/USD:USD\): side "both"/);

    resetNock();
    const data2 = fx('krakenfutures/account.json');
    data2.accounts.accounts.fi_solusd = { type: 'portfolioMarginAccount', currency: 'sol', balances: { sol: '3.0' } };
    krakenVenue(data2);
    const err2 = await new CcxtAdapter(makeKraken()).fetchSnapshot().catch((e) => e);
    expect(err2).toBeInstanceOf(MalformedPayloadError);
    expect(err2.message).toMatch(/accounts\.fi_solusd: unknown account type "portfolioMarginAccount"/);

    resetNock();
    const data3 = fx('krakenfutures/account.json');
    data3.positions = { result: 'success', serverTime: '2024-05-29T12:00:00.123Z' }; // no openPositions: not "no positions"
    krakenVenue(data3);
    const err3 = await new CcxtAdapter(makeKraken()).fetchSnapshot().catch((e) => e);
    expect(err3).toBeInstanceOf(MalformedPayloadError);
    expect(err3.message).toMatch(/openpositions\.openPositions: expected a JSON array, got undefined/);

    resetNock();
    const data4 = fx('krakenfutures/account.json');
    delete data4.accounts.accounts.flex.pnl;
    krakenVenue(data4);
    const err4 = await new CcxtAdapter(makeKraken()).fetchSnapshot().catch((e) => e);
    expect(err4).toBeInstanceOf(MalformedPayloadError);
    expect(err4.message).toMatch(/accounts\.flex: field "pnl" is missing/);
  });
});
