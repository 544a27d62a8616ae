import type { Threshold } from '../config/config.js';
import { fmt } from '../decimal.js';
import type { Projection } from '../simulate/projection.js';
import { exposureMaxAmount, exposurePasses, type ExposureTerm } from './exposure.js';
import type { LimitRule } from './rule.js';

/** Σ |notional| of every holding, not netted, pending orders of the order's direction included. */
export function grossExposure(t: Threshold): LimitRule {
  const perEquity = t.kind === 'pctOfEquity';
  const term = (p: Projection): ExposureTerm => ({ metric: p.grossPL(), limit: perEquity ? t.fraction : t.value, perEquity });
  return {
    code: 'GROSS_EXPOSURE',
    limit: 'maxGrossExposure',
    scope: 'account',
    kind: 'resize',
    maxAmount: (p) => exposureMaxAmount(p, term(p)),
    check(p, q) {
      const after = p.grossAt(q);
      const threshold = perEquity ? t.fraction.mul(p.equityAt(q)) : t.value;
      const of = perEquity ? ` (${fmt(t.pct)}% of equity)` : '';
      return {
        pass: exposurePasses(p, term(p), q),
        threshold: fmt(threshold),
        before: fmt(p.gross0),
        after: fmt(after),
        message: `gross exposure would be ${fmt(after)} ${p.ctx.config.quoteCurrency}, limit ${fmt(threshold)}${of}`,
      };
    },
  };
}
