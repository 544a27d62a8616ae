import { Decimal, ZERO, parseDecimal } from '../number.js';
import { SnapshotError } from '../errors.js';
import { parseMarket, precisionModeOf, type MarketSpec } from '../book/market.js';
import type { AccountSnapshot, PriceInput } from './format.js';

export type { AccountSnapshot, PriceInput } from './format.js';
import { checkStatedFigures, parseStatedBalance, parseStatedPosition, type DataMismatch, type StatedBalanceFigures, type StatedPositionFigures } from './stated-figures.js';

export type PositionSide = 'net' | 'long' | 'short';

export interface SnapshotPosition {
  symbol: string;
  side: 'long' | 'short';
  /** 'net' in one-way mode; 'long'/'short' rows of one symbol are separate holdings in hedge mode. */
  positionSide: PositionSide;
  contracts: Decimal; // magnitude
  markPrice: Decimal | null;
  /** the exchange's own figures for the position (self-verification) */
  stated: StatedPositionFigures | null;
}

export interface SnapshotOrder {
  id: string;
  clientOrderId: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  type: string;
  price: Decimal | null;
  remaining: Decimal;
  /** what had filled when the snapshot was read (already in the position) */
  filled: Decimal;
  reduceOnly: boolean;
  positionSide: PositionSide;
  /** a stop/trigger order (not live in the book until its trigger) */
  conditional: boolean;
}

/** A snapshot validated and parsed into Decimals, ready for the Book. */
export interface NormalizedSnapshot {
  source: string;
  exchange: string;
  timestamp: number;
  markets: Map<string, MarketSpec>;
  positions: SnapshotPosition[];
  /** currency → total − debt */
  balances: Map<string, Decimal>;
  openOrders: SnapshotOrder[];
  /** symbol → the price exposure is valued at: mark, then last, then bid/ask mid. */
  prices: Map<string, Decimal>;
  /** figures the exchange states that disagree with the guard's own computation of them */
  mismatches: DataMismatch[];
}

/** The largest time a Date holds (ms): past it a timestamp is not a time at all. */
const MAX_TIMESTAMP = 8.64e15;

/** What two specs of one symbol disagree on, or null when they are the same market. */
function marketDifference(a: MarketSpec, b: MarketSpec): string | null {
  if (!a.contractSize.eq(b.contractSize)) return `contract sizes (${a.contractSize.toFixed()} and ${b.contractSize.toFixed()})`;
  if (a.instrument !== b.instrument) return `kinds (${a.instrument} and ${b.instrument})`;
  if (a.base !== b.base || a.quote !== b.quote || a.settle !== b.settle) return 'currencies';
  return null;
}

/** A trigger price that is set (exchanges send 0 or "0.00" for none). */
const isPresent = (v: unknown) => {
  const d = parseDecimal(v);
  return d !== null && d.gt(0);
};

const BALANCE_META = new Set(['info', 'free', 'used', 'total', 'debt', 'timestamp', 'datetime']);

/** Hedge-mode side from the unified field or the exchange's own (binance positionSide, okx posSide, bybit positionIdx). */
export function positionSideOf(row: Record<string, any>): PositionSide | null {
  const explicit = row['positionSide'] ?? row['info']?.['positionSide'] ?? row['info']?.['posSide'];
  if (typeof explicit === 'string') {
    const s = explicit.toLowerCase();
    if (s === 'long' || s === 'short') return s;
    if (s === 'both' || s === 'net' || s === '') return 'net';
  }
  const idx = row['info']?.['positionIdx'];
  if (idx !== undefined && idx !== null && idx !== '') {
    const i = Number(idx);
    if (i === 1) return 'long';
    if (i === 2) return 'short';
    if (i === 0) return 'net';
  }
  return null;
}

/** The valuation price of a quote: mark, then last, then bid/ask mid; null when none is usable. */
export function valuationPrice(p: PriceInput | undefined | null): Decimal | null {
  if (!p) return null;
  const positive = (v: unknown) => {
    const d = parseDecimal(v);
    return d !== null && d.gt(0) ? d : null;
  };
  const mark = positive(p.mark);
  if (mark) return mark;
  const last = positive(p.last);
  if (last) return last;
  const bid = positive(p.bid);
  const ask = positive(p.ask);
  if (bid && ask) return bid.plus(ask).div(2);
  return null;
}

/**
 * Validates a raw snapshot. Anything contradictory or unusable is collected and
 * thrown as one SnapshotError: a half-understood account must not be traded on.
 */
