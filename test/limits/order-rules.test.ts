import { describe, expect, it } from 'vitest';
import type { AccountSource } from '../../src/guard/sources.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { BTC, ETH, T0, buy, guardOn, inverse, linear, linearBook, openOrder, position, sell, snapshot, spot } from '../helpers/snapshots.js';

describe('maxPositionNotional', () => {
  const cfg = { limits: { maxPositionNotional: { default: '6000', symbols: { [ETH]: '3000' } } } };
  it('caps one position, with per-symbol overrides', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), cfg);
    const d = g.preview(buy(BTC, '0.05'));
    expect(d.approved).toBe('0.02'); // 5000 + 50000q ≤ 6000
    expect(d.reasons[0]).toMatchObject({ code: 'POSITION_NOTIONAL', scope: 'symbol', threshold: '6000', before: '5000', after: '6000', unclipped: '7500' });
    expect(g.preview(sell(ETH, 2)).approved).toBe('1.2'); // 2500q ≤ 3000
  });
  it('a flip is capped on the other side', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), cfg);
    expect(g.preview(sell(BTC, 1)).approved).toBe('0.22'); // 0.1 reduced, then 0.12 short = 6000
  });
});

describe('maxAssetExposure', () => {
  it('sums every holding of an asset: the perpetual and the spot balance', async () => {
    const snap = snapshot({
      markets: [linear('BTC'), spot('BTC')],
      positions: [position(BTC, 'long', 0.1)],
      balance: { USDT: { total: 10000 }, BTC: { total: 0.02 } },
      prices: { [BTC]: { mark: 50000 }, 'BTC/USDT': { last: 50000 } },
    });
    const g = await guardOn(snap, { limits: { maxAssetExposure: { BTC: 7000 } } });
    const d = g.preview(buy(BTC, '0.05'));
    expect(d.approved).toBe('0.02'); // 5000 + 1000 + 50000q ≤ 7000
    expect(d.reasons[0]).toMatchObject({ code: 'ASSET_EXPOSURE', scope: 'asset', before: '6000', after: '7000', unclipped: '8500', message: 'BTC exposure would be 8500 USDT, limit 7000' });
    expect(g.exposure().assets).toEqual({ BTC: '6000' });
  });
  it('"*" sets a default for every asset', async () => {
    const g = await guardOn(linearBook(), { limits: { maxAssetExposure: { '*': 1000 } } });
    expect(g.preview(buy(ETH, 1)).approved).toBe('0.4');
  });
});

describe('order-size rules apply to the whole order, reducing or not', () => {
  it('maxOrderNotional uses the limit price for limit orders and the mark for market orders', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.3)]), { limits: { maxOrderNotional: 6000 } });
    expect(g.preview(buy(BTC, '0.2', 40000)).approved).toBe('0.15');
    expect(g.preview(buy(BTC, '0.2')).approved).toBe('0.12');
    const d = g.preview(sell(BTC, '0.2'));
    expect(d.approved).toBe('0.12');
    expect(d.reasons[0]).toMatchObject({ code: 'ORDER_NOTIONAL', threshold: '6000', after: '6000', unclipped: '10000' });
  });
  it('maxOrderAmount per symbol', async () => {
    const g = await guardOn(linearBook(), { limits: { maxOrderAmount: { [BTC]: '0.05' } } });
    expect(g.preview(buy(BTC, '0.1')).approved).toBe('0.05');
    expect(g.preview(buy(BTC, '0.05')).action).toBe('allow');
    expect(g.preview(buy(ETH, 100)).action).toBe('allow');
  });
});

