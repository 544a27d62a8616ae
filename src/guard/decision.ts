import type { Reason } from '../limits/index.js';

export type { Reason };

/** Account metrics around a decision, as the limits read them (pending orders in their worst case). */
export interface DecisionMetrics {
  /** net exposure with every pending order of the order's direction filled */
  net: string;
  /** gross exposure in its worst case over any mix of pending fills */
  gross: string;
  /** gross / equity; null when equity is not positive */
  leverage: string | null;
  /** equity with every pending order's estimated fee paid */
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
