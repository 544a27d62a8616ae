import type { Book } from '../book/book.js';
import { NOW } from '../book/holding.js';
import type { OrderStage } from '../book/pending.js';
import type { GuardConfig, Threshold } from '../config/config.js';
import { Decimal, ZERO, fmt, fmtQuotient, fmtRatio } from '../number.js';
import type { DataMismatch } from '../snapshot/stated-figures.js';
import { assetWorst, equityWorst, grossWorst, netWorst, positionWorst } from '../projection/metrics.js';

export interface LimitUtilisation {
  limit: string;
  /** the symbol or asset a per-position or per-asset row is about */
  subject?: string;
  threshold: string;
  /** the metric as the limit reads it: pending orders in their worst case */
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

/** Something the guard counts as pending: an order (the exchange's or one it approved), or a fill a read may not show yet. */
export interface PendingReport {
  account: string;
  symbol: string;
  side: 'buy' | 'sell';
  /** the amount the guard counts (the larger of both versions while an edit is unconfirmed) */
  remaining: string;
  /** the limit price, when the order has one */
  price: string | null;
  /** reserved, sent, unknown, open, cancelled (fills not yet known), or "unsettled fill" */
  stage: OrderStage | 'unsettled fill';
  clientOrderId: string | null;
  exchangeOrderId: string | null;
  /** when the guard started counting it */
  since: string;
  /** approved by this guard, or only seen in a read */
  origin: 'guard' | 'read' | 'fill';
  /** the amount an edit in flight would give the order */
  editTo?: string;
}

/** The account's exposure now (decimal strings), each configured limit's worst-case use, and what holds room. */
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
  pending: PendingReport[];
  /** the exchange's own figures that contradict the guard's (opening orders are blocked with DATA_MISMATCH while any is listed) */
  inconsistencies: Array<DataMismatch & { source: string }>;
  /** what the operator should know about the numbers above (an exchange without a verified module) */
  warnings: string[];
}

/** What the guard knows about its sources beyond the book: self-verification and verification status. */
export interface SourceFindings {
  inconsistencies: Array<DataMismatch & { source: string }>;
  warnings: string[];
}

function row(limit: string, threshold: Decimal, value: Decimal, subject?: string): LimitUtilisation {
  const r: LimitUtilisation = { limit, threshold: fmt(threshold), value: fmt(value), utilisation: threshold.isZero() ? null : fmtRatio(value.div(threshold), 6) };
  if (subject !== undefined) r.subject = subject;
  return r;
}

/** A threshold at the equity the checks read (every pending fee paid). */
function thresholdValue(t: Threshold, equity: Decimal): Decimal {
  return t.kind === 'value' ? t.value : t.fraction.mul(equity);
}

export function exposureReport(book: Book, config: GuardConfig, asOf: number, findings: SourceFindings = { inconsistencies: [], warnings: [] }): ExposureReport {
  const ag = book.aggregates;
  const equity = book.equity;
  const positions: Record<string, Decimal> = {};
  const holdings: HoldingReport[] = [];
  const assetSet = new Set<string>();
  for (const h of ag.allHoldings()) {
    if (h.isEmpty) continue;
    assetSet.add(h.asset);
    const notional = h.unitValue === null ? null : h.notional[NOW];
    holdings.push({ account: h.account, instrument: h.symbol ?? h.asset, side: h.side, asset: h.asset, units: fmt(h.units), notional: notional === null ? null : fmt(notional) });
    if (h.symbol !== null && notional !== null && !h.units.isZero()) positions[h.symbol] = (positions[h.symbol] ?? ZERO).plus(notional);
  }
  const assets: Record<string, string> = {};
  for (const a of [...assetSet].sort()) assets[a] = fmt(ag.assetExposure(a, NOW));
  // a report reads the same whatever order the holdings arrived in
  holdings.sort((a, b) => (a.account + a.instrument + a.side < b.account + b.instrument + b.side ? -1 : 1));

  const worstEquity = equityWorst(book);
  const l = config.limits;
  const limits: LimitUtilisation[] = [];
  if (l.maxNetExposure) limits.push(row('maxNetExposure', thresholdValue(l.maxNetExposure, worstEquity), netWorst(book)));
  if (l.maxGrossExposure) limits.push(row('maxGrossExposure', thresholdValue(l.maxGrossExposure, worstEquity), grossWorst(book)));
  if (l.maxLeverage) {
    const lev = worstEquity.gt(0) ? grossWorst(book).div(worstEquity) : new Decimal(Infinity);
    limits.push(row('maxLeverage', l.maxLeverage, lev.isFinite() ? lev.toDecimalPlaces(8) : lev));
  }
  if (l.maxAssetExposure) {
    const cfg = l.maxAssetExposure;
    const names = new Set([...cfg.assets.keys(), ...(cfg.default ? assetSet : [])]);
    for (const a of [...names].sort()) limits.push(row('maxAssetExposure', cfg.assets.get(a) ?? cfg.default!, assetWorst(book, a), a));
  }
  if (l.maxPositionNotional) {
    const cfg = l.maxPositionNotional;
    const rows: LimitUtilisation[] = [];
    for (const h of ag.allHoldings()) {
      if (h.symbol === null || h.isEmpty || h.unitValue === null) continue;
      const t = cfg.symbols.get(h.symbol) ?? cfg.default;
      if (t === undefined) continue;
      rows.push(row('maxPositionNotional', t, positionWorst(h), h.side === 'net' ? h.symbol : `${h.symbol} ${h.side}`));
    }
    limits.push(...rows.sort((a, b) => (a.subject! < b.subject! ? -1 : 1)));
  }
  const posOut: Record<string, string> = {};
  for (const k of Object.keys(positions).sort()) posOut[k] = fmt(positions[k]!);
  return {
    asOf: new Date(asOf).toISOString(),
    equity: fmt(equity),
    net: fmt(ag.net[NOW]),
    gross: fmt(ag.grossNow),
    leverage: equity.gt(0) ? fmtQuotient(ag.grossNow, equity, 8) : null,
    assets,
    positions: posOut,
    limits,
    holdings,
    unpriced: ag.unpriced().map((h) => `${h.account}:${h.symbol ?? h.asset}`),
    pending: pendingReport(book),
    inconsistencies: findings.inconsistencies,
    warnings: findings.warnings,
  };
}

function pendingReport(book: Book): PendingReport[] {
  const out: PendingReport[] = [];
  for (const p of book.pending.all()) {
    const since = new Date(p.since).toISOString();
    if (p.kind === 'fill') {
      out.push({ account: p.account, symbol: p.symbol, side: p.side, remaining: fmt(p.counted), price: null, stage: 'unsettled fill', clientOrderId: null, exchangeOrderId: null, since, origin: 'fill' });
      continue;
    }
    const r: PendingReport = { account: p.account, symbol: p.symbol, side: p.side, remaining: fmt(p.counted), price: p.price ? fmt(p.price) : null, stage: p.stage, clientOrderId: p.clientOrderId, exchangeOrderId: p.exchangeOrderId, since, origin: p.origin };
    if (p.edit) r.editTo = fmt(p.edit.amount);
    out.push(r);
  }
  const key = (r: PendingReport) => [r.since, r.account, r.symbol, r.side, r.clientOrderId ?? '', r.exchangeOrderId ?? '', r.remaining].join('\u0000');
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
