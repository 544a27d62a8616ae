import type { Book } from '../book/book.js';
import { BUYS, SELLS, scenarioOf, type Holding, type Scenario } from '../book/holding.js';
import type { MarketSpec } from '../book/market.js';
import type { Route } from '../book/routing.js';
import type { WorkedMove } from '../book/aggregates.js';
import type { GuardConfig, TradingState } from '../config/config.js';
import { Decimal, HALF, MINUS_ONE, ONE, ZERO, absOf, approx, dmax, dmin, largerAbs } from '../number.js';
import { ConvexPL, type AbsTerm, type Estimate } from './convex.js';
import type { NormalizedIntent } from './intent.js';
import { equityWorst, grossShare, grossWorst, netIn } from './metrics.js';

/** What the limits need to know beyond the book: the guard's state at the time of the check. */
export interface GuardContext {
  book: Book;
  config: GuardConfig;
  now: number;
  tradingState: TradingState;
  /** why the account data cannot be trusted for opening orders, or null when it can */
  staleness: string | null;
  /** which of the exchange's own figures contradict the guard's (or could not be checked where checks are mandatory), or null */
  inconsistency: string | null;
}

/** One holding the order moves. */
export interface ProjectedLeg {
  holding: Holding;
  asset: string;
  /** its notional in the order's direction's scenario, before the order */
  before: Decimal;
  /** the change of that notional per unit of (effective) amount */
  perUnit: Decimal;
  /** its notional in the other direction's scenario, which a pending order does not move */
  opposite: Decimal;
  /** its share of worst-case gross before the order: max(|before|, |opposite|) */
  shareBefore: Decimal;
}

/** The account once q of the order is pending, as the limits read it. */
export interface ProjectedState {
  amount: Decimal;
  /** net exposure in the order's direction */
  net: Decimal;
  /** gross exposure in its worst case over any mix of fills */
  gross: Decimal;
  /** the order's estimated fee */
  fee: Decimal;
  /** equity with every pending fee paid, this order's included */
  equity: Decimal;
  /** per leg: the move of its scenario's notional, the notional after it, the holding's worst case after it */
  legs: { delta: Decimal; after: Decimal; worst: Decimal }[];
}

/**
 * An order laid over the book as one more pending order: it may fill or not, so it moves
 * only its own direction's scenario (every pending order of that direction filled). Every
 * exposure metric is then a piecewise-linear function of the order's amount q; the limits
 * read them from here, and the reservation the guard makes of the approved amount moves the
 * book exactly as the projection says (the book's version tells whether it still holds).
 */
export class Projection {
  readonly scenario: typeof BUYS | typeof SELLS;
  readonly requested: Decimal;
  /**
   * Past this amount the order moves no exposure: for a closing order, the size of the
   * position left after the closing orders already pending (the exchange refuses or expires
   * the rest); for any other order, the whole request.
   */
  readonly effectiveCap: Decimal;
  /** the part of the order that shrinks the position without flipping it, after what pending orders already claim */
  readonly reducing: Decimal;
  /** amount exempt from exposure limits: the reducing part (with alwaysAllowReducing), or what an edited order already had */
  readonly exempt: Decimal;
  /** the amount an edited order already had approved: up to it, nothing is new */
  readonly grandfathered: Decimal;
  readonly legs: ProjectedLeg[];
  readonly netBefore: Decimal;
  readonly grossBefore: Decimal;
  readonly equityBefore: Decimal;
  /** Σ perUnit over legs: net exposure's change per unit */
  readonly netPerUnit: Decimal;
  readonly feePerUnit: Decimal;
  /** quote-currency notional of one unit at the order's sizing price (limit price, else mark) */
  readonly orderNotionalPerUnit: Decimal;
  readonly mark: Decimal;
  /** the book's version when the projection read it */
  readonly bookVersion: number;

