import type { Threshold } from '../config/config.js';
import { accountExposureRule } from './exposure.js';
import type { LimitRule } from './rule.js';

/** Σ |notional| of every holding, not netted, pending orders of the order's direction included. */
export function grossExposure(threshold: Threshold): LimitRule {
  return accountExposureRule({
    code: 'GROSS_EXPOSURE',
    limit: 'maxGrossExposure',
    label: 'gross exposure',
    threshold,
    metric: (p) => p.grossPL(),
    upperBound: (p, q) => p.grossUpperBound(q),
    valueAt: (p, q) => p.grossAt(q),
  });
}
