import { BPS, ZERO, approx, fmt, surelyBelowZero, type Decimal } from '../number.js';

import type { Projection } from '../projection/projection.js';
import type { LimitRule } from './rule.js';

/**
 * limits.priceBandBps: a limit order priced further than `bps` from the mark is blocked (fat-finger prices).
 * A stop-limit order is measured against its trigger price, where it will become live.
 */
export function priceBandBps(bps: Decimal): LimitRule {
  const reference = (p: Projection) => p.intent.triggerPrice ?? p.mark;
  const bpsDouble = approx(bps);
  // |price − reference|·10000 ≤ bps·reference: surely so in doubles with room to spare, else exactly
  const inside = (p: Projection) => {
    const price = p.intent.price;
    if (price === null) return true;
    const ref = reference(p);
    const pf = approx(price);
    const rf = approx(ref);
    const band = bpsDouble * rf;
    if (surelyBelowZero(Math.abs(pf - rf) * 10000 - band, (Math.abs(pf) + Math.abs(rf)) * 10000 + Math.abs(band))) return true;
    return price.minus(ref).abs().mul(BPS).lte(bps.mul(ref));
  };
  return {
    code: 'PRICE_BAND',
    limit: 'priceBandBps',
    scope: 'order',
    effect: 'block',
    maxAmount: (p) => (inside(p) ? null : ZERO),
    check(p) {
      const price = p.intent.price;
      if (price === null) return { pass: true, message: 'market orders have no price band' };
      const ref = reference(p);
      const dev = price.minus(ref).abs().mul(BPS).div(ref);
      const what = p.intent.triggerPrice ? 'trigger price' : 'mark';
      return {
        pass: inside(p),
        threshold: fmt(bps),
        before: fmt(ref),
        after: fmt(dev.toDecimalPlaces(2)),
        message: `limit price ${fmt(price)} is ${fmt(dev.toDecimalPlaces(2))} bps from the ${what} ${fmt(ref)}, band ${fmt(bps)} bps`,
      };
    },
  };
}
