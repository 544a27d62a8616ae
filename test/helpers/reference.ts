/**
 * A from-scratch model of the README's semantics, for property tests: it rebuilds
 * every holding by walking the snapshot and the pending orders with plain loops,
 * sharing no code with the engine's incremental book or closed-form solver.
 * Scope: linear and inverse contracts in one-way mode, spot pairs quoted in cash.
 */
import { Decimal } from '../../src/number.js';

export interface RefMarket { symbol: string; base: string; quote: string; kind: 'linear' | 'inverse' | 'spot'; cs: Decimal; step: Decimal; taker: Decimal; maker: Decimal }
export interface RefOrder { symbol: string; side: 'buy' | 'sell'; amount: Decimal; price: Decimal | null; reduceOnly: boolean; market: boolean }
export interface RefBook {
  markets: Map<string, RefMarket>;
  /** per base asset: one price for every market of it */
  prices: Map<string, Decimal>;
  positions: Map<string, Decimal>; // symbol → signed contracts
  balances: Map<string, Decimal>; // currency → total
  cash: Set<string>;
  pending: RefOrder[];
}

const ZERO = new Decimal(0);

function holdingKeyOf(m: RefMarket): string {
  return m.kind === 'spot' ? `bal:${m.base}` : `pos:${m.symbol}`;
}

function unitValue(b: RefBook, key: string): Decimal {
  if (key.startsWith('bal:')) return b.prices.get(key.slice(4))!;
  const m = b.markets.get(key.slice(4))!;
  return m.kind === 'inverse' ? m.cs : m.cs.mul(b.prices.get(m.base)!);
}

function assetOf(b: RefBook, key: string): string {
  return key.startsWith('bal:') ? key.slice(4) : b.markets.get(key.slice(4))!.base;
}

function feeOf(b: RefBook, o: RefOrder, amount: Decimal): Decimal {
  const m = b.markets.get(o.symbol)!;
  const mark = b.prices.get(m.base)!;
  // a market order, or a limit priced through the mark, takes: the higher rate; a resting limit makes
  const takes = o.market || o.price === null || (o.side === 'buy' ? o.price.gte(mark) : o.price.lte(mark));
  const rate = takes ? Decimal.max(m.taker, m.maker) : m.maker;
  const px = o.price ?? mark;
  return m.kind === 'inverse' ? amount.mul(m.cs).mul(rate) : amount.mul(m.cs).mul(px).mul(rate);
}

export interface RefMetrics { net: Decimal; gross: Decimal; equity: Decimal; assets: Map<string, Decimal>; position: Decimal | null }

export function units(b: RefBook): Map<string, Decimal> {
  const u = new Map<string, Decimal>();
  for (const [sym, c] of b.positions) u.set(`pos:${sym}`, c);
  for (const [cur, t] of b.balances) if (!b.cash.has(cur)) u.set(`bal:${cur}`, t);
  return u;
}

/**
 * Units of the order's target that it may reduce without flipping, net of the pending orders
 * of its side that claim them (all of them), or, with `closingOnly`, net of the pending
 * reduce-only orders of its side: how far a reduce-only order can still move the worst case.
 */
export function capacity(b: RefBook, o: RefOrder, closingOnly = false): Decimal {
  const m = b.markets.get(o.symbol)!;
  if (m.kind === 'spot' && b.cash.has(m.base)) return ZERO;
  const key = holdingKeyOf(m);
  const u = units(b).get(key) ?? ZERO;
  const dir = o.side === 'buy' ? 1 : -1;
  if (u.isZero() || (u.gt(0) ? 1 : -1) === dir) return ZERO;
  let claimed = ZERO;
  for (const p of b.pending) {
    if (p.side === o.side && holdingKeyOf(b.markets.get(p.symbol)!) === key && (!closingOnly || p.reduceOnly)) claimed = claimed.plus(p.amount);
  }
  const c = u.abs().minus(claimed);
  return c.gt(0) ? c : ZERO;
}

/**
 * Units of every holding with every pending order of one side filled (fees of those
 * orders too): its reduce-only orders first, toward zero and not past it, then the rest.
 */
