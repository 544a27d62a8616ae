import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/number.js';
import { RiskGuard, RiskGuardRejection } from '../../src/index.js';
import type { Decision } from '../../src/index.js';
import { BinanceOrderMock, binanceUsdm, mockSource } from '../helpers/binance-orders.js';

/** mulberry32: a seeded PRNG, so the 500 orders and the exchange's answers are the same every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LIMITS = { net: 20000, gross: 30000, leverage: 3, position: 15000, btc: 12000, orderNotional: 3000 };
const EQUITY = 10000;
const SYMBOLS = { BTCUSDT: 'BTC/USDT:USDT', ETHUSDT: 'ETH/USDT:USDT' } as const;

/**
 * What the exchange holds, in the worst case per direction (every resting order of one
 * direction filled; reduce-only ones only down to flat), against every limit.
 */
function violations(mock: BinanceOrderMock): string[] {
  const out: string[] = [];
  for (const dir of ['BUY', 'SELL'] as const) {
    const pos = new Map<string, Decimal>([...mock.positions.entries()]);
    for (const o of mock.openOrders().filter((x) => x.side === dir)) {
      const left = o.origQty.minus(o.executedQty);
      const cur = pos.get(o.symbol) ?? new Decimal(0);
      const signed = dir === 'BUY' ? left : left.neg();
      if (!o.reduceOnly) pos.set(o.symbol, cur.plus(signed));
      else if (dir === 'SELL' && cur.gt(0)) pos.set(o.symbol, Decimal.max(cur.minus(left), 0));
      else if (dir === 'BUY' && cur.lt(0)) pos.set(o.symbol, Decimal.min(cur.plus(left), 0));
    }
    let net = new Decimal(0);
    let gross = new Decimal(0);
    for (const [id, q] of pos) {
      const n = q.mul(mock.marks.get(id)!);
      net = net.plus(n);
      gross = gross.plus(n.abs());
      if (n.abs().gt(LIMITS.position)) out.push(`${dir} ${id} position ${n}`);
      if (id === 'BTCUSDT' && n.abs().gt(LIMITS.btc)) out.push(`${dir} BTC exposure ${n}`);
    }
    if (net.abs().gt(LIMITS.net)) out.push(`${dir} net ${net}`);
    if (gross.gt(LIMITS.gross)) out.push(`${dir} gross ${gross}`);
    if (gross.div(EQUITY).gt(LIMITS.leverage)) out.push(`${dir} leverage ${gross.div(EQUITY)}`);
  }
  return out;
}

beforeEach(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('concurrency: many strategies on one wrapped exchange never jointly exceed a limit', () => {
  it('500 concurrent orders with random latency, partial fills, rejections and timeouts', async () => {
    const random = rng(20261124);
    const ex = await binanceUsdm({ timeout: 150 });
    const mock = new BinanceOrderMock();
    mock.timeoutMs = 150;
    mock.latency = () => Math.floor(random() * 25);
    mock.behaviour = () => {
      const r = random();
      if (r < 0.1) return { outcome: 'reject', error: { code: -2019, msg: 'Margin is insufficient.' } };
      if (r < 0.15) return { outcome: 'timeout' };
      if (r < 0.3) return { outcome: 'partial', ratio: '0.5' };
      return {};
    };
    const seen: string[] = [];
    mock.onChange = () => seen.push(...violations(mock));
    const guard = await RiskGuard.create({
      config: {
        freshness: { maxAgeMs: 60_000, afterOrderMs: 0, lostOrderGraceMs: 0 },
        limits: { maxNetExposure: { value: LIMITS.net }, maxGrossExposure: { value: LIMITS.gross }, maxLeverage: LIMITS.leverage, maxPositionNotional: { default: LIMITS.position }, maxAssetExposure: { BTC: LIMITS.btc }, maxOrderNotional: LIMITS.orderNotional },
      },
      sources: [mockSource(mock, ex)],
    });
    const wrapped = guard.wrap(ex);
    const decisions: Decision[] = [];
    guard.on('decision', (d) => decisions.push(d));

    // five strategies, a hundred orders each, all in flight together
    const orders = Array.from({ length: 500 }, (_, i) => {
      const btc = random() < 0.5;
      const symbol = btc ? SYMBOLS.BTCUSDT : SYMBOLS.ETHUSDT;
      const side = random() < 0.55 ? 'buy' : 'sell';
      const market = random() < 0.5;
      const amount = btc ? 0.001 + Math.floor(random() * 12) / 1000 : 0.01 + Math.floor(random() * 25) / 100;
      const mark = btc ? 50000 : 2500;
      const price = market ? undefined : Math.round(mark * (1 + (random() - 0.5) / 100));
      const reduceOnly = market && random() < 0.1;
      return { strategy: i % 5, symbol, side, type: market ? 'market' : 'limit', amount, price, params: reduceOnly ? { reduceOnly: true } : {} };
    });
    const results = await Promise.allSettled(orders.map((o) => wrapped.createOrder(o.symbol, o.type, o.side as 'buy' | 'sell', o.amount, o.price, o.params)));
    await new Promise((r) => setTimeout(r, 400)); // late answers of timed-out requests drain

    const rejectedByGuard = results.filter((r) => r.status === 'rejected' && r.reason instanceof RiskGuardRejection).length;
    const failedAtExchange = results.filter((r) => r.status === 'rejected' && !(r.reason instanceof RiskGuardRejection)).length;
    const accepted = [...mock.orders.values()].length;
    const actions = decisions.reduce<Record<string, number>>((m, d) => ({ ...m, [d.action]: (m[d.action] ?? 0) + 1 }), {});
    // the run exercised every path
    expect(decisions).toHaveLength(500);
    expect(actions['allow']).toBeGreaterThan(20);
    expect(actions['resize']).toBeGreaterThan(2);
    expect(actions['block']).toBeGreaterThan(20);
    expect(rejectedByGuard).toBe(actions['block']);
    expect(failedAtExchange).toBeGreaterThan(10);
    expect(accepted).toBeGreaterThan(100);
    // the exchange never held more than the limits allow, at any moment
    expect(seen).toEqual([]);
    mock.fillAll();
    expect(violations(mock)).toEqual([]);

    // after a refresh every reservation is settled: matched to an open order, filled, or released
    await guard.refresh();
    await guard.refresh();
    expect(guard.exposure().pending.filter((p) => p.stage !== 'open')).toEqual([]);
    expect(guard.exposure().pending).toHaveLength(mock.openOrders().length);
    expect(guard.verify()).toEqual([]);
    const positions = guard.exposure().positions;
    for (const [id, q] of mock.positions) expect(positions[SYMBOLS[id as keyof typeof SYMBOLS]] ?? '0').toBe(q.mul(mock.marks.get(id)!).toFixed());
    await guard.close();
  });
});
