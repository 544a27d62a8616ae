/**
 * Issue 12, item 1: a bot whose ccxt is not the copy risk-guard imports. `ccxt-alt` is a
 * second copy of ccxt (a devDependency alias, `npm:ccxt@4.5.82`, beside the 4.5.84 that
 * risk-guard's own imports load): its classes are different objects. A rejection from an
 * exchange made with it must be an instance of *its* InvalidOrder, and its errors must be
 * classified by what they are (released or still counted), not by risk-guard's classes.
 */
import ccxt from 'ccxt';
import altCcxt from 'ccxt-alt';
import { afterEach, describe, expect, it } from 'vitest';
import { CcxtAdapter, RiskGuard, RiskGuardRejection } from '../../src/index.js';
import { failureOf } from '../../src/hook/failure.js';
import { invalidOrderOf } from '../../src/hook/rejection.js';
import { startSimExchange, type SimExchange } from '../../src/sim/index.js';

const BTC = 'BTC/USDT:USDT';
let sim: SimExchange | undefined;
let guard: RiskGuard | undefined;

afterEach(async () => {
  await guard?.close();
  await sim?.close();
  guard = sim = undefined;
});

async function guarded<E extends object>(exchange: E) {
  sim = await startSimExchange({ seed: 3, balances: { USDT: '10000' }, instruments: [{ symbol: 'BTCUSDT', price: '50000' }] });
  const ex = sim.attach(exchange as never) as E;
  guard = await RiskGuard.create({
    config: { onBreach: 'block', limits: { maxOrderNotional: 1000 }, freshness: { maxAgeMs: 60_000, afterOrderMs: 0 } },
    sources: [new CcxtAdapter(ex)],
  });
  return guard.wrap(ex);
}

describe('a second copy of ccxt (the bot\'s) beside risk-guard\'s', () => {
  it('is a different copy: its classes are not risk-guard\'s', () => {
    expect(altCcxt.InvalidOrder).not.toBe(ccxt.InvalidOrder);
    expect(new altCcxt.InvalidOrder('x')).not.toBeInstanceOf(ccxt.InvalidOrder);
  });

  it('the InvalidOrder found from an exchange instance is its own ccxt\'s', () => {
    expect(invalidOrderOf(new altCcxt.binanceusdm())).toBe(altCcxt.InvalidOrder);
    expect(invalidOrderOf(new altCcxt.bybit())).toBe(altCcxt.InvalidOrder);
    expect(invalidOrderOf(new ccxt.okx())).toBe(ccxt.InvalidOrder);
    // tables patched with the other copy's classes (as the simulator's attach() does): the base class still decides
    const patched = new altCcxt.binanceusdm();
    patched.exceptions = { exact: { '-2022': ccxt.InvalidOrder }, broad: {} };
    expect(invalidOrderOf(patched)).toBe(altCcxt.InvalidOrder);
  });

  it('a blocked order on an exchange of the second copy throws that copy\'s InvalidOrder, and is a RiskGuardRejection', async () => {
    const ex = await guarded(new altCcxt.binanceusdm());
    const err = await ex.createOrder(BTC, 'market', 'buy', 1).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(altCcxt.InvalidOrder);
    expect(err).toBeInstanceOf(altCcxt.ExchangeError);
    expect(err).toBeInstanceOf(altCcxt.BaseError);
    expect(err).toBeInstanceOf(RiskGuardRejection);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ccxt.InvalidOrder);
    const rejection = err as RiskGuardRejection;
    expect(rejection.name).toBe('RiskGuardRejection');
    expect(rejection.decision.reasons[0]!.code).toBe('ORDER_NOTIONAL');
    expect(rejection.decisions).toEqual([rejection.decision]);
    expect(rejection.message).toMatch(/^risk-guard blocked buy 1 BTC\/USDT:USDT: ORDER_NOTIONAL/);
    expect(rejection.stack).toContain('RiskGuardRejection');
    // the bot's usual handling: a ccxt InvalidOrder of its own ccxt, caught as such
    let handled = '';
    try {
      await ex.createOrder(BTC, 'market', 'buy', 1);
    } catch (e) {
      if (e instanceof altCcxt.InvalidOrder) handled = 'invalid order';
    }
    expect(handled).toBe('invalid order');
    // a batch is blocked whole, with the same class
    const batch = await ex.createOrders([{ symbol: BTC, type: 'market', side: 'buy', amount: 0.001 }, { symbol: BTC, type: 'market', side: 'buy', amount: 1 }]).then(() => null, (e: unknown) => e);
    expect(batch).toBeInstanceOf(altCcxt.InvalidOrder);
    expect((batch as RiskGuardRejection).decisions).toHaveLength(2);
    // an allowed order goes out through the second copy and carries its decision
    const order = await ex.createOrder(BTC, 'market', 'buy', 0.01);
    expect(order.riskGuard.action).toBe('allow');
    expect(order.status).toBe('closed');
  });

  it('an exchange of risk-guard\'s own copy still throws that copy\'s InvalidOrder (RiskGuardRejection itself)', async () => {
    const ex = await guarded(new ccxt.binanceusdm());
    const err = await ex.createOrder(BTC, 'market', 'buy', 1).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ccxt.InvalidOrder);
    expect(err).toBeInstanceOf(RiskGuardRejection);
    expect(Object.getPrototypeOf(err)).toBe(RiskGuardRejection.prototype);
    expect(err).not.toBeInstanceOf(altCcxt.InvalidOrder);
  });

  it('errors of the second copy are classified by what they are: a refusal releases, a timeout stays counted', async () => {
    expect(failureOf(new altCcxt.RateLimitExceeded('429'))).toBe('refused');
    expect(failureOf(new altCcxt.OnMaintenance('maintenance'))).toBe('refused');
    expect(failureOf(new altCcxt.InsufficientFunds('-2019'))).toBe('refused');
    expect(failureOf(new altCcxt.InvalidOrder('-4164'))).toBe('refused');
    expect(failureOf(new altCcxt.RequestTimeout('timeout'))).toBe('unknown');
    expect(failureOf(new altCcxt.ExchangeNotAvailable('502'))).toBe('unknown');
    expect(failureOf(new altCcxt.BadResponse('garbled'))).toBe('unknown');
    expect(failureOf(new altCcxt.DuplicateOrderId('dup'))).toBe('unknown');
    // not a ccxt error, even one that borrows a ccxt name: unknown (fail safe)
    expect(failureOf(new Error('boom'))).toBe('unknown');
    expect(failureOf(new (class ExchangeError extends Error {})('not ccxt'))).toBe('unknown');
    expect(failureOf('a string')).toBe('unknown');

    // end to end: a 429 from the exchange releases what the order held; a 500 keeps it counted
    const ex = await guarded(new altCcxt.binanceusdm());
    sim!.injectFault({ path: '/fapi/v1/order', method: 'POST', kind: 'http429' });
    const refused = await ex.createOrder(BTC, 'market', 'buy', 0.01).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(altCcxt.DDoSProtection); // ccxt maps HTTP 429 to DDoSProtection
    expect(guard!.exposure().pending).toEqual([]);
    sim!.injectFault({ path: '/fapi/v1/order', method: 'POST', kind: 'http500' });
    const unknown = await ex.createOrder(BTC, 'market', 'buy', 0.01).then(() => null, (e: unknown) => e);
    expect(unknown).toBeInstanceOf(altCcxt.ExchangeNotAvailable);
    expect(guard!.exposure().pending).toHaveLength(1);
  });
});
