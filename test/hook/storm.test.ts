/**
 * A storm as hostile as reality: several bots trade one account concurrently through one
 * wrapped ccxt client on the simulated exchange — market, limit and reduce-only orders,
 * edits, batches and cancels — while a second, unwrapped client cancels their orders, faults
 * hit the order and account endpoints (refusals, 5xx, timeouts, answers lost after the
 * exchange acted), reads race the fills and edits, and prices jump between rounds.
 *
 * A referee of its own judges every order the exchange accepts, on the exchange's numbers
 * (sim.observe, synchronously before and after): no order may take a limit past its cap
 * (worse than before and over the limit). At the end every reservation must be settled and
 * the book sound. STORM_SEEDS=48 runs more seeds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CcxtAdapter } from '../../adapters/index.js';
import type { RiskGuardConfigInput } from '../../src/config/schema.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { Decimal } from '../../src/number.js';
import { startSimExchange, type SimExchange, type SimOrderState, type SimState } from '../../src/sim/index.js';

const SEEDS = Number(process.env['STORM_SEEDS'] ?? 8);
const LIMITS = { net: 8000, gross: 16000, leverage: '1.8', position: 7000, orderNotional: 4000, perSymbol: 5, total: 8 };
const SYMBOLS = { BTCUSDT: 'BTC/USDT:USDT', ETHUSDT: 'ETH/USDT:USDT' } as const;
const CONFIG: RiskGuardConfigInput = {
  alwaysAllowReducing: false,
  freshness: { maxAgeMs: 600_000, afterOrderMs: 5, lostOrderGraceMs: 300 },
  limits: {
    maxNetExposure: { value: LIMITS.net },
    maxGrossExposure: { value: LIMITS.gross },
    maxLeverage: LIMITS.leverage,
    maxPositionNotional: { default: LIMITS.position },
    maxOrderNotional: LIMITS.orderNotional,
    maxOpenOrders: { perSymbol: LIMITS.perSymbol, total: LIMITS.total },
  },
};

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the referee: the account's worst case, from the exchange's own state --------------

interface Truth { net: Decimal; gross: Decimal; leverage: Decimal | null; positions: Map<string, Decimal>; open: Map<string, number>; openTotal: number }

/** Every resting order of one side filled (reduce-only ones first, while the position has the size), per symbol, valued at the marks. */
export function truthOf(state: SimState): Truth {
  const ZERO = new Decimal(0);
  let netBuys = ZERO;
  let netSells = ZERO;
  let gross = ZERO;
  const positions = new Map<string, Decimal>();
  const open = new Map<string, number>();
  for (const symbol of Object.keys(SYMBOLS)) {
    const mark = new Decimal(state.marks[symbol]!);
    const u = state.positions.filter((p) => p.symbol === symbol).reduce((a, p) => a.plus(p.amount), ZERO);
    const orders = state.openOrders.filter((o) => o.symbol === symbol);
    open.set(symbol, orders.length);
    const left = (o: SimOrderState) => new Decimal(o.origQty).minus(o.executedQty);
    const sum = (side: 'BUY' | 'SELL', ro: boolean) => orders.filter((o) => o.side === side && o.reduceOnly === ro).reduce((a, o) => a.plus(left(o)), ZERO);
    const hi = u.plus(Decimal.min(sum('BUY', true), Decimal.max(u.neg(), 0))).plus(sum('BUY', false));
    const lo = u.minus(Decimal.min(sum('SELL', true), Decimal.max(u, 0))).minus(sum('SELL', false));
    netBuys = netBuys.plus(hi.mul(mark));
    netSells = netSells.plus(lo.mul(mark));
    const worst = Decimal.max(hi.abs(), lo.abs()).mul(mark);
    positions.set(symbol, worst);
    gross = gross.plus(worst);
  }
  return { net: Decimal.max(netBuys.abs(), netSells.abs()), gross, leverage: worstLeverage(state), positions, open, openTotal: state.openOrders.length };
}

