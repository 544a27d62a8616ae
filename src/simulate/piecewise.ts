import type { Decimal } from '../decimal.js';

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
