import { dmax, fmt } from '../number.js';
import type { LimitRule } from './rule.js';

/**
 * The exchange's own figures contradict the guard's (self-verification, see
 * src/snapshot/stated-figures.ts), or an unverified exchange gave none to check: the
 * guard's numbers may be wrong in a way it cannot bound, so nothing may open; the
 * reducing part of an order still passes. Cleared by the next read that agrees.
 */
export function dataConsistency(): LimitRule {
  return {
    code: 'DATA_MISMATCH',
    limit: 'dataConsistency',
    scope: 'guard',
    effect: 'resize',
    maxAmount(p) {
      if (p.ctx.inconsistency === null) return null;
      const allowed = dmax(p.reducing, p.grandfathered);
      return p.requested.lte(allowed) ? null : allowed;
    },
    check(p, q) {
      const why = p.ctx.inconsistency;
      return {
        pass: why === null || q.lte(dmax(p.reducing, p.grandfathered)),
        threshold: fmt(p.reducing),
        after: fmt(q),
        message: `${why ?? 'the exchange\'s figures agree'}; only reducing orders pass until a read agrees`,
      };
    },
  };
}
