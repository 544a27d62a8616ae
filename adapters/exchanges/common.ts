import { positionSideOf } from '../../src/snapshot/normalize.js';
import { PayloadShapeError } from '../errors.js';
import { abs, dec, expectArray, expectObject, isZero, price, sign, sub } from '../exact.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrice, AdapterPrices, FetchContext, PositionSideName } from './types.js';

/** A symbol the loaded markets do not know: the adapter reloads markets once and reads again. */
export class UnknownMarketError extends PayloadShapeError {
  constructor(where: string, id: string) {
    super(`${where}: market ${id} is not in the loaded markets`);
    this.name = 'UnknownMarketError';
  }
}

/** The ccxt market with exchange id `id` that passes `filter` (ids are shared by spot and contract markets on some exchanges). */
export function marketById(ctx: FetchContext, id: unknown, filter: (m: any) => boolean, where: string): any {
  if (typeof id !== 'string' || id === '') throw new PayloadShapeError(`${where}: market id is missing`);
  const byId = ctx.exchange.markets_by_id?.[id];
  const list: any[] = Array.isArray(byId) ? byId : byId ? [byId] : [];
  const m = list.find(filter);
  if (!m) throw new UnknownMarketError(where, id);
  return m;
}

export const isLinearContract = (m: any) => m?.contract === true && m?.linear === true;
export const isInverseContract = (m: any) => m?.contract === true && m?.inverse === true;
export const isSpot = (m: any) => m?.spot === true;

/** ccxt's own side for a row must agree with the one read from the exchange's fields; a contradiction is data we cannot trust. */
export function agreeSide(parsedSide: unknown, side: 'long' | 'short', where: string): void {
  if ((parsedSide === 'long' || parsedSide === 'short') && parsedSide !== side) {
    throw new PayloadShapeError(`${where}: ccxt reads the position as ${parsedSide}, the exchange's fields say ${side}`);
  }
}

export function sideOfSigned(amount: string, where: string): 'long' | 'short' {
  const s = sign(amount);
  if (s === 0) throw new PayloadShapeError(`${where}: a zero position has no side`);
  return s > 0 ? 'long' : 'short';
}

/** Cursor pagination with a hard cap: an account that does not fit is an error, never a silently truncated list. */
export async function paginate<T>(fetchPage: (cursor: string | undefined) => Promise<{ rows: T[]; next: string | undefined }>, where: string, maxPages = 50): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const { rows, next } = await fetchPage(cursor);
    out.push(...rows);
    if (!next || rows.length === 0) return out;
    if (next === cursor) throw new PayloadShapeError(`${where}: the exchange answered cursor ${next} with the same cursor; refusing to work from a partial list`);
    cursor = next;
  }
  throw new PayloadShapeError(`${where}: more than ${maxPages} pages; refusing to work from a partial list`);
}

// ---- unified ccxt structures (the generic path) -------------------------------------

/**
 * A ccxt Position from a unified fetchPositions(). Used where no module knows the
 * raw format: magnitudes are taken as absolute values and the side from `side`
 * (ccxt's `notional` and `contracts` signs differ by exchange), the position side
 * from `hedged` and the raw row's mode fields.
 */
export function positionFromUnified(p: any, ctx: FetchContext, where: string): AdapterPosition | null {
  expectObject(p, where);
  const symbol = p.symbol;
  if (typeof symbol !== 'string' || !ctx.markets[symbol]) throw new UnknownMarketError(where, String(symbol));
  const c = dec(p.contracts);
  if (c === null) {
    if (p.contracts === undefined || p.contracts === null) return null; // ccxt leaves contracts empty on closed rows
    throw new PayloadShapeError(`${where} (${symbol}): contracts is not a number`);
  }
  if (isZero(c)) return null;
  let side: 'long' | 'short';
  if (p.side === 'long' || p.side === 'short') side = p.side;
  else throw new PayloadShapeError(`${where} (${symbol}): side must be long or short for a non-zero position`);
  let positionSide: PositionSideName = positionSideOf({ info: p.info ?? {} }) ?? 'net';
  if (p.hedged === true && positionSide === 'net') positionSide = side;
  if (positionSide !== 'net' && positionSide !== side) throw new PayloadShapeError(`${where} (${symbol}): side ${side} contradicts position side ${positionSide}`);
  return {
    symbol,
    side,
    contracts: abs(c),
    positionSide,
    markPrice: price(p.markPrice),
    entryPrice: dec(p.entryPrice),
    unrealizedPnl: dec(p.unrealizedPnl),
    marginMode: typeof p.marginMode === 'string' ? p.marginMode : null,
    leverage: dec(p.leverage),
    info: p.info ?? null,
  };
}

