/**
 * The demo's independent referee: the account's exposure computed from the simulated
 * exchange's own state (its positions, resting orders, marks and margin balance), not
 * from the guard's book. "Limits held" is judged on these numbers.
 *
 * Same semantics as the guard (DESIGN.md): notional at the mark, pending orders filled
 * in the worst case per direction, reduce-only orders only shrink a position.
 * One-way (not hedge) accounts of linear USDT contracts — what the demo runs.
 */
import { Decimal, ZERO } from '../number.js';
import type { SimState } from '../sim/index.js';

/** The account's metrics, from the exchange's side. */
export interface ExchangeTruth {
  equity: Decimal;
  /** positions only */
  net: Decimal;
  gross: Decimal;
  leverage: Decimal | null;
  /** worst case over any pending fills: |net| with every buy or every sell filled (the larger) */
  worstNet: Decimal;
  /** worst case over any pending fills: Σ per position of the larger of |all buys filled|, |all sells filled| */
  worstGross: Decimal;
  worstLeverage: Decimal | null;
  /** per exchange symbol id (e.g. BTCUSDT): the larger |notional| of its two worst cases */
  worstPosition: Map<string, Decimal>;
  /** open orders per symbol id, and in total */
  openOrders: Map<string, number>;
  openOrdersTotal: number;
}

export function exchangeTruth(state: SimState, quote = 'USDT'): ExchangeTruth {
  if (state.hedgeMode) throw new Error('the demo referee reads one-way accounts only');
  const now = new Map<string, Decimal>();
  for (const p of state.positions) now.set(p.symbol, new Decimal(p.amount));
  const buys = new Map(now);
  const sells = new Map(now);
  const openOrders = new Map<string, number>();
  for (const o of state.openOrders) {
    openOrders.set(o.symbol, (openOrders.get(o.symbol) ?? 0) + 1);
    const remaining = new Decimal(o.origQty).minus(o.executedQty);
    const book = o.side === 'BUY' ? buys : sells;
    const before = book.get(o.symbol) ?? ZERO;
    const after = o.side === 'BUY' ? before.plus(remaining) : before.minus(remaining);
    book.set(o.symbol, o.reduceOnly ? reduceOnly(before, after) : after);
  }
  const equity = new Decimal(state.balances[quote]?.marginBalance ?? '0');
  const mark = (symbol: string): Decimal => {
    const m = state.marks[symbol];
    if (m === undefined) throw new Error(`no mark for ${symbol}`);
    return new Decimal(m);
  };
  let net = ZERO;
  let gross = ZERO;
  let netBuys = ZERO;
  let netSells = ZERO;
  let worstGross = ZERO;
  const worstPosition = new Map<string, Decimal>();
  for (const symbol of new Set([...buys.keys(), ...sells.keys()])) {
    const m = mark(symbol);
    const n = (now.get(symbol) ?? ZERO).times(m);
    const b = (buys.get(symbol) ?? ZERO).times(m);
    const s = (sells.get(symbol) ?? ZERO).times(m);
    net = net.plus(n);
    gross = gross.plus(n.abs());
    netBuys = netBuys.plus(b);
    netSells = netSells.plus(s);
    const w = Decimal.max(b.abs(), s.abs());
    worstGross = worstGross.plus(w);
    worstPosition.set(symbol, w);
  }
  const per = (x: Decimal) => (equity.gt(0) ? x.div(equity) : null);
  return {
    equity, net, gross, leverage: per(gross),
    worstNet: Decimal.max(netBuys.abs(), netSells.abs()), worstGross, worstLeverage: per(worstGross), worstPosition,
    openOrders, openOrdersTotal: state.openOrders.length,
  };
}

/** A reduce-only fill never grows a position and stops at flat. */
function reduceOnly(before: Decimal, after: Decimal): Decimal {
  if (before.isZero()) return before;
  const shrinks = before.isPos() ? after.lt(before) : after.gt(before);
  if (!shrinks) return before;
  return before.isPos() ? Decimal.max(after, ZERO) : Decimal.min(after, ZERO);
}
