import { approx, type Decimal } from '../decimal.js';

/**
 * How far a float evaluation may stray, relative to the sum of its terms' magnitudes.
 * A double rounds each operation to 2^-53 ≈ 1.1e-16; a metric is a few dozen operations,
 * so 1e-12 bounds the error with orders of magnitude to spare.
 */
export const FLOAT_SLACK = 1e-12;

/** |a + b·q| */
export interface AbsTerm {
  a: Decimal;
  b: Decimal;
}

/**
 * A convex piecewise-linear function of the order amount q:
 *   f(q) = c + d·q + Σ |a_i + b_i·q|
 * Every exposure metric (|net|, gross, |asset|, |position|, and gross − t·equity for
 * ratios) has this form, so the largest amount that keeps a limit has a closed form.
 */
export class ConvexPL {
  constructor(
    readonly c: Decimal,
    readonly d: Decimal,
    readonly terms: readonly AbsTerm[],
  ) {}

  // plain arrays: a typed array costs an ArrayBuffer per projection
  private floats: number[] | null = null;

  /**
   * An upper bound on f(q) from doubles, for screens that decide the common case (the
   * order fits with room to spare) without exact arithmetic. NaN or Infinity when the
   * numbers leave the double's range; callers then take the exact path.
   */
  upperBound(q: number): number {
    let f = this.floats;
    if (f === null) {
      f = [approx(this.c), approx(this.d)];
      for (const t of this.terms) f.push(approx(t.a), approx(t.b));
      this.floats = f;
    }
    const dq = f[1]! * q;
    let v = f[0]! + dq;
    let magnitude = Math.abs(f[0]!) + Math.abs(dq);
    for (let i = 2; i < f.length; i += 2) {
      const bq = f[i + 1]! * q;
      v += Math.abs(f[i]! + bq);
      magnitude += Math.abs(f[i]!) + Math.abs(bq);
    }
    return v + magnitude * FLOAT_SLACK;
  }

  // the last value asked for: limits and the decision read the same amount several times
  private lastQ: Decimal | null = null;
  private lastV: Decimal | null = null;

  valueAt(q: Decimal): Decimal {
    if (q === this.lastQ) return this.lastV!;
    let v = this.d.isZero() ? this.c : this.c.plus(this.d.mul(q));
    for (const t of this.terms) v = v.plus(t.a.plus(t.b.mul(q)).abs());
    this.lastQ = q;
    this.lastV = v;
    return v;
  }

  /** f(q)·k + c2 + d2·q: scaling by k ≥ 0 and adding a line keeps the form. */
  scaledPlus(k: Decimal, c2: Decimal, d2: Decimal): ConvexPL {
    return new ConvexPL(
      this.c.mul(k).plus(c2),
      this.d.mul(k).plus(d2),
      k.eq(1) ? this.terms : this.terms.map((t) => ({ a: t.a.mul(k), b: t.b.mul(k) })),
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
      if (t.b.isZero()) continue;
      const z = t.a.neg().div(t.b);
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