  constructor(
    readonly ctx: GuardContext,
    readonly intent: NormalizedIntent,
    readonly account: string,
    readonly market: MarketSpec,
    readonly route: Route,
    mark: Decimal,
    orderNotionalPerUnit: Decimal,
    feePerUnit: Decimal,
    grandfathered: Decimal = ZERO,
    /** the order replaces a pending one (an edit): it takes no new open-order slot */
    readonly replacing = false,
  ) {
    const book = ctx.book;
    const s = scenarioOf(route.direction);
    const o: Scenario = s === BUYS ? SELLS : BUYS;
    this.scenario = s;
    this.requested = intent.amount;
    this.mark = mark;
    this.orderNotionalPerUnit = orderNotionalPerUnit;
    this.feePerUnit = feePerUnit;
    const target = route.target;
    this.reducing = dmin(target ? target.reducingCapacity(route.direction) : ZERO, this.requested);
    this.effectiveCap = route.closing ? dmin(target ? target.closingRoom(route.direction) : ZERO, this.requested) : this.requested;
    this.grandfathered = dmin(grandfathered, this.requested);
    const reducingExempt = ctx.config.alwaysAllowReducing ? this.reducing : ZERO;
    this.exempt = dmin(dmax(reducingExempt, this.grandfathered), this.effectiveCap);
    this.netBefore = netIn(book, s);
    this.grossBefore = grossWorst(book);
    this.equityBefore = equityWorst(book);
    this.bookVersion = book.aggregates.version;
    const legs: ProjectedLeg[] = [];
    let slope: Decimal | null = null;
    for (const leg of route.legs) {
      const h = leg.holding;
      // legs are priced: the guard refuses to project onto an unpriced holding
      const value = h.unitValue!;
      const u = leg.unitsPerAmount;
      const perUnit = u === ONE ? value : u === MINUS_ONE ? value.neg() : u.mul(value);
      legs.push({ holding: h, asset: h.asset, before: h.notional[s], perUnit, opposite: h.notional[o], shareBefore: largerAbs(h.notional[s], h.notional[o]) });
      slope = slope === null ? perUnit : slope.plus(perUnit);
    }
    this.legs = legs;
    this.netPerUnit = slope ?? ZERO;
  }

  private doublesMemo: { cap: number; equity: number; feePerUnit: number } | null = null;

  /** The amounts the limits' screens read, as doubles, worked out once. */
  get doubles(): { cap: number; equity: number; feePerUnit: number } {
    return (this.doublesMemo ??= { cap: approx(this.effectiveCap), equity: approx(this.equityBefore), feePerUnit: approx(this.feePerUnit) });
  }

  /** market-quote cost of one unit, for the market's minimum cost */
  get costPerUnit(): Decimal {
    const m = this.market;
    return m.instrument === 'inverse' ? m.contractSize : m.contractSize.mul(this.intent.price ?? this.mark);
  }

  /** The amount that moves exposure. */
  effective(q: Decimal): Decimal {
    return q.gt(this.effectiveCap) ? this.effectiveCap : q;
  }

  // ---- metrics as functions of the effective amount ------------------------------------

  // built once per projection: several limits and the decision's numbers read them
  private net?: ConvexPL;
  private gross?: ConvexPL;

  /** |net exposure| in the order's direction. */
  netPL(): ConvexPL {
    return (this.net ??= new ConvexPL(ZERO, ZERO, [{ offset: this.netBefore, perUnit: this.netPerUnit }]));
  }

  /**
   * Gross exposure in its worst case: each leg counts the larger of its notional in the
   * order's direction (moved by the order) and in the other direction (not moved):
   * max(|x|, c) = ½|x − c| + ½|x + c| for c = |opposite| keeps the convex form.
   */
  grossPL(): ConvexPL {
    return (this.gross ??= this.buildGrossPL());
  }

  private buildGrossPL(): ConvexPL {
    // every holding the order does not touch keeps its share of grossWorst
    let constant = this.grossBefore;
    const terms: AbsTerm[] = [];
    for (const l of this.legs) {
      constant = constant.minus(grossShare(l.before, l.opposite));
      const c = absOf(l.opposite);
      if (c.isZero()) {
        terms.push({ offset: l.before, perUnit: l.perUnit });
      } else {
        const half = l.perUnit.mul(HALF);
        terms.push({ offset: l.before.minus(c).mul(HALF), perUnit: half }, { offset: l.before.plus(c).mul(HALF), perUnit: half });
      }
    }
    return new ConvexPL(constant, ZERO, terms);
  }

  private legDoubles: number[] | null = null;

