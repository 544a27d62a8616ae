import type { CompiledLimits } from '../config/config.js';
import { assetExposure } from './asset-exposure.js';
import { grossExposure } from './gross-exposure.js';
import { leverage } from './leverage.js';
import { netExposure } from './net-exposure.js';
import { openOrders } from './open-orders.js';
import { orderAmount } from './order-amount.js';
import { orderNotional } from './order-notional.js';
import { orderRate } from './order-rate.js';
import { positionNotional } from './position-notional.js';
import { priceBand } from './price-band.js';
import type { LimitRule } from './rule.js';
import { staleData } from './stale-data.js';
import { symbolRules } from './symbols.js';
import { tradingState } from './trading-state.js';

export type { LimitRule, LimitCheck, ReasonCode, Scope } from './rule.js';

/**
 * The rules a config enables, in the order reasons are listed when several bind
 * equally: whole-order rules first, then account-wide, asset and position limits.
 */
export function buildRules(l: CompiledLimits): LimitRule[] {
  const rules: LimitRule[] = [tradingState(), staleData()];
  if (l.symbols) rules.push(symbolRules(l.symbols));
  if (l.priceBandBps) rules.push(priceBand(l.priceBandBps));
  if (l.maxOpenOrders) rules.push(openOrders(l.maxOpenOrders));
  if (l.orderRate) rules.push(orderRate(l.orderRate));
  if (l.maxOrderAmount) rules.push(orderAmount(l.maxOrderAmount));
  if (l.maxOrderNotional) rules.push(orderNotional(l.maxOrderNotional));
  if (l.maxNetExposure) rules.push(netExposure(l.maxNetExposure));
  if (l.maxGrossExposure) rules.push(grossExposure(l.maxGrossExposure));
  if (l.maxLeverage) rules.push(leverage(l.maxLeverage));
  if (l.maxAssetExposure) rules.push(assetExposure(l.maxAssetExposure));
  if (l.maxPositionNotional) rules.push(positionNotional(l.maxPositionNotional));
  return rules;
}
