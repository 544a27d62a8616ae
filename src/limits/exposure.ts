import type { Threshold } from '../config/config.js';
import { ONE, ZERO, approx, dmax, fmt, type Decimal } from '../decimal.js';
import { FLOAT_SLACK, type ConvexPL } from '../simulate/piecewise.js';
import type { Projection } from '../simulate/projection.js';
import type { LimitRule } from './rule.js';

/**
 * The shared rule of every exposure limit: beyond the exempt (reducing) part of the
 * order, metric(q) must stay within the limit, or no worse than at the end of the
 * exempt part ("already breached" books may still shrink). With `perEquity` the limit
 * is a multiple of equity(q), which falls by the order's fee, and "no worse" compares
 * the ratio metric/equity, cross-multiplied so the comparison stays exact.
 */
export interface ExposureTerm {
  /** the metric's closed form, built when exact arithmetic is needed */
  metric: () => ConvexPL;
  /** a float upper bound of the metric at q, when cheaper than the closed form's own */
  upperBound?: ((q: number) => number) | undefined;
  limit: Decimal;
  perEquity: boolean;
}

/** The largest amount the term allows, or null when it allows the whole request. */
export function exposureMaxAmount(p: Projection, t: ExposureTerm): Decimal | null {
  const s = p.exempt;
  const cap = p.exposureCap;
  if (cap.lte(s)) return null;
  // the common case: the whole request fits, with room to spare (doubles say so) or exactly
  if (surelyWithinLimit(p, t, cap) || exposurePasses(p, t, cap)) return null;
  const metric = t.metric();
  const ms = metric.valueAt(s);
  let best: Decimal;
  if (!t.perEquity) {
    const withinLimit = metric.scaledPlus(ONE, t.limit.neg(), ZERO);
    const q1 = ms.lte(t.limit) ? withinLimit.maxFeasible(s, cap) : s;
    const q2 = metric.scaledPlus(ONE, ms.neg(), ZERO).maxFeasible(s, cap);
    best = dmax(q1, q2);
  } else {
    const es = p.equityAt(s);
    if (es.lte(0)) return s; // no equity: nothing may open
    const e0 = p.equity0;
    const f = p.feePerUnit;
    // metric − L·(e0 − f·q) ≤ 0
    const withinLimit = metric.scaledPlus(ONE, t.limit.mul(e0).neg(), t.limit.mul(f));
    const q1 = ms.lte(t.limit.mul(es)) ? withinLimit.maxFeasible(s, cap) : s;
    // metric·es − ms·(e0 − f·q) ≤ 0
    const q2 = metric.scaledPlus(es, ms.mul(e0).neg(), ms.mul(f)).maxFeasible(s, cap);
    best = dmax(q1, q2);
  }
  return best.gte(cap) ? null : best;
}

/**
 * Does the metric at `cap` stay inside the limit by more than any rounding of doubles
 * could hide? Only a clear yes counts; a near miss, an overflow or a NaN says no and
 * the exact evaluation decides. Skips the exact arithmetic for orders far from every
 * limit, which is most orders.
 */
function surelyWithinLimit(p: Projection, t: ExposureTerm, cap: Decimal): boolean {
  const q = cap === p.exposureCap ? p.doubles.cap : approx(cap);
  const v = t.upperBound ? t.upperBound(q) : t.metric().upperBound(q);
  const limit = approxCached(t.limit) * (1 - FLOAT_SLACK);
  if (!t.perEquity) return v < limit;
  // equity falls by the fee: take its lower bound
  const e0 = p.doubles.equity0;
  const fee = p.doubles.feePerUnit * q;
  const equityLow = e0 - fee - (Math.abs(e0) + Math.abs(fee)) * FLOAT_SLACK;
  return equityLow > 0 && v < limit * equityLow * (1 - FLOAT_SLACK);
}

/** Limits live as long as the config: their doubles are worked out once. */
const limitDoubles = new WeakMap<Decimal, number>();
function approxCached(d: Decimal): number {
  let v = limitDoubles.get(d);
  if (v === undefined) limitDoubles.set(d, (v = approx(d)));
  return v;
}

/** The exact verdict at amount q. */
export function exposurePasses(p: Projection, t: ExposureTerm, q: Decimal): boolean {
  const qe = p.effective(q);
  const s = p.exempt;
  if (qe.lte(s)) return true;
  const metric = t.metric();
  const v = metric.valueAt(qe);
  const ms = metric.valueAt(s);
  if (!t.perEquity) return v.lte(t.limit) || v.lte(ms);
  const eq = p.equityAt(qe);
  if (eq.lte(0)) return v.isZero();
  const es = p.equityAt(s);
  return v.lte(t.limit.mul(eq)) || (es.gt(0) && v.mul(es).lte(ms.mul(eq)));
}

/**
 * An account-wide limit on a metric that may be an absolute value or a share of
 * equity (maxNetExposure, maxGrossExposure): the same rule, told which metric.
 */
export function accountExposureRule(opts: {
  code: 'NET_EXPOSURE' | 'GROSS_EXPOSURE';
  limit: 'maxNetExposure' | 'maxGrossExposure';
  label: string;
  threshold: Threshold;
  metric: (p: Projection) => ConvexPL;
  /** a float upper bound at q without building the closed form (see ExposureTerm) */
  upperBound?: (p: Projection, q: number) => number;
  /** the reported value before the order (q = 0) and at q (signed for net) */
  valueAt: (p: Projection, q: Decimal) => Decimal;
}): LimitRule {
  const t = opts.threshold;
  const perEquity = t.kind === 'pctOfEquity';
  const bound = opts.upperBound;
  const term = (p: Projection): ExposureTerm => ({
    metric: () => opts.metric(p),
    upperBound: bound ? (q: number) => bound(p, q) : undefined,
    limit: perEquity ? t.fraction : t.value,
    perEquity,
  });
  return {
    code: opts.code,
    limit: opts.limit,
    scope: 'account',
    kind: 'resize',
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
