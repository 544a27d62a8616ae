import type { CompiledLimits } from '../config/config.js';
import { fmt, type Decimal } from '../number.js';
import type { ConvexPL } from '../projection/convex.js';
import type { Projection } from '../projection/projection.js';
import { exposureMaxAmount, exposurePasses, type ExposureTerm } from './exposure.js';
import type { LimitCheck, LimitRule } from './rule.js';

/** limits.maxAssetExposure: Σ signed notional of every holding of one base asset, across instruments and accounts, in the order's direction. */
export function maxAssetExposure(cfg: NonNullable<CompiledLimits['maxAssetExposure']>): LimitRule {
  /** the assets the order moves that have a limit */
  const terms = (p: Projection): { asset: string; term: ExposureTerm; metric: ConvexPL }[] => {
    const out = [];
    for (const asset of p.assets()) {
      const limit = cfg.assets.get(asset) ?? cfg.default;
      const metric = limit === undefined ? null : p.assetPL(asset);
      if (limit !== undefined && metric !== null) out.push({ asset, metric, term: { metric: () => metric, limit, perEquity: false, perLeg: false } });
    }
    return out;
  };
  return {
    code: 'ASSET_EXPOSURE',
    limit: 'maxAssetExposure',
    scope: 'asset',
    effect: 'resize',
    maxAmount(p) {
      let best: Decimal | null = null;
      for (const t of terms(p)) {
        const m = exposureMaxAmount(p, t.term);
        if (m !== null && (best === null || m.lt(best))) best = m;
      }
      return best;
    },
    check(p, q) {
      let report: LimitCheck | null = null;
      for (const t of terms(p)) {
        const { offset, perUnit } = t.metric.terms[0]!;
        const after = offset.plus(perUnit.mul(p.effective(q)));
        const pass = exposurePasses(p, t.term, q);
        const c: LimitCheck = {
          pass,
          threshold: fmt(t.term.limit),
          before: fmt(offset),
          after: fmt(after),
          message: `${t.asset} exposure would be ${fmt(after)} ${p.ctx.config.quoteCurrency}, limit ${fmt(t.term.limit)}`,
        };
        // report the failing asset, else the first
        if (report === null || (!pass && report.pass)) report = c;
      }
      return report ?? { pass: true, message: 'no asset limit applies' };
    },
  };
}
