import type { CompiledLimits } from '../config/config.js';
import { dataConsistency } from './data-consistency.js';
import { freshness } from './freshness.js';
import { maxAssetExposure } from './max-asset-exposure.js';
import { maxGrossExposure } from './max-gross-exposure.js';
import { maxLeverage } from './max-leverage.js';
import { maxNetExposure } from './max-net-exposure.js';
import { maxOpenOrders } from './max-open-orders.js';
import { maxOrderAmount } from './max-order-amount.js';
import { maxOrderNotional } from './max-order-notional.js';
import { maxPositionNotional } from './max-position-notional.js';
import { orderRate } from './order-rate.js';
import { priceBandBps } from './price-band-bps.js';
import type { ConfigLimitName, LimitRule } from './rule.js';
import { symbols } from './symbols.js';
import { tradingState } from './trading-state.js';

export type { LimitRule, LimitCheck, LimitName, ConfigLimitName, Reason, ReasonCode, Scope } from './rule.js';
export { DrawdownBreaker } from './max-drawdown-pct.js';
export { marketMinimum } from './market-minimum.js';

type Builders = { [K in ConfigLimitName]: (cfg: NonNullable<CompiledLimits[K]>) => LimitRule };

/**
 * Every config limit that decides orders, one file each, in the order reasons are listed
 * when several bind equally: whole-order rules first, then account-wide, asset and
 * position limits. Its keys are what a reason's `limit` can name.
 */
const CONFIG_LIMITS: Builders = {
  symbols,
  priceBandBps,
  maxOpenOrders,
  orderRate,
  maxOrderAmount,
  maxOrderNotional,
  maxNetExposure,
  maxGrossExposure,
  maxLeverage,
  maxAssetExposure,
  maxPositionNotional,
};

/** The rules a config enables: the guard's own (trading state, freshness, data consistency), then the configured limits. */
export function buildRules(l: CompiledLimits): LimitRule[] {
  const rules: LimitRule[] = [tradingState(), freshness(), dataConsistency()];
  for (const key of Object.keys(CONFIG_LIMITS) as ConfigLimitName[]) {
    const cfg = l[key];
    if (cfg !== undefined) rules.push((CONFIG_LIMITS[key] as (c: unknown) => LimitRule)(cfg));
  }
  return rules;
}