describe('always-block rules', () => {
  it('priceBandBps: inclusive, both sides, market orders exempt', async () => {
    const g = await guardOn(linearBook(), { limits: { priceBandBps: 200 } });
    expect(g.preview(buy(BTC, '0.01', 51000)).action).toBe('allow'); // exactly 200 bps
    expect(g.preview(buy(BTC, '0.01', 49000)).action).toBe('allow');
    const d = g.preview(buy(BTC, '0.01', '51000.5'));
    expect(d.action).toBe('block');
    expect(d.reasons[0]).toMatchObject({ code: 'PRICE_BAND', threshold: '200', after: '200.1' }); // 1000.5 / 50000 · 10000
    expect(g.preview(sell(BTC, '0.01', 48999)).action).toBe('block');
    expect(g.preview(buy(BTC, '0.01')).action).toBe('allow');
  });

  it('maxOpenOrders counts exchange orders and in-flight reservations', async () => {
    const snap = linearBook([], { openOrders: [openOrder(BTC, 'buy', 0.001, 40000), openOrder(ETH, 'buy', 0.01, 2000)] });
    const g = await guardOn(snap, { limits: { maxOpenOrders: { perSymbol: 2, total: 3 } } });
    expect((await g.check(buy(BTC, '0.001', 40000))).action).toBe('allow'); // BTC: 2, total 3
    const d = g.preview(buy(BTC, '0.001', 40000));
    expect(d.action).toBe('block');
    expect(d.reasons[0]).toMatchObject({ code: 'OPEN_ORDERS', threshold: '2', before: '2' });
    const e = g.preview(buy(ETH, 1, 2000)); // ETH has 1 < 2, but the account has 3
    expect(e.reasons[0]).toMatchObject({ code: 'OPEN_ORDERS', threshold: '3', before: '3' });
  });

  it('orderRate: a sliding window of approvals', async () => {
    let now = T0;
    const g = await guardOn(linearBook(), { limits: { orderRate: { max: 2, perMs: 1000 } } }, () => now);
    expect((await g.check(buy(BTC, '0.001'))).action).toBe('allow');
    now += 400;
    expect((await g.check(buy(BTC, '0.001'))).action).toBe('allow');
    now += 400;
    const d = await g.check(buy(BTC, '0.001'));
    expect(d.reasons[0]).toMatchObject({ code: 'ORDER_RATE', threshold: '2', before: '2' });
    now += 201; // the first approval is now 1001 ms old
    expect((await g.check(buy(BTC, '0.001'))).action).toBe('allow');
  });

  it('symbols: deny list and allow list', async () => {
    const g = await guardOn(linearBook(), { limits: { symbols: { deny: [ETH] } } });
    expect(g.preview(buy(ETH, 1)).reasons[0]).toMatchObject({ code: 'SYMBOL_NOT_ALLOWED', message: `${ETH} is on the deny list` });
    expect(g.preview(buy(BTC, '0.001')).action).toBe('allow');
    const h = await guardOn(linearBook(), { limits: { symbols: { allow: [BTC] } } });
    expect(h.preview(buy(ETH, 1)).action).toBe('block');
    expect(h.preview(buy(BTC, '0.001')).action).toBe('allow');
  });
});

describe('trading state', () => {
  it('HALTED blocks everything, reducing orders included', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), { tradingState: 'HALTED' });
    expect(g.preview(sell(BTC, '0.1')).reasons[0]).toMatchObject({ code: 'TRADING_STATE', message: 'trading is HALTED: no order may be placed' });
  });
  it('REDUCING lets only the reducing part through, as a resize', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), {});
    const events: string[] = [];
    g.on('stateChange', (e) => events.push(`${e.from}->${e.to}:${e.reason}`));
    g.setTradingState('REDUCING', 'risk desk');
    expect(events).toEqual(['ACTIVE->REDUCING:risk desk']);
    expect(g.preview(sell(BTC, '0.3'))).toMatchObject({ action: 'resize', approved: '0.1', reasons: [{ code: 'TRADING_STATE' }] });
    expect(g.preview(sell(BTC, '0.05')).action).toBe('allow');
    expect(g.preview(buy(BTC, '0.01')).action).toBe('block');
    g.setTradingState('ACTIVE');
    expect(g.preview(buy(BTC, '0.01')).action).toBe('allow');
    expect(() => g.setTradingState('PAUSED' as never)).toThrow(/ACTIVE, REDUCING or HALTED/);
  });
});

