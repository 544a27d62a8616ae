import { Decimal, approx } from '../number.js';

/** |offset + perUnit·q| */
export interface AbsTerm {
  offset: Decimal;
  perUnit: Decimal;
}

/** A double estimate of a value and the sum of the magnitudes of the terms it was computed from (see surelyBelowZero). */
export interface Estimate {
  value: number;
  magnitude: number;
}

/**
 * A convex piecewise-linear function of the order's amount q:
 *   f(q) = constant + slope·q + Σ |offset_i + perUnit_i·q|
 * Every exposure metric (|net|, gross, |asset|, |position|, and gross − t·equity for
 * ratios) has this form, so the largest amount that keeps a limit has a closed form.
 */
export class ConvexPL {
  constructor(
    readonly constant: Decimal,
    readonly slope: Decimal,
    readonly terms: readonly AbsTerm[],
  ) {}

  // plain arrays: a typed array costs an ArrayBuffer per projection
  private doubles: number[] | null = null;

  /** f(q) in doubles with its magnitude, written into `out` (no allocation on the order path). */
  estimate(q: number, out: Estimate): Estimate {
    let f = this.doubles;
    if (f === null) {
      f = [approx(this.constant), approx(this.slope)];
      for (const t of this.terms) f.push(approx(t.offset), approx(t.perUnit));
      this.doubles = f;
    }
    const sq = f[1]! * q;
    let v = f[0]! + sq;
    let magnitude = Math.abs(f[0]!) + Math.abs(sq);
    for (let i = 2; i < f.length; i += 2) {
      const bq = f[i + 1]! * q;
      v += Math.abs(f[i]! + bq);
      magnitude += Math.abs(f[i]!) + Math.abs(bq);
    }
    out.value = v;
    out.magnitude = magnitude;
    return out;
  }

  // the last value asked for: limits and the decision read the same amount several times
  private lastQ: Decimal | null = null;
  private lastV: Decimal | null = null;

  valueAt(q: Decimal): Decimal {
    if (q === this.lastQ) return this.lastV!;
    let v = this.slope.isZero() ? this.constant : this.constant.plus(this.slope.mul(q));
    for (const t of this.terms) v = v.plus(t.offset.plus(t.perUnit.mul(q)).abs());
    this.lastQ = q;
    this.lastV = v;
    return v;
  }

  /** f(q)·k + c + s·q: scaling by k ≥ 0 and adding a line keeps the form. */
  scaledPlus(k: Decimal, c: Decimal, s: Decimal): ConvexPL {
    return new ConvexPL(
      this.constant.mul(k).plus(c),
      this.slope.mul(k).plus(s),
      k.eq(1) ? this.terms : this.terms.map((t) => ({ offset: t.offset.mul(k), perUnit: t.perUnit.mul(k) })),
    );
  }

  /**
   * The largest q in [lo, hi] with f(q) ≤ 0, given f(lo) ≤ 0. Convexity makes the
   * feasible set an interval, so walk the kinks from lo and solve the one crossing.
   * Only the final division is inexact; callers verify the lot-rounded result exactly.
   */
  maxFeasible(lo: Decimal, hi: Decimal): Decimal {
    if (this.valueAt(hi).lte(0)) return hi;
    const kinks: Decimal[] = [];
    for (const t of this.terms) {
      if (t.perUnit.isZero()) continue;
      const z = t.offset.neg().div(t.perUnit);
      if (z.gt(lo) && z.lt(hi)) kinks.push(z);
    }
    kinks.sort((x, y) => x.comparedTo(y));
    kinks.push(hi);
    let prev = lo;
    let vPrev = this.valueAt(lo);
    for (const p of kinks) {
      const v = this.valueAt(p);
      if (v.gt(0)) {
        // linear on [prev, p]: vPrev + (v − vPrev)·t/(p − prev) = 0
        const q = prev.plus(vPrev.neg().mul(p.minus(prev)).div(v.minus(vPrev)));
        return q.lt(prev) ? prev : q.gt(p) ? p : q;
      }
      prev = p;
      vPrev = v;
    }
    return hi;
  }
}
