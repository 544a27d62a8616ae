import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floorToLot } from '../../src/book/market.js';
import type { AccountSnapshot } from '../../src/snapshot/normalize.js';
import { Decimal } from '../../src/number.js';
import type { Decision } from '../../src/guard/decision.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { liveSource } from '../helpers/snapshots.js';
import { capacity, exposureViolations, metricsAfter, orderViolations, type RefBook, type RefLimits, type RefMarket, type RefOrder } from '../helpers/reference.js';

/** Property runs per property: at least 1000 in CI (RUNS overrides for local exploration). */
const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 1000);
const D = (s: string | number) => new Decimal(s);

// ---- generators ---------------------------------------------------------------

const dec = (maxInt: number, places: number[]) =>
  fc.tuple(fc.integer({ min: 1, max: maxInt }), fc.constantFrom(...places)).map(([n, k]) => D(n).div(D(10).pow(k)).toFixed());

interface World {
  snapshot: AccountSnapshot;
  config: Record<string, unknown>;
  ref: RefBook;
  limits: RefLimits;
  alwaysAllowReducing: boolean;
  orders: Array<{ intent: Record<string, unknown>; ref: RefOrder }>;
}

const assetArb = fc.record({
  price: dec(100000, [0, 1, 2]),
  linearCs: fc.constantFrom('1', '0.1', '0.01', '10'),
  linearStep: fc.constantFrom('0.001', '0.01', '0.1', '1', '0.5', '0.005'),
  inverse: fc.option(fc.constantFrom('1', '10', '100'), { nil: null }),
  spot: fc.option(fc.constantFrom('0.0001', '0.001', '0.01'), { nil: null }),
  taker: fc.constantFrom('0', '0.0002', '0.0004', '0.001'),
  maker: fc.constantFrom('0', '0.0002'),
});

