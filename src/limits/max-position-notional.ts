import type { CompiledLimits } from '../config/config.js';
import { fmt, type Decimal } from '../number.js';
import type { Projection } from '../projection/projection.js';
import { exposureMaxAmount, exposurePasses, type ExposureTerm } from './exposure.js';
import type { LimitRule } from './rule.js';

/** limits.maxPositionNotional: |notional| of the one position the order trades (per side in hedge mode), in the order's direction. */
export function maxPositionNotional(cfg: NonNullable<CompiledLimits['maxPositionNotional']>): LimitRule {
  const termOf = (p: Projection): ExposureTerm | null => {
    const limit: Decimal | undefined = cfg.symbols.get(p.market.symbol) ?? cfg.default;
    const metric = p.positionPL();
    return limit === undefined || metric === null ? null : { metric: () => metric, limit, perEquity: false, perLeg: false };
  };
  return {
    code: 'POSITION_NOTIONAL',
    limit: 'maxPositionNotional',
    scope: 'symbol',
    effect: 'resize',
    maxAmount(p) {
      const t = termOf(p);
      return t === null ? null : exposureMaxAmount(p, t);
    },
    check(p, q) {
      const t = termOf(p);
      const leg = p.positionLeg();
      if (t === null || leg === null) return { pass: true, message: 'no position limit applies' };
      const after = leg.before.plus(leg.perUnit.mul(p.effective(q)));
      const side = leg.holding.side === 'long' || leg.holding.side === 'short' ? ` ${leg.holding.side}` : '';
      return {
        pass: exposurePasses(p, t, q),
        threshold: fmt(t.limit),
        before: fmt(leg.before),
        after: fmt(after),
        message: `${p.market.symbol}${side} position would be ${fmt(after)} ${p.ctx.config.quoteCurrency}, limit ${fmt(t.limit)}`,
      };
    },
  };
}
