import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CcxtAdapter, MalformedPayloadError, UnsupportedHoldingError } from '../../adapters/index.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { Venue, clone, fx, makeExchange, resetNock } from './helpers.js';

beforeEach(() => resetNock());
afterEach(() => resetNock());

function bingxVenue(data: any) {
  const venue = new Venue(['https://open-api.bingx.com']);
  const state = { swapContracts: fx('bingx/contracts-swap.json'), cswapContracts: fx('bingx/contracts-cswap.json'), spot: fx('bingx/spot-symbols.json'), ...clone(data) };
  venue.get('/openApi/swap/v2/quote/contracts', () => state.swapContracts);
  venue.get('/openApi/cswap/v1/market/contracts', () => state.cswapContracts);
  venue.get('/openApi/spot/v1/common/symbols', () => state.spot);
  venue.get('/openApi/swap/v2/user/positions', () => state.positions);
  venue.get('/openApi/cswap/v1/user/positions', () => state.cswapPositions);
  venue.get('/openApi/swap/v3/user/balance', () => state.balance);
  venue.get('/openApi/cswap/v1/user/balance', () => state.cswapBalance);
  venue.get('/openApi/swap/v2/trade/openOrders', () => state.orders);
  venue.get('/openApi/cswap/v1/trade/openOrders', () => state.cswapOrders);
  venue.get('/openApi/swap/v2/quote/premiumIndex', (req) => (req.query['symbol'] ? { ...state.premiumIndex, data: state.premiumIndex.data.find((r: any) => r.symbol === req.query['symbol']) } : state.premiumIndex));
  venue.get('/openApi/cswap/v1/market/premiumIndex', (req) => (req.query['symbol'] ? { ...state.cswapPremiumIndex, data: state.cswapPremiumIndex.data.filter((r: any) => r.symbol === req.query['symbol']) } : state.cswapPremiumIndex));
  return { venue, state };
}
/** ccxt bingx with currencies off (that endpoint needs a wallet key permission the tests do not mock). */
const makeBingx = () => makeExchange('bingx', { has: { fetchCurrencies: false } });
/** request paths without the signed query (timestamp, signature) */
const privatePaths = (venue: Venue) => venue.requests.map((r) => `${r.method} ${r.path}`).filter((p) => !p.includes('contracts') && !p.includes('common/symbols'));