/** A ccxt Order from a unified fetchOpenOrders(); null when it is no longer open. */
export function orderFromUnified(o: any, ctx: FetchContext, where: string): AdapterOrder | null {
  expectObject(o, where);
  const symbol = o.symbol;
  if (typeof symbol !== 'string' || !ctx.markets[symbol]) throw new UnknownMarketError(where, String(symbol));
  if (o.status !== undefined && o.status !== null && o.status !== 'open') return null;
  if (o.side !== 'buy' && o.side !== 'sell') throw new PayloadShapeError(`${where} (${symbol}): side must be buy or sell`);
  const amount = dec(o.amount);
  const filled = dec(o.filled) ?? '0';
  let remaining = dec(o.remaining);
  if (remaining === null) {
    if (amount === null) throw new PayloadShapeError(`${where} (${symbol}): neither remaining nor amount is a number`);
    remaining = sub(amount, filled);
  }
  const info = o.info ?? {};
  return {
    id: String(o.id ?? ''),
    clientOrderId: typeof o.clientOrderId === 'string' ? o.clientOrderId : null,
    symbol,
    side: o.side,
    type: typeof o.type === 'string' ? o.type : 'limit',
    price: price(o.price),
    amount: amount ?? remaining,
    filled,
    remaining,
    reduceOnly: o.reduceOnly === true || info.reduceOnly === true || info.reduceOnly === 'true',
    positionSide: positionSideOf(o) ?? 'net',
    info: o.info ?? null,
  };
}

/** A ccxt Balance: `total` per currency (what ccxt put there) and `debt`. */
export function balanceFromUnified(b: any, where: string): AdapterBalance {
  expectObject(b, where);
  const out: AdapterBalance = {};
  const totals = b.total && typeof b.total === 'object' ? b.total : {};
  const debts = b.debt && typeof b.debt === 'object' ? b.debt : {};
  for (const [code, v] of Object.entries(totals)) {
    const total = dec(v);
    if (total === null) {
      if (v === undefined || v === null) continue;
      throw new PayloadShapeError(`${where}: total of ${code} is not a number`);
    }
    const debt = dec(debts[code]);
    out[code] = { total, debt: debt !== null && !isZero(debt) ? debt : null };
  }
  return out;
}

export function priceFromTicker(t: any): AdapterPrice {
  return { mark: price(t?.markPrice), last: price(t?.last), bid: price(t?.bid), ask: price(t?.ask) };
}

export function hasPrice(p: AdapterPrice | undefined): boolean {
  return !!p && (p.mark != null || p.last != null || (p.bid != null && p.ask != null));
}

/** Unified tickers (or mark prices) keyed by symbol, restricted to loaded markets. */
export function pricesFromTickers(tickers: unknown, ctx: FetchContext, where: string): AdapterPrices {
  const out: AdapterPrices = {};
  if (tickers === null || typeof tickers !== 'object') throw new PayloadShapeError(`${where}: expected tickers keyed by symbol`);
  const list = Array.isArray(tickers) ? expectArray(tickers, where) : Object.values(tickers as Record<string, unknown>);
  for (const t of list as any[]) {
    if (!t || typeof t.symbol !== 'string' || !ctx.markets[t.symbol]) continue;
    const p = priceFromTicker(t);
    if (hasPrice(p)) out[t.symbol] = p;
  }
  return out;
}

/** Groups symbols by what one ticker/mark-price call of the exchange can cover. */
export function groupByMarketType(symbols: string[], ctx: FetchContext): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const s of symbols) {
    const m = ctx.markets[s];
    if (!m) continue;
    const key = m.spot ? 'spot' : m.inverse ? `${m.type}:inverse` : `${m.type}:linear`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(s);
  }
  return groups;
}