  /** Gross at q in doubles with its magnitude, straight from the legs (no closed form built). */
  grossEstimate(q: number, out: Estimate): Estimate {
    let f = this.legDoubles;
    if (f === null) {
      f = [];
      for (const l of this.legs) f.push(approx(l.before), Math.abs(approx(l.opposite)), approx(l.perUnit));
      this.legDoubles = f;
    }
    const g0 = approx(this.grossBefore);
    let v = g0;
    let magnitude = Math.abs(g0);
    for (let i = 0; i < f.length; i += 3) {
      const a = f[i]!;
      const c = f[i + 1]!;
      const bq = f[i + 2]! * q;
      v += Math.max(Math.abs(a + bq), c) - Math.max(Math.abs(a), c);
      magnitude += 2 * (Math.abs(a) + c + Math.abs(bq));
    }
    out.value = v;
    out.magnitude = magnitude;
    return out;
  }

  /** |asset exposure| of one asset in the order's direction; null when the order does not move it. */
  assetPL(asset: string): ConvexPL | null {
    let perUnit: Decimal | null = null;
    for (const l of this.legs) if (l.asset === asset) perUnit = perUnit === null ? l.perUnit : perUnit.plus(l.perUnit);
    if (perUnit === null) return null;
    return new ConvexPL(ZERO, ZERO, [{ offset: this.ctx.book.aggregates.assetExposure(asset, this.scenario), perUnit }]);
  }

  /** The leg of the position the order trades; null when it trades none (e.g. a pair of two cash currencies). */
  positionLeg(): ProjectedLeg | null {
    const t = this.legs[0];
    return t && t.holding === this.route.target ? t : null;
  }

  /** |notional| of the position the order trades, in the order's direction. */
  positionPL(): ConvexPL | null {
    const t = this.positionLeg();
    return t ? new ConvexPL(ZERO, ZERO, [{ offset: t.before, perUnit: t.perUnit }]) : null;
  }

  /**
   * The largest effective amount in [from, effectiveCap] at which no leg's notional in the
   * order's direction has grown in size since `from`: the order only moves each toward
   * zero (or not past its mirror image). What "no worse" means for gross exposure and
   * leverage, judged per holding: however the book's pending orders and unsettled fills
   * turn out, a holding whose own side did not grow did not get worse.
   */
  noLegGrowsUntil(from: Decimal): Decimal {
    let best = this.effectiveCap;
    for (const l of this.legs) {
      if (l.perUnit.isZero()) continue;
      const x = l.before.plus(l.perUnit.mul(from));
      if (x.isZero() || x.isNegative() === l.perUnit.isNegative()) return from;
      const until = from.plus(x.abs().mul(2).div(l.perUnit.abs()));
      if (until.lt(best)) best = until;
    }
    return best;
  }

  /** Does no leg's notional in the order's direction grow in size between `from` and q (effective amounts)? */
  noLegGrows(from: Decimal, q: Decimal): boolean {
    for (const l of this.legs) {
      if (l.perUnit.isZero()) continue;
      if (l.before.plus(l.perUnit.mul(q)).abs().gt(l.before.plus(l.perUnit.mul(from)).abs())) return false;
    }
    return true;
  }

  /**
   * The largest amount (in [from, effectiveCap]) at which the fee of the part past `from` is
   * paid for by what filling that part surely takes off gross exposure, in leverage terms:
   * gross·fee ≤ equity·reduction, all at `from`. Valid where no leg grows (noLegGrows): each
   * leg then moves toward zero, and a fill of x lowers the leg's worst case by at least
   * min(x, 2|a| − x) whatever the pending orders and unsettled fills turn out to be (a is the
   * leg's side at `from`). Then leverage is no worse if the order fills (reduction against
   * fee), if it does not (no fee), or in part (convexity). What lets an account over its
   * leverage limit still reduce.
   */
  feePaidUntil(from: Decimal): Decimal {
    if (this.feePerUnit.isZero()) return this.effectiveCap;
    const g = this.grossAt(from);
    const e = this.equityAt(from);
    if (e.lte(0)) return from;
    const gf = g.mul(this.feePerUnit);
    // g·f·(q − from) − e·Σ min(B(q − from), 2A − B(q − from)) ≤ 0, where −min(x, 2A − x) = |x − A| − A
    let constant = gf.mul(from).neg();
    const terms: AbsTerm[] = [];
    for (const l of this.legs) {
      if (l.perUnit.isZero()) continue;
      const a = l.before.plus(l.perUnit.mul(from)).abs();
      const b = l.perUnit.abs();
      constant = constant.minus(e.mul(a));
      terms.push({ offset: e.mul(b.mul(from).plus(a)).neg(), perUnit: e.mul(b) });
    }
    return new ConvexPL(constant, gf, terms).maxFeasible(from, this.effectiveCap);
  }

