import type { Decimal } from '../decimal.js';
import type { Projection } from '../simulate/projection.js';

export type ReasonCode =
  | 'NET_EXPOSURE' | 'GROSS_EXPOSURE' | 'LEVERAGE' | 'POSITION_NOTIONAL' | 'ASSET_EXPOSURE'
  | 'ORDER_NOTIONAL' | 'ORDER_AMOUNT' | 'PRICE_BAND' | 'OPEN_ORDERS' | 'ORDER_RATE'
  | 'TRADING_STATE' | 'SYMBOL_NOT_ALLOWED' | 'STALE_DATA' | 'MIN_AMOUNT' | 'UNKNOWN_SYMBOL' | 'INVALID_ORDER';

export type Scope = 'account' | 'asset' | 'symbol' | 'order' | 'market' | 'guard';

/** One limit's verdict at one amount, with the numbers a reason reports (decimal strings). */
export interface LimitCheck {
  pass: boolean;
  threshold?: string;
  before?: string;
  after?: string;
  message: string;
}

/**
 * A limit. `maxAmount` is the closed-form largest amount it allows (null when it
 * allows the whole request); `check` is the exact verdict at one amount. The guard
 * takes the minimum of the maxima, rounds it to the lot and confirms it with `check`.
 */
export interface LimitRule {
  readonly code: ReasonCode;
  /** the config key, as in the Decision's reasons */
  readonly limit: string;
  readonly scope: Scope;
  /** 'block' rules stop the whole order when they fire; 'resize' rules cap its amount */
  readonly kind: 'block' | 'resize';
  maxAmount(p: Projection): Decimal | null;
  check(p: Projection, q: Decimal): LimitCheck;
}
