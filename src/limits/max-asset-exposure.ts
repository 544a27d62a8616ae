import type { CompiledLimits } from '../config/config.js';
import { fmt, type Decimal } from '../number.js';
import type { ConvexPL } from '../projection/convex.js';
import type { Projection } from '../projection/projection.js';
import { exposureMaxAmount, exposurePasses, type ExposureTerm } from './exposure.js';
import type { LimitRule } from './rule.js';

interface AssetTerm { asset: string; term: ExposureTerm; metric: ConvexPL }

/** limits.maxAssetExposure: Σ signed notional of every holding of one base asset, across instruments and accounts, in the order's direction. */
export function maxAssetExposure(cfg: NonNullable<CompiledLimits['maxAssetExposure']>): LimitRule {
  /** the assets the order moves that have a limit */
  const terms = (p: Projection): AssetTerm[] => {
    const out: AssetTerm[] = [];
    for (const asset of p.assets()) {
      const limit = cfg.assets.get(asset) ?? cfg.default;
      const metric = limit === undefined ? null : p.assetPL(asset);
      if (limit !== undefined && metric !== null) out.push({ asset, metric, term: { metric: () => metric, limit, perEquity: false, perLeg: false } });
    }
    return out;
  };
  /** the asset with the least room and its maximum, or null when every asset allows the whole request */
  const binding = (p: Projection): { asset: AssetTerm; max: Decimal } | null => {
    let best: { asset: AssetTerm; max: Decimal } | null = null;
    for (const a of terms(p)) {
      const max = exposureMaxAmount(p, a.term);
      if (max !== null && (best === null || max.lt(best.max))) best = { asset: a, max };
    }
    return best;
  };
  return {
    code: 'ASSET_EXPOSURE',
    limit: 'maxAssetExposure',
    scope: 'asset',
    effect: 'resize',
    maxAmount: (p) => binding(p)?.max ?? null,
    check(p, q) {
      const all = terms(p);
      // report the asset that binds (it fails wherever another does), so a reason's numbers are all one asset's
      const t = binding(p)?.asset ?? all.find((a) => !exposurePasses(p, a.term, q)) ?? all[0];
      if (!t) return { pass: true, message: 'no asset limit applies' };
      const { offset, perUnit } = t.metric.terms[0]!;
      const after = offset.plus(perUnit.mul(p.effective(q)));
      return {
        pass: all.every((a) => exposurePasses(p, a.term, q)),
        threshold: fmt(t.term.limit),
        before: fmt(offset),
        after: fmt(after),
        message: `${t.asset} exposure would be ${fmt(after)} ${p.ctx.config.quoteCurrency}, limit ${fmt(t.term.limit)}`,
      };
    },
  };
}
