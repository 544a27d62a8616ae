import type { Threshold } from '../config/config.js';
import { accountExposureRule } from './exposure.js';
import type { LimitRule } from './rule.js';

/** limits.maxNetExposure: |long − short| notional of every account, pending orders of the order's direction filled. */
export function maxNetExposure(threshold: Threshold): LimitRule {
  return accountExposureRule({
    code: 'NET_EXPOSURE',
    limit: 'maxNetExposure',
    label: 'net exposure',
    threshold,
    metric: (p) => p.netPL(),
    perLeg: false,
    valueAt: (p, q) => p.netAt(q),
  });
}