  /** What filling the part of the order between `from` and q surely takes off gross exposure (see feePaidUntil). */
  reductionAt(from: Decimal, q: Decimal): Decimal {
    const qe = this.effective(q);
    let reduction = ZERO;
    for (const l of this.legs) {
      const a = l.before.plus(l.perUnit.mul(from)).abs();
      const x = l.perUnit.abs().mul(qe.minus(from));
      reduction = reduction.plus(dmin(x, a.mul(2).minus(x)));
    }
    return reduction;
  }

  /** Is the fee of the part past `from` paid for at q (see feePaidUntil)? */
  feePaidAt(from: Decimal, q: Decimal): boolean {
    if (this.feePerUnit.isZero()) return true;
    const e = this.equityAt(from);
    if (e.lte(0)) return false;
    return this.grossAt(from).mul(this.feePerUnit).mul(q.minus(from)).lte(e.mul(this.reductionAt(from, q)));
  }

  /** Equity once q is pending: the order's estimated fee (on its whole amount) comes off. */
  equityAt(q: Decimal): Decimal {
    return this.feePerUnit.isZero() || q.isZero() ? this.equityBefore : this.equityBefore.minus(this.feePerUnit.mul(q));
  }

  netAt(q: Decimal): Decimal {
    return q.isZero() ? this.netBefore : this.stateAt(q).net;
  }

  grossAt(q: Decimal): Decimal {
    return q.isZero() ? this.grossBefore : this.stateAt(q).gross;
  }

  private lastState: ProjectedState | null = null;

  /** The account once q of the order is pending, worked out exactly (what the decision reports and the reservation makes true). */
  stateAt(q: Decimal): ProjectedState {
    const memo = this.lastState;
    if (memo !== null && memo.amount === q) return memo;
    const qe = this.effective(q);
    let net = this.netBefore;
    let gross = this.grossBefore;
    const legs: ProjectedState['legs'] = [];
    if (qe.isZero()) {
      // the account as it is (every decision reports it): nothing to compute
      for (const l of this.legs) legs.push({ delta: ZERO, after: l.before, worst: l.shareBefore });
      const fee = this.feePerUnit.isZero() || q.isZero() ? ZERO : this.feePerUnit.mul(q);
      const state: ProjectedState = { amount: q, net, gross, fee, equity: fee.isZero() ? this.equityBefore : this.equityBefore.minus(fee), legs };
      this.lastState = state;
      return state;
    }
    for (const l of this.legs) {
      const delta = l.perUnit.mul(qe);
      const after = l.before.plus(delta);
      const shareAfter = largerAbs(after, l.opposite);
      if (!shareAfter.eq(l.shareBefore)) gross = gross.plus(shareAfter.minus(l.shareBefore));
      net = net.plus(delta);
      legs.push({ delta, after, worst: shareAfter });
    }
    const fee = this.feePerUnit.isZero() ? ZERO : this.feePerUnit.mul(q);
    const state: ProjectedState = { amount: q, net, gross, fee, equity: fee.isZero() ? this.equityBefore : this.equityBefore.minus(fee), legs };
    this.lastState = state;
    return state;
  }

  /**
   * What counting q of the order does to the book's sums, as worked out here: the book
   * takes it instead of computing it again while its version is still this projection's.
   * Only for an order that is not closing (a closing order's worst case depends on the
   * position's room, which the book works out itself).
   */
  worked(q: Decimal): WorkedMove | undefined {
    if (this.route.closing || q.gt(this.effectiveCap)) return undefined;
    const st = this.stateAt(q);
    return { version: this.bookVersion, amount: q, legs: st.legs, fee: st.fee };
  }

  /** The assets whose exposure the order moves. */
  assets(): string[] {
    const out: string[] = [];
    for (const l of this.legs) if (!out.includes(l.asset)) out.push(l.asset);
    return out;
  }
}
