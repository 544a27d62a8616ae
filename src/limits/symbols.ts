import type { CompiledLimits } from '../config/config.js';
import { ZERO } from '../decimal.js';
import type { LimitRule } from './rule.js';

/** Symbols on the deny list, or missing from a non-empty allow list, cannot be traded. */
export function symbolRules(cfg: NonNullable<CompiledLimits['symbols']>): LimitRule {
  const allowed = (symbol: string) => !cfg.deny.has(symbol) && (cfg.allow.size === 0 || cfg.allow.has(symbol));
  return {
    code: 'SYMBOL_NOT_ALLOWED',
    limit: 'symbols',
    scope: 'symbol',
    kind: 'block',
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
