import type { CompiledLimits } from '../config/config.js';
import { fmt } from '../number.js';
import type { LimitRule } from './rule.js';

/** limits.maxOrderAmount: one order's amount in ccxt units, per symbol (or the "*" default); applies to the whole order. */
export function maxOrderAmount(cfg: NonNullable<CompiledLimits['maxOrderAmount']>): LimitRule {
  return {
    code: 'ORDER_AMOUNT',
    limit: 'maxOrderAmount',
    scope: 'order',
    effect: 'resize',
    maxAmount(p) {
      const limit = cfg.symbols.get(p.market.symbol) ?? cfg.default;
      return limit !== undefined && p.requested.gt(limit) ? limit : null;
    },
    check(p, q) {
      const limit = cfg.symbols.get(p.market.symbol) ?? cfg.default;
      if (limit === undefined) return { pass: true, message: 'no amount limit applies' };
      return {
        pass: q.lte(limit),
        threshold: fmt(limit),
        before: '0',
        after: fmt(q),
        message: `order amount ${fmt(q)} exceeds the limit ${fmt(limit)} for ${p.market.symbol}`,
      };
    },
  };
}
