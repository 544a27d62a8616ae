import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floorToLot } from '../../src/book/market.js';
import { Decimal } from '../../src/number.js';
import type { Decision } from '../../src/guard/decision.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { liveSource } from '../helpers/snapshots.js';
import { capacity, exposureViolations, metricsAfter, orderViolations } from '../helpers/reference.js';
import { worldArb } from '../helpers/worlds.js';

/** Property runs per property: at least 1000 in CI (RUNS overrides for local exploration). */
const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 1000);
const D = (s: string | number) => new Decimal(s);

// ---- helpers --------------------------------------------------------------------

const fmt = (d: Decimal) => (d.isZero() ? '0' : d.toFixed());

function expectMetrics(actual: Decision['after'], m: ReturnType<typeof metricsAfter>) {
  expect(actual.net).toBe(fmt(m.net));
  expect(actual.gross).toBe(fmt(m.gross));
  expect(actual.equity).toBe(fmt(m.equity));
  expect(actual.leverage).toBe(m.equity.gt(0) ? fmt(m.gross.div(m.equity).toDecimalPlaces(8)) : null);
}

/** Numbers where the world had decimal strings (each string is a short decimal, so Number() round-trips). */
function numeric<T>(x: T): T {
  return JSON.parse(JSON.stringify(x), (k, v) =>
    typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) && !['symbol', 'id', 'side', 'type', 'base', 'quote', 'settle', 'exchange'].includes(k) ? Number(v) : v);
}

const stripId = (d: Decision) => ({ ...d, id: '' });

// ---- properties -------------------------------------------------------------------

describe('resize math, against a from-scratch reference model', () => {
  it('approved ≤ requested; the after-metrics equal the reference; every exposure limit holds or is no worse; order-size rules hold', async () => {
    await fc.assert(fc.asyncProperty(worldArb, async (w) => {
      const guard = await RiskGuard.create({ config: w.config, sources: [w.snapshot] });
      for (const { intent, ref } of w.orders) {
        const d = guard.preview(intent);
        const approved = D(d.approved);
        expect(d.reasons.filter((r) => ['INVALID_ORDER', 'UNKNOWN_SYMBOL', 'STALE_DATA'].includes(r.code))).toEqual([]);
        expect(approved.lte(ref.amount)).toBe(true);
        expect(approved.gte(0)).toBe(true);
        if (d.action === 'allow') expect(approved.eq(ref.amount)).toBe(true);
        if (d.action === 'resize') expect(floorToLot(approved, { mode: 'tick', step: w.ref.markets.get(ref.symbol)!.step }).eq(approved)).toBe(true);
        expectMetrics(d.before, metricsAfter(w.ref, ref, D(0)));
        expectMetrics(d.after, metricsAfter(w.ref, ref, approved));
        expect(exposureViolations(w.ref, ref, w.limits, w.alwaysAllowReducing, approved)).toEqual([]);
        expect(orderViolations(w.ref, ref, w.limits, approved)).toEqual([]);
        // reservations change the reference: apply the approved order as pending, like check()
        const c = await guard.check(intent);
        expect(stripId(c)).toEqual(stripId(d));
        if (approved.gt(0)) w.ref.pending.push({ ...ref, amount: approved });
      }
      await guard.close();
    }), { numRuns: RUNS });
  });

  it('maximality: one more lot would breach a limit or exceed the request', async () => {
    await fc.assert(fc.asyncProperty(worldArb, async (w) => {
      const guard = await RiskGuard.create({ config: w.config, sources: [w.snapshot] });
      for (const { intent, ref } of w.orders) {
        const d = await guard.check(intent);
        const approved = D(d.approved);
        if (d.action !== 'allow' && d.reasons[0]!.code !== 'MIN_AMOUNT') {
          const step = w.ref.markets.get(ref.symbol)!.step;
          const next = approved.plus(step);
          if (next.lte(ref.amount)) {
            const broken = [...exposureViolations(w.ref, ref, w.limits, w.alwaysAllowReducing, next), ...orderViolations(w.ref, ref, w.limits, next)];
            expect(broken.length, `approved ${d.approved} of ${ref.amount.toFixed()}; ${next.toFixed()} should breach something (${JSON.stringify(d.reasons)})`).toBeGreaterThan(0);
          }
        }
        if (approved.gt(0)) w.ref.pending.push({ ...ref, amount: approved });
      }
      await guard.close();
    }), { numRuns: RUNS });
  });

  it('numbers and decimal strings give identical decisions', async () => {
    await fc.assert(fc.asyncProperty(worldArb, async (w) => {
      const a = await RiskGuard.create({ config: w.config, sources: [w.snapshot] });
      const b = await RiskGuard.create({ config: numeric(w.config), sources: [numeric(w.snapshot)] });
      for (const { intent } of w.orders) {
        expect(stripId(await b.check(numeric(intent)))).toEqual(stripId(await a.check(intent)));
      }
      // the same report; each guard names its own decisions
      const report = (g: RiskGuard) => ({ ...g.exposure(), pending: g.exposure().pending.map((p) => ({ ...p, clientOrderId: p.origin === 'guard' ? '' : p.clientOrderId })) });
      expect(report(b)).toEqual(report(a));
      await a.close();
      await b.close();
    }), { numRuns: RUNS });
  });

  it('no reservation leaks: after releasing every reservation the book is exactly as it started', async () => {
    await fc.assert(fc.asyncProperty(worldArb, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), async (w, releaseEarly) => {
      const guard = await RiskGuard.create({ config: w.config, sources: [w.snapshot] });
      // the report carries every sum the limits read (worst-case net, gross, leverage, assets, positions) and what is pending
      const state = () => JSON.stringify(guard.exposure());
      const initial = state();
      const ids: string[] = [];
      for (const [i, { intent }] of w.orders.entries()) {
        const d = await guard.check(intent);
        expect(guard.verify()).toEqual([]);
        if (releaseEarly[i]) guard.release(d.id);
        else ids.push(d.id);
      }
      for (const id of ids) guard.release(id);
      expect(guard.exposure().pending).toHaveLength(w.snapshot.openOrders.length);
      expect(state()).toBe(initial);
      expect(guard.verify()).toEqual([]);
      await guard.close();
    }), { numRuns: RUNS });
  });

  it('the reducing capacity the reference computes is what the guard lets through in REDUCING state', async () => {
    await fc.assert(fc.asyncProperty(worldArb, async (w) => {
      const guard = await RiskGuard.create({ config: { ...w.config, tradingState: 'REDUCING', limits: {} }, sources: [w.snapshot] });
      for (const { intent, ref } of w.orders) {
        const d = guard.preview(intent);
        const cap = Decimal.min(capacity(w.ref, ref), ref.amount);
        expect(d.approved).toBe(cap.isZero() ? '0' : cap.toFixed());
      }
      await guard.close();
    }), { numRuns: RUNS });
  });
});

