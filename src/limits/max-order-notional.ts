import { approx, fmt, surelyBelowZero, type Decimal } from '../number.js';
import type { LimitRule } from './rule.js';

/** limits.maxOrderNotional: one order's notional (limit price for limit orders, mark for market orders); the whole order. */
export function maxOrderNotional(max: Decimal): LimitRule {
  const maxDouble = approx(max);
  return {
    code: 'ORDER_NOTIONAL',
    limit: 'maxOrderNotional',
    scope: 'order',
    effect: 'resize',
    maxAmount(p) {
      const u = p.orderNotionalPerUnit;
      const n = approx(p.requested) * approx(u);
      // surely within the limit in doubles, else decided exactly
      if (surelyBelowZero(n - maxDouble, Math.abs(n) + Math.abs(maxDouble))) return null;
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