describe('stale data fails closed', () => {
  class OldSource implements AccountSource {
    readonly name = 'old';
    readonly live = true;
    fetches = 0;
    constructor(private readonly age: number, private readonly now: () => number) {}
    async fetchSnapshot() {
      this.fetches++;
      return { ...linearBook([position(BTC, 'long', 0.1)]), timestamp: this.now() - this.age };
    }
  }
  it('onStale "block": opening orders block with STALE_DATA, reducing orders pass', async () => {
    let now = T0;
    const src = new OldSource(0, () => T0);
    const g = await RiskGuard.create({ config: { freshness: { maxAgeMs: 5000, onStale: 'block' } }, sources: [src], clock: () => now });
    expect((await g.check(buy(BTC, '0.01'))).action).toBe('allow');
    now = T0 + 5001;
    const d = await g.check(buy(BTC, '0.01'));
    expect(d.action).toBe('block');
    expect(d.reasons[0]).toMatchObject({ code: 'STALE_DATA' });
    expect(d.reasons[0]!.message).toMatch(/5001 ms old/);
    expect(await g.check(sell(BTC, '0.05'))).toMatchObject({ action: 'allow' });
    expect(await g.check(sell(BTC, '0.2'))).toMatchObject({ action: 'resize', approved: '0.05' }); // 0.1 − 0.05 already reserved
    expect(src.fetches).toBe(1);
  });
  it('onStale "refresh": a stale check refreshes first', async () => {
    let now = T0;
    const src = new OldSource(0, () => now);
    const g = await RiskGuard.create({ config: {}, sources: [src], clock: () => now });
    now += 60_000;
    expect((await g.check(buy(BTC, '0.01'))).action).toBe('allow');
    expect(src.fetches).toBe(2);
  });
  it('an order on a symbol without any price blocks', async () => {
    const snap = snapshot({ markets: [linear('BTC'), linear('ETH')], prices: { [BTC]: { mark: 50000 } } });
    const g = await guardOn(snap, {});
    expect(g.preview(buy(ETH, 1)).reasons[0]).toMatchObject({ code: 'STALE_DATA', message: `no price for ${ETH}: cannot value the order` });
  });
  it('a holding without a price blocks opening orders but not reductions', async () => {
    const snap = snapshot({ markets: [linear('BTC'), linear('ETH')], positions: [position(BTC, 'long', 0.1), position(ETH, 'long', 1)], prices: { [BTC]: { mark: 50000 } } });
    const g = await guardOn(snap, {});
    expect(g.preview(buy(BTC, '0.01')).reasons[0]).toMatchObject({ code: 'STALE_DATA', message: expect.stringMatching(/no price for ETH/) });
    expect(g.preview(sell(BTC, '0.1')).action).toBe('allow');
  });
});

describe('minimum amount and cost', () => {
  it('a resize below the minimum amount is a block with MIN_AMOUNT first and the binding limit after', async () => {
    const snap = snapshot({ markets: [linear('BTC', { step: 0.0001, min: 0.001 })], positions: [position(BTC, 'long', '0.1595')], prices: { [BTC]: { mark: 50000 } } });
    const g = await guardOn(snap, { limits: { maxNetExposure: { value: 8000 } } });
    const d = g.preview(buy(BTC, '0.01')); // room 25 USDT = 0.0005 < 0.001
    expect(d.action).toBe('block');
    expect(d.reasons.map((r) => r.code)).toEqual(['MIN_AMOUNT', 'NET_EXPOSURE']);
    expect(d.reasons[0]).toMatchObject({ threshold: '0.001', after: '0.0005' });
  });
  it('a resize below the minimum cost is a block', async () => {
    const snap = snapshot({ markets: [linear('BTC', { step: 0.0001, min: 0.0001, minCost: 50 })], positions: [position(BTC, 'long', '0.1595')], prices: { [BTC]: { mark: 50000 } } });
    const g = await guardOn(snap, { limits: { maxNetExposure: { value: 8000 } } });
    const d = g.preview(buy(BTC, '0.01'));
    expect(d.reasons[0]).toMatchObject({ code: 'MIN_AMOUNT', limit: 'market.limits.cost.min', threshold: '50', after: '25' });
  });
  it('a limit with no room at all blocks with the limit itself', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', '0.1599')]), { limits: { maxNetExposure: { value: 8000 } } });
    expect(g.preview(buy(BTC, '0.01')).reasons.map((r) => r.code)).toEqual(['NET_EXPOSURE']); // 0.0001 floors to 0
  });
});

