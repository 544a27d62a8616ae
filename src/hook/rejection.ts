import { InvalidOrder } from 'ccxt';
import type { Decision } from '../guard/decision.js';

/**
 * Thrown by a wrapped exchange for a blocked order. It is a ccxt InvalidOrder, so a
 * bot's existing `catch (e) { if (e instanceof ccxt.InvalidOrder) … }` keeps working,
 * and it carries the Decision with the reasons.
 */
export class RiskGuardRejection extends InvalidOrder {
  readonly decision: Decision;
  /** every decision of a batch (createOrders), in order */
  readonly decisions: Decision[];

  constructor(decision: Decision, decisions: Decision[] = [decision]) {
    const r = decision.reasons[0];
    super(`risk-guard blocked ${decision.side} ${decision.requested} ${decision.symbol}: ${r ? `${r.code}: ${r.message}` : 'blocked'}`);
    this.name = 'RiskGuardRejection';
    this.decision = decision;
    this.decisions = decisions;
  }
}
