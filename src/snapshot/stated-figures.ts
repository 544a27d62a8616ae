import { Decimal, ZERO, fmt, parseDecimal } from '../number.js';
import type { MarketSpec } from '../book/market.js';
import type { SnapshotPosition } from './normalize.js';

/**
 * Self-verification: where an exchange states its own figures (a position's value or
 * mark, a currency's equity, wallet and unrealized PnL), the guard recomputes them the
 * way it values the account and compares. A unit mistake (contracts read as coins, a
 * size already in USD multiplied by the contract size again) or an equity that leaves
 * out unrealized PnL shows up here on any venue, without knowing the venue.
 */

export interface StatedFigureValue {
  value: Decimal;
  field: string;
}

export interface StatedPositionFigures {
  notional: (StatedFigureValue & { currency: string }) | null;
  markPrice: StatedFigureValue | null;
  unrealizedPnl: StatedFigureValue | null;
  /** the value at the average entry price the exchange states beside it (see adapters' StatedPosition) */
  valueAtEntry: (StatedFigureValue & { currency: string; entryPrice: StatedFigureValue }) | null;
}

export interface StatedBalanceFigures {
  /** the total the snapshot gives the currency (what the guard counts as its equity) */
  total: Decimal;
  equity: StatedFigureValue | null;
  wallet: StatedFigureValue | null;
  unrealizedPnl: StatedFigureValue | null;
}

/** A figure the exchange states that the guard's own computation of it contradicts. */
export interface DataMismatch {
  /** what the figure is about: "BTC/USDT:USDT long" or "USDT balance" */
  subject: string;
  /** 'unverifiable': an exchange without a verified module states no value for the position */
  figure: 'notional' | 'valueAtEntry' | 'markPrice' | 'equity' | 'unverifiable';
  /** the exchange's field that states it */
  field: string;
  stated: string;
  computed: string;
  /** how the guard computed its number */
  basis: string;
  /** the largest relative difference accepted */
  tolerance: string;
}

/**
 * The currency of a notional that ccxt's unified position states, which is the quote on
 * some exchanges and the coin on others: the check accepts the reading that agrees.
 */
export const UNIFIED_NOTIONAL_CURRENCY = 'ccxt-unified';

/**
 * How far the guard's number may be from the exchange's, relative to the larger of the
 * two. A position's value is computed at the position's own stated mark, so only the
 * exchange's rounding separates them; the price the guard values at comes from another
 * request, a moment apart; equity sums a few rounded figures.
 */
export const STATED_TOLERANCE = {
  notional: new Decimal('0.001'),
  // two requests a moment apart: a fast market moves a percent or two between them; a wrong
  // price source (another market's ticker, an inverse price, a stale feed) is far further off
  markPrice: new Decimal('0.03'),
  equity: new Decimal('0.0001'),
} as const;

function figure(raw: unknown, name: string, where: string, problems: string[]): StatedFigureValue | null {
  if (raw === undefined || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const value = parseDecimal(r['value']);
  if (typeof raw !== 'object' || value === null || typeof r['field'] !== 'string') {
    problems.push(`${where}: stated.${name} must be { value: decimal, field: string }`);
    return null;
  }
  return { value, field: r['field'] };
}

export function parseStatedPosition(raw: unknown, where: string, problems: string[]): StatedPositionFigures | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object') {
    problems.push(`${where}: stated must be an object`);
    return null;
  }
  const r = raw as Record<string, unknown>;
  const n = figure(r['notional'], 'notional', where, problems);
  const currency = (r['notional'] as Record<string, unknown> | undefined)?.['currency'];
  if (n !== null && typeof currency !== 'string') problems.push(`${where}: stated.notional needs the currency it is in`);
  const ve = figure(r['valueAtEntry'], 'valueAtEntry', where, problems);
  const veRaw = (r['valueAtEntry'] ?? {}) as Record<string, unknown>;
  const entryPrice = ve === null ? null : figure(veRaw['entryPrice'], 'valueAtEntry.entryPrice', where, problems);
  if (ve !== null && (typeof veRaw['currency'] !== 'string' || entryPrice === null)) problems.push(`${where}: stated.valueAtEntry needs its currency and entryPrice`);
  return {
    notional: n !== null && typeof currency === 'string' ? { ...n, currency } : null,
    markPrice: figure(r['markPrice'], 'markPrice', where, problems),
    unrealizedPnl: figure(r['unrealizedPnl'], 'unrealizedPnl', where, problems),
    valueAtEntry: ve !== null && entryPrice !== null && typeof veRaw['currency'] === 'string' ? { ...ve, currency: veRaw['currency'], entryPrice } : null,
  };
}