describe('onBreach and dryRun', () => {
  it('onBreach "block" turns a resize into a block', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), { onBreach: 'block', limits: { maxNetExposure: { value: 8000 } } });
    const d = g.preview(buy(BTC, '0.2'));
    expect(d).toMatchObject({ action: 'block', approved: '0', reasons: [{ code: 'NET_EXPOSURE', after: '5000', unclipped: '15000' }] });
  });
  it('dryRun decides and reports; the order is reserved at its full amount since it goes through', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), { mode: 'dryRun', limits: { maxNetExposure: { value: 8000 } } });
    const d = await g.check(buy(BTC, '0.2'));
    expect(d).toMatchObject({ action: 'resize', approved: '0.06', dryRun: true });
    expect(g.exposure().pending.find((o) => o.clientOrderId === d.id)!.remaining).toBe('0.2');
  });
});

describe('what each rule reports when it binds', () => {
  it('maxOpenOrders: the count before and after, per symbol and in total; an edit keeps its slot', async () => {
    const snap = linearBook([], { openOrders: [openOrder(BTC, 'buy', 0.001, 40000, { id: 'b1' }), openOrder(ETH, 'buy', 0.01, 2000)] });
    const perSymbol = await guardOn(snap, { limits: { maxOpenOrders: { perSymbol: 1 } } });
    expect(perSymbol.preview(buy(BTC, '0.001', 40000)).reasons[0]).toMatchObject({ code: 'OPEN_ORDERS', threshold: '1', before: '1', after: '2', message: `${BTC} already has 1 open orders, limit 1` });
    const total = await guardOn(snap, { limits: { maxOpenOrders: { total: 2 } } });
    expect(total.preview(buy(BTC, '0.001', 40000)).reasons[0]).toMatchObject({ code: 'OPEN_ORDERS', threshold: '2', before: '2', after: '3', message: 'the account already has 2 open orders, limit 2' });
    // full on both counts, an edit of an order already open still passes
    const full = await guardOn(snap, { limits: { maxOpenOrders: { perSymbol: 1, total: 2 } } });
    expect(full.checkReplacement('test', { id: 'b1' }, buy(BTC, '0.002', 40000)).action).toBe('allow');
    expect(full.preview(buy(BTC, '0.002', 40000)).action).toBe('block');
  });

  it('orderRate: an approval exactly one window old no longer counts, one a millisecond younger does', async () => {
    let now = T0;
    const g = await guardOn(linearBook(), { limits: { orderRate: { max: 1, perMs: 1000 } } }, () => now);
    expect((await g.check(buy(BTC, '0.001'))).action).toBe('allow');
    now = T0 + 999;
    expect((await g.check(buy(BTC, '0.001'))).reasons[0]).toMatchObject({ code: 'ORDER_RATE', threshold: '1', before: '1', after: '2', message: '1 orders approved in the last 1000 ms, limit 1' });
    now = T0 + 1000;
    expect((await g.check(buy(BTC, '0.001'))).action).toBe('allow');
    // a blocked order is not an approval: it does not use up the window
    now = T0 + 1500;
    expect((await g.check(buy(BTC, '0.001'))).action).toBe('block');
    now = T0 + 2000;
    expect((await g.check(buy(BTC, '0.001'))).action).toBe('allow');
  });

  it('maxPositionNotional names the side of a hedge-mode position, not of a one-way one', async () => {
    const cfg = { limits: { maxPositionNotional: { default: '6000' } } };
    const oneWay = await guardOn(linearBook([position(BTC, 'long', 0.1)]), cfg);
    expect(oneWay.preview(buy(BTC, '0.05')).reasons[0]!.message).toBe(`${BTC} position would be 7500 USDT, limit 6000`);
    const hedged = await guardOn(linearBook([position(BTC, 'long', 0.1, { hedged: true }), position(BTC, 'short', 0.1, { hedged: true })]), cfg);
    expect(hedged.preview(buy(BTC, '0.05', undefined, { params: { hedged: true } })).reasons[0]!.message).toBe(`${BTC} long position would be 7500 USDT, limit 6000`);
    expect(hedged.preview(sell(BTC, '0.05', undefined, { params: { hedged: true } })).reasons[0]!.message).toBe(`${BTC} short position would be -7500 USDT, limit 6000`);
  });

  it('maxAssetExposure reports the asset that binds when an order moves two', async () => {
    // ETH/BTC spot: buying ETH adds ETH and pays with BTC (a BTC short here, with no BTC held)
    const snap = snapshot({
      markets: [spot('ETH', 'BTC', { step: 0.01 }), spot('BTC'), spot('ETH')],
      prices: { 'ETH/BTC': { last: '0.05' }, 'BTC/USDT': { last: 50000 }, 'ETH/USDT': { last: 2500 } },
    });
    const g = await guardOn(snap, { limits: { maxAssetExposure: { ETH: 100000, BTC: 1000 } } });
    const d = g.preview(buy('ETH/BTC', 2));
    expect(d).toMatchObject({ action: 'resize', approved: '0.4' }); // 2500 USDT of BTC per ETH: 1000 / 2500
    expect(d.reasons[0]).toMatchObject({ code: 'ASSET_EXPOSURE', threshold: '1000', message: 'BTC exposure would be -5000 USDT, limit 1000' });
  });

  it('the trading state reports how much of the order reduces', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), { tradingState: 'REDUCING' });
    expect(g.preview(sell(BTC, '0.3')).reasons[0]).toMatchObject({ code: 'TRADING_STATE', threshold: '0.1', after: '0.1', message: 'trading is REDUCING: only 0.1 of the order shrinks a position' });
    const h = await guardOn(linearBook([position(BTC, 'long', 0.1)]), { tradingState: 'HALTED' });
    expect(h.preview(sell(BTC, '0.1')).reasons[0]).toMatchObject({ code: 'TRADING_STATE', threshold: '0', after: '0' });
  });
});

