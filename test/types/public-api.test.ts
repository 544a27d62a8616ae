/**
 * Type tests of the public API (issue 12, item 3). `tsc --noEmit -p .` (the first step of
 * `npm test`) checks this file: an `expectTypeOf` that does not hold, or a
 * `@ts-expect-error` line that compiles, fails the typecheck. Vitest lists the cases, but
 * their bodies are only type-checked, never run (`typeOnly`): there is no guard or exchange.
 */
import ccxt from 'ccxt';
import type { Exchange, InvalidOrder, Order, binanceusdm, okx } from 'ccxt';
import { describe, expectTypeOf, it } from 'vitest';
import { RiskGuard, RiskGuardRejection, type Decision, type GuardedExchange, type RiskGuardConfigInput, type RiskGuardOptions } from '../../src/index.js';

declare const guard: RiskGuard;
declare const sources: RiskGuardOptions['sources'];

/** A case checked by tsc (`npm run typecheck`); at run time there is nothing to do. */
const typeOnly = (body: () => void) => () => {
  expectTypeOf(body).toBeFunction();
};

describe('wrap(): order.riskGuard exists on what the wrapped exchange returns', () => {
  it('createOrder, editOrder and the convenience methods resolve to orders carrying the Decision', typeOnly(() => {
    const ex = guard.wrap(new ccxt.binanceusdm());
    expectTypeOf(ex).toEqualTypeOf<GuardedExchange<binanceusdm>>();
    const place = () => ex.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.5);
    expectTypeOf(place).returns.resolves.toHaveProperty('riskGuard').toEqualTypeOf<Decision>();
    expectTypeOf(place).returns.resolves.toMatchTypeOf<Order>();
    // strict mode: no TS2339, no cast
    const use = async () => (await ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 0.5, 50000)).riskGuard.action;
    expectTypeOf(use).returns.resolves.toEqualTypeOf<Decision['action']>();
    const edit = () => ex.editOrder('1', 'BTC/USDT:USDT', 'limit', 'buy', 0.5, 50000);
    expectTypeOf(edit).returns.resolves.toHaveProperty('riskGuard').toEqualTypeOf<Decision>();
    const convenience = () => ex.createMarketBuyOrder('BTC/USDT:USDT', 0.5);
    expectTypeOf(convenience).returns.resolves.toHaveProperty('riskGuard').toEqualTypeOf<Decision>();
    const ws = () => ex.createOrderWs('BTC/USDT:USDT', 'market', 'buy', 0.5);
    expectTypeOf(ws).returns.resolves.toHaveProperty('riskGuard').toEqualTypeOf<Decision>();
    // the arguments stay ccxt's own
    // @ts-expect-error amount is a number
    const badArgs = () => ex.createOrder('BTC/USDT:USDT', 'market', 'buy', 'lots');
    void badArgs;
  }));

  it('a batch resolves to orders that each carry their Decision', typeOnly(() => {
    const ex = guard.wrap(new ccxt.bybit());
    const batch = () => ex.createOrders([{ symbol: 'BTC/USDT:USDT', type: 'market', side: 'buy', amount: 0.5 }]);
    expectTypeOf(batch).returns.resolves.items.toHaveProperty('riskGuard').toEqualTypeOf<Decision>();
  }));

  it('the wrapped exchange is still the exchange: other methods unchanged, assignable where the exchange is expected', typeOnly(() => {
    const raw = new ccxt.okx();
    const ex = guard.wrap(raw);
    expectTypeOf(ex.fetchBalance).toEqualTypeOf(raw.fetchBalance);
    expectTypeOf(ex).toMatchTypeOf<okx>();
    expectTypeOf(ex).toMatchTypeOf<Exchange>();
    const asExchange: Exchange = ex;
    void asExchange;
    // @ts-expect-error only order-placing methods carry riskGuard
    const noDecision = async () => (await ex.cancelOrder('1', 'BTC/USDT:USDT')).riskGuard;
    void noDecision;
  }));

  it('RiskGuardRejection is a ccxt InvalidOrder carrying the Decision', typeOnly(() => {
    expectTypeOf<RiskGuardRejection>().toMatchTypeOf<InvalidOrder>();
    expectTypeOf<RiskGuardRejection['decision']>().toEqualTypeOf<Decision>();
    expectTypeOf<RiskGuardRejection['decisions']>().toEqualTypeOf<Decision[]>();
  }));
});

describe('RiskGuard.create: the config is typed', () => {
  it('a typed config compiles; a misspelt key or a wrong value does not', typeOnly(() => {
    const ok = () => RiskGuard.create({ config: { limits: { maxNetExposure: { value: 20000 }, maxLeverage: 3, maxOrderNotional: '5000' } }, sources });
    expectTypeOf(ok).returns.resolves.toEqualTypeOf<RiskGuard>();
    // @ts-expect-error maxLeverag is not a limit
    const typo = () => RiskGuard.create({ config: { limits: { maxLeverag: 3 } }, sources });
    // @ts-expect-error a misspelt top-level key
    const typoTop = () => RiskGuard.create({ config: { quoteCurency: 'USDT' }, sources });
    // @ts-expect-error mode is 'enforce' or 'dryRun'
    const badValue = () => RiskGuard.create({ config: { mode: 'yolo' }, sources });
    // @ts-expect-error a typed object whose keys are all wrong
    const weak = (c: { limits: { maxLeverag: number } }) => RiskGuard.create({ config: c, sources });
    void [typo, typoTop, badValue, weak];
    expectTypeOf<RiskGuardOptions['config']>().toEqualTypeOf<RiskGuardConfigInput>();
  }));

  it('a config of type unknown (parsed JSON) is accepted and validated at run time', typeOnly(() => {
    const fromJson = (text: string) => {
      const config: unknown = JSON.parse(text);
      return RiskGuard.create({ config, sources });
    };
    expectTypeOf(fromJson).returns.resolves.toEqualTypeOf<RiskGuard>();
    // JSON.parse's own `any` is accepted as it is
    const fromAny = (text: string) => RiskGuard.create({ config: JSON.parse(text), sources });
    expectTypeOf(fromAny).returns.resolves.toEqualTypeOf<RiskGuard>();
  }));
});
