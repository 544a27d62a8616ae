import type { ReasonCode, Scope } from '../limits/rule.js';

/** Why a limit bound, with its numbers as decimal strings. `reasons[0]` is the binding one. */
export interface Reason {
  code: ReasonCode;
  limit: string;
  scope: Scope;
  threshold?: string;
  before?: string;
  after?: string;
  /** the metric had the order gone through at the requested amount */
  unclipped?: string;
  message: string;
}

/** Account metrics around a decision, in the order's direction's worst case (pending orders of that direction filled). */
export interface DecisionMetrics {
  net: string;
  gross: string;
  /** gross / equity; null when equity is not positive */
  leverage: string | null;
  equity: string;
}

/** What the guard decided about one order; also the JSON the CLI prints. */
export interface Decision {
  id: string;
  action: 'allow' | 'resize' | 'block';
  symbol: string;
  side: string;
  requested: string;
  approved: string;
  reasons: Reason[];
  before: DecisionMetrics;
  after: DecisionMetrics;
  dryRun: boolean;
}
