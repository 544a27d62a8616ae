import { Decimal as DecimalJs } from 'decimal.js';

/**
 * The one Decimal type of risk-guard. 60 significant digits keep every product of
 * exchange-sized numbers (price × contracts × contract size) exact, and the wide
 * exponent thresholds keep toString() in plain notation for JSON output.
 */
export const Decimal = DecimalJs.clone({
  precision: 60,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 60,
});
export type Decimal = InstanceType<typeof Decimal>;

export const ZERO = new Decimal(0);
export const ONE = new Decimal(1);
export const MINUS_ONE = new Decimal(-1);
export const BPS = new Decimal(10000);
export const HUNDRED = new Decimal(100);

const DECIMAL_STRING = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal accepted from users and exchanges: a finite number or a decimal string. */
export type DecimalInput = string | number;

/**
 * Parses a decimal from a string or a finite number; returns null for anything else
 * (NaN, Infinity, "abc", objects, empty strings). Numbers go through their shortest
 * round-trip string, so 0.1 and "0.1" give the same Decimal.
 */
export function parseDecimal(value: unknown): Decimal | null {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? new Decimal(value) : null;
  }
  if (typeof value === 'string') {
    const s = value.trim();
    if (!DECIMAL_STRING.test(s)) return null;
    const d = new Decimal(s);
    return d.isFinite() ? d : null;
  }
  if (value instanceof Decimal) return (value as Decimal).isFinite() ? (value as Decimal) : null;
  return null;
}

/** Plain-notation string of a Decimal (no exponent), "-0" normalised to "0". */
export function fmt(d: Decimal): string {
  return d.isZero() ? '0' : d.toFixed();
}

/** A ratio for display: at most `dp` decimal places, rounded half-even. */
export function fmtRatio(d: Decimal, dp = 8): string {
  return fmt(d.toDecimalPlaces(dp));
}

/**
 * Division at only the precision a display needs. A 60-digit division costs ~2 µs,
 * a 10-digit one a tenth of that, and the checks report ratios on every decision.
 */
const Ratio = Decimal.clone({ precision: 20 });

/**
 * n / d rounded half-even to `dp` decimal places, computed with one correctly rounded
 * division at just enough significant digits (never rounded twice).
 */
export function divToPlaces(n: Decimal, d: Decimal, dp: number): Decimal {
  if (n.isZero()) return ZERO;
  // the quotient's exponent is e or e − 1
  const e = n.e - d.e;
  const digits = e + 1 + dp;
  if (digits < 1 || digits > 1e6) return n.div(d).toDecimalPlaces(dp);
  Ratio.set({ precision: digits });
  let q = Ratio.div(n, d);
  if (q.e === e - 1) {
    // one digit finer than dp: divide again at one digit fewer, from the exact quotient
    if (digits - 1 < 1) return n.div(d).toDecimalPlaces(dp);
    Ratio.set({ precision: digits - 1 });
    q = Ratio.div(n, d);
  }
  return new Decimal(q);
}

export function dmin(a: Decimal, b: Decimal): Decimal {
  return a.lte(b) ? a : b;
}

export function dmax(a: Decimal, b: Decimal): Decimal {
  return a.gte(b) ? a : b;
}
