import { approx, fmt, type Decimal } from '../decimal.js';
import { FLOAT_SLACK } from '../simulate/piecewise.js';
import type { LimitRule } from './rule.js';

/** One order's notional: limit price for limit orders, mark for market orders; the whole order. */
export function orderNotional(max: Decimal): LimitRule {
  const maxDouble = approx(max);
  return {
    code: 'ORDER_NOTIONAL',
    limit: 'maxOrderNotional',
    scope: 'order',
    kind: 'resize',
    maxAmount(p) {
      const u = p.orderNotionalPerUnit;
      // surely within the limit in doubles (with room for their rounding), else decided exactly
      if (approx(p.requested) * approx(u) * (1 + FLOAT_SLACK) < maxDouble * (1 - FLOAT_SLACK)) return null;
      if (u.isZero() || p.requested.mul(u).lte(max)) return null;
      return max.div(u);
    },
    check(p, q) {
      const notional = q.mul(p.orderNotionalPerUnit);
      return {
        pass: notional.lte(max),
        threshold: fmt(max),
        before: '0',
        after: fmt(notional),
        message: `order notional would be ${fmt(notional)} ${p.ctx.config.quoteCurrency}, limit ${fmt(max)}`,
      };
    },
  };
}
