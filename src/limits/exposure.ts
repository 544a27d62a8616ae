import type { Threshold } from '../config/config.js';
import { ONE, ZERO, approx, dmax, dmin, fmt, surelyBelowZero, type Decimal } from '../number.js';
import type { ConvexPL, Estimate } from '../projection/convex.js';
import type { Projection } from '../projection/projection.js';
import type { LimitName, LimitRule, ReasonCode } from './rule.js';

/**
 * The shared rule of every exposure limit. Beyond the exempt part of the order (its
 * reducing part with alwaysAllowReducing, or what an edited order already had), the
 * metric must stay within the limit, or be no worse than at the end of the exempt part,
 * so an account a price move pushed over a limit can still trade what does not add to it.
 *
 * "No worse" is judged where it is sound whatever the pending orders and unsettled fills
 * turn out to be: for net, asset and position exposure on the metric itself (each is
 * checked in the order's direction, which bounds every mix of fills), for gross exposure
 * and leverage per holding (the order may not make any holding's own side larger: a new
 * pending order never lowers the worst case, and a holding whose other side is larger
 * could still grow in truth). With `perEquity` the limit is a multiple of equity, which
 * falls by the order's fee: "no worse" compares the ratio, cross-multiplied — and for
 * gross exposure and leverage, where the worst case only falls once the order fills, the
 * fee must be paid for by what the fill surely takes off (Projection.feePaidUntil).
 */
export interface ExposureTerm {
  /** the metric's closed form in the effective amount, built when exact arithmetic is needed */
  metric: () => ConvexPL;
  /** a float estimate of the metric at q, when cheaper than the closed form's own */
  estimate?: ((q: number, out: Estimate) => Estimate) | undefined;
  limit: Decimal;
  perEquity: boolean;
  /** judge "no worse" per holding (gross exposure, leverage) rather than on the metric */
  perLeg: boolean;
}

const scratch: Estimate = { value: 0, magnitude: 0 };

/** The largest amount the term allows, or null when it allows the whole request. */
export function exposureMaxAmount(p: Projection, t: ExposureTerm): Decimal | null {
  const cap = p.effectiveCap;
  // the common case: the whole request fits, with room to spare (doubles say so) or exactly
  // (for a ratio, at the whole request: past a closing order's room its fee still grows)
  if (surelyWithinLimit(p, t, cap) || exposurePasses(p, t, t.perEquity ? p.requested : cap)) return null;
  const exempt = maxAmountFrom(p, t, p.exempt);
  // the exemption only ever adds to what the plain rule allows (see exposurePasses)
  if (exempt === null || p.exempt.isZero()) return exempt;
  const plain = maxAmountFrom(p, t, ZERO);
  return plain === null ? null : dmax(exempt, plain);
}

/** exposureMaxAmount with the part of the order up to `s` exempt. */
function maxAmountFrom(p: Projection, t: ExposureTerm, s: Decimal): Decimal | null {
  const cap = p.effectiveCap;
  if (cap.lte(s) && !feeGrowsPastTheRoom(p, t)) return null;
  const metric = t.metric();
  const ms = metric.valueAt(s);
  const es = p.equityAt(s);
  if (t.perEquity && es.lte(0)) return s; // no equity: nothing may open
  let within: Decimal;
  let noWorse: Decimal;
  if (!t.perEquity) {
    within = ms.lte(t.limit) ? metric.scaledPlus(ONE, t.limit.neg(), ZERO).maxFeasible(s, cap) : s;
    noWorse = t.perLeg ? p.noLegGrowsUntil(s) : metric.scaledPlus(ONE, ms.neg(), ZERO).maxFeasible(s, cap);
  } else {
    const e0 = p.equityBefore;
    const f = p.feePerUnit;
    // metric − L·(e0 − f·q) ≤ 0
    within = ms.lte(t.limit.mul(es)) ? metric.scaledPlus(ONE, t.limit.mul(e0).neg(), t.limit.mul(f)).maxFeasible(s, cap) : s;
    // metric·es − ms·(e0 − f·q) ≤ 0; per holding: no leg grows and the fill pays for the fee
    noWorse = t.perLeg ? dmin(p.noLegGrowsUntil(s), p.feePaidUntil(s)) : metric.scaledPlus(es, ms.mul(e0).neg(), ms.mul(f)).maxFeasible(s, cap);
  }
  const best = dmax(within, noWorse);
  if (best.lt(cap)) return best;
  // past a closing order's room the metric stays where it is, but its fee still grows
  if (!feeGrowsPastTheRoom(p, t)) return null;
  const beyond = pastTheRoom(p, t, s, metric.valueAt(cap), ms, es);
  return beyond.gte(p.requested) ? null : dmax(beyond, cap);
}

/**
 * The largest amount past a closing order's room (`effectiveCap`) the term allows: the
 * metric is flat there (m), equity falls by the fee, so each branch is one division.
 */
function pastTheRoom(p: Projection, t: ExposureTerm, s: Decimal, m: Decimal, ms: Decimal, es: Decimal): Decimal {
  const cap = p.effectiveCap;
  const e0 = p.equityBefore;
  const f = p.feePerUnit;
  const bounds: Decimal[] = [cap];
  // within: m ≤ L·(e0 − f·q)
  if (t.limit.gt(0)) bounds.push(e0.minus(m.div(t.limit)).div(f));
  if (t.perLeg) {
    // no worse per holding: the fee past `s` stays paid for by the (flat) reduction at the room
    const g = p.grossAt(s);
    // (with no gross exposure left there is no leverage to worsen)
    if (p.noLegGrows(s, cap)) bounds.push(g.gt(0) ? s.plus(es.mul(p.reductionAt(s, cap)).div(g.mul(f))) : p.requested);
  } else if (ms.gt(0)) {
    // no worse as a ratio: m·es ≤ ms·(e0 − f·q)
    bounds.push(e0.minus(m.mul(es).div(ms)).div(f));
  }
  return bounds.reduce((a, b) => (b.gt(a) ? b : a));
}

