import type { Book } from '../book/book.js';
import { BUYS, NOW, SELLS, type Scenario } from '../book/holding.js';
import type { GuardConfig, Threshold } from '../config/config.js';
import { Decimal, ZERO, dmax, fmt, fmtQuotient, fmtRatio } from '../decimal.js';

export interface LimitUtilisation {
  limit: string;
  /** the symbol or asset a per-position or per-asset row is about */
  subject?: string;
  threshold: string;
  /** the metric in its worst case: now, with all pending buys filled, or with all pending sells filled */
  value: string;
  /** value / threshold; null when the threshold is 0 */
  utilisation: string | null;
}

export interface HoldingReport {
  account: string;
  /** contract symbol, or the currency of a balance */
  instrument: string;
  side: string;
  asset: string;
  units: string;
  notional: string | null;
}

/** The account's exposure now (decimal strings), and each configured limit's worst-case use. */
export interface ExposureReport {
  asOf: string;
  equity: string;
  net: string;
  gross: string;
  leverage: string | null;
  assets: Record<string, string>;
  /** signed notional per contract symbol (long and short rows of one symbol summed) */
  positions: Record<string, string>;
  limits: LimitUtilisation[];
  holdings: HoldingReport[];
  unpriced: string[];
}

const SCENARIOS: Scenario[] = [NOW, BUYS, SELLS];

function row(limit: string, threshold: Decimal, value: Decimal, subject?: string): LimitUtilisation {
  const r: LimitUtilisation = { limit, threshold: fmt(threshold), value: fmt(value), utilisation: threshold.isZero() ? null : fmtRatio(value.div(threshold), 6) };
  if (subject !== undefined) r.subject = subject;
  return r;
}

function thresholdValue(t: Threshold, equity: Decimal): Decimal {
  return t.kind === 'value' ? t.value : t.fraction.mul(equity);
}

export function exposureReport(book: Book, config: GuardConfig, asOf: number): ExposureReport {
  const equity = book.equity;
  const assets: Record<string, string> = {};
  const positions: Record<string, Decimal> = {};
  const holdings: HoldingReport[] = [];
  const assetSet = new Set<string>();
  for (const h of book.allHoldings()) {
    if (h.isEmpty) continue;
    assetSet.add(h.asset);
    const notional = h.unitValue === null ? null : h.notional[NOW];
    holdings.push({ account: h.source, instrument: h.symbol ?? h.asset, side: h.side, asset: h.asset, units: fmt(h.units), notional: notional === null ? null : fmt(notional) });
    if (h.symbol !== null && notional !== null && !h.units.isZero()) positions[h.symbol] = (positions[h.symbol] ?? ZERO).plus(notional);
  }
  for (const a of [...assetSet].sort()) assets[a] = fmt(book.assetExposure(a, NOW));
  // a report reads the same whatever order the holdings arrived in
  const byKey = (a: HoldingReport, b: HoldingReport) => (a.account + a.instrument + a.side < b.account + b.instrument + b.side ? -1 : 1);
  holdings.sort(byKey);
  const worst = (f: (s: Scenario) => Decimal) => SCENARIOS.reduce((m, s) => dmax(m, f(s)), f(NOW));
  const l = config.limits;
  const limits: LimitUtilisation[] = [];
  if (l.maxNetExposure) limits.push(row('maxNetExposure', thresholdValue(l.maxNetExposure, equity), worst((s) => book.net[s].abs())));
  // gross in its worst case over any mix of pending fills (Book.grossWorst), against the lower equity
  if (l.maxGrossExposure) limits.push(row('maxGrossExposure', thresholdValue(l.maxGrossExposure, equity), book.grossWorst));
  if (l.maxLeverage) {
    const lev = book.equityWorst.gt(0) ? book.grossWorst.div(book.equityWorst) : new Decimal(Infinity);
    limits.push(row('maxLeverage', l.maxLeverage, lev.isFinite() ? lev.toDecimalPlaces(8) : lev));
  }
  if (l.maxAssetExposure) {
    const cfg = l.maxAssetExposure;
    const names = new Set([...cfg.assets.keys(), ...(cfg.default ? assetSet : [])]);
    for (const a of [...names].sort()) {
      const t = cfg.assets.get(a) ?? cfg.default!;
      limits.push(row('maxAssetExposure', t, worst((s) => book.assetExposure(a, s).abs()), a));
    }
  }
  if (l.maxPositionNotional) {
    const cfg = l.maxPositionNotional;
    const rows: LimitUtilisation[] = [];
    for (const h of book.allHoldings()) {
      if (h.symbol === null || h.isEmpty || h.unitValue === null) continue;
      const t = cfg.symbols.get(h.symbol) ?? cfg.default;
      if (t === undefined) continue;
      const subject = h.side === 'net' ? h.symbol : `${h.symbol} ${h.side}`;
      rows.push(row('maxPositionNotional', t, worst((s) => h.notional[s].abs()), subject));
    }
    limits.push(...rows.sort((a, b) => (a.subject! < b.subject! ? -1 : 1)));
  }
  const posOut: Record<string, string> = {};
  for (const k of Object.keys(positions).sort()) posOut[k] = fmt(positions[k]!);
  return {
    asOf: new Date(asOf).toISOString(),
    equity: fmt(equity),
    net: fmt(book.net[NOW]),
    gross: fmt(book.grossNow),
    leverage: equity.gt(0) ? fmtQuotient(book.grossNow, equity, 8) : null,
    assets,
    positions: posOut,
    limits,
    holdings,
    unpriced: book.unpricedHoldings().map((h) => `${h.source}:${h.symbol ?? h.asset}`),
  };
}
