import type { CompiledLimits } from '../config/config.js';
import { ZERO, fmt, type Decimal } from '../decimal.js';
import type { ConvexPL } from '../simulate/piecewise.js';
import type { Projection } from '../simulate/projection.js';
import { exposureMaxAmount, exposurePasses } from './exposure.js';
import type { LimitCheck, LimitRule } from './rule.js';

/** Σ signed notional of every holding of one base asset, across instruments and venues. */
export function assetExposure(cfg: NonNullable<CompiledLimits['maxAssetExposure']>): LimitRule {
  /** the assets the order moves that have a limit */
  const terms = (p: Projection): { asset: string; limit: Decimal; metric: ConvexPL }[] => {
    const out = [];
    for (const asset of p.assets()) {
      const limit = cfg.assets.get(asset) ?? cfg.default;
      const metric = limit === undefined ? null : p.assetPL(asset);
      if (limit !== undefined && metric !== null) out.push({ asset, limit, metric });
    }
    return out;
  };
  return {
    code: 'ASSET_EXPOSURE',
    limit: 'maxAssetExposure',
    scope: 'asset',
    kind: 'resize',
    maxAmount(p) {
      let best: Decimal | null = null;
      for (const t of terms(p)) {
        const m = exposureMaxAmount(p, { metric: () => t.metric, limit: t.limit, perEquity: false });
        if (m !== null && (best === null || m.lt(best))) best = m;
      }
      return best;
    },
    check(p, q) {
      let report: LimitCheck | null = null;
      for (const t of terms(p)) {
        const before = p.ctx.book.assetExposure(t.asset, p.scenario);
        const slope = p.legs.reduce((acc, l) => (l.asset === t.asset ? acc.plus(l.b) : acc), ZERO);
        const after = before.plus(slope.mul(p.effective(q)));
        const pass = exposurePasses(p, { metric: () => t.metric, limit: t.limit, perEquity: false }, q);
        const c: LimitCheck = {
          pass,
          threshold: fmt(t.limit),
          before: fmt(before),
          after: fmt(after),
          message: `${t.asset} exposure would be ${fmt(after)} ${p.ctx.config.quoteCurrency}, limit ${fmt(t.limit)}`,
        };
        // report the failing asset, else the first
        if (report === null || (!pass && report.pass)) report = c;
      }
      return report ?? { pass: true, message: 'no asset limit applies' };
    },
  };
}
