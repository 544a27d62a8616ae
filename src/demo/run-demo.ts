/**
 * `risk-guard demo`: the example bots (./bots) trade one simulated
 * 10 000 USDT account through a wrapped ccxt exchange for a bounded number of market
 * ticks. Every decision the guard takes is recorded, the account is measured on the
 * exchange's side before and after each tick, and a referee checks that what the
 * exchange accepted kept every limit.
 */
import { EXAMPLE_CONFIG, marketMoves, startGuardedSim } from './bots/on-sim.js';
import { pyramid } from './bots/pyramid.js';
import { marketMaker, momentum } from './bots/two-strategies.js';
import type { RiskGuardConfigInput } from '../config/schema.js';
import { Decimal, fmt, fmtRatio } from '../number.js';
import type { Decision } from '../guard/decision.js';
import type { Threshold } from '../config/config.js';
import { exchangeTruth, type ExchangeTruth } from './exchange-truth.js';
import { judgeStep, type Breach } from './referee.js';

export interface DemoOptions {
  /** market ticks to run (default 400) */
  steps?: number;
  /** seeds the price path (default 7); the bots run concurrently, so racing orders may reach the guard in another order on another run */
  seed?: number;
  config?: RiskGuardConfigInput;
  /** called after every tick */
  onStep?: (done: number, total: number) => void;
}

/** One point of the chart: the account after a tick, from the exchange's side (decimal strings). */
export interface DemoSample {
  step: number;
  net: string;
  gross: string;
  /** |net| with pending orders in their worst case, as the limits read it */
  worstNet: string;
  /** gross with pending orders in their worst case, as the limits read it */
  worstGross: string;
  leverage: string | null;
  worstLeverage: string | null;
  equity: string;
  /**
   * The same worst-case metrics at the tick's prices but before the bots' orders: what
   * the price move did since the previous sample is `beforeOrders − previous`, what the
   * tick's orders (and their fees) did is `after − beforeOrders`.
   */
  beforeOrders: { worstNet: string; worstGross: string; worstLeverage: string | null };
}

/** A decision that changed an order, with the tick it happened at. */
export interface DemoMarker {
  step: number;
  action: 'resize' | 'block';
  symbol: string;
  side: string;
  requested: string;
  approved: string;
  code: string;
  message: string;
}

export interface LimitTally {
  resized: number;
  blocked: number;
}

export interface Peak {
  limit: string;
  threshold: string | null;
  /** the highest value seen after any tick, with pending orders in their worst case */
  peak: string;
  step: number;
  /**
   * When the peak is over its limit, how it got there, counted from the end of the last
   * tick that left the metric within the limit (`since`, 0 for the start of the run, where
   * it was `from`): what price moves did (`prices`) and what the bots' orders did
   * (`orders`, fees included), so that peak = from + prices + orders. The guard lets no
   * order take a metric past its limit, nor leave one that the market carried past it any
   * worse, so `orders` is ≤ 0 there (reduce-only orders aside, which no exposure limit holds
   * back) and the part over the limit came from the market. Null within the limit.
   */
  over: { by: string; since: number; from: string; prices: string; orders: string } | null;
}

export interface DemoResult {
  seed: number;
  steps: number;
  durationMs: number;
  decisions: { allowed: number; resized: number; blocked: number; total: number };
  /** resized and blocked orders by the limit that bound */
  byLimit: Record<string, LimitTally>;
  ordersAccepted: number;
  fills: number;
  peaks: { net: Peak; gross: Peak; leverage: Peak };
  limits: { maxNetExposure: string | null; maxGrossExposure: string | null; maxLeverage: string | null };
  stateChanges: Array<{ step: number; from: string; to: string; reason: string }>;
  samples: DemoSample[];
  markers: DemoMarker[];
  breaches: Breach[];
  /** true when no order the exchange accepted breached a limit */
  limitsHeld: boolean;
  final: { net: string; gross: string; leverage: string | null; equity: string };
}