describe('a per-symbol limit without a default leaves other symbols alone (found by mutation testing)', () => {
  it('maxPositionNotional and maxOrderAmount bind BTC only; an ETH order passes whole and is told so', async () => {
    const guard = await guardOn(linearBook(), { limits: { maxPositionNotional: { symbols: { [BTC]: '1000' } }, maxOrderAmount: { [BTC]: '0.01' } } });
    const eth = guard.preview({ symbol: ETH, side: 'buy', type: 'market', amount: '2' });
    expect([eth.action, eth.approved, eth.reasons]).toEqual(['allow', '2', []]);
    const btc = guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: '0.1' });
    // 0.1 BTC is 5000 against a 1000 position cap (0.02) and a 0.01 amount cap: both bind, the amount first
    expect([btc.action, btc.approved, btc.reasons.map((r) => r.code)]).toEqual(['resize', '0.01', ['ORDER_AMOUNT', 'POSITION_NOTIONAL']]);
    await guard.close();
  });
});

describe('the minimum cost of an inverse contract is its face value in USD (found by mutation testing)', () => {
  it('2 contracts of 100 USD cost 200 USD, below a 300 USD minimum: the resize is blocked with MIN_AMOUNT', async () => {
    const book = (minCost?: number) => snapshot({
      markets: [{ ...inverse('BTC', 100), limits: { amount: { min: 1 }, cost: minCost === undefined ? {} : { min: minCost } } }],
      balance: { USDT: { total: '10000' } }, prices: { 'BTC/USD:BTC': { mark: '50000' } },
    });
    const order = { symbol: 'BTC/USD:BTC', side: 'buy', type: 'market', amount: '10' } as const;
    const free = await guardOn(book(), { limits: { maxNetExposure: { value: '250' } } });
    expect([free.preview(order).action, free.preview(order).approved]).toEqual(['resize', '2']);
    await free.close();
    const floor = await guardOn(book(300), { limits: { maxNetExposure: { value: '250' } } });
    const d = floor.preview(order);
    expect([d.action, d.reasons.map((r) => r.code)]).toEqual(['block', ['MIN_AMOUNT', 'NET_EXPOSURE']]);
    await floor.close();
    // at 3 contracts (300 USD) the minimum is met
    const enough = await guardOn(book(300), { limits: { maxNetExposure: { value: '300' } } });
    expect(enough.preview(order).approved).toBe('3');
    await enough.close();
  });
});
