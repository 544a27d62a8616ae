import { ZERO, dmax, fmt } from '../number.js';
import type { LimitRule } from './rule.js';

/** HALTED blocks everything; REDUCING lets only the part of an order that shrinks a position through. */
export function tradingState(): LimitRule {
  return {
    code: 'TRADING_STATE',
    limit: 'tradingState',
    scope: 'guard',
    effect: 'resize',
    maxAmount(p) {
      const state = p.ctx.tradingState;
      if (state === 'HALTED') return ZERO;
      // what an edited order already had is not new risk
      const allowed = dmax(p.reducing, p.grandfathered);
      if (state === 'REDUCING') return p.requested.lte(allowed) ? null : allowed;
      return null;
    },
    check(p, q) {
      const state = p.ctx.tradingState;
      const pass = state === 'ACTIVE' || (state === 'REDUCING' && q.lte(dmax(p.reducing, p.grandfathered)));
      return {
        pass,
        after: fmt(q),
        threshold: state === 'REDUCING' ? fmt(p.reducing) : '0',
        message: state === 'HALTED'
          ? 'trading is HALTED: no order may be placed'
          : `trading is REDUCING: only ${fmt(p.reducing)} of the order shrinks a position`,
      };
    },
  };
}
