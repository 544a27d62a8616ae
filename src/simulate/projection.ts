import { absOf, largerAbs, type Book, type OutcomeLeg, type Route, type WorkedReservation } from '../book/book.js';
import { BUYS, SELLS, type Holding, type Scenario } from '../book/holding.js';
import type { MarketSpec } from '../book/market.js';
import type { GuardConfig, TradingState } from '../config/config.js';
import { Decimal, HALF, MINUS_ONE, ONE, ZERO, approx, dmax, dmin } from '../decimal.js';
import type { NormalizedIntent } from './intent.js';
import { ConvexPL, FLOAT_SLACK, type AbsTerm } from './piecewise.js';

/** The book after an order's amount fills (Projection.outcome), as a reservation applies it. */
export type Outcome = WorkedReservation & { gross: Decimal; equity: Decimal };

/** What the limits need to know beyond the book: the guard's state at the time of the check. */
export interface GuardContext {
  book: Book;
  config: GuardConfig;
  now: number;
  tradingState: TradingState;
  /** why the account data cannot be trusted for opening orders, or null when it can */
  staleness: string | null;
  /** approvals inside the order-rate window */
  recentOrders: number;
}

/** One holding the order moves: its notional before the order (a) and per unit of amount (b). */
export interface ProjectedLeg {
  holding: Holding;
  asset: string;
  a: Decimal;
  b: Decimal;
  /** the holding's notional with every pending order of the other direction filled */
  other: Decimal;
}

/**
 * An order laid over the book in its direction's worst case (every pending order of
 * the same direction filled). Every exposure metric is a piecewise-linear function of
 * the order's amount q; the limits read them from here.
 */
export class Projection {
  readonly scenario: Scenario;
  readonly requested: Decimal;
  /** past this amount a closing order changes nothing (it cannot flip the position) */
  readonly exposureCap: Decimal;
  /** the part of the order that shrinks an existing position without flipping it */
  readonly reducing: Decimal;
  /** amount exempt from exposure limits (the reducing part when alwaysAllowReducing, or what an edited order already had) */
  readonly exempt: Decimal;
  /** the amount an edited order already had approved: up to it, nothing changes */
  readonly grandfathered: Decimal;
  readonly legs: ProjectedLeg[];
  readonly net0: Decimal;
  readonly gross0: Decimal;
  readonly equity0: Decimal;
  /** Σ b over legs: net exposure's change per unit */
  readonly netSlope: Decimal;
  readonly feePerUnit: Decimal;
  /** quote-currency notional of one unit at the order's sizing price (limit price, else mark) */
  readonly orderNotionalPerUnit: Decimal;
  readonly mark: Decimal;

  constructor(
    readonly ctx: GuardContext,
    readonly intent: NormalizedIntent,
    readonly source: string,
    readonly market: MarketSpec,
    readonly route: Route,
    mark: Decimal,
    orderNotionalPerUnit: Decimal,
    feePerUnit: Decimal,
    grandfathered: Decimal = ZERO,
  ) {
    const book = ctx.book;
    const buy = route.direction === 1;
    const s: Scenario = buy ? BUYS : SELLS;
    this.scenario = s;
    this.requested = intent.amount;
    this.mark = mark;
    this.orderNotionalPerUnit = orderNotionalPerUnit;
    this.feePerUnit = feePerUnit;
    const capacity = route.target ? route.target.reducingCapacity(route.direction) : ZERO;
    this.reducing = dmin(capacity, this.requested);
    this.exposureCap = route.closing ? this.reducing : this.requested;
    this.grandfathered = dmin(grandfathered, this.requested);
    const reducingExempt = route.closing || ctx.config.alwaysAllowReducing ? this.reducing : ZERO;
    this.exempt = dmin(dmax(reducingExempt, this.grandfathered), this.exposureCap);
    this.net0 = book.net[s];
    this.gross0 = book.grossWorst;
    this.equity0 = book.equityWorst;
    const legs: ProjectedLeg[] = [];
    let slope: Decimal | null = null;
    for (const leg of route.legs) {
      const h = leg.holding;
      // legs are priced: the guard refuses to project onto an unpriced holding
      const value = h.unitValue!;
      const a = h.notional[s];
      const u = leg.unitsPerAmount;
      const b = u === ONE ? value : u === MINUS_ONE ? value.neg() : u.mul(value);
      const other = h.notional[s === BUYS ? SELLS : BUYS];
      legs.push({ holding: h, asset: h.asset, a, b, other });
      slope = slope === null ? b : slope.plus(b);
    }
    this.legs = legs;
    this.netSlope = slope ?? ZERO;
  }

  private doublesMemo: { cap: number; equity0: number; feePerUnit: number } | null = null;

  /** The amounts the limits' screens read, as doubles, worked out once. */
  get doubles(): { cap: number; equity0: number; feePerUnit: number } {
    return (this.doublesMemo ??= { cap: approx(this.exposureCap), equity0: approx(this.equity0), feePerUnit: approx(this.feePerUnit) });
  }

  /** market-quote cost of one unit, for the market's minimum cost */
  get costPerUnit(): Decimal {
    const m = this.market;
    return m.kind === 'inverse' ? m.contractSize : m.contractSize.mul(this.intent.price ?? this.mark);
  }

  /** The amount that moves exposure: a closing order stops at the position's size. */
  effective(q: Decimal): Decimal {
    return q.gt(this.exposureCap) ? this.exposureCap : q;
  }

  // ---- metrics as functions of the (effective) amount ------------------------

  // the metrics are built once per projection: several limits and the decision's numbers read them
  private net?: ConvexPL;
  private gross?: ConvexPL;

