import type { CompiledLimits } from '../config/config.js';
import { ZERO } from '../number.js';
import type { Projection } from '../projection/projection.js';
import type { LimitCheck, LimitRule } from './rule.js';

/** limits.maxOpenOrders: open orders on the exchange plus orders approved and in flight, per symbol and in total. */
export function maxOpenOrders(cfg: NonNullable<CompiledLimits['maxOpenOrders']>): LimitRule {
  /** one more order keeps both counts within their limits (an edit keeps its order's slot) */
  const fits = (p: Projection): boolean => p.replacing ||
    (cfg.perSymbol === undefined || p.ctx.book.pending.openOrdersOn(p.account, p.market.symbol) + 1 <= cfg.perSymbol)
    && (cfg.total === undefined || p.ctx.book.pending.openOrderCount + 1 <= cfg.total);
  const verdict = (p: Projection): LimitCheck => {
    const onSymbol = p.ctx.book.pending.openOrdersOn(p.account, p.market.symbol);
    const total = p.ctx.book.pending.openOrderCount;
    if (p.replacing) return { pass: true, threshold: String(cfg.perSymbol ?? cfg.total), before: String(onSymbol), after: String(onSymbol), message: 'an edit keeps its order\'s slot' };
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
    effect: 'block',
    maxAmount: (p) => (fits(p) ? null : ZERO),
    check: (p) => verdict(p),
  };
}