/**
 * Leverage in its worst case over any mix of fills: the largest gross / equity over every
 * subset of the resting orders filling (reduce-only ones first, while the position has the
 * size), each filled order paying its maker fee. Gross is convex and equity affine in the
 * fills, so the largest ratio is at one of these vertices. (Worst gross over worst equity is
 * a bound the guard may read, but no mix of fills reaches it: a resting order that would
 * reduce a position pays its fee only when it fills, and then the position is smaller.)
 */
function worstLeverage(state: SimState): Decimal {
  const orders = state.openOrders;
  if (orders.length > 12) throw new Error('the referee enumerates at most 12 resting orders');
  const marks = new Map(Object.keys(SYMBOLS).map((s) => [s, new Decimal(state.marks[s]!)]));
  const start = new Map<string, Decimal>(Object.keys(SYMBOLS).map((s) => [s, state.positions.filter((p) => p.symbol === s).reduce((a, p) => a.plus(p.amount), new Decimal(0))]));
  const margin = new Decimal(state.balances['USDT']!.marginBalance);
  let worst: Decimal | null = null;
  for (let mask = 0; mask < 1 << orders.length; mask++) {
    const units = new Map(start);
    let fees = new Decimal(0);
    const chosen = orders.filter((_, i) => mask & (1 << i));
    for (const o of [...chosen.filter((x) => x.reduceOnly), ...chosen.filter((x) => !x.reduceOnly)]) {
      const u = units.get(o.symbol)!;
      let q = new Decimal(o.origQty).minus(o.executedQty);
      if (o.reduceOnly) q = Decimal.min(q, Decimal.max(o.side === 'BUY' ? u.neg() : u, 0));
      units.set(o.symbol, o.side === 'BUY' ? u.plus(q) : u.minus(q));
      fees = fees.plus(q.mul(o.price).mul('0.0002'));
    }
    let gross = new Decimal(0);
    for (const [symbol, u] of units) gross = gross.plus(u.abs().mul(marks.get(symbol)!));
    const equity = margin.minus(fees);
    if (equity.lte(0)) return new Decimal(Infinity); // unbounded
    const l = gross.div(equity);
    if (worst === null || l.gt(worst)) worst = l;
  }
  return worst!;
}

/** What an accepted order did wrong: a metric over its limit and worse than before. */
function breaches(before: Truth, after: Truth, order: SimOrderState): string[] {
  const out: string[] = [];
  const over = (name: string, b: Decimal | null, a: Decimal | null, limit: string | number) => {
    if (a !== null && a.gt(limit) && (b === null || a.gt(b))) out.push(`${name} ${b?.toFixed(4)} → ${a.toFixed(4)} (limit ${limit})`);
  };
  over('net', before.net, after.net, LIMITS.net);
  over('gross', before.gross, after.gross, LIMITS.gross);
  over('leverage', before.leverage, after.leverage, LIMITS.leverage);
  for (const [s, a] of after.positions) over(`position ${s}`, before.positions.get(s)!, a, LIMITS.position);
  for (const [s, n] of after.open) if (n > LIMITS.perSymbol && n > before.open.get(s)!) out.push(`open orders on ${s}: ${n}`);
  if (after.openTotal > LIMITS.total && after.openTotal > before.openTotal) out.push(`open orders: ${after.openTotal}`);
  const px = order.type === 'LIMIT' ? order.price : order.avgPrice;
  const notional = new Decimal(order.origQty).mul(px);
  if (order.status !== 'CANCELED' && notional.gt(LIMITS.orderNotional)) out.push(`order notional ${notional.toFixed()} (${order.side} ${order.origQty} ${order.symbol})`);
  return out.map((b) => `${order.side} ${order.origQty} ${order.symbol}${order.reduceOnly ? ' reduce-only' : ''}: ${b}`);
}

// ---- the storm ---------------------------------------------------------------------

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

