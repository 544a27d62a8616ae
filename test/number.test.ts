import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal as DecimalJs } from 'decimal.js';
import { Decimal, fmtQuotient } from '../src/number.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 1000);
/** A reference at a precision far beyond any quotient the guard reports. */
const Wide = DecimalJs.clone({ precision: 400, rounding: DecimalJs.ROUND_HALF_EVEN });

const decimalArb = fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 24 }))
  .map(([n, k]) => new Decimal(n.toString()).div(new Decimal(10).pow(k)));

describe('fmtQuotient: a display ratio, exactly rounded', () => {
  it('equals the exact quotient rounded half-even to dp places', () => {
    fc.assert(fc.property(decimalArb, decimalArb.filter((d) => !d.isZero()), fc.integer({ min: 0, max: 12 }), (n, d, dp) => {
      const w = new Wide(n.toString()).div(new Wide(d.toString())).toDecimalPlaces(dp);
      expect(fmtQuotient(n, d, dp)).toBe(w.isZero() ? '0' : w.toFixed());
    }), { numRuns: RUNS });
  });

  it('near a half-way point (a hair either side, or on it) it still rounds exactly', () => {
    const hair = fc.constantFrom('0', '1e-30', '-1e-30', '1e-17', '-1e-17', '3e-14', '-3e-14');
    fc.assert(fc.property(decimalArb.filter((d) => !d.isZero()), fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 10 }), hair, (d, m, dp, h) => {
      // n/d = (m + 1/2 + h)·10^−dp
      const q = new Decimal(m).plus('0.5').plus(h).div(new Decimal(10).pow(dp));
      const n = q.mul(d);
      const w = new Wide(n.toString()).div(new Wide(d.toString())).toDecimalPlaces(dp);
      expect(fmtQuotient(n, d, dp)).toBe(w.isZero() ? '0' : w.toFixed());
    }), { numRuns: RUNS });
  });

  it('rounds ties to even, keeps the sign, and carries into the next digit', () => {
    // 1/8 = 0.125 → 0.12 at 2 places (tie to even); 2/3 → 0.6667; 0.999999999/1 → 1.00000000 at 8 places
    expect(fmtQuotient(new Decimal(1), new Decimal(8), 2)).toBe('0.12');
    expect(fmtQuotient(new Decimal(3), new Decimal(8), 2)).toBe('0.38');
    expect(fmtQuotient(new Decimal(-3), new Decimal(8), 2)).toBe('-0.38');
    expect(fmtQuotient(new Decimal(-1), new Decimal(8), 2)).toBe('-0.12');
    expect(fmtQuotient(new Decimal(-1), new Decimal(300), 2)).toBe('0');
    expect(fmtQuotient(new Decimal(5), new Decimal(2), 0)).toBe('2');
    expect(fmtQuotient(new Decimal(15), new Decimal(-2), 0)).toBe('-8');
    expect(fmtQuotient(new Decimal(2), new Decimal(3), 4)).toBe('0.6667');
    expect(fmtQuotient(new Decimal('0.999999999'), new Decimal(1), 8)).toBe('1');
    expect(fmtQuotient(new Decimal('1e-12'), new Decimal(3), 8)).toBe('0');
    expect(fmtQuotient(new Decimal('123456789012345678901234567890'), new Decimal('0.0007'), 8))
      .toBe(new Wide('123456789012345678901234567890').div('0.0007').toDecimalPlaces(8).toFixed());
  });
});