const ratio = (x: Decimal | null) => (x === null ? null : fmtRatio(x, 6));

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const steps = opts.steps ?? 400;
  const seed = opts.seed ?? 7;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const started = Date.now();
  const env = await startGuardedSim(opts.config ?? EXAMPLE_CONFIG, { seed });
  const { sim, guard, exchange } = env;
  const limits = guard.config.limits;
  const bots = [pyramid({ fatFingerAt: Math.max(2, Math.floor(steps / 8)) }), marketMaker(), momentum()];
  const symbolOf = (id: string): string => exchange.safeMarket(id).symbol ?? id;

  let step = 0;
  const counts = { allowed: 0, resized: 0, blocked: 0, total: 0 };
  const byLimit: Record<string, LimitTally> = {};
  const markers: DemoMarker[] = [];
  const stateChanges: DemoResult['stateChanges'] = [];
  guard.on('decision', (d: Decision) => {
    counts.total += 1;
    if (d.action === 'allow') {
      counts.allowed += 1;
      return;
    }
    const r = d.reasons[0];
    const code = r?.code ?? 'UNKNOWN';
    const tally = (byLimit[code] ??= { resized: 0, blocked: 0 });
    if (d.action === 'resize') { counts.resized += 1; tally.resized += 1; } else { counts.blocked += 1; tally.blocked += 1; }
    markers.push({ step, action: d.action, symbol: d.symbol, side: d.side, requested: d.requested, approved: d.approved, code, message: r?.message ?? '' });
  });
  guard.on('stateChange', (e) => stateChanges.push({ step, from: e.from, to: e.to, reason: e.reason }));

  const samples: DemoSample[] = [];
  const breaches: Breach[] = [];
  const peaks = {
    net: { limit: 'maxNetExposure', value: null as Decimal | null, step: 0 },
    gross: { limit: 'maxGrossExposure', value: null as Decimal | null, step: 0 },
    leverage: { limit: 'maxLeverage', value: null as Decimal | null, step: 0 },
  };
  const raise = (p: { value: Decimal | null; step: number }, v: Decimal | null) => {
    if (v !== null && (p.value === null || v.gt(p.value))) { p.value = v; p.step = step; }
  };
  // per tick and metric: the value before the bots' orders, after them, and the limit then
  type Track = Array<{ before: Decimal | null; after: Decimal | null; threshold: Decimal | null }>;
  const track = { net: [] as Track, gross: [] as Track, leverage: [] as Track };
  const valueOf = (t: Threshold | undefined, equity: Decimal): Decimal | null =>
    (t === undefined ? null : t.kind === 'value' ? t.value : t.fraction.times(equity));
  let ordersSeen = sim.state().orders.length;
  let last: ExchangeTruth | null = null;
  try {
    for (step = 1; step <= steps; step++) {
      // the market moves and the guard re-reads the account; then the referee's "before"
      await marketMoves(env);
      const before = exchangeTruth(sim.state());
      await Promise.all(bots.map((b) => b.step(exchange)));
      const state = sim.state();
      const after = exchangeTruth(state);
      const newOrders = state.orders.slice(ordersSeen);
      ordersSeen = state.orders.length;
      breaches.push(...judgeStep(limits, { step, before, after, newOrders, symbolOf }));
      samples.push({
        step, net: fmt(after.net), gross: fmt(after.gross), worstNet: fmt(after.worstNet), worstGross: fmt(after.worstGross),
        leverage: ratio(after.leverage), worstLeverage: ratio(after.worstLeverage), equity: fmt(after.equity),
        beforeOrders: { worstNet: fmt(before.worstNet), worstGross: fmt(before.worstGross), worstLeverage: ratio(before.worstLeverage) },
      });
      track.net.push({ before: before.worstNet, after: after.worstNet, threshold: valueOf(limits.maxNetExposure, after.equity) });
      track.gross.push({ before: before.worstGross, after: after.worstGross, threshold: valueOf(limits.maxGrossExposure, after.equity) });
      track.leverage.push({ before: before.worstLeverage, after: after.worstLeverage, threshold: limits.maxLeverage ?? null });
      raise(peaks.net, after.worstNet);
      raise(peaks.gross, after.worstGross);
      raise(peaks.leverage, after.worstLeverage);
      last = after;
      opts.onStep?.(step, steps);
    }
    step = steps;
    const state = sim.state();
    const threshold = (t: typeof limits.maxNetExposure) => (t === undefined ? null : t.kind === 'value' ? fmt(t.value) : `${fmt(t.pct)}% of equity`);
    const show = (x: Decimal, digits?: number) => (digits ? fmtRatio(x, digits) : fmt(x));
    const peak = (p: { limit: string; value: Decimal | null; step: number }, th: string | null, t: Track, digits?: number): Peak => ({
      limit: p.limit, threshold: th, peak: p.value === null ? '0' : show(p.value, digits), step: p.step,
      over: p.value === null ? null : overLimit(t, p.step, (x) => show(x, digits)),
    });
    const lim = {
      maxNetExposure: threshold(limits.maxNetExposure),
      maxGrossExposure: threshold(limits.maxGrossExposure),
      maxLeverage: limits.maxLeverage === undefined ? null : fmt(limits.maxLeverage),
    };
    return {
      seed, steps, durationMs: Date.now() - started,
      decisions: counts, byLimit,
      ordersAccepted: state.orders.length,
      fills: state.fills,
      peaks: {
        net: peak(peaks.net, lim.maxNetExposure, track.net),
        gross: peak(peaks.gross, lim.maxGrossExposure, track.gross),
        leverage: peak(peaks.leverage, lim.maxLeverage, track.leverage, 4),
      },
      limits: lim,
      stateChanges, samples, markers, breaches,
      limitsHeld: breaches.length === 0,
      final: last
        ? { net: fmt(last.net), gross: fmt(last.gross), leverage: ratio(last.leverage), equity: fmt(last.equity) }
        : { net: '0', gross: '0', leverage: null, equity: '0' },
    };
  } finally {
    await env.close();
  }
}

/**
 * How a metric came to be over its limit at tick `step` (1-based): from the end of the last
 * tick that left it within the limit, the sum of what the price moves did (a tick's value
 * before its orders minus the previous tick's value after them) and of what the orders did
 * (after minus before, in the same tick). Null when it is within the limit at `step`.
 */
function overLimit(t: Array<{ before: Decimal | null; after: Decimal | null; threshold: Decimal | null }>, step: number, show: (x: Decimal) => string): Peak['over'] {
  const at = t[step - 1];
  if (at === undefined || at.after === null || at.threshold === null || at.after.lte(at.threshold)) return null;
  let since = step - 1;
  for (; since > 0; since--) {
    const s = t[since - 1]!;
    if (s.after === null || s.threshold === null || s.after.lte(s.threshold)) break;
  }
  const from = since === 0 ? new Decimal(0) : (t[since - 1]!.after ?? new Decimal(0));
  let prices = new Decimal(0);
  let orders = new Decimal(0);
  let prev = from;
  for (let i = since; i < step; i++) {
    const { before, after } = t[i]!;
    const b = before ?? prev;
    const a = after ?? b;
    prices = prices.plus(b.minus(prev));
    orders = orders.plus(a.minus(b));
    prev = a;
  }
  return { by: show(at.after.minus(at.threshold)), since, from: show(from), prices: show(prices), orders: show(orders) };
}