async function storm(seed: number): Promise<{ breaches: string[]; accepted: number; decisions: Record<string, number>; pending: string[]; open: number; problems: string[] }> {
  const random = rng(seed);
  const sim: SimExchange = await startSimExchange({
    seed, slippageBps: 0, latencyMs: [0, 12], balances: { USDT: '10000' },
    instruments: [{ symbol: 'BTCUSDT', price: '50000' }, { symbol: 'ETHUSDT', price: '3000' }],
  });
  const ex = sim.ccxt({ timeout: 250 }) as any;
  const guard = await RiskGuard.create({ config: CONFIG, sources: [new CcxtAdapter(ex, { timeoutMs: 2000 })] });
  running.push(async () => { await guard.close(); await sim.close(); });
  const bot = guard.wrap(ex) as any;
  const other = sim.ccxt({ timeout: 250 }) as any; // a second client, not wrapped
  const decisions: Record<string, number> = {};
  const byId = new Map<string, unknown>();
  const log: string[] = [];
  guard.on('decision', (d) => {
    decisions[d.action] = (decisions[d.action] ?? 0) + 1;
    byId.set(d.id, d);
    if (process.env['STORM_DEBUG']) log.push(`${Date.now() % 100000} ${d.id.slice(-3)} ${d.action} ${d.side} ${d.symbol.slice(0, 3)} ${d.requested}→${d.approved} net ${d.before.net}→${d.after.net} ${d.reasons.map((r) => r.code).join(',')}`);
  });
  guard.on('error', () => undefined);

  const found: string[] = [];
  let accepted = 0;
  let before: Truth | null = null;
  sim.observe({
    beforeAccept: () => { before = truthOf(sim.state()); },
    afterAccept: (order) => {
      accepted++;
      const state = sim.state();
      const b = breaches(before!, truthOf(state), order);
      // what the guard knew when the exchange accepted it: its decision, and what it counted
      if (b.length && process.env['STORM_DEBUG']) {
        const ids = new Set(state.openOrders.map((o) => String(o.orderId)));
        const trail = sim.requests.filter((r) => ids.has(String(r.params['orderId'])) || r.path.includes('openOrders')).map((r) => `${r.time % 100000} ${r.method} ${r.path} ${r.params['orderId'] ?? ''} q=${r.params['quantity'] ?? ''} ${r.fault ?? ''} ${r.status}`);
        b.push(trail.join('\n'));
        b.push(log.slice(-25).join('\n'));
        b.push(JSON.stringify({ order, decision: byId.get(order.clientOrderId), guard: { pending: guard.exposure().pending, positions: guard.exposure().positions, limits: guard.exposure().limits }, exchange: { positions: state.positions.map((p) => [p.symbol, p.amount]), open: state.openOrders.map((o) => [o.symbol, o.side, o.origQty, o.executedQty, o.price, o.reduceOnly, o.clientOrderId]), marks: state.marks } }, null, 1));
      }
      found.push(...b);
    },
  });

  const marks = () => sim.state().marks;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const size = (symbol: string) => (symbol === SYMBOLS.BTCUSDT ? Math.round((0.005 + random() * 0.09) * 1000) / 1000 : Math.round((0.05 + random() * 1.5) * 1000) / 1000);
  const near = (symbol: string, side: string) => {
    const m = Number(marks()[symbol === SYMBOLS.BTCUSDT ? 'BTCUSDT' : 'ETHUSDT']);
    const off = (random() - 0.35) * 0.01 * (side === 'buy' ? -1 : 1); // mostly resting, some marketable
    return Math.round(m * (1 + off) * (symbol === SYMBOLS.BTCUSDT ? 10 : 100)) / (symbol === SYMBOLS.BTCUSDT ? 10 : 100);
  };
  const quiet = async (p: Promise<unknown>) => { try { await p; } catch { /* refused, blocked or lost: the storm goes on */ } };
  const pause = () => new Promise((r) => setTimeout(r, Math.floor(random() * 6)));

  const step = async () => {
    const symbol = pick(Object.values(SYMBOLS));
    const side = random() < 0.5 ? 'buy' : 'sell';
    const r = random();
    if (r < 0.25) return quiet(bot.createOrder(symbol, 'market', side, size(symbol)));
    if (r < 0.5) return quiet(bot.createOrder(symbol, 'limit', side, size(symbol), near(symbol, side)));
    if (r < 0.6) return quiet(bot.createOrder(symbol, random() < 0.5 ? 'market' : 'limit', side, size(symbol), near(symbol, side), { reduceOnly: true }));
    if (r < 0.7) return quiet(bot.createOrders([0, 1].map(() => ({ symbol, type: 'limit', side, amount: size(symbol), price: near(symbol, side) }))));
    const mine = sim.state().openOrders.filter((o) => SYMBOLS[o.symbol as keyof typeof SYMBOLS] === symbol);
    if (!mine.length) return undefined;
    const o = pick(mine);
    const s = o.side.toLowerCase();
    if (r < 0.88) return quiet(bot.editOrder(String(o.orderId), symbol, 'limit', s, Math.max(Number(o.executedQty) + 0.001, size(symbol)), near(symbol, s)));
    return quiet(bot.cancelOrder(String(o.orderId), symbol));
  };
  const faults = ['http429', 'http500', 'timeout', 'lostAnswer', 'disconnect'] as const;
  const orderPaths = [/^\/fapi\/v1\/order$/, /^\/fapi\/v1\/batchOrders$/];
  const accountPaths = [/^\/fapi\/v3\/positionRisk$/, /^\/fapi\/v3\/account$/, /^\/fapi\/v1\/openOrders$/, /^\/fapi\/v1\/premiumIndex$/];

  for (let round = 0; round < 5; round++) {
    if (round > 0) {
      // the market jumps between rounds; the guard reads it before the bots go on
      for (const s of ['BTCUSDT', 'ETHUSDT']) sim.setMark(s, new Decimal(marks()[s]!).mul(1 + (random() - 0.5) * 0.3).toDecimalPlaces(1).toFixed());
    }
    sim.clearFaults();
    await guard.refresh();
    const tasks: Promise<unknown>[] = [];
    for (let b = 0; b < 4; b++) tasks.push((async () => { for (let i = 0; i < 8; i++) { await step(); await pause(); } })());
    // reads race the orders; a second client cancels; faults hit order and account endpoints
    tasks.push((async () => { for (let i = 0; i < 8; i++) { await pause(); await guard.refresh(); } })());
    tasks.push((async () => {
      for (let i = 0; i < 4; i++) {
        await pause();
        const o = sim.state().openOrders[0];
        if (o) await quiet(other.cancelOrder(String(o.orderId), SYMBOLS[o.symbol as keyof typeof SYMBOLS]));
      }
    })());
    tasks.push((async () => {
      for (let i = 0; i < 6; i++) {
        await pause();
        sim.injectFault({ path: pick(random() < 0.6 ? orderPaths : accountPaths), kind: pick(faults) });
      }
    })());
    await Promise.all(tasks);
  }
  // the storm is over: answers drain, the lost-order grace passes, two reads settle everything
  sim.clearFaults();
  await new Promise((r) => setTimeout(r, 600));
  await guard.refresh();
  await guard.refresh();
  const state = sim.state();
  return {
    breaches: found,
    accepted,
    decisions,
    pending: guard.exposure().pending.filter((p) => p.stage !== 'open').map((p) => `${p.origin} ${p.stage} ${p.side} ${p.remaining} ${p.symbol}`),
    open: guard.exposure().pending.length - state.openOrders.length,
    problems: guard.verify(),
  };
}

describe('storm: concurrent bots, faults, edits, cancels from a second client, reads racing fills, price jumps', () => {
  it.each(Array.from({ length: SEEDS }, (_, i) => 1000 + i))('seed %i: no accepted order takes a limit past its cap; everything settles', async (seed) => {
    const r = await storm(seed);
    // the storm exercised every path
    expect(r.accepted).toBeGreaterThan(10);
    expect(r.decisions['allow'] ?? 0).toBeGreaterThan(10);
    expect((r.decisions['resize'] ?? 0) + (r.decisions['block'] ?? 0)).toBeGreaterThan(5);
    expect(r.breaches.join('\n')).toBe('');
    expect(r.pending.join('\n')).toBe('');
    expect(r.open).toBe(0);
    expect(r.problems.join('\n')).toBe('');
  });
});
