import type { CompiledLimits } from '../config/config.js';
import { ZERO } from '../decimal.js';
import type { Projection } from '../simulate/projection.js';
import type { LimitCheck, LimitRule } from './rule.js';

/** Open orders on the exchange plus orders approved and in flight, per symbol and in total. */
export function openOrders(cfg: NonNullable<CompiledLimits['maxOpenOrders']>): LimitRule {
  /** one more order keeps both counts within their limits */
  const fits = (p: Projection): boolean =>
    (cfg.perSymbol === undefined || p.ctx.book.openOrdersOn(p.source, p.market.symbol) + 1 <= cfg.perSymbol)
    && (cfg.total === undefined || p.ctx.book.pendingCount + 1 <= cfg.total);
  const verdict = (p: Projection): LimitCheck => {
    const onSymbol = p.ctx.book.openOrdersOn(p.source, p.market.symbol);
    const total = p.ctx.book.pendingCount;
    if (cfg.perSymbol !== undefined && onSymbol + 1 > cfg.perSymbol) {
      return { pass: false, threshold: String(cfg.perSymbol), before: String(onSymbol), after: String(onSymbol + 1), message: `${p.market.symbol} already has ${onSymbol} open orders, limit ${cfg.perSymbol}` };
    }
    if (cfg.total !== undefined && total + 1 > cfg.total) {
      return { pass: false, threshold: String(cfg.total), before: String(total), after: String(total + 1), message: `the account already has ${total} open orders, limit ${cfg.total}` };
    }
    return { pass: true, threshold: String(cfg.perSymbol ?? cfg.total), before: String(onSymbol), after: String(onSymbol + 1), message: 'within the open-order limits' };
  };
  return {
    code: 'OPEN_ORDERS',
    limit: 'maxOpenOrders',
    scope: 'order',
    kind: 'block',
    maxAmount: (p) => (fits(p) ? null : ZERO),
    check: (p) => verdict(p),
  };
}
