import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal as DecimalJs } from 'decimal.js';
import { Decimal, divToPlaces } from '../../src/decimal.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 1000);
/** A reference at a precision far beyond any quotient the guard reports. */
const Wide = DecimalJs.clone({ precision: 400, rounding: DecimalJs.ROUND_HALF_EVEN });

const decimalArb = fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 24 }))
  .map(([n, k]) => new Decimal(n.toString()).div(new Decimal(10).pow(k)));

describe('divToPlaces: a display ratio at just enough precision', () => {
  it('equals the exact quotient rounded half-even to dp places', () => {
    fc.assert(fc.property(decimalArb, decimalArb.filter((d) => !d.isZero()), fc.integer({ min: 0, max: 12 }), (n, d, dp) => {
      const want = new Wide(n.toString()).div(new Wide(d.toString())).toDecimalPlaces(dp).toFixed();
      expect(divToPlaces(n, d, dp).toFixed()).toBe(want);
    }), { numRuns: RUNS });
  });

  it('rounds ties to even and carries into the next digit', () => {
    // 1/8 = 0.125 → 0.12 at 2 places (tie to even); 2/3 → 0.6667; 0.999999999/1 → 1.00000000 at 8 places
    expect(divToPlaces(new Decimal(1), new Decimal(8), 2).toFixed()).toBe('0.12');
    expect(divToPlaces(new Decimal(3), new Decimal(8), 2).toFixed()).toBe('0.38');
    expect(divToPlaces(new Decimal(2), new Decimal(3), 4).toFixed()).toBe('0.6667');
    expect(divToPlaces(new Decimal('0.999999999'), new Decimal(1), 8).toFixed()).toBe('1');
    expect(divToPlaces(new Decimal('1e-12'), new Decimal(3), 8).toFixed()).toBe('0');
    expect(divToPlaces(new Decimal('123456789012345678901234567890'), new Decimal('0.0007'), 8).toFixed())
      .toBe(new Wide('123456789012345678901234567890').div('0.0007').toDecimalPlaces(8).toFixed());
  });
});
