import type { CompiledLimits } from '../config/config.js';
import { fmt, type Decimal } from '../decimal.js';
import type { Projection } from '../simulate/projection.js';
import { exposureMaxAmount, exposurePasses } from './exposure.js';
import type { LimitRule } from './rule.js';

/** |notional| of the one position the order trades (per side in hedge mode). */
export function positionNotional(cfg: NonNullable<CompiledLimits['maxPositionNotional']>): LimitRule {
  const limitFor = (p: Projection): Decimal | undefined => cfg.symbols.get(p.market.symbol) ?? cfg.default;
  return {
    code: 'POSITION_NOTIONAL',
    limit: 'maxPositionNotional',
    scope: 'symbol',
    kind: 'resize',
    maxAmount(p) {
      const limit = limitFor(p);
      const metric = p.positionPL();
      if (limit === undefined || metric === null) return null;
      return exposureMaxAmount(p, { metric: () => metric, limit, perEquity: false });
    },
    check(p, q) {
      const limit = limitFor(p);
      const metric = p.positionPL();
      if (limit === undefined || metric === null) return { pass: true, message: 'no position limit applies' };
      const leg = p.legs[0]!;
      const signedAt = (x: Decimal) => leg.a.plus(leg.b.mul(p.effective(x)));
      const after = signedAt(q);
      const side = leg.holding.side === 'long' || leg.holding.side === 'short' ? ` ${leg.holding.side}` : '';
      return {
        pass: exposurePasses(p, { metric: () => metric, limit, perEquity: false }, q),
        threshold: fmt(limit),
        before: fmt(leg.a),
        after: fmt(after),
        message: `${p.market.symbol}${side} position would be ${fmt(after)} ${p.ctx.config.quoteCurrency}, limit ${fmt(limit)}`,
      };
    },
  };
}
