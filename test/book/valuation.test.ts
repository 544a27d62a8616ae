import { describe, expect, it } from 'vitest';
import { BTC, ETH, buy, guardOn, inverse, linear, position, sell, snapshot, spot } from '../helpers/snapshots.js';

const INV = 'BTC/USD:BTC';

describe('inverse contracts: coin collateral is long exposure', () => {
  // 1 BTC collateral at 50000 (valued through BTC/USD:BTC, USD is cash): equity 50000, BTC exposure +50000.
  // Short 500 contracts × 100 USD: −50000. Net 0, gross 100000, leverage 2.
  const book = (contracts = 500) => snapshot({
    markets: [inverse('BTC', 100)],
    positions: contracts ? [position(INV, 'short', contracts)] : [],
    balance: { BTC: { total: 1 } },
    prices: { [INV]: { mark: 50000 } },
  });

  it('values the book by hand', async () => {
    const g = await guardOn(book(), { limits: { maxNetExposure: { value: 10000 } } });
    const r = g.exposure();
    expect(r).toMatchObject({ equity: '50000', net: '0', gross: '100000', leverage: '2', assets: { BTC: '0' }, positions: { [INV]: '-50000' } });
  });

  it('collateral alone is a long; a short hedges it; notional is contracts × size in USD', async () => {
    const g = await guardOn(book(0), { limits: { maxNetExposure: { value: 60000 } } });
    expect(g.exposure().net).toBe('50000'); // unhedged coin collateral
    const d = g.preview(sell(INV, 1200)); // 50000 − 100q ≥ −60000 → q ≤ 1100
    expect(d.approved).toBe('1100');
    expect(d.after.net).toBe('-60000');
  });

  it('already breached by the collateral: a short that ends beyond the limit on the other side but smaller passes', async () => {
    const g = await guardOn(book(0), { limits: { maxNetExposure: { value: 10000 } } });
    // |50000 − 100q| ≤ max(10000, 50000) → q ≤ 1000
    expect(g.preview(sell(INV, 700)).action).toBe('allow'); // net −20000: |−20000| < 50000
    expect(g.preview(sell(INV, 1100)).approved).toBe('1000');
  });

  it('inclusive at the limit, resize past it', async () => {
    const g = await guardOn(book(), { limits: { maxNetExposure: { value: 10000 } } });
    expect(g.preview(sell(INV, 100)).action).toBe('allow'); // −10000
    expect(g.preview(sell(INV, 150)).approved).toBe('100');
  });

  it('a flip: the reducing 500 contracts are exempt, the opening part may not worsen net beyond the reduction', async () => {
    const g = await guardOn(book(), { limits: { maxNetExposure: { value: 10000 } } });
    // after buying back 500, net is +50000 (collateral); more would only add
    const d = g.preview(buy(INV, 600));
    expect(d.approved).toBe('500');
    expect(d.reasons[0]).toMatchObject({ code: 'NET_EXPOSURE', after: '50000', unclipped: '60000' });
  });

  it('leverage counts the collateral and the short separately', async () => {
    const g = await guardOn(book(), { limits: { maxLeverage: '2.5' } });
    expect(g.preview(sell(INV, 500)).approved).toBe('250'); // 100000 + 100q ≤ 125000
  });
});