/**
 * Does the metric at `cap` stay inside the limit by more than any rounding of doubles
 * could hide? Only a clear yes counts; anything close, an overflow or a NaN goes to exact
 * arithmetic. Skips the exact work for orders far from every limit, which is most orders.
 */
function surelyWithinLimit(p: Projection, t: ExposureTerm, cap: Decimal): boolean {
  const q = cap === p.effectiveCap ? p.doubles.cap : approx(cap);
  const m = t.estimate ? t.estimate(q, scratch) : t.metric().estimate(q, scratch);
  const limit = approxCached(t.limit);
  if (!t.perEquity) return surelyBelowZero(m.value - limit, m.magnitude + Math.abs(limit));
  // equity falls by the fee of the whole request
  const e0 = p.doubles.equity;
  const fee = p.doubles.feePerUnit * approx(p.requested);
  const equity = e0 - fee;
  const equityMagnitude = Math.abs(e0) + Math.abs(fee);
  return surelyBelowZero(-equity, equityMagnitude) && surelyBelowZero(m.value - limit * equity, m.magnitude + Math.abs(limit) * equityMagnitude);
}

/** Limits live as long as the config: their doubles are worked out once. */
const limitDoubles = new WeakMap<Decimal, number>();
function approxCached(d: Decimal): number {
  let v = limitDoubles.get(d);
  if (v === undefined) limitDoubles.set(d, (v = approx(d)));
  return v;
}

/**
 * The exact verdict at amount q: the rule with the order's exempt part, or the plain rule
 * (nothing exempt, "no worse" than before the order). Each alone is sound; the exemption is
 * a permission, so it never refuses what the plain rule allows — past a closing order's
 * room, where only the fee grows, "no worse than after the reducing part" can be stricter
 * than "no worse than before".
 */
export function exposurePasses(p: Projection, t: ExposureTerm, q: Decimal): boolean {
  return passesFrom(p, t, q, p.exempt) || (!p.exempt.isZero() && passesFrom(p, t, q, ZERO));
}

/**
 * Past a closing order's room (effectiveCap) its exposure is flat but its fee, counted on
 * the whole amount, still lowers equity: a ratio limit still has something to judge there.
 */
function feeGrowsPastTheRoom(p: Projection, t: ExposureTerm): boolean {
  return t.perEquity && !p.feePerUnit.isZero() && p.requested.gt(p.effectiveCap);
}

function passesFrom(p: Projection, t: ExposureTerm, q: Decimal, s: Decimal): boolean {
  const qe = p.effective(q);
  if (qe.lte(s) && (q.lte(p.effectiveCap) || !feeGrowsPastTheRoom(p, t))) return true;
  const metric = t.metric();
  const v = metric.valueAt(qe);
  if (!t.perEquity) return v.lte(t.limit) || (t.perLeg ? p.noLegGrows(s, qe) : v.lte(metric.valueAt(s)));
  const eq = p.equityAt(q);
  if (eq.lte(0)) return v.isZero();
  if (v.lte(t.limit.mul(eq))) return true;
  if (t.perLeg) return p.noLegGrows(s, qe) && p.feePaidAt(s, q);
  const es = p.equityAt(s);
  return es.gt(0) && v.mul(es).lte(metric.valueAt(s).mul(eq));
}

/**
 * An account-wide limit on a metric that may be an absolute value or a share of
 * equity (maxNetExposure, maxGrossExposure): the same rule, told which metric.
 */
export function accountExposureRule(opts: {
  code: ReasonCode;
  limit: LimitName;
  label: string;
  threshold: Threshold;
  metric: (p: Projection) => ConvexPL;
  estimate?: (p: Projection, q: number, out: Estimate) => Estimate;
  perLeg: boolean;
  /** the reported value at q (signed for net) */
  valueAt: (p: Projection, q: Decimal) => Decimal;
}): LimitRule {
  const t = opts.threshold;
  const perEquity = t.kind === 'pctOfEquity';
  const estimate = opts.estimate;
  const term = (p: Projection): ExposureTerm => ({
    metric: () => opts.metric(p),
    estimate: estimate ? (q: number, out: Estimate) => estimate(p, q, out) : undefined,
    limit: perEquity ? t.fraction : t.value,
    perEquity,
    perLeg: opts.perLeg,
  });
  return {
    code: opts.code,
    limit: opts.limit,
    scope: 'account',
    effect: 'resize',
    maxAmount: (p) => exposureMaxAmount(p, term(p)),
    check(p, q) {
      const after = opts.valueAt(p, q);
      const threshold = perEquity ? t.fraction.mul(p.equityAt(q)) : t.value;
      const of = perEquity ? ` (${fmt(t.pct)}% of equity)` : '';
      return {
        pass: exposurePasses(p, term(p), q),
        threshold: fmt(threshold),
        before: fmt(opts.valueAt(p, ZERO)),
        after: fmt(after),
        message: `${opts.label} would be ${fmt(after)} ${p.ctx.config.quoteCurrency}, limit ${fmt(threshold)}${of}`,
      };
    },
  };
}
