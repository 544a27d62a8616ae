import { Decimal as DecimalJs } from 'decimal.js';

/**
 * Numbers. Money is exact (decimal.js); doubles appear only in screens that decide the
 * clear cases before exact arithmetic, with one error margin (SCREEN_MARGIN), and this is
 * the only module that reads decimal.js's internals.
 *
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
/** Halving by multiplication: exact, and far cheaper than decimal.js's division. */
export const HALF = new Decimal('0.5');

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
 * The common case of fmtQuotient in doubles: n/d·10^dp is worked out to within a few
 * parts in 1e14, so when it lies clearly inside one rounding interval (not near a
 * half-way point) its nearest integer is the exactly rounded answer. Null when it is
 * near a half-way point, too large for a double to carry, or out of range.
 */
function quotientInDoubles(n: Decimal, d: Decimal, dp: number): string | null {
  if (dp > 15) return null;
  const x = (approx(n) / approx(d)) * POW10_DOUBLE[dp]!;
  const ax = Math.abs(x);
  if (!(ax < 1e12)) return null; // NaN and Infinity included
  const k = Math.round(x);
  // rounding to k is exact unless x lies within the screen's error of a half-way point
  if (!surelyBelowZero(Math.abs(x - k) - 0.5, ax)) return null;
  return k === 0 ? '0' : scaledToString(String(Math.abs(k)), dp, k < 0);
}

/** The digits of an integer m, read as m · 10^−dp, in plain notation without trailing zeros. */
function scaledToString(digits: string, dp: number, negative: boolean): string {
  let out = digits;
  if (dp > 0) {
    const padded = digits.padStart(dp + 1, '0');
    const cut = padded.length - dp;
    let end = padded.length;
    while (end > cut && padded.charCodeAt(end - 1) === 48) end--;
    out = end > cut ? `${padded.slice(0, cut)}.${padded.slice(cut, end)}` : padded.slice(0, cut);
  }
  return negative ? `-${out}` : out;
}

/** x as an integer m and a scale k: x = m · 10^−k, read off its plain notation. */
function scaled(x: Decimal): [bigint, number] {
  const s = x.toFixed();
  const dot = s.indexOf('.');
  return dot < 0 ? [BigInt(s), 0] : [BigInt(s.replace('.', '')), s.length - dot - 1];
}

const POW10: bigint[] = [1n];
function pow10(k: number): bigint {
  while (POW10.length <= k) POW10.push(POW10[POW10.length - 1]! * 10n);
  return POW10[k]!;
}

/**
 * n / d rounded half-even to `dp` decimal places, as a plain decimal string (what fmt
 * would print). Exact: one integer division and its remainder decide the rounding.
 * decimal.js divides at ~1.3 µs whatever the precision; the decisions report a ratio
 * on every order, so this is done on integers in a fraction of that.
 */
export function fmtQuotient(n: Decimal, d: Decimal, dp: number): string {
  if (n.isZero()) return '0';
  const fast = quotientInDoubles(n, d, dp);
  if (fast !== null) return fast;
  const [mn, kn] = scaled(n);
  const [md, kd] = scaled(d);
  // n/d · 10^dp = mn · 10^(kd + dp) / (md · 10^kn)
  const num = mn * pow10(kd + dp);
  const den = kn === 0 ? md : md * pow10(kn);
  let q = num / den;
  const r = num % den;
  if (r !== 0n) {
    const twice = (r < 0n ? -r : r) * 2n;
    const absDen = den < 0n ? -den : den;
    if (twice > absDen || (twice === absDen && (q & 1n) !== 0n)) q += (num < 0n) !== (den < 0n) ? -1n : 1n;
  }
  return q === 0n ? '0' : scaledToString((q < 0n ? -q : q).toString(), dp, q < 0n);
}

/** |x| without a new Decimal when x is already non-negative. */
export function absOf(x: Decimal): Decimal {
  return x.s < 0 ? x.neg() : x;
}

/** max(|x|, |y|) */
export function largerAbs(x: Decimal, y: Decimal): Decimal {
  const ax = absOf(x);
  const ay = absOf(y);
  return ax.gte(ay) ? ax : ay;
}

export function dmin(a: Decimal, b: Decimal): Decimal {
  return a.lte(b) ? a : b;
}

export function dmax(a: Decimal, b: Decimal): Decimal {
  return a.gte(b) ? a : b;
}

// ---- float screens ----------------------------------------------------------------

/**
 * The error margin of every float screen, relative to the sum of the magnitudes of the
 * terms a double was computed from. `approx` is within 1e-14 of its Decimal; each double
 * operation rounds by at most 2^-53 ≈ 1.1e-16 of its magnitude; a screen is a few dozen
 * operations. 1e-12 bounds the accumulated error with orders of magnitude to spare.
 */
export const SCREEN_MARGIN = 1e-12;

/**
 * Is the exact value surely below zero, given `estimate`, a double computed from terms
 * whose magnitudes sum to `magnitude`? Only a clear yes counts: a value within the margin
 * of zero, an overflow or a NaN say no, and exact arithmetic decides.
 */
export function surelyBelowZero(estimate: number, magnitude: number): boolean {
  return estimate + magnitude * SCREEN_MARGIN < 0;
}

/**
 * A double close to d (relative error below 1e-14) read straight off decimal.js's
 * base-1e7 digits, in a few nanoseconds where toNumber() costs ~250 ns. For screens
 * (surelyBelowZero), never for a result.
 */
export function approx(d: Decimal): number {
  const limbs = d.d;
  if (!limbs) return d.toNumber(); // NaN, ±Infinity
  const n = limbs.length;
  if (n === 1 && limbs[0] === 0) return 0;
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 1e7 + limbs[i]!;
  const first = limbs[0]!;
  const width = first >= 1e6 ? 7 : first >= 1e5 ? 6 : first >= 1e4 ? 5 : first >= 1e3 ? 4 : first >= 100 ? 3 : first >= 10 ? 2 : 1;
  // v holds the digits as an integer; its units digit sits at 10^k
  const k = d.e - width + 1 - 7 * (n - 1);
  if (k > 280 || k < -280) return d.toNumber(); // near the double's range: let decimal.js round
  if (k > 0) v *= POW10_DOUBLE[k]!;
  else if (k < 0) v /= POW10_DOUBLE[-k]!;
  return d.s * v;
}

/** 10^0 … 10^280 as doubles (each within half an ulp: 10^k for k ≤ 22 is exact). */
const POW10_DOUBLE = Array.from({ length: 281 }, (_, k) => Number(`1e${k}`));
