import type { CompiledLimits } from '../config/config.js';
import { ZERO } from '../number.js';
import type { LimitRule } from './rule.js';

/**
 * limits.orderRate: at most `max` approved orders in any window of `perMs` milliseconds.
 * It remembers only the approvals inside the window (at most `max` of them, since no more
 * are approved), so memory stays bounded however long the guard runs.
 */
export function orderRate(cfg: NonNullable<CompiledLimits['orderRate']>): LimitRule {
  const times: number[] = [];
  const inWindow = (now: number): number => {
    const from = now - cfg.perMs;
    let drop = 0;
    while (drop < times.length && times[drop]! <= from) drop++;
    if (drop > 0) times.splice(0, drop);
    return times.length;
  };
  return {
    code: 'ORDER_RATE',
    limit: 'orderRate',
    scope: 'account',
    effect: 'block',
    maxAmount: (p) => (inWindow(p.ctx.now) + 1 > cfg.max ? ZERO : null),
    check(p) {
      const n = inWindow(p.ctx.now);
      return {
        pass: n + 1 <= cfg.max,
        threshold: String(cfg.max),
        before: String(n),
        after: String(n + 1),
        message: `${n} orders approved in the last ${cfg.perMs} ms, limit ${cfg.max}`,
      };
    },
    approved(now) {
      inWindow(now);
      times.push(now);
    },
  };
}
