import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Book } from '../../src/book/book.js';
import { FIXED_READ } from '../../src/book/reconcile.js';
import { parseConfig, type TradingState } from '../../src/config/config.js';
import { decide } from '../../src/guard/decide.js';
import { buildRules, type LimitRule } from '../../src/limits/index.js';
import { Decimal, ZERO } from '../../src/number.js';
import type { Projection } from '../../src/projection/projection.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { dec, worldArb } from '../helpers/worlds.js';

/**
 * Every rule answers twice: `maxAmount` (the closed form the guard resizes with) and
 * `check` (the exact verdict at one amount, which confirms the resize and fills the
 * reason). The guard trusts them to agree, so each rule is held to it on its own, on
 * generated accounts, orders, edits, trading states, stale and inconsistent data and order-rate history:
 *
 *  - no maximum ⇒ the whole request passes;
 *  - a blocking rule that fires ⇒ its maximum is 0 and the request fails;
 *  - a resizing rule that fires ⇒ the request fails, every amount up to the maximum passes
 *    and a hair beyond it fails (a hair: far less than any lot, far more than the closed
 *    form's rounding at 60 digits).
 */
const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 1000);
const NOW = 1_700_000_000_000;
const HAIR = new Decimal('1e-30');

const extrasArb = fc.record({
  priceBandBps: fc.option(dec(400, [0, 1]), { nil: undefined }),
  maxOpenOrders: fc.option(fc.record({ perSymbol: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), total: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }) }), { nil: undefined }),
  orderRate: fc.option(fc.record({ max: fc.integer({ min: 1, max: 3 }), perMs: fc.constantFrom(1000, 60000) }), { nil: undefined }),
  /** earlier approvals, ms before now (some exactly on the window's edge) */
  history: fc.array(fc.constantFrom(0, 1, 999, 1000, 1001, 59999, 60000), { maxLength: 4 }),
  tradingState: fc.constantFrom<TradingState>('ACTIVE', 'ACTIVE', 'REDUCING', 'HALTED'),
  stale: fc.boolean(),
  inconsistent: fc.boolean(),
  symbols: fc.option(fc.record({ deny: fc.boolean() }), { nil: undefined }),
  /** decide the orders as edits, each with this share of its amount already counted */
  edit: fc.option(fc.constantFrom(0, 0.5, 1), { nil: undefined }),
});

type Extras = typeof extrasArb extends fc.Arbitrary<infer T> ? T : never;

function rulesFor(w: { config: Record<string, unknown> }, x: Extras, firstSymbol: string) {
  const limits: Record<string, unknown> = { ...(w.config['limits'] as object) };
  if (x.priceBandBps) limits['priceBandBps'] = x.priceBandBps;
  if (x.maxOpenOrders && (x.maxOpenOrders.perSymbol !== undefined || x.maxOpenOrders.total !== undefined)) limits['maxOpenOrders'] = x.maxOpenOrders;
  if (x.orderRate) limits['orderRate'] = x.orderRate;
  if (x.symbols) limits['symbols'] = x.symbols.deny ? { deny: [firstSymbol] } : { allow: [firstSymbol] };
  const config = parseConfig({ ...w.config, limits });
  const rules = buildRules(config.limits);
  for (const r of rules) for (const ago of x.history) r.approved?.(NOW - ago);
  return { config, rules };
}

function holdsTogether(rule: LimitRule, p: Projection, pick: number): void {
  const name = rule.limit;
  const max = rule.maxAmount(p);
  const atRequest = rule.check(p, p.requested);
  if (max === null) {
    expect(atRequest.pass, `${name}: no maximum, yet the request fails: ${atRequest.message}`).toBe(true);
    return;
  }
  expect(atRequest.pass, `${name}: a maximum of ${max.toFixed()} below a request that passes`).toBe(false);
  if (rule.effect === 'block') {
    expect(max.isZero(), `${name} blocks with a maximum of ${max.toFixed()}`).toBe(true);
    return;
  }
  expect(max.lt(p.requested), `${name}: maximum ${max.toFixed()} ≥ request ${p.requested.toFixed()}`).toBe(true);
  // the closed form may carry one inexact division: a hair below it must pass
  const top = Decimal.max(max, ZERO);
  const below = top.minus(HAIR);
  if (below.gt(0)) {
    expect(rule.check(p, below).pass, `${name}: a hair below its maximum ${top.toFixed()} fails`).toBe(true);
    const inside = below.mul(pick).toDecimalPlaces(18, Decimal.ROUND_DOWN);
    if (inside.gt(0)) expect(rule.check(p, inside).pass, `${name}: ${inside.toFixed()} below the maximum ${top.toFixed()} fails`).toBe(true);
  }
  const beyond = top.plus(HAIR);
  if (beyond.lt(p.requested)) expect(rule.check(p, beyond).pass, `${name}: a hair beyond the maximum ${top.toFixed()} passes`).toBe(false);
}

describe('each rule\'s maximum and its verdict agree', () => {
  it('on generated accounts, orders, edits, trading states, stale and inconsistent data and order-rate history', () => {
    fc.assert(fc.property(worldArb, extrasArb, fc.double({ min: 0, max: 1, noNaN: true }), (w, x, pick) => {
      const firstSymbol = String(w.orders[0]!.intent['symbol']);
      const { config, rules } = rulesFor(w, x, firstSymbol);
      const book = new Book({ quoteCurrency: config.quoteCurrency, cashCurrencies: config.cashCurrencies, lostOrderGraceMs: 0, now: () => NOW });
      book.applyRead(normalizeSnapshot({ ...w.snapshot, timestamp: NOW }), FIXED_READ);
      const ctx = { book, config, now: NOW, tradingState: x.tradingState, staleness: x.stale ? 'account data is 40000 ms old' : null, inconsistency: x.inconsistent ? 'BTC/USDT:USDT long on a: notional 1000 stated, 10000 computed' : null };
      for (const { intent } of w.orders) {
        const amount = new Decimal(String(intent['amount']));
        const opts = x.edit === undefined ? {} : { edit: true, grandfathered: amount.mul(x.edit) };
        const p = decide(ctx, [], intent, 'x', opts).projection;
        expect(p).not.toBeNull();
        for (const rule of rules) holdsTogether(rule, p!, pick);
      }
    }), { numRuns: RUNS });
  });
});