  netPL(): ConvexPL {
    return (this.net ??= new ConvexPL(ZERO, ZERO, [{ a: this.net0, b: this.netSlope }]));
  }

  /**
   * Gross exposure in its worst case (Book.grossWorst) with the order filled: a leg counts
   * the larger of its notional with every pending order of the order's direction filled
   * (a) and of the other direction filled (o), both moved by the fill.
   * max(|a + bq|, |o + bq|) = |a − o|/2 + |(a + o)/2 + bq| keeps the convex form.
   */
  grossPL(): ConvexPL {
    return (this.gross ??= this.buildGrossPL());
  }

  private buildGrossPL(): ConvexPL {
    // every holding the order does not touch keeps its share of grossWorst
    // (read from the legs' captured notionals: the holdings themselves move with later orders)
    let c = this.gross0;
    for (const l of this.legs) c = c.minus(largerAbs(l.a, l.other));
    const terms: AbsTerm[] = [];
    for (const l of this.legs) {
      if (l.a.eq(l.other)) {
        terms.push({ a: l.a, b: l.b });
      } else {
        c = c.plus(l.a.minus(l.other).abs().mul(HALF));
        terms.push({ a: l.a.plus(l.other).mul(HALF), b: l.b });
      }
    }
    return new ConvexPL(c, ZERO, terms);
  }

  /** |asset exposure| of one asset; null when the order does not move it. */
  assetPL(asset: string): ConvexPL | null {
    let b = ZERO;
    let moved = false;
    for (const l of this.legs) if (l.asset === asset) { b = moved ? b.plus(l.b) : l.b; moved = true; }
    if (!moved) return null;
    return new ConvexPL(ZERO, ZERO, [{ a: this.ctx.book.assetExposure(asset, this.scenario), b }]);
  }

  /** |notional| of the position the order trades; null when it trades no position (e.g. a cash pair). */
  positionPL(): ConvexPL | null {
    const t = this.legs[0];
    if (!t || t.holding !== this.route.target) return null;
    return new ConvexPL(ZERO, ZERO, [{ a: t.a, b: t.b }]);
  }

  /** Equity after the order: the estimated fee comes off. Linear: equity0 − fee·q. */
  equityAt(q: Decimal): Decimal {
    return this.feePerUnit.isZero() || q.isZero() ? this.equity0 : this.outcome(q).equity;
  }

  netAt(q: Decimal): Decimal {
    return q.isZero() ? this.net0 : this.outcome(q).net;
  }

  private lastOutcome: Outcome | null = null;

  /**
   * The book in the order's scenario once q has filled, worked out once in exact
   * arithmetic: each leg's notional and its change, net, gross (grossWorst with each leg's
   * share max(|a|, |o|) replaced by max(|a + bq|, |o + bq|)), the fee and equity. The
   * decision reports it, and the reservation of q applies it to the book as it stands
   * (Book.addPending) instead of working it out a second time. The operations are the ones
   * the book's own revaluation makes, in the same order, so the numbers are the same.
   */
  outcome(q: Decimal): Outcome {
    const memo = this.lastOutcome;
    if (memo !== null && memo.amount === q) return memo;
    const qe = this.effective(q);
    let net = this.net0;
    let gross = this.gross0;
    const legs: OutcomeLeg[] = [];
    for (const l of this.legs) {
      const delta = l.b.mul(qe);
      const after = l.a.plus(delta);
      const shared = l.a === l.other;
      const worstAfter = shared ? absOf(after) : largerAbs(after, l.other.plus(delta));
      const worstBefore = shared ? absOf(l.a) : largerAbs(l.a, l.other);
      if (!worstAfter.eq(worstBefore)) gross = gross.plus(worstAfter.minus(worstBefore));
      net = net.plus(delta);
      legs.push({ holding: l.holding, a: l.a, other: l.other, after, delta });
    }
    const fee = this.feePerUnit.isZero() ? ZERO : this.feePerUnit.mul(qe);
    const o: Outcome = {
      amount: q, net0: this.net0, legs, net, gross, fee,
      equity: fee.isZero() ? this.equity0 : this.equity0.minus(fee),
    };
    this.lastOutcome = o;
    return o;
  }

  private legDoubles: number[] | null = null;

  /**
   * An upper bound of grossAt(q) in doubles (see ConvexPL.upperBound), straight from the
   * legs: the limits screen with it without building the exact closed form.
   */
  grossUpperBound(q: number): number {
    let f = this.legDoubles;
    if (f === null) {
      f = [];
      for (const l of this.legs) f.push(approx(l.a), approx(l.other), approx(l.b));
      this.legDoubles = f;
    }
    const g0 = approx(this.gross0);
    let v = g0;
    let magnitude = Math.abs(g0);
    for (let i = 0; i < f.length; i += 3) {
      const a = f[i]!;
      const o = f[i + 1]!;
      const bq = f[i + 2]! * q;
      v += Math.max(Math.abs(a + bq), Math.abs(o + bq)) - Math.max(Math.abs(a), Math.abs(o));
      magnitude += 2 * (Math.abs(a) + Math.abs(o) + Math.abs(bq));
    }
    return v + magnitude * FLOAT_SLACK;
  }

  /** Gross exposure (its worst case over any mix of fills) once q has filled. */
  grossAt(q: Decimal): Decimal {
    return q.isZero() ? this.gross0 : this.outcome(q).gross;
  }

  /** The assets whose exposure the order moves. */
  assets(): string[] {
    const out: string[] = [];
    for (const l of this.legs) if (!out.includes(l.asset)) out.push(l.asset);
    return out;
  }
}