describe('incremental aggregates equal a book built from scratch', () => {
  it('after any sequence of snapshots (positions, balances, open orders, prices changing), with reservations held', async () => {
    await fc.assert(fc.asyncProperty(fc.array(worldArb, { minLength: 2, maxLength: 4 }), async (worlds) => {
      // every world of the sequence uses the first world's markets, so one account evolves
      const markets = worlds[0]!.snapshot.markets;
      const known = new Set(markets.map((m) => m['symbol']));
      const snaps = worlds.map((w, i) => ({
        ...w.snapshot,
        markets,
        timestamp: 1_700_000_000_000 + i,
        positions: w.snapshot.positions.filter((p) => known.has(p['symbol'])),
        openOrders: w.snapshot.openOrders.filter((o) => known.has(o['symbol'])),
        prices: Object.fromEntries(Object.entries({ ...worlds[0]!.snapshot.prices, ...w.snapshot.prices }).filter(([s]) => known.has(s))),
        balance: Object.fromEntries(Object.entries(w.snapshot.balance).filter(([c]) => c === 'USDT' || markets.some((m) => m['base'] === c))),
      }));
      let i = 0;
      const live = liveSource('acct', () => ({ ...snaps[Math.min(i, snaps.length - 1)]! }));
      const guard = await RiskGuard.create({ config: { freshness: { afterOrderMs: 0 } }, sources: [live], clock: () => 1_700_000_000_000 });
      const orders = worlds[0]!.orders.filter((o) => known.has(o.intent['symbol'] as string));
      const held = [];
      for (const o of orders) held.push(await guard.check(o.intent));
      for (i = 1; i < snaps.length; i++) await guard.refresh();
      const fresh = await RiskGuard.create({ config: { freshness: { afterOrderMs: 0 } }, sources: [liveSource('acct', () => ({ ...snaps[snaps.length - 1]! }))], clock: () => 1_700_000_000_000 });
      for (const o of orders) await fresh.check(o.intent);
      // the report (every worst-case sum, what is pending) without its clock
      const agg = (g: RiskGuard) => JSON.stringify({ ...g.exposure(), pending: g.exposure().pending.map((p) => JSON.stringify({ ...p, since: '', clientOrderId: p.origin === 'guard' ? '' : p.clientOrderId })).sort() });
      expect(guard.verify()).toEqual([]);
      for (const d of held) guard.release(d.id);
      for (const p of fresh.exposure().pending) if (p.origin === 'guard' && p.clientOrderId) fresh.release(p.clientOrderId);
      expect(JSON.parse(agg(guard))).toEqual(JSON.parse(agg(fresh)));
      expect(guard.verify()).toEqual([]);
      await guard.close();
      await fresh.close();
    }), { numRuns: Math.ceil(RUNS / 2) });
  });
});
