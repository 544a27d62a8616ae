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

export function dmin(a: Decimal, b: Decimal): Decimal {
  return a.lte(b) ? a : b;
}

export function dmax(a: Decimal, b: Decimal): Decimal {
  return a.gte(b) ? a : b;
}
