import { BPS, ZERO, fmt, type Decimal } from '../decimal.js';
import type { Projection } from '../simulate/projection.js';
import type { LimitRule } from './rule.js';

/** A limit order priced further than `bps` from the mark is blocked (fat-finger prices). */
export function priceBand(bps: Decimal): LimitRule {
  // |price − mark|·10000 ≤ bps·mark, exactly
  const inside = (p: Projection) => {
    const price = p.intent.price;
    return price === null || price.minus(p.mark).abs().mul(BPS).lte(bps.mul(p.mark));
  };
  return {
    code: 'PRICE_BAND',
    limit: 'priceBandBps',
    scope: 'order',
    kind: 'block',
    maxAmount: (p) => (inside(p) ? null : ZERO),
    check(p) {
      const price = p.intent.price;
      if (price === null) return { pass: true, message: 'market orders have no price band' };
      const dev = price.minus(p.mark).abs().mul(BPS).div(p.mark);
      return {
        pass: inside(p),
        threshold: fmt(bps),
        before: fmt(p.mark),
        after: fmt(dev.toDecimalPlaces(2)),
        message: `limit price ${fmt(price)} is ${fmt(dev.toDecimalPlaces(2))} bps from the mark ${fmt(p.mark)}, band ${fmt(bps)} bps`,
      };
    },
  };
}
