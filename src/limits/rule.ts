import type { Decimal } from '../number.js';
import type { Projection } from '../projection/projection.js';

export type ReasonCode =
  | 'NET_EXPOSURE' | 'GROSS_EXPOSURE' | 'LEVERAGE' | 'POSITION_NOTIONAL' | 'ASSET_EXPOSURE'
  | 'ORDER_NOTIONAL' | 'ORDER_AMOUNT' | 'PRICE_BAND' | 'OPEN_ORDERS' | 'ORDER_RATE'
  | 'TRADING_STATE' | 'SYMBOL_NOT_ALLOWED' | 'STALE_DATA' | 'DATA_MISMATCH' | 'MIN_AMOUNT' | 'UNKNOWN_SYMBOL' | 'INVALID_ORDER';

export type Scope = 'account' | 'asset' | 'symbol' | 'order' | 'market' | 'guard';

/**
 * What a reason names as the limit that bound: a config key (see table.ts), or a rule
 * of the guard, the order or the market that is not configured.
 */
export type LimitName = ConfigLimitName | 'tradingState' | 'freshness' | 'dataConsistency' | 'order' | 'market.limits.amount.min' | 'market.limits.cost.min';

/** The config keys under `limits` that decide orders (maxDrawdownPct moves the trading state instead). */
export type ConfigLimitName =
  | 'symbols' | 'priceBandBps' | 'maxOpenOrders' | 'orderRate' | 'maxOrderAmount' | 'maxOrderNotional'
  | 'maxNetExposure' | 'maxGrossExposure' | 'maxLeverage' | 'maxAssetExposure' | 'maxPositionNotional';

/** One limit's verdict at one amount, with the numbers a reason reports (decimal strings). */
export interface LimitCheck {
  pass: boolean;
  threshold?: string;
  before?: string;
  after?: string;
  message: string;
}

/**
 * A limit. `maxAmount` is the closed-form largest amount it allows (null when it allows
 * the whole request); `check` is the exact verdict at one amount. The guard takes the
 * minimum of the maxima, rounds it to the lot and confirms it with `check`.
 */
export interface LimitRule {
  readonly code: ReasonCode;
  readonly limit: LimitName;
  readonly scope: Scope;
  /** 'block' rules stop the whole order when they fire; 'resize' rules cap its amount */
  readonly effect: 'block' | 'resize';
  maxAmount(p: Projection): Decimal | null;
  check(p: Projection, q: Decimal): LimitCheck;
  /** An order was approved and counted at `now` (for rules that remember, like the order rate). */
  approved?(now: number): void;
}

/** Why a limit bound, with its numbers as decimal strings (a Decision's reasons; `reasons[0]` binds). */
export interface Reason {
  code: ReasonCode;
  limit: LimitName;
  scope: Scope;
  threshold?: string;
  before?: string;
  after?: string;
  /** the metric had the order gone through at the requested amount */
  unclipped?: string;
  message: string;
}