describe('spot balances are holdings', () => {
  const book = () => snapshot({
    markets: [spot('BTC'), spot('ETH'), spot('ETH', 'BTC')],
    balance: { USDT: { total: 10000 }, BTC: { total: 0.1 } },
    prices: { 'BTC/USDT': { last: 50000 }, 'ETH/USDT': { bid: 2499, ask: 2501 }, 'ETH/BTC': { mark: 0.05 } },
  });

  it('values balances at their price: equity includes them, cash carries no exposure', async () => {
    const g = await guardOn(book(), {});
    expect(g.exposure()).toMatchObject({ equity: '15000', net: '5000', gross: '5000', assets: { BTC: '5000' } });
  });

  it('buying and selling the base move its balance', async () => {
    const g = await guardOn(book(), { limits: { maxNetExposure: { value: 8000 } } });
    expect(g.preview(buy('BTC/USDT', 0.1)).approved).toBe('0.06');
    const d = g.preview(sell('BTC/USDT', 0.15)); // 0.1 reduces, then −0.05 BTC: net −2500
    expect(d.action).toBe('allow');
    expect(d.after.net).toBe('-2500');
  });

  it('a pair with a non-cash quote moves both balances; pending, each leg counts in its worst case on its own', async () => {
    const g = await guardOn(book(), { limits: { maxGrossExposure: { value: 100000 } } });
    // buy 1 ETH for 0.05 BTC: with the buys filled, ETH +2500 (mid of 2499/2501) and BTC 0.1 → 0.05 = 2500: net 5000
    // gross, worst case of each holding: ETH 2500 if it fills, BTC 5000 if it does not: 7500 (conservative: the two legs fill together)
    const d = g.preview(buy('ETH/BTC', 1, '0.05'));
    expect(d.after).toMatchObject({ net: '5000', gross: '7500' });
    // ETH 10000 if it fills, BTC max(|−0.1·50000|, 0.1·50000) = 5000: 15000
    expect(g.preview(buy('ETH/BTC', 4, '0.05')).after).toMatchObject({ net: '5000', gross: '15000' });
  });
});

describe('hedge mode: long and short rows of one symbol are separate holdings', () => {
  const book = () => snapshot({
    markets: [linear('BTC'), linear('ETH')],
    positions: [position(BTC, 'long', 0.1, { hedged: true }), position(BTC, 'short', 0.05, { hedged: true })],
    prices: { [BTC]: { mark: 50000 }, [ETH]: { mark: 2500 } },
  });
  const LONG = { params: { positionSide: 'LONG' } };
  const SHORT = { params: { positionSide: 'SHORT' } };

  it('values both rows: net 2500, gross 7500', async () => {
    const g = await guardOn(book(), {});
    expect(g.exposure()).toMatchObject({ net: '2500', gross: '7500', positions: { [BTC]: '2500' } });
    expect(g.exposure().holdings.map((h) => h.side).sort()).toEqual(['long', 'short']);
  });

  it('opening on the long row adds gross even though the account is hedged', async () => {
    const g = await guardOn(book(), { limits: { maxGrossExposure: { value: 10000 } } });
    expect(g.preview(buy(BTC, '0.1', undefined, LONG)).approved).toBe('0.05'); // 7500 + 50000q ≤ 10000
    expect(g.preview(buy(BTC, '0.1', undefined, { params: { hedged: true } })).approved).toBe('0.05'); // ccxt's unified flag
  });

  it('closing a row is reducing: it passes a breached limit and cannot flip the row', async () => {
    const g = await guardOn(book(), { limits: { maxGrossExposure: { value: 1000 } } });
    const d = g.preview(sell(BTC, '0.2', undefined, LONG)); // closes at most the 0.1 long
    expect(d.action).toBe('allow');
    // with the sell filled the long row is flat (net −2500); until it fills the long is still there: gross stays 7500
    expect(d.after).toMatchObject({ net: '-2500', gross: '7500' });
    expect(g.preview(buy(BTC, '0.05', undefined, SHORT)).action).toBe('allow');
    expect(g.preview(sell(BTC, '0.01', undefined, SHORT)).action).toBe('block');
  });

  it('position limits apply per side', async () => {
    const g = await guardOn(book(), { limits: { maxPositionNotional: { default: 6000 } } });
    expect(g.preview(buy(BTC, '0.1', undefined, LONG)).approved).toBe('0.02');
    expect(g.preview(sell(BTC, '0.07', undefined, SHORT)).approved).toBe('0.07'); // short row −2500 − 3500 = −6000
  });

  it('an order without a position side on a hedged symbol is invalid', async () => {
    const g = await guardOn(book(), {});
    expect(g.preview(buy(BTC, '0.01')).reasons[0]).toMatchObject({ code: 'INVALID_ORDER', message: expect.stringMatching(/hedge mode/) });
    expect(g.preview(buy(ETH, 1)).action).toBe('allow');
  });
});
