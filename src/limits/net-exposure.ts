import type { Threshold } from '../config/config.js';
import { fmt } from '../decimal.js';
import type { Projection } from '../simulate/projection.js';
import { exposureMaxAmount, exposurePasses, type ExposureTerm } from './exposure.js';
import type { LimitRule } from './rule.js';

/** |long − short| notional of every account, pending orders of the order's direction included. */
export function netExposure(t: Threshold): LimitRule {
  const perEquity = t.kind === 'pctOfEquity';
  const term = (p: Projection): ExposureTerm => ({ metric: p.netPL(), limit: perEquity ? t.fraction : t.value, perEquity });
  return {
    code: 'NET_EXPOSURE',
    limit: 'maxNetExposure',
    scope: 'account',
    kind: 'resize',
    maxAmount: (p) => exposureMaxAmount(p, term(p)),
    check(p, q) {
      const after = p.netAt(q);
      const threshold = perEquity ? t.fraction.mul(p.equityAt(q)) : t.value;
      const of = perEquity ? ` (${fmt(t.pct)}% of equity)` : '';
      return {
        pass: exposurePasses(p, term(p), q),
        threshold: fmt(threshold),
        before: fmt(p.net0),
        after: fmt(after),
        message: `net exposure would be ${fmt(after)} ${p.ctx.config.quoteCurrency}, limit ${fmt(threshold)}${of}`,
      };
    },
  };
}
