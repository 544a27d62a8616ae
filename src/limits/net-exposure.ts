import type { Threshold } from '../config/config.js';
import { accountExposureRule } from './exposure.js';
import type { LimitRule } from './rule.js';

/** |long − short| notional of every account, pending orders of the order's direction included. */
export function netExposure(threshold: Threshold): LimitRule {
  return accountExposureRule({
    code: 'NET_EXPOSURE',
    limit: 'maxNetExposure',
    label: 'net exposure',
    threshold,
    metric: (p) => p.netPL(),
    valueAt: (p, q) => p.netAt(q),
  });
}
