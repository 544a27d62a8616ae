import { fmt, fmtQuotient, type Decimal } from '../number.js';
import { exposureMaxAmount, exposurePasses, type ExposureTerm } from './exposure.js';
import type { LimitRule } from './rule.js';
import type { Projection } from '../projection/projection.js';

/** limits.maxLeverage: gross exposure (worst case) / equity (every pending fee paid, this order's included). */
export function maxLeverage(max: Decimal): LimitRule {
  const term = (p: Projection): ExposureTerm => ({ metric: () => p.grossPL(), estimate: (q, out) => p.grossEstimate(q, out), limit: max, perEquity: true, perLeg: true });
  return {
    code: 'LEVERAGE',
    limit: 'maxLeverage',
    scope: 'account',
    effect: 'resize',
    maxAmount: (p) => exposureMaxAmount(p, term(p)),
    check(p, q) {
      const eq = p.equityAt(q);
      const after = eq.gt(0) ? fmtQuotient(p.grossAt(q), eq, 8) : null;
      const before = p.equityBefore.gt(0) ? fmtQuotient(p.grossBefore, p.equityBefore, 8) : 'n/a';
      return {
        pass: exposurePasses(p, term(p), q),
        threshold: fmt(max),
        before,
        after: after ?? 'n/a',
        message: after === null
          ? `leverage is unbounded: equity would be ${fmt(eq)} ${p.ctx.config.quoteCurrency}`
          : `leverage would be ${fmtQuotient(p.grossAt(q), eq, 4)}x, limit ${fmt(max)}x`,
      };
    },
  };
}