describe('bingx, hedge mode, USDT-M and coin-M accounts', () => {
  it('net, gross, leverage, per asset, per position and limit use equal the hand-computed values', async () => {
    const { venue } = bingxVenue(fx('bingx/hedge.json'));
    const config = { limits: { maxNetExposure: { value: '20000' }, maxLeverage: '3', maxAssetExposure: { BTC: '25000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeBingx())] });
    // marks (premiumIndex): BTC-USDT 60000, ETH-USDT 3000, BTC-USD 60000
    // BTC-USDT LONG  positionAmt 0.25 BTC (USDT-M amounts are coins, contractSize 1) · 60000 = +15000
    // ETH-USDT SHORT positionAmt 2 (positive on a SHORT row) ETH · 3000              =  −6000
    // BTC-USD  SHORT positionAmt 30 contracts · 100 USD (minTickSize, coin-M)         =  −3000   (only in the cswap account)
    // equity = each asset's `equity`: USDT 9800 + 200 = 10000; BTC 0.10172414 − 0.00172414 = 0.1 BTC · 60000 = 6000 → 16000
    // BTC = 15000 − 3000 + 6000 (the coin-M BTC collateral) = 18000; ETH = −6000; net 12000
    // gross = 15000 + 6000 + 3000 + 6000 = 30000; leverage 30000 / 16000 = 1.875
    // pending: BTC-USDT BUY LONG 0.05 − 0.01 executed = 0.04 BTC → +2400; ETH-USDT BUY SHORT 1 ETH shrinks the short to −3000;
    //   BTC-USD SELL SHORT 5 contracts (coin-M `quantity`, origQty "") → −500 more
    // net with the buys filled: 17400 − 3000 − 3000 + 6000 = 17400 (sells filled: 15000 − 6000 − 3500 + 6000 = 11500)
    // BTC with the buys filled: 17400 − 3000 + 6000 = 20400
    // gross, each holding at its larger direction: 17400 + 6000 + 3500 + 6000 = 32900; maker fee 0.0002 on every pending
    //   order: 0.04 · 58000 · 0.0002 = 0.464, 5 · 100 · 0.0002 = 0.1 and the closing ETH buy's 1 · 2900 · 0.0002 = 0.58
    //   → 32900 / (16000 − 1.144) = 2.0563970300… → 2.05639703
    const r = guard.exposure();
    expect(r).toMatchObject({
      equity: '16000', net: '12000', gross: '30000', leverage: '1.875',
      assets: { BTC: '18000', ETH: '-6000' },
      positions: { 'BTC/USDT:USDT': '15000', 'ETH/USDT:USDT': '-6000', 'BTC/USD:BTC': '-3000' },
      unpriced: [],
    });
    expect(r.limits).toEqual([
      { limit: 'maxNetExposure', threshold: '20000', value: '17400', utilisation: '0.87' },
      { limit: 'maxLeverage', threshold: '3', value: '2.05639703', utilisation: '0.685466' },
      { limit: 'maxAssetExposure', subject: 'BTC', threshold: '25000', value: '20400', utilisation: '0.816' },
    ]);
    // buying more BTC-USDT on the LONG side: net room 20000 − 17400 = 2600 → 2600 / 60000 = 0.04333… BTC
    //   → 0.0433 (quantityPrecision 4); the BTC room 25000 − 20400 = 4600 and the leverage room do not bind first
    const d = guard.preview({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '1', params: { positionSide: 'LONG' } });
    expect([d.action, d.approved, d.reasons[0]?.code]).toEqual(['resize', '0.0433', 'NET_EXPOSURE']);
    expect(venue.unexpected).toEqual([]);
    await guard.close();
  });

  it('reads both accounts: the coin-M position, balance and order are seen, and every request is shown', async () => {
    const { venue } = bingxVenue(fx('bingx/hedge.json'));
    const snap = await new CcxtAdapter(makeBingx()).fetchSnapshot();
    expect(snap.positions.map((p) => [p.symbol, p.side, p.contracts, p.contractSize, p.positionSide])).toEqual([
      ['BTC/USDT:USDT', 'long', '0.25', '1', 'long'],
      ['ETH/USDT:USDT', 'short', '2', '1', 'short'],
      ['BTC/USD:BTC', 'short', '30', '100', 'short'],
    ]);
    expect(snap.openOrders.map((o) => [o.symbol, o.side, o.amount, o.remaining, o.positionSide])).toEqual([
      ['BTC/USDT:USDT', 'buy', '0.05', '0.04', 'long'],
      ['ETH/USDT:USDT', 'buy', '1', '1', 'short'],
      ['BTC/USD:BTC', 'sell', '5', '5', 'short'], // `quantity` 5 (a number), origQty ""
    ]);
    expect(snap.balance['BTC']).toMatchObject({ total: '0.1', stated: { equity: { value: '0.1', field: 'equity' }, wallet: { value: '0.10172414', field: 'balance' } } });
    // the mark feed alongside; open orders first, positions and balances after their answer
    expect(privatePaths(venue)).toEqual([
      'GET /openApi/swap/v2/quote/premiumIndex',
      'GET /openApi/cswap/v1/market/premiumIndex',
      'GET /openApi/swap/v2/trade/openOrders',
      'GET /openApi/cswap/v1/trade/openOrders',
      'GET /openApi/swap/v2/user/positions',
      'GET /openApi/cswap/v1/user/positions',
      'GET /openApi/swap/v3/user/balance',
      'GET /openApi/cswap/v1/user/balance',
    ]);
  });

  it('reads only the account of the settle currencies the host names', async () => {
    const { venue } = bingxVenue(fx('bingx/hedge.json'));
    const snap = await new CcxtAdapter(makeBingx(), { settleCurrencies: ['BTC'] }).fetchSnapshot();
    expect(snap.positions.map((p) => p.symbol)).toEqual(['BTC/USD:BTC']);
    expect(privatePaths(venue).filter((p) => p.includes('/swap/'))).toEqual([]);
  });
});

describe('bingx prices', () => {
  it('a contract the premiumIndex lists lack is priced by a targeted request (?symbol=)', async () => {
    const data = fx('bingx/hedge.json');
    const btcUsd = data.cswapPremiumIndex.data[0];
    data.cswapPremiumIndex.data = data.cswapPremiumIndex.data.slice(1);
    delete data.cswapPositions.data[0].markPrice; // nor does the position row carry one
    const { venue } = bingxVenue(data);
    venue.get('/openApi/cswap/v1/market/premiumIndex', (req) => ({ ...data.cswapPremiumIndex, data: req.query['symbol'] === 'BTC-USD' ? [btcUsd] : data.cswapPremiumIndex.data }));
    const snap = await new CcxtAdapter(makeBingx()).fetchSnapshot();
    expect(snap.prices['BTC/USD:BTC']).toEqual({ mark: '60000' });
    expect(venue.requests.filter((r) => r.path.includes('cswap/v1/market/premiumIndex')).map((r) => r.query['symbol'] ?? null)).toEqual([null, 'BTC-USD']);
  });
});

describe('bingx traps: what ccxt alone reads', () => {
  it('ccxt reads the USDT-M account only, and its balance total leaves out the unrealized PnL', async () => {
    bingxVenue(fx('bingx/hedge.json'));
    const ex = makeBingx();
    const positions = await ex.fetchPositions();
    expect(positions.map((p: any) => p.symbol)).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT']); // no BTC-USD short
    const orders = await ex.fetchOpenOrders(undefined, undefined, undefined, { type: 'swap' });
    expect(orders.map((o: any) => o.symbol)).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT']); // no coin-M order
    const balance = await ex.fetchBalance({ type: 'swap' });
    // availableMargin 7120 + usedMargin 2680 = 9800 = the balance without the +200 unrealized; no BTC at all
    expect(balance.total).toEqual({ USDT: 9800 });
    const snap = await new CcxtAdapter(makeBingx()).fetchSnapshot();
    expect(snap.balance['total']).toEqual({ BTC: '0.1', USDT: '10000' });
  });

  it('a one-way (BOTH) row: ccxt reads its side as "both"; here it is refused, its sign being undocumented', async () => {
    const data = fx('bingx/hedge.json');
    data.positions.data[1].positionSide = 'BOTH';
    data.positions.data[1].positionAmt = '-2.00';
    bingxVenue(data);
    const ex = makeBingx();
    expect((await ex.fetchPositions()).map((p: any) => p.side)).toEqual(['long', 'both']);
    const err = await new CcxtAdapter(makeBingx()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedHoldingError);
    expect(err.message).toMatch(/one-way \(BOTH\) position/);
  });
});

describe('bingx self-verification: the stated figures', () => {
  it('the honest payload agrees with itself', async () => {
    bingxVenue(fx('bingx/hedge.json'));
    expect(normalizeSnapshot(await new CcxtAdapter(makeBingx()).fetchSnapshot()).mismatches).toEqual([]);
  });

  it('a wrong positionValue, a mark far from the feed, and an equity without unrealized PnL are each caught', async () => {
    const data = fx('bingx/hedge.json');
    data.positions.data[0].positionValue = '150000.0000'; // ten times 0.25 · 60000: a unit mistake somewhere
    data.positions.data[1].markPrice = '3100.00'; // 3.3 % from the premiumIndex mark 3000 (tolerance 1 %) …
    data.positions.data[1].positionValue = '6200.0000'; // … its value consistent with that mark: only the mark is off
    data.cswapPositions.data[0].markPrice = '66000.0'; // coin-M row: 10 % from 60000
    data.balance.data[0].equity = '9800.0000'; // USDT equity = balance, the +200 unrealized left out
    data.cswapBalance.data[0].unrealizedProfit = '-0.01'; // BTC: 0.10172414 − 0.01 ≠ equity 0.1
    bingxVenue(data);
    const snap = await new CcxtAdapter(makeBingx()).fetchSnapshot();
    expect(normalizeSnapshot(snap).mismatches.map((m) => [m.subject, m.figure, m.field, m.stated, m.computed])).toEqual([
      ['BTC/USDT:USDT long on bingx', 'notional', 'positionValue', '150000', '15000'],
      ['ETH/USDT:USDT short on bingx', 'markPrice', 'markPrice', '3100', '3000'],
      ['BTC/USD:BTC short on bingx', 'markPrice', 'markPrice', '66000', '60000'],
      ['BTC balance on bingx', 'equity', 'balance + unrealizedProfit', '0.09172414', '0.1'],
      ['USDT balance on bingx', 'equity', 'balance + unrealizedProfit', '10000', '9800'],
    ]);
  });
});

describe('bingx refusals', () => {
  it.each([
    ['a LONG row with a negative positionAmt', (d: any) => { d.positions.data[0].positionAmt = '-0.25'; }, /a LONG row with positionAmt -0.25/],
    ['an unknown positionSide', (d: any) => { d.positions.data[0].positionSide = 'HEDGE'; }, /unknown positionSide "HEDGE"/],
    ['a positionAmt that is not a number', (d: any) => { d.cswapPositions.data[0].positionAmt = 'abc'; }, /"positionAmt" is not a decimal/],
    ['an order list that is not a list', (d: any) => { d.cswapOrders = { code: 0, msg: '', data: { orders: null } }; }, /data.orders: expected a JSON array, got null/],
    ['a balance without its data', (d: any) => { d.balance = { code: 0, msg: '' }; }, /swap\/v3\/user\/balance.data: expected a JSON array/],
    ['a balance with money and no asset', (d: any) => { d.balance.data[0].asset = ''; }, /without an asset/],
  ])('refuses %s (MalformedPayloadError)', async (_name, corrupt, message) => {
    const data = fx('bingx/hedge.json');
    corrupt(data);
    bingxVenue(data);
    const err = await new CcxtAdapter(makeBingx()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(message);
  });

  it('a coin-M contract list without face values: BTC-USD is then no coin-M market, and its position is refused, not valued', async () => {
    const data = fx('bingx/hedge.json');
    const { state } = bingxVenue(data);
    delete state.cswapContracts.data[0].minTickSize; // ccxt tells coin-M markets by minTickSize (their face value)
    const err = await new CcxtAdapter(makeBingx()).fetchSnapshot().catch((e) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/market BTC-USD is not in the loaded markets/);
  });
});
