import ccxt from 'ccxt';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RiskGuard, RiskGuardRejection } from '../../src/index.js';
import type { Decision } from '../../src/index.js';
import { BinanceOrderMock, binanceUsdm, mockSource } from '../helpers/binance-orders.js';

const BTC = 'BTC/USDT:USDT';
const ETH = 'ETH/USDT:USDT';

async function setup(config: Record<string, unknown> = {}, prepare?: (m: BinanceOrderMock) => void) {
  const ex = await binanceUsdm();
  const mock = new BinanceOrderMock();
  prepare?.(mock);
  const src = mockSource(mock, ex);
  const guard = await RiskGuard.create({ config: { freshness: { maxAgeMs: 60_000, afterOrderMs: 0 }, ...config }, sources: [src] });
  const wrapped = guard.wrap(ex);
  return { ex: wrapped, mock, guard, src };
}

beforeEach(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('guard.wrap(exchange)', () => {
  it('returns the same object; orders within the limits go out unchanged', async () => {
    const { ex, mock, guard } = await setup({ limits: { maxNetExposure: { value: 8000 } } });
    expect(guard.wrap(ex)).toBe(ex);
    const order = await ex.createOrder(BTC, 'limit', 'buy', 0.05, 50000);
    expect(mock.openOrders()[0]!.origQty.toFixed()).toBe('0.05');
    expect(order.status).toBe('open');
    expect((order as unknown as { riskGuard: Decision }).riskGuard.action).toBe('allow');
    // the bot gave no client order id: the decision's id is sent, so the guard can follow the order
    expect(order.clientOrderId).toBe((order as unknown as { riskGuard: Decision }).riskGuard.id);
  });

  it('a resized order goes out at the approved amount and carries its decision', async () => {
    const { ex, mock } = await setup({ limits: { maxNetExposure: { value: 8000 } } }, (m) => m.positions.set('BTCUSDT', new (m.wallet.constructor as any)('0.1')));
    const order = await ex.createOrder(BTC, 'limit', 'buy', 0.2, 50000);
    expect(mock.openOrders()[0]!.origQty.toFixed()).toBe('0.06');
    const d = (order as unknown as { riskGuard: Decision }).riskGuard;
    expect(d).toMatchObject({ action: 'resize', requested: '0.2', approved: '0.06', reasons: [{ code: 'NET_EXPOSURE' }] });
  });

  it('a blocked order throws RiskGuardRejection, a ccxt InvalidOrder, and never reaches the exchange', async () => {
    const { ex, mock } = await setup({ onBreach: 'block', limits: { maxLeverage: 1 } });
    const err = await ex.createOrder(BTC, 'market', 'buy', 0.001).then(() => null, (e) => e);
    expect(err).toBeNull(); // 50 USDT: fine
    const blocked = await ex.createOrder(BTC, 'market', 'buy', 10).then(() => null, (e) => e);
    expect(blocked).toBeInstanceOf(RiskGuardRejection);
    expect(blocked).toBeInstanceOf(ccxt.InvalidOrder);
    expect(blocked).toBeInstanceOf(ccxt.ExchangeError);
    expect(blocked.decision.reasons[0].code).toBe('LEVERAGE');
    expect(blocked.message).toMatch(/risk-guard blocked buy 10 BTC\/USDT:USDT: LEVERAGE/);
    expect(mock.requests.filter((r) => r.startsWith('POST'))).toHaveLength(1);
  });

  it('other methods pass through untouched', async () => {
    const { ex } = await setup();
    expect(ex.fetchOrderBook).toBe(Object.getPrototypeOf(ex).fetchOrderBook);
    expect(ex.fetchBalance).toBe(Object.getPrototypeOf(ex).fetchBalance);
    expect(ex.amountToPrecision(BTC, 0.12345)).toBe('0.123');
  });

  it('convenience methods go through the guard', async () => {
    const { ex, mock } = await setup({ limits: { maxOrderAmount: { [BTC]: '0.01' } } });
    await ex.createMarketBuyOrder(BTC, 0.05);
    await ex.createLimitSellOrder(ETH, 3, 2500);
    await ex.createReduceOnlyOrder(BTC, 'market', 'sell', 0.05);
    const sent = [...mock.orders.values()].map((o) => `${o.symbol}:${o.side}:${o.origQty.toFixed()}${o.reduceOnly ? ':RO' : ''}`);
    expect(sent).toEqual(['BTCUSDT:BUY:0.01', 'ETHUSDT:SELL:3', 'BTCUSDT:SELL:0.01:RO']);
  });

  it('dry run: orders go out unchanged, decisions say what would have happened', async () => {
    const { ex, mock, guard } = await setup({ mode: 'dryRun', limits: { maxNetExposure: { value: 1000 } } });
    const seen: Decision[] = [];
    guard.on('decision', (d) => seen.push(d));
    await ex.createOrder(BTC, 'market', 'buy', 0.1);
    await ex.createOrder(BTC, 'market', 'buy', 0.1);
    expect([...mock.orders.values()].map((o) => o.origQty.toFixed())).toEqual(['0.1', '0.1']);
    expect(seen.map((d) => `${d.action}:${d.approved}:${d.dryRun}`)).toEqual(['resize:0.02:true', 'block:0:true']);
  });
});

describe('createOrders: a batch is checked cumulatively', () => {
  it('each order sees the ones before it', async () => {
    const { ex, mock } = await setup({ limits: { maxNetExposure: { value: 8000 } } });
    const orders = await ex.createOrders([
      { symbol: BTC, type: 'limit', side: 'buy', amount: 0.1, price: 50000 },
      { symbol: BTC, type: 'limit', side: 'buy', amount: 0.1, price: 50000 },
    ]);
    expect(orders.map((o) => o.amount)).toEqual([0.1, 0.06]);
    expect(mock.openOrders().map((o) => o.origQty.toFixed())).toEqual(['0.1', '0.06']);
  });

  it('a batch with a blocked order is not sent at all, and reserves nothing', async () => {
    const { ex, mock, guard } = await setup({ limits: { priceBandBps: 100 } });
    const err = await ex.createOrders([
      { symbol: BTC, type: 'limit', side: 'buy', amount: 0.1, price: 50000 },
      { symbol: BTC, type: 'limit', side: 'buy', amount: 0.1, price: 60000 },
    ]).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(RiskGuardRejection);
    expect(err.decisions.map((d: Decision) => d.action)).toEqual(['allow', 'block']);
    expect(mock.requests).toEqual([]);
    expect(guard.exposure().pending).toEqual([]);
  });

  it('a refused entry of a batch releases its reservation', async () => {
    const { ex, mock, guard } = await setup();
    mock.behaviour = (o) => (o.side === 'SELL' ? { outcome: 'reject', error: { code: -2019, msg: 'Margin is insufficient.' } } : {});
    await ex.createOrders([
      { symbol: BTC, type: 'limit', side: 'buy', amount: 0.1, price: 50000 },
      { symbol: ETH, type: 'limit', side: 'sell', amount: 1, price: 2500 },
    ]);
    expect(guard.exposure().pending.map((p) => `${p.symbol}:${p.side}`)).toEqual([`${BTC}:buy`]);
  });
});

describe('editOrder: the change is what is checked', () => {
  it('an increase is checked against the limits with the old order counted; a decrease always passes', async () => {
    const { ex, mock, guard } = await setup({ limits: { maxNetExposure: { value: 8000 } } });
    const o = await ex.createOrder(BTC, 'limit', 'buy', 0.1, 49000);
    const bigger = await ex.editOrder(o.id!, BTC, 'limit', 'buy', 0.3, 49500);
    expect(bigger.amount).toBe(0.16); // 0.16 × 50000 = 8000
    expect(mock.openOrders()[0]!.origQty.toFixed()).toBe('0.16');
    guard.setTradingState('REDUCING', 'test');
    const smaller = await ex.editOrder(o.id!, BTC, 'limit', 'buy', 0.05, 49500);
    expect(smaller.amount).toBe(0.05);
    expect(guard.exposure().pending.map((p) => p.remaining)).toEqual(['0.05']);
  });

  it('a blocked edit leaves the old order counted as it was', async () => {
    const { ex, guard } = await setup({ limits: { priceBandBps: 200 } });
    const o = await ex.createOrder(BTC, 'limit', 'buy', 0.1, 49500);
    await expect(ex.editOrder(o.id!, BTC, 'limit', 'buy', 0.1, 40000)).rejects.toBeInstanceOf(RiskGuardRejection);
    expect(guard.exposure().pending.map((p) => `${p.remaining}@${p.price}`)).toEqual(['0.1@49500']);
  });

  it('an edit the exchange refuses restores the old order', async () => {
    const { ex, guard, mock } = await setup();
    const o = await ex.createOrder(BTC, 'limit', 'buy', 0.1, 49500);
    mock.orders.get(Number(o.id))!.status = 'FILLED';
    await expect(ex.editOrder(o.id!, BTC, 'limit', 'buy', 0.2, 49500)).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    expect(guard.exposure().pending.map((p) => p.remaining)).toEqual(['0.1']);
  });
});