function scenario(b: RefBook, side: 'buy' | 'sell'): { u: Map<string, Decimal>; fees: Decimal } {
  const u = units(b);
  const start = units(b);
  let fees = ZERO;
  for (const p of b.pending) {
    if (p.side !== side || !p.reduceOnly) continue;
    const key = holdingKeyOf(b.markets.get(p.symbol)!);
    const u0 = start.get(key) ?? ZERO;
    const cur = u.get(key) ?? ZERO;
    const room = p.side === 'buy' ? Decimal.max(ZERO, Decimal.min(cur.neg(), u0.neg())) : Decimal.max(ZERO, Decimal.min(cur, u0));
    move(b, u, p, Decimal.min(p.amount, room));
  }
  for (const p of b.pending) {
    if (p.side !== side || p.reduceOnly) continue;
    move(b, u, p, p.amount);
  }
  // every pending order pays its estimated fee on its whole amount, reduce-only ones too
  for (const p of b.pending) if (p.side === side) fees = fees.plus(feeOf(b, p, p.amount));
  return { u, fees };
}

function move(b: RefBook, u: Map<string, Decimal>, ord: RefOrder, amt: Decimal): void {
  const m = b.markets.get(ord.symbol)!;
  if (m.kind === 'spot' && b.cash.has(m.base)) return;
  const key = holdingKeyOf(m);
  u.set(key, (u.get(key) ?? ZERO).plus(ord.side === 'buy' ? amt : amt.neg()));
}

/**
 * The account once q of the order is pending (it may fill or not): net, assets and
 * position in the order's direction's scenario, where it fills (a reduce-only order only
 * as far as its room); gross in its worst case over any mix of fills — per holding the
 * larger of the two directions' scenarios, the order in its own only.
 */
export function metricsAfter(b: RefBook, o: RefOrder, q: Decimal): RefMetrics {
  const qe = o.reduceOnly ? Decimal.min(q, capacity(b, o, true)) : q;
  const dir = scenario(b, o.side);
  const other = scenario(b, o.side === 'buy' ? 'sell' : 'buy');
  const u = dir.u;
  move(b, u, o, qe);
  // equity with every pending order filled, both directions: the fees all come off, this order's on its whole amount
  const fees = dir.fees.plus(other.fees).plus(feeOf(b, o, q));
  let net = ZERO;
  let gross = ZERO;
  const assets = new Map<string, Decimal>();
  for (const key of new Set([...u.keys(), ...other.u.keys()])) {
    const value = unitValue(b, key);
    const v = (u.get(key) ?? ZERO).mul(value);
    const w = (other.u.get(key) ?? ZERO).mul(value);
    net = net.plus(v);
    gross = gross.plus(Decimal.max(v.abs(), w.abs()));
    const a = assetOf(b, key);
    assets.set(a, (assets.get(a) ?? ZERO).plus(v));
  }
  let equity = ZERO;
  for (const [cur, t] of b.balances) equity = equity.plus(b.cash.has(cur) ? t : t.mul(b.prices.get(cur)!));
  equity = equity.minus(fees);
  const m = b.markets.get(o.symbol)!;
  const key = m.kind === 'spot' && b.cash.has(m.base) ? null : holdingKeyOf(m);
  return { net, gross, equity, assets, position: key === null ? null : (u.get(key) ?? ZERO).mul(unitValue(b, key)) };
}

export interface RefLimits {
  net?: { value?: Decimal; pct?: Decimal };
  gross?: { value?: Decimal; pct?: Decimal };
  leverage?: Decimal;
  position?: Decimal;
  asset?: Map<string, Decimal>;
  orderNotional?: Decimal;
  orderAmount?: Decimal;
}

/**
 * The README's rule for exposure limits at amount q: each metric is within its limit or no
 * worse than before the order (ratios compared as ratios); with alwaysAllowReducing the
 * part that only reduces is also exempt, with "no worse" then judged against the end of
 * that part, and the order passes under either reading. For gross exposure and leverage
 * "no worse" also means the order's own position side did not grow in size.
 */
