import { dmax, fmt } from '../number.js';
import type { LimitRule } from './rule.js';

/** Stale or missing account data: nothing may open; the reducing part of an order still passes. */
export function freshness(): LimitRule {
  return {
    code: 'STALE_DATA',
    limit: 'freshness',
    scope: 'guard',
    effect: 'resize',
    maxAmount(p) {
      if (p.ctx.staleness === null) return null;
      const allowed = dmax(p.reducing, p.grandfathered);
      return p.requested.lte(allowed) ? null : allowed;
    },
    check(p, q) {
      const why = p.ctx.staleness;
      return {
        pass: why === null || q.lte(dmax(p.reducing, p.grandfathered)),
        threshold: fmt(p.reducing),
        after: fmt(q),
        message: `${why ?? 'data is fresh'}; only reducing orders pass until the data is fresh`,
      };
    },
  };
}
