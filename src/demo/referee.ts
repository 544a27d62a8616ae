/**
 * Did the orders the exchange accepted keep the limits? Judged on the exchange's own
 * numbers (exchange-truth.ts), once per market tick, at the tick's prices: before the
 * bots' orders and after them. A limit counts as breached only when the orders made
 * it worse and left it over the limit — a price move that carries the book over a
 * limit is not an order's doing, and the guard then only lets reducing orders through.
 *
 * The demo runs with `alwaysAllowReducing: false`, so every order but a reduce-only one
 * is held to every account limit; otherwise an order that shrinks one position (say, a
 * bid that closes a short) may raise account net past its limit by design.
 */
import type { CompiledLimits, Threshold } from '../config/config.js';
import { Decimal, fmt } from '../number.js';
import type { SimOrderState } from '../sim/index.js';
import type { ExchangeTruth } from './exchange-truth.js';

export interface Breach {
  step: number;
  limit: string;
  /** the symbol a per-position or per-order breach is about */
  subject?: string;
  threshold: string;
  before: string;
  after: string;
}

export interface StepToJudge {
  step: number;
  before: ExchangeTruth;
  after: ExchangeTruth;
  /** orders the exchange accepted during the tick */
  newOrders: SimOrderState[];
  /** the exchange's symbol id (BTCUSDT) → the ccxt symbol the config names (BTC/USDT:USDT) */
  symbolOf: (id: string) => string;
}

const value = (t: Threshold, equity: Decimal): Decimal => (t.kind === 'value' ? t.value : t.fraction.times(equity));

export function judgeStep(limits: CompiledLimits, { step, before, after, newOrders, symbolOf }: StepToJudge): Breach[] {
  const breaches: Breach[] = [];
  const exposure = (limit: string, threshold: Decimal, b: Decimal | null, a: Decimal | null, subject?: string, allowance = new Decimal(0)) => {
    if (a === null) return; // equity not positive: there is no leverage to compare
    const bound = b !== null && b.gt(threshold) ? b : threshold;
    if (a.lte(bound.plus(allowance))) return;
    const breach: Breach = { step, limit, threshold: fmt(threshold), before: b === null ? 'n/a' : fmt(b), after: fmt(a) };
    if (subject !== undefined) breach.subject = subject;
    breaches.push(breach);
  };

  // a reduce-only order never grows its position, and no exposure limit holds it back (DESIGN.md);
  // closing a long can still push account net further negative, by at most what it sold: every
  // other order keeps net within max(limit, net before it), so the tick ends within that plus
  // what the reduce-only orders moved
  let reduceOnlyNotional = new Decimal(0);
  for (const o of newOrders) if (o.reduceOnly) reduceOnlyNotional = reduceOnlyNotional.plus(new Decimal(o.executedQty).times(o.avgPrice));
  if (limits.maxNetExposure) exposure('maxNetExposure', value(limits.maxNetExposure, after.equity), before.worstNet, after.worstNet, undefined, reduceOnlyNotional);
  if (limits.maxGrossExposure) exposure('maxGrossExposure', value(limits.maxGrossExposure, after.equity), before.worstGross, after.worstGross);
  if (limits.maxLeverage) exposure('maxLeverage', limits.maxLeverage, before.worstLeverage, after.worstLeverage);
  if (limits.maxPositionNotional) {
    for (const [id, a] of after.worstPosition) {
      const symbol = symbolOf(id);
      const cap = limits.maxPositionNotional.symbols.get(symbol) ?? limits.maxPositionNotional.default;
      if (cap !== undefined) exposure('maxPositionNotional', cap, before.worstPosition.get(id) ?? new Decimal(0), a, symbol);
    }
  }
  const open = limits.maxOpenOrders;
  if (open?.perSymbol !== undefined) {
    for (const [id, n] of after.openOrders) {
      if (n > open.perSymbol && n > (before.openOrders.get(id) ?? 0)) {
        breaches.push({ step, limit: 'maxOpenOrders.perSymbol', subject: symbolOf(id), threshold: String(open.perSymbol), before: String(before.openOrders.get(id) ?? 0), after: String(n) });
      }
    }
  }
  if (open?.total !== undefined && after.openOrdersTotal > open.total && after.openOrdersTotal > before.openOrdersTotal) {
    breaches.push({ step, limit: 'maxOpenOrders.total', threshold: String(open.total), before: String(before.openOrdersTotal), after: String(after.openOrdersTotal) });
  }
  if (limits.maxOrderNotional) {
    for (const o of newOrders) {
      // a market order is valued at the mark it filled at (the demo's exchange fills at the mark)
      const notional = new Decimal(o.origQty).times(o.type === 'LIMIT' ? o.price : o.avgPrice);
      if (notional.gt(limits.maxOrderNotional)) {
        breaches.push({ step, limit: 'maxOrderNotional', subject: symbolOf(o.symbol), threshold: fmt(limits.maxOrderNotional), before: '0', after: fmt(notional) });
      }
    }
  }
  return breaches;
}
