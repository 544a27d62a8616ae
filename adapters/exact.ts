import { Decimal, parseDecimal } from '../src/number.js';
import { PayloadShapeError } from './errors.js';

/**
 * Exact decimals from exchange payloads. Exchanges send decimals as strings; ccxt
 * turns them into JS floats, which lose digits past ~16 significant figures and
 * pick up binary noise in arithmetic. Everything the adapter hands the book is a
 * plain decimal string taken from the raw payload (or, for fields ccxt computes,
 * the float's shortest round-trip spelling).
 */

/** Plain-notation decimal string of a string or number, or null when absent/empty/not a number. */
export function dec(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  const d = parseDecimal(value);
  return d === null ? null : plain(d);
}

/** Like dec(), but a present value that is not a number is a malformed payload. */
export function decField(row: Record<string, unknown>, field: string, where: string, required = true): string | null {
  const v = row[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw new PayloadShapeError(`${where}: field "${field}" is missing`);
    return null;
  }
  const d = dec(v);
  if (d === null) throw new PayloadShapeError(`${where}: field "${field}" is not a decimal (${JSON.stringify(v).slice(0, 40)})`);
  return d;
}

export function plain(d: Decimal): string {
  return d.isZero() ? '0' : d.toFixed();
}

export function abs(s: string): string {
  return plain(new Decimal(s).abs());
}

export function sub(a: string, b: string): string {
  return plain(new Decimal(a).minus(b));
}

export function add(a: string, b: string): string {
  return plain(new Decimal(a).plus(b));
}

export function isZero(s: string | null): boolean {
  return s === null || new Decimal(s).isZero();
}

export function sign(s: string): -1 | 0 | 1 {
  const d = new Decimal(s);
  return d.isZero() ? 0 : d.isNegative() ? -1 : 1;
}

/** A positive price, or null (exchanges send "0" or "" for "no price"). */
export function price(value: unknown): string | null {
  const d = dec(value);
  return d !== null && new Decimal(d).gt(0) ? d : null;
}

// ---- payload shape checks --------------------------------------------------------

export function expectArray(value: unknown, where: string): Record<string, any>[] {
  if (!Array.isArray(value)) throw new PayloadShapeError(`${where}: expected a JSON array, got ${describe(value)}`);
  value.forEach((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new PayloadShapeError(`${where}[${i}]: expected an object, got ${describe(row)}`);
  });
  return value as Record<string, any>[];
}

export function expectObject(value: unknown, where: string): Record<string, any> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new PayloadShapeError(`${where}: expected a JSON object, got ${describe(value)}`);
  return value as Record<string, any>;
}

export function expectString(row: Record<string, unknown>, field: string, where: string): string {
  const v = row[field];
  if (typeof v !== 'string' || v === '') throw new PayloadShapeError(`${where}: field "${field}" is missing`);
  return v;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `text ${JSON.stringify(v.slice(0, 60))}`;
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v;
}
