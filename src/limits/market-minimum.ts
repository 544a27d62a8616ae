import { fmt, type Decimal } from '../number.js';
import type { Projection } from '../projection/projection.js';
import type { Reason } from './rule.js';

/**
 * The market's own minimum amount and cost: below them an order cannot be placed, so a
 * resize to less is a block (MIN_AMOUNT, with the limit that forced it listed after).
 */
export function marketMinimum(p: Projection, approved: Decimal): Reason | null {
  const m = p.market;
  if (m.minAmount && approved.lt(m.minAmount)) {
    return { code: 'MIN_AMOUNT', limit: 'market.limits.amount.min', scope: 'market', threshold: fmt(m.minAmount), after: fmt(approved), message: `the amount the limits allow, ${fmt(approved)}, is below ${m.symbol}'s minimum amount ${fmt(m.minAmount)}` };
  }
  if (m.minCost) {
    const cost = approved.mul(p.costPerUnit);
    if (cost.lt(m.minCost)) {
      return { code: 'MIN_AMOUNT', limit: 'market.limits.cost.min', scope: 'market', threshold: fmt(m.minCost), after: fmt(cost), message: `the amount the limits allow, ${fmt(approved)}, costs ${fmt(cost)} ${m.quote}, below ${m.symbol}'s minimum cost ${fmt(m.minCost)}` };
    }
  }
  return null;
}
