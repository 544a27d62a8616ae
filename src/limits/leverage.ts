import type { Decimal } from '../decimal.js';
import { fmt } from '../decimal.js';
import { exposureMaxAmount, exposurePasses, fmtOrDash, ratio } from './exposure.js';
import type { LimitRule } from './rule.js';

/** gross exposure / equity; equity falls by the order's estimated fee. */
export function leverage(max: Decimal): LimitRule {
  return {
    code: 'LEVERAGE',
    limit: 'maxLeverage',
    scope: 'account',
    kind: 'resize',
    maxAmount: (p) => exposureMaxAmount(p, { metric: p.grossPL(), limit: max, perEquity: true }),
    check(p, q) {
      const after = ratio(p.grossAt(q), p.equityAt(q));
      const before = ratio(p.gross0, p.equity0);
      return {
        pass: exposurePasses(p, { metric: p.grossPL(), limit: max, perEquity: true }, q),
        threshold: fmt(max),
        before: fmtOrDash(before, 8),
        after: fmtOrDash(after, 8),
        message: after === null
          ? `leverage is unbounded: equity would be ${fmt(p.equityAt(q))} ${p.ctx.config.quoteCurrency}`
          : `leverage would be ${fmtOrDash(after, 4)}x, limit ${fmt(max)}x`,
      };
    },
  };
}