export function parseStatedBalance(raw: unknown, where: string, problems: string[]): Omit<StatedBalanceFigures, 'total'> | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object') {
    problems.push(`${where}: stated must be an object`);
    return null;
  }
  const r = raw as Record<string, unknown>;
  return {
    equity: figure(r['equity'], 'equity', where, problems),
    wallet: figure(r['wallet'], 'wallet', where, problems),
    unrealizedPnl: figure(r['unrealizedPnl'], 'unrealizedPnl', where, problems),
  };
}

function within(a: Decimal, b: Decimal, tolerance: Decimal): boolean {
  const scale = Decimal.max(a.abs(), b.abs());
  return a.minus(b).abs().lte(scale.mul(tolerance));
}

/** Which currency a ccxt-unified notional is in: the reading closer to the guard's value (quote or coin). */
function unifiedReading(m: MarketSpec, size: Decimal, px: Decimal, stated: Decimal): string {
  const inQuote = m.instrument === 'linear' ? size.mul(px) : size;
  const inCoin = m.instrument === 'linear' ? size : size.div(px);
  const off = (x: Decimal) => x.minus(stated).abs().div(Decimal.max(x.abs(), stated, 1e-30));
  return off(inQuote).lte(off(inCoin)) ? m.quote : m.base;
}

/**
 * A stated value of a position (at the mark, or at the entry price) against contracts ×
 * contract size at that price in the stated currency; null when they agree.
 */
function valueMismatch(m: MarketSpec, p: SnapshotPosition, n: StatedFigureValue & { currency: string }, px: Decimal, pxName: string, subject: string, figure: 'notional' | 'valueAtEntry'): DataMismatch | null {
  const size = p.contracts.mul(m.contractSize);
  const currency = n.currency === UNIFIED_NOTIONAL_CURRENCY ? unifiedReading(m, size, px, n.value.abs()) : n.currency;
  let computed: Decimal | null = null;
  let basis = '';
  if (m.instrument === 'linear' && (currency === m.quote || currency === m.settle)) {
    computed = size.mul(px);
    basis = `contracts ${fmt(p.contracts)} × contract size ${fmt(m.contractSize)} × ${pxName} ${fmt(px)} ${m.quote}`;
  } else if (m.instrument === 'linear' && currency === m.base) {
    computed = size;
    basis = `contracts ${fmt(p.contracts)} × contract size ${fmt(m.contractSize)} ${m.base}`;
  } else if (m.instrument === 'inverse' && currency === m.quote) {
    computed = size;
    basis = `contracts ${fmt(p.contracts)} × contract size ${fmt(m.contractSize)} ${m.quote}`;
  } else if (m.instrument === 'inverse' && (currency === m.base || currency === m.settle)) {
    computed = size.div(px);
    basis = `contracts ${fmt(p.contracts)} × contract size ${fmt(m.contractSize)} ${m.quote} / ${pxName} ${fmt(px)}`;
  }
  const tolerance = fmt(STATED_TOLERANCE.notional);
  if (computed === null) {
    return { subject, figure, field: n.field, stated: `${fmt(n.value)} ${n.currency}`, computed: 'n/a', basis: `${n.currency} is neither the quote nor the base of ${m.symbol}`, tolerance };
  }
  if (within(computed, n.value.abs(), STATED_TOLERANCE.notional)) return null;
  return { subject, figure, field: n.field, stated: fmt(n.value.abs()), computed: fmt(computed), basis, tolerance };
}

