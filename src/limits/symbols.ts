import type { CompiledLimits } from '../config/config.js';
import { ZERO } from '../number.js';
import type { LimitRule } from './rule.js';

/** limits.symbols: symbols on the deny list, or missing from a non-empty allow list, cannot be traded. */
export function symbols(cfg: NonNullable<CompiledLimits['symbols']>): LimitRule {
  const allowed = (symbol: string) => !cfg.deny.has(symbol) && (cfg.allow.size === 0 || cfg.allow.has(symbol));
  return {
    code: 'SYMBOL_NOT_ALLOWED',
    limit: 'symbols',
    scope: 'symbol',
    effect: 'block',
    maxAmount: (p) => (allowed(p.market.symbol) ? null : ZERO),
    check(p) {
      const s = p.market.symbol;
      return {
        pass: allowed(s),
        message: cfg.deny.has(s) ? `${s} is on the deny list` : `${s} is not on the allow list`,
      };
    },
  };
}
