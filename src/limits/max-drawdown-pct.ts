import type { CompiledLimits, TradingState } from '../config/config.js';
import { Decimal, HUNDRED, ZERO, fmt } from '../number.js';

const SEVERITY: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

/**
 * limits.maxDrawdownPct: a breaker, not an order rule. After every read it compares
 * equity with the session's peak; this far below it, the guard moves to REDUCING or
 * HALTED (never back: the host decides when to trade again).
 */
export class DrawdownBreaker {
  private peak: Decimal = ZERO;

  constructor(private readonly cfg: CompiledLimits['maxDrawdownPct']) {}

  /** Equity after a read: the state to move to and why, or null. */
  observe(equity: Decimal, state: TradingState): { to: TradingState; reason: string } | null {
    if (equity.gt(this.peak)) this.peak = equity;
    const cfg = this.cfg;
    if (!cfg || this.peak.lte(0)) return null;
    const drawdownPct = this.peak.minus(equity).div(this.peak).mul(HUNDRED);
    if (drawdownPct.lt(cfg.value) || SEVERITY[state] >= SEVERITY[cfg.action]) return null;
    return { to: cfg.action, reason: `drawdown ${fmt(drawdownPct.toDecimalPlaces(4))}% from peak equity ${fmt(this.peak)} reached maxDrawdownPct ${fmt(cfg.value)}%` };
  }

  /** The host switched back to ACTIVE: drawdown is measured afresh from here. */
  reset(equity: Decimal): void {
    this.peak = equity;
  }
}
