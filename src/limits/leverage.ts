import type { Decimal } from '../decimal.js';
import { fmt, fmtQuotient } from '../decimal.js';
import { exposureMaxAmount, exposurePasses } from './exposure.js';
import type { LimitRule } from './rule.js';

/** gross exposure / equity; equity falls by the order's estimated fee. */
export function leverage(max: Decimal): LimitRule {
  return {
    code: 'LEVERAGE',
    limit: 'maxLeverage',
    scope: 'account',
    kind: 'resize',
    maxAmount: (p) => exposureMaxAmount(p, { metric: () => p.grossPL(), upperBound: (q) => p.grossUpperBound(q), limit: max, perEquity: true }),
    check(p, q) {
      const eq = p.equityAt(q);
      const after = eq.gt(0) ? fmtQuotient(p.grossAt(q), eq, 8) : null;
      const before = p.equity0.gt(0) ? fmtQuotient(p.gross0, p.equity0, 8) : 'n/a';
      return {
        pass: exposurePasses(p, { metric: () => p.grossPL(), limit: max, perEquity: true }, q),
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