const worldArb: fc.Arbitrary<World> = fc.record({
  assets: fc.uniqueArray(fc.constantFrom('BTC', 'ETH', 'SOL'), { minLength: 1, maxLength: 3 }).chain((names) =>
    fc.tuple(...names.map((n) => assetArb.map((a) => ({ name: n, ...a }))))),
  usdt: fc.integer({ min: 0, max: 200000 }),
  positionsK: fc.array(fc.integer({ min: -300, max: 300 }), { minLength: 9, maxLength: 9 }),
  coinsK: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 3, maxLength: 3 }),
  pendingSpec: fc.array(fc.record({ m: fc.nat(), buy: fc.boolean(), k: fc.integer({ min: 1, max: 200 }), bps: fc.integer({ min: -300, max: 300 }), ro: fc.boolean() }), { maxLength: 4 }),
  limitSpec: fc.record({
    net: fc.option(fc.oneof(fc.record({ value: dec(200000, [0]) }), fc.record({ pctOfEquity: dec(300, [0, 1]) })), { nil: undefined }),
    gross: fc.option(fc.oneof(fc.record({ value: dec(400000, [0]) }), fc.record({ pctOfEquity: dec(500, [0]) })), { nil: undefined }),
    leverage: fc.option(dec(50, [0, 1]), { nil: undefined }),
    position: fc.option(dec(100000, [0]), { nil: undefined }),
    asset: fc.option(dec(150000, [0]), { nil: undefined }),
    orderNotional: fc.option(dec(100000, [0]), { nil: undefined }),
    orderAmount: fc.option(dec(1000, [0, 1, 2]), { nil: undefined }),
  }),
  alwaysAllowReducing: fc.boolean(),
  orderSpec: fc.array(fc.record({ m: fc.nat(), buy: fc.boolean(), k: fc.integer({ min: 1, max: 800 }), offLot: fc.boolean(), limit: fc.boolean(), bps: fc.integer({ min: -100, max: 100 }), ro: fc.boolean() }), { minLength: 1, maxLength: 6 }),
}).map((g): World => {
  const markets: Array<Record<string, unknown>> = [];
  const refMarkets = new Map<string, RefMarket>();
  const prices: Record<string, { mark: string }> = {};
  const refPrices = new Map<string, Decimal>();
  const addMarket = (m: Record<string, unknown>, r: RefMarket, price: string) => {
    markets.push(m);
    refMarkets.set(r.symbol, r);
    prices[r.symbol] = { mark: price };
  };
  for (const a of g.assets) {
    refPrices.set(a.name, D(a.price));
    const common = { taker: Number(a.taker), maker: Number(a.maker) };
    const lin = `${a.name}/USDT:USDT`;
    addMarket({ symbol: lin, base: a.name, quote: 'USDT', settle: 'USDT', type: 'swap', contract: true, linear: true, inverse: false, contractSize: a.linearCs, precision: { amount: a.linearStep }, limits: { amount: {}, cost: {} }, ...common },
      { symbol: lin, base: a.name, quote: 'USDT', kind: 'linear', cs: D(a.linearCs), step: D(a.linearStep), taker: D(a.taker), maker: D(a.maker) }, a.price);
    if (a.inverse) {
      const inv = `${a.name}/USD:${a.name}`;
      addMarket({ symbol: inv, base: a.name, quote: 'USD', settle: a.name, type: 'swap', contract: true, linear: false, inverse: true, contractSize: a.inverse, precision: { amount: '1' }, limits: { amount: {}, cost: {} }, ...common },
        { symbol: inv, base: a.name, quote: 'USD', kind: 'inverse', cs: D(a.inverse), step: D(1), taker: D(a.taker), maker: D(a.maker) }, a.price);
    }
    if (a.spot) {
      const sp = `${a.name}/USDT`;
      addMarket({ symbol: sp, base: a.name, quote: 'USDT', type: 'spot', spot: true, precision: { amount: a.spot }, limits: { amount: {}, cost: {} }, ...common },
        { symbol: sp, base: a.name, quote: 'USDT', kind: 'spot', cs: D(1), step: D(a.spot), taker: D(a.taker), maker: D(a.maker) }, a.price);
    }
  }
  const list = [...refMarkets.values()];
  const contracts = list.filter((m) => m.kind !== 'spot');
  const positions: Array<Record<string, unknown>> = [];
  const refPositions = new Map<string, Decimal>();
  contracts.forEach((m, i) => {
    const k = g.positionsK[i % 9]!;
    if (k === 0) return;
    const c = m.step.mul(Math.abs(k));
    positions.push({ symbol: m.symbol, side: k > 0 ? 'long' : 'short', contracts: c.toFixed(), contractSize: m.cs.toFixed() });
    refPositions.set(m.symbol, k > 0 ? c : c.neg());
  });
  const balance: Record<string, { total: string }> = { USDT: { total: String(g.usdt) } };
  const refBalances = new Map<string, Decimal>([['USDT', D(g.usdt)]]);
  list.filter((m) => m.kind === 'spot').forEach((m, i) => {
    const k = g.coinsK[i % 3]!;
    if (k === 0) return;
    const t = m.step.mul(k);
    balance[m.base] = { total: t.toFixed() };
    refBalances.set(m.base, t);
  });
  const priceNear = (m: RefMarket, bps: number) => {
    const p = refPrices.get(m.base)!.mul(D(10000 + bps)).div(10000).toDecimalPlaces(4);
    return p.gt(0) ? p : D('0.0001');
  };
  const openOrders: Array<Record<string, unknown>> = [];
  const pending: RefOrder[] = [];
  g.pendingSpec.forEach((p, i) => {
    const m = list[p.m % list.length]!;
    const ro = p.ro && m.kind !== 'spot';
    const amount = m.step.mul(p.k);
    const price = priceNear(m, p.bps);
    openOrders.push({ id: `open-${i}`, symbol: m.symbol, side: p.buy ? 'buy' : 'sell', type: 'limit', amount: amount.toFixed(), remaining: amount.toFixed(), price: price.toFixed(), status: 'open', reduceOnly: ro });
    pending.push({ symbol: m.symbol, side: p.buy ? 'buy' : 'sell', amount, price, reduceOnly: ro, market: false });
  });
  const l = g.limitSpec;
  const limits: Record<string, unknown> = {};
  const refLimits: RefLimits = {};
  if (l.net) { limits['maxNetExposure'] = l.net; refLimits.net = 'value' in l.net ? { value: D(l.net.value) } : { pct: D(l.net.pctOfEquity) }; }
  if (l.gross) { limits['maxGrossExposure'] = l.gross; refLimits.gross = 'value' in l.gross ? { value: D(l.gross.value) } : { pct: D(l.gross.pctOfEquity) }; }
  if (l.leverage) { limits['maxLeverage'] = l.leverage; refLimits.leverage = D(l.leverage); }
  if (l.position) { limits['maxPositionNotional'] = { default: l.position }; refLimits.position = D(l.position); }
  if (l.asset) { limits['maxAssetExposure'] = { [g.assets[0]!.name]: l.asset }; refLimits.asset = new Map([[g.assets[0]!.name, D(l.asset)]]); }
  if (l.orderNotional) { limits['maxOrderNotional'] = l.orderNotional; refLimits.orderNotional = D(l.orderNotional); }
  if (l.orderAmount) { limits['maxOrderAmount'] = { '*': l.orderAmount }; refLimits.orderAmount = D(l.orderAmount); }
  const orders = g.orderSpec.map((o) => {
    const m = list[o.m % list.length]!;
    const ro = o.ro && m.kind !== 'spot';
    const amount = o.offLot ? m.step.mul(o.k).plus(m.step.div(3).toDecimalPlaces(9, Decimal.ROUND_DOWN)) : m.step.mul(o.k);
    const price = o.limit ? priceNear(m, o.bps) : null;
    const intent: Record<string, unknown> = { symbol: m.symbol, side: o.buy ? 'buy' : 'sell', type: o.limit ? 'limit' : 'market', amount: amount.toFixed(), ...(price ? { price: price.toFixed() } : {}), ...(ro ? { reduceOnly: true } : {}) };
    return { intent, ref: { symbol: m.symbol, side: intent['side'] as 'buy' | 'sell', amount, price, reduceOnly: ro, market: !o.limit } };
  });
  return {
    snapshot: { exchange: 'prop', timestamp: 1_700_000_000_000, markets, positions, balance, openOrders, prices },
    config: { alwaysAllowReducing: g.alwaysAllowReducing, limits },
    ref: { markets: refMarkets, prices: refPrices, positions: refPositions, balances: refBalances, cash: new Set(['USDT', 'USDC', 'USD']), pending },
    limits: refLimits,
    alwaysAllowReducing: g.alwaysAllowReducing,
    orders,
  };
});

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
