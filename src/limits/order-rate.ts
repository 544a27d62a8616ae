import type { CompiledLimits } from '../config/config.js';
import { ZERO } from '../decimal.js';
import type { LimitRule } from './rule.js';

/** At most `max` approved orders in any window of `perMs` milliseconds. */
export function orderRate(cfg: NonNullable<CompiledLimits['orderRate']>): LimitRule {
  return {
    code: 'ORDER_RATE',
    limit: 'orderRate',
    scope: 'account',
    kind: 'block',
    maxAmount: (p) => (p.ctx.recentOrders + 1 > cfg.max ? ZERO : null),
    check(p) {
      const n = p.ctx.recentOrders;
      return {
        pass: n + 1 <= cfg.max,
        threshold: String(cfg.max),
        before: String(n),
        after: String(n + 1),
        message: `${n} orders approved in the last ${cfg.perMs} ms, limit ${cfg.max}`,
      };
    },
  };
}
