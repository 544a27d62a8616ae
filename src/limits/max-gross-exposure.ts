import type { Threshold } from '../config/config.js';
import { accountExposureRule } from './exposure.js';
import type { LimitRule } from './rule.js';

/** limits.maxGrossExposure: Σ |notional| of every holding, in the worst case over any mix of pending fills. */
export function maxGrossExposure(threshold: Threshold): LimitRule {
  return accountExposureRule({
    code: 'GROSS_EXPOSURE',
    limit: 'maxGrossExposure',
    label: 'gross exposure',
    threshold,
    metric: (p) => p.grossPL(),
    estimate: (p, q, out) => p.grossEstimate(q, out),
    perLeg: true,
    valueAt: (p, q) => p.grossAt(q),
  });
}