export function normalizeSnapshot(raw: AccountSnapshot, sourceName?: string): NormalizedSnapshot {
  const problems: string[] = [];
  if (raw === null || typeof raw !== 'object') throw new SnapshotError(sourceName ?? 'snapshot', ['not an object']);
  const source = sourceName ?? raw.account ?? raw.exchange ?? 'account';
  if (typeof raw.timestamp !== 'number' || !Number.isFinite(raw.timestamp)) problems.push('timestamp must be a number of milliseconds');
  else if (raw.timestamp < 0 || raw.timestamp > MAX_TIMESTAMP) problems.push(`timestamp ${raw.timestamp} is not a date (milliseconds since 1970, at most ${MAX_TIMESTAMP})`);
  if (!Array.isArray(raw.markets)) problems.push('markets must be an array');
  if (!Array.isArray(raw.positions)) problems.push('positions must be an array');
  if (!Array.isArray(raw.openOrders)) problems.push('openOrders must be an array');
  if (raw.balance === null || typeof raw.balance !== 'object' || Array.isArray(raw.balance)) problems.push('balance must be a ccxt Balance object (currency → { total, debt }), not an array');
  if (raw.prices === null || typeof raw.prices !== 'object' || Array.isArray(raw.prices)) problems.push('prices must be an object keyed by symbol, not an array');
  if (problems.length) throw new SnapshotError(source, problems);

  const mode = precisionModeOf(raw.precisionMode);
  const markets = new Map<string, MarketSpec>();
  const unsupported = new Map<unknown, string>();
  for (const m of raw.markets) {
    const spec = parseMarket(m, mode);
    if (typeof spec === 'string') {
      // An unsupported market only matters if the account holds or trades it.
      if (typeof m?.symbol === 'string') unsupported.set(m.symbol, spec);
      else problems.push(spec);
      continue;
    }
    const seen = markets.get(spec.symbol);
    const differs = seen ? marketDifference(seen, spec) : null;
    if (differs) problems.push(`markets: ${spec.symbol} is listed twice with different ${differs}`);
    else markets.set(spec.symbol, spec);
  }

  const prices = new Map<string, Decimal>();
  for (const [symbol, p] of Object.entries(raw.prices)) {
    const price = valuationPrice(p);
    if (price) prices.set(symbol, price);
  }

  const positions: SnapshotPosition[] = [];
  const rows = new Map<string, SnapshotPosition>();
  raw.positions.forEach((p, i) => {
    const where = `positions[${i}]`;
    if (p === null || typeof p !== 'object') return void problems.push(`${where} is not an object`);
    const symbol = p['symbol'];
    const contracts = parseDecimal(p['contracts'] ?? 0);
    if (contracts === null) return void problems.push(`${where} (${symbol}): contracts is not a number`);
    if (contracts.isZero()) return; // closed rows carry no exposure
    if (typeof symbol !== 'string' || !markets.has(symbol)) {
      return void problems.push(`${where}: ${unsupported.get(symbol) ?? `no market for symbol ${String(symbol)}`}`);
    }
    const side = p['side'];
    if (side !== 'long' && side !== 'short') return void problems.push(`${where} (${symbol}): side must be long or short for a non-zero position`);
    // contracts is a size; a short may carry the sign of its side, a long may not carry the opposite one
    if (side === 'long' && contracts.lt(0)) return void problems.push(`${where} (${symbol}): side long contradicts negative contracts ${contracts.toFixed()}`);
    const hedged = p['hedged'] === true;
    let positionSide = positionSideOf(p) ?? (hedged ? side : 'net');
    if (hedged && positionSide === 'net') positionSide = side;
    if (positionSide !== 'net' && positionSide !== side) return void problems.push(`${where} (${symbol}): side ${side} contradicts position side ${positionSide}`);
    const mark = parseDecimal(p['markPrice']);
    const stated = parseStatedPosition(p['stated'], `${where} (${symbol})`, problems);
    const row = `${symbol}|${positionSide}`;
    const twin = rows.get(row) ?? (positionSide === 'net' ? rows.get(`${symbol}|long`) ?? rows.get(`${symbol}|short`) : rows.get(`${symbol}|net`));
    if (twin) {
      return void problems.push(positionSide === 'net' && twin.positionSide === 'net' && twin.side !== side
        ? `${where} (${symbol}): a ${side} row beside a ${twin.side} row of a one-way position; one-way mode has one row per symbol (a hedge-mode account says positionSide)`
        : `${where} (${symbol}): the ${positionSide === 'net' ? 'one-way' : positionSide} position is listed twice`);
    }
    const pos: SnapshotPosition = { symbol, side, positionSide, contracts: contracts.abs(), markPrice: mark !== null && mark.gt(0) ? mark : null, stated };
    rows.set(row, pos);
    positions.push(pos);
  });

  const balances = new Map<string, Decimal>();
  const statedBalances = new Map<string, StatedBalanceFigures>();
  const b = raw.balance;
  const currencies = new Set<string>([
    ...Object.keys(b['total'] ?? {}),
    ...Object.keys(b).filter((k) => !BALANCE_META.has(k) && b[k] !== null && typeof b[k] === 'object'),
  ]);
  for (const c of currencies) {
    const row = b[c] && typeof b[c] === 'object' ? b[c] : {};
    let totalRaw = row['total'] ?? b['total']?.[c];
    if (totalRaw === undefined || totalRaw === null) {
      const free = parseDecimal(row['free'] ?? b['free']?.[c]);
      const used = parseDecimal(row['used'] ?? b['used']?.[c]);
      if (free === null && used === null) continue; // nothing reported for this currency
      totalRaw = (free ?? ZERO).plus(used ?? ZERO).toString();
    }
    const total = parseDecimal(totalRaw);
    if (total === null) { problems.push(`balance ${c}: total is not a number`); continue; }
    const debtRaw = row['debt'] ?? b['debt']?.[c];
    const debt = debtRaw === undefined || debtRaw === null ? ZERO : parseDecimal(debtRaw);
    if (debt === null) { problems.push(`balance ${c}: debt is not a number`); continue; }
    const amount = total.minus(debt);
    if (!amount.isZero()) balances.set(c, amount);
    const stated = parseStatedBalance(row['stated'], `balance ${c}`, problems);
    if (stated) statedBalances.set(c, { ...stated, total });
  }

  const openOrders: SnapshotOrder[] = [];
  raw.openOrders.forEach((o, i) => {
    const where = `openOrders[${i}]`;
    if (o === null || typeof o !== 'object') return void problems.push(`${where} is not an object`);
    const status = o['status'];
    if (status !== undefined && status !== null && status !== 'open') return; // final orders hold nothing
    const symbol = o['symbol'];
    if (typeof symbol !== 'string' || !markets.has(symbol)) {
      return void problems.push(`${where}: ${unsupported.get(symbol) ?? `no market for symbol ${String(symbol)}`}`);
    }
    const side = o['side'];
    if (side !== 'buy' && side !== 'sell') return void problems.push(`${where} (${symbol}): side must be buy or sell`);
    let remaining = parseDecimal(o['remaining']);
    if (remaining === null) {
      const amount = parseDecimal(o['amount']);
      const filled = parseDecimal(o['filled'] ?? 0);
      if (amount === null || filled === null) return void problems.push(`${where} (${symbol}): neither remaining nor amount is a number`);
      remaining = amount.minus(filled);
    }
    if (remaining.lte(0)) return;
    const filledRaw = parseDecimal(o['filled'] ?? 0);
    const filled = filledRaw !== null && filledRaw.gt(0) ? filledRaw : ZERO;
    const price = parseDecimal(o['price']);
    const info = o['info'] ?? {};
    const reduceOnly = o['reduceOnly'] === true || info['reduceOnly'] === true || info['reduceOnly'] === 'true'
      || info['closePosition'] === true || info['closePosition'] === 'true';
    openOrders.push({
      id: String(o['id'] ?? `${where}`),
      clientOrderId: typeof o['clientOrderId'] === 'string' ? o['clientOrderId'] : null,
      symbol,
      side,
      type: typeof o['type'] === 'string' ? o['type'] : 'limit',
      price: price !== null && price.gt(0) ? price : null,
      remaining,
      filled,
      reduceOnly,
      positionSide: positionSideOf(o) ?? 'net',
      conditional: isPresent(o['triggerPrice']) || isPresent(o['stopPrice']) || isPresent(info['triggerPrice']) || isPresent(info['stopPrice']),
    });
  });

  if (problems.length) throw new SnapshotError(source, problems);
  const mismatches = checkStatedFigures(source, markets, positions, statedBalances, prices);
  return { source, exchange: String(raw.exchange), timestamp: raw.timestamp, markets, positions, balances, openOrders, prices, mismatches };
}