/** Every stated figure the guard's computation contradicts (empty when all agree or none is stated). */
export function checkStatedFigures(
  source: string,
  markets: ReadonlyMap<string, MarketSpec>,
  positions: readonly SnapshotPosition[],
  balances: ReadonlyMap<string, StatedBalanceFigures>,
  prices: ReadonlyMap<string, Decimal>,
): DataMismatch[] {
  const out: DataMismatch[] = [];
  const pnlBySettle = new Map<string, { sum: Decimal; complete: boolean }>();
  for (const p of positions) {
    const m = markets.get(p.symbol)!;
    const subject = `${p.symbol} ${p.side} on ${source}`;
    const stated = p.stated;
    const settle = m.settle ?? m.quote;
    const pnl = pnlBySettle.get(settle) ?? { sum: ZERO, complete: true };
    if (stated?.unrealizedPnl) pnl.sum = pnl.sum.plus(stated.unrealizedPnl.value);
    else pnl.complete = false;
    pnlBySettle.set(settle, pnl);
    if (!stated) continue;
    const valuation = prices.get(p.symbol) ?? p.markPrice;
    if (stated.markPrice && valuation !== null && !within(valuation, stated.markPrice.value, STATED_TOLERANCE.markPrice)) {
      out.push({ subject, figure: 'markPrice', field: stated.markPrice.field, stated: fmt(stated.markPrice.value), computed: fmt(valuation), basis: 'the price the guard values the position at', tolerance: fmt(STATED_TOLERANCE.markPrice) });
    }
    const n = stated.notional;
    const px = stated.markPrice?.value ?? valuation;
    if (n && px !== null && m.instrument !== 'spot') {
      const found = valueMismatch(m, p, n, px, 'mark', subject, 'notional');
      if (found) out.push(found);
    }
    const e = stated.valueAtEntry;
    if (e && m.instrument !== 'spot') {
      const found = valueMismatch(m, p, e, e.entryPrice.value, `entry price (${e.entryPrice.field})`, subject, 'valueAtEntry');
      if (found) out.push(found);
    }
  }
  for (const [currency, b] of balances) {
    const subject = `${currency} balance on ${source}`;
    const tol = fmt(STATED_TOLERANCE.equity);
    const total = b.total;
    if (b.equity && !within(total, b.equity.value, STATED_TOLERANCE.equity)) {
      out.push({ subject, figure: 'equity', field: b.equity.field, stated: fmt(b.equity.value), computed: fmt(total), basis: 'the total the guard counts as equity', tolerance: tol });
    }
    if (b.wallet && b.unrealizedPnl) {
      const expected = b.wallet.value.plus(b.unrealizedPnl.value);
      if (!within(total, expected, STATED_TOLERANCE.equity)) {
        out.push({ subject, figure: 'equity', field: `${b.wallet.field} + ${b.unrealizedPnl.field}`, stated: fmt(expected), computed: fmt(total), basis: 'the total the guard counts as equity', tolerance: tol });
      }
    } else if (b.wallet) {
      // no position settles in the currency: equity is the wallet itself
      const pnl = pnlBySettle.get(currency) ?? { sum: ZERO, complete: true };
      if (pnl.complete) {
        const expected = b.wallet.value.plus(pnl.sum);
        if (!within(total, expected, STATED_TOLERANCE.equity)) {
          out.push({ subject, figure: 'equity', field: `${b.wallet.field} + positions' unrealized PnL`, stated: fmt(expected), computed: fmt(total), basis: 'the total the guard counts as equity', tolerance: tol });
        }
      }
    }
  }
  return out;
}

/**
 * On an exchange without a verified module the position's unit (contracts, coins, USD)
 * is only known to be right when the exchange's own value of it agrees: a position with
 * no stated value is reported, and opening orders wait for one that has it.
 */
export function unverifiablePositions(positions: readonly SnapshotPosition[], source: string): DataMismatch[] {
  return positions
    .filter((p) => !p.stated?.notional)
    .map((p) => ({
      subject: `${p.symbol} ${p.side} on ${source}`,
      figure: 'unverifiable' as const,
      field: 'notional',
      stated: 'none',
      computed: `${fmt(p.contracts)} contracts`,
      basis: 'the exchange has no verified module and states no value for the position, so its unit cannot be confirmed',
      tolerance: fmt(STATED_TOLERANCE.notional),
    }));
}

/** One line for a reason or a report: the holding, both numbers and the exchange's field. */
export function describeMismatch(m: DataMismatch): string {
  if (m.figure === 'unverifiable') return `${m.subject}: ${m.basis} (${m.computed})`;
  return `${m.subject}: the exchange states ${m.figure} ${m.stated} (${m.field}), the guard computes ${m.computed} from ${m.basis}; they differ by more than ${m.tolerance} of the larger`;
}