export function exposureViolations(b: RefBook, o: RefOrder, l: RefLimits, alwaysAllowReducing: boolean, q: Decimal): string[] {
  const cap = o.reduceOnly ? Decimal.min(o.amount, capacity(b, o, true)) : o.amount;
  const s = Decimal.min(alwaysAllowReducing ? Decimal.min(capacity(b, o), o.amount) : ZERO, cap);
  const plain = violationsFrom(b, o, l, q, ZERO);
  if (s.isZero()) return plain;
  // the exemption only adds: a limit is broken when the rule breaks it with and without it
  const exempt = violationsFrom(b, o, l, q, s);
  return exempt.filter((v) => plain.some((w) => w.split('(')[0] === v.split('(')[0]));
}

/** The limits broken at q with the first s of the order exempt ("no worse" than after s). */
function violationsFrom(b: RefBook, o: RefOrder, l: RefLimits, q: Decimal, s: Decimal): string[] {
  // up to s nothing is judged; past a reduce-only order's room only its fee still grows
  if (q.lte(s)) return [];
  const at = metricsAfter(b, o, q);
  const ex = metricsAfter(b, o, s);
  const cap = o.reduceOnly ? Decimal.min(o.amount, capacity(b, o, true)) : o.amount;
  if (cap.lte(s) && at.equity.eq(ex.equity)) return [];
  const out: string[] = [];
  const sideGrows = at.position !== null && at.position.abs().gt(ex.position!.abs());
  // what a fill of the part past s surely takes off the position's worst case: min(x, 2|a| − x)
  const moved = at.position === null ? ZERO : at.position.minus(ex.position!).abs();
  const reduction = at.position === null ? ZERO : Decimal.min(moved, ex.position!.abs().mul(2).minus(moved));
  const absolute = (name: string, v: Decimal, vs: Decimal, limit: Decimal, perLeg = false) => {
    if (!(v.lte(limit) || (v.lte(vs) && !(perLeg && sideGrows)))) out.push(name);
  };
  const ratio = (name: string, v: Decimal, vs: Decimal, limit: Decimal, perLeg = false) => {
    if (at.equity.lte(0)) { if (!v.isZero()) out.push(name); return; }
    const r = v.div(at.equity);
    const rs = ex.equity.gt(0) ? vs.div(ex.equity) : null;
    // per holding: no side grows, and the fill pays for the fee (gross·fee ≤ equity·reduction, at s)
    const noWorse = perLeg
      ? !sideGrows && ex.equity.gt(0) && ex.gross.mul(ex.equity.minus(at.equity)).lte(ex.equity.mul(reduction))
      : rs !== null && v.mul(ex.equity).lte(vs.mul(at.equity));
    if (!(v.lte(limit.mul(at.equity)) || noWorse)) out.push(`${name}(${r.toFixed(6)})`);
  };
  if (l.net?.value) absolute('net', at.net.abs(), ex.net.abs(), l.net.value);
  if (l.net?.pct) ratio('netPct', at.net.abs(), ex.net.abs(), l.net.pct.div(100));
  if (l.gross?.value) absolute('gross', at.gross, ex.gross, l.gross.value, true);
  if (l.gross?.pct) ratio('grossPct', at.gross, ex.gross, l.gross.pct.div(100), true);
  if (l.leverage) ratio('leverage', at.gross, ex.gross, l.leverage, true);
  if (l.position && at.position !== null) absolute('position', at.position.abs(), ex.position!.abs(), l.position);
  if (l.asset) {
    const m = b.markets.get(o.symbol)!;
    const lim = l.asset.get(m.base);
    if (lim && !(m.kind === 'spot' && b.cash.has(m.base))) absolute(`asset:${m.base}`, (at.assets.get(m.base) ?? ZERO).abs(), (ex.assets.get(m.base) ?? ZERO).abs(), lim);
  }
  return out;
}

/** Whole-order rules: size in amount and in notional. */
export function orderViolations(b: RefBook, o: RefOrder, l: RefLimits, q: Decimal): string[] {
  const m = b.markets.get(o.symbol)!;
  const out: string[] = [];
  if (l.orderAmount && q.gt(l.orderAmount)) out.push('orderAmount');
  if (l.orderNotional) {
    const px = o.price ?? b.prices.get(m.base)!;
    const n = m.kind === 'inverse' ? q.mul(m.cs) : q.mul(m.cs).mul(px);
    if (n.gt(l.orderNotional)) out.push('orderNotional');
  }
  return out;
}
