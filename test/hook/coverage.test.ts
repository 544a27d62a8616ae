import ccxt from 'ccxt';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RiskGuard, RiskGuardRejection } from '../../src/index.js';
import type { AccountSource } from '../../src/guard/sources.js';
import { BinanceOrderMock, binanceUsdm, mockSource } from '../helpers/binance-orders.js';

const BTC = 'BTC/USDT:USDT';

/** A plausible value for each parameter name ccxt's order methods use. */
const ARG: Record<string, unknown> = {
  symbol: BTC, type: 'limit', side: 'buy', amount: 0.01, price: 50000, cost: 500, params: {}, id: '1001', clientOrderId: 'abc',
  triggerPrice: 49000, stopLossPrice: 45000, takeProfitPrice: 55000, stopPrice: 49000, takeProfit: 55000, stopLoss: 45000,
  trailingPercent: 1, trailingAmount: 100, trailingTriggerPrice: 50000, duration: 60,
  orders: [{ symbol: BTC, type: 'limit', side: 'buy', amount: 0.01, price: 50000 }],
};

function paramNames(fn: (...a: unknown[]) => unknown): string[] {
  const m = /^[^(]*\(([^)]*)\)/.exec(fn.toString());
  return (m?.[1] ?? '').split(',').map((p) => p.trim().split(/\s|=/)[0]!).filter(Boolean);
}

/** Every order-placing or order-editing method ccxt defines on an exchange. */
function orderMethods(ex: object): string[] {
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(ex); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) {
      if (/^(create|edit)\w*Order/.test(n) && !/Request(Ws)?$/.test(n) && typeof (ex as Record<string, unknown>)[n] === 'function') names.add(n);
    }
  }
  return [...names].sort();
}

beforeEach(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('every ccxt order method goes through the guard', () => {
  for (const id of ['binanceusdm', 'bybit', 'okx'] as const) {
    it(`${id}: walking ccxt's method list, no order reaches the network unchecked`, async () => {
      // bybit asks whether the account is unified before some orders: say so up front
      const ex = id === 'binanceusdm' ? await binanceUsdm() : new ccxt[id]({ apiKey: 'k', secret: 's', password: 'p', enableRateLimit: false, options: { enableUnifiedMargin: false, enableUnifiedAccount: true } });
      ex.fetchImplementation = globalThis.fetch;
      const mock = new BinanceOrderMock();
      let source: AccountSource & { exchange?: unknown };
      if (id === 'binanceusdm') source = mockSource(mock, ex as never);
      else {
        const bin = await binanceUsdm();
        ex.setMarkets(Object.values(bin.markets ?? {}).map((m) => ({ ...m, id: id === 'okx' ? `${m!.base}-USDT-SWAP` : m!.id })));
        const snapshot = { ...mock.snapshot(bin), markets: Object.values(ex.markets ?? {}) };
        source = { name: id, live: true as const, exchange: ex, fetchSnapshot: async () => ({ ...snapshot, timestamp: Date.now() }) };
      }
      const guard = await RiskGuard.create({ config: { tradingState: 'HALTED', freshness: { afterOrderMs: 0 } }, sources: [source] });
      guard.wrap(ex);
      const methods = orderMethods(ex);
      expect(methods).toEqual(expect.arrayContaining(['createOrder', 'createOrders', 'editOrder', 'createMarketBuyOrder', 'createLimitSellOrder', 'createReduceOnlyOrder', 'createStopLossOrder', 'createTakeProfitOrder', 'createTriggerOrder', 'createTrailingPercentOrder', 'createMarketOrderWithCost', 'createOrderWithTakeProfitAndStopLoss', 'editLimitOrder']));
      const outcomes: Record<string, string> = {};
      for (const name of methods) {
        const fn = (ex as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!;
        const args = paramNames(Object.getPrototypeOf(ex)[name] ?? fn).map((p) => structuredClone(ARG[p]));
        const err = await fn.apply(ex, args).then(() => null, (e: unknown) => e);
        outcomes[name] = err instanceof RiskGuardRejection ? 'guarded'
          : err instanceof ccxt.NotSupported || err instanceof ccxt.ArgumentsRequired ? 'not supported'
          : `REACHED ${err === null ? 'success' : (err as Error).constructor.name}: ${(err as Error)?.message}`;
      }
      const leaks = Object.entries(outcomes).filter(([, o]) => o.startsWith('REACHED'));
      expect(leaks).toEqual([]);
      expect(mock.requests).toEqual([]);
      expect(outcomes['createOrder']).toBe('guarded');
      expect(outcomes['createMarketBuyOrder']).toBe('guarded');
      expect(outcomes['editOrder']).toBe('guarded');
      expect(Object.values(outcomes).filter((o) => o === 'guarded').length).toBeGreaterThan(15);
      await guard.close();
    });
  }
});
