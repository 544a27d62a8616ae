import { Decimal, parseDecimal } from '../number.js';
import type { PositionSide } from '../snapshot/normalize.js';

/** ccxt's createOrder arguments; `amount` in ccxt units (contracts for contract markets, base for spot). */
export interface OrderIntent {
  symbol: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit' | (string & {});
  amount: string | number;
  price?: string | number | null;
  reduceOnly?: boolean;
  clientOrderId?: string;
  params?: Record<string, unknown>;
  /** Which account the order goes to when a guard watches several; defaults to the first that lists the symbol. */
  account?: string;
}

export interface NormalizedIntent {
  symbol: string;
  side: 'buy' | 'sell';
  /** market-like orders are valued at the mark and pay the taker fee */
  isMarket: boolean;
  type: string;
  amount: Decimal;
  price: Decimal | null;
  reduceOnly: boolean;
  positionSide: PositionSide;
  /** a stop/trigger price: the order rests until the market reaches it */
  triggerPrice: Decimal | null;
  clientOrderId: string | null;
  account: string | undefined;
}

/**
 * What no exchange accepts is a bug upstream and must not pass: amounts and prices above
 * 1e15 or below 1e-18, or with more than 30 significant digits. The bounds also keep every
 * product and sum the book forms within the 60 digits of exact arithmetic.
 */
const PLAUSIBLE = { max: new Decimal('1e15'), min: new Decimal('1e-18'), digits: 30 };

function implausible(what: string, d: Decimal): string | null {
  if (d.gt(PLAUSIBLE.max)) return `${what} ${d.toString()} is implausibly large (over 1e15); refusing it as a bug upstream`;
  if (d.lt(PLAUSIBLE.min)) return `${what} ${d.toFixed()} is implausibly small (under 1e-18); refusing it as a bug upstream`;
  if (d.sd() > PLAUSIBLE.digits) return `${what} ${d.toFixed()} has more than ${PLAUSIBLE.digits} significant digits; no exchange accepts it`;
  return null;
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true';
}

/** Hedge-mode position side from ccxt's params: positionSide (binance), posSide (okx), positionIdx (bybit), hedged (unified). */
function positionSideFrom(params: Record<string, unknown>, side: 'buy' | 'sell', reduceOnly: boolean): PositionSide | string {
  const ps = params['positionSide'] ?? params['posSide'];
  if (ps !== undefined && ps !== null) {
    if (typeof ps !== 'string') return 'params.positionSide must be "LONG", "SHORT" or "BOTH"';
    const s = ps.toLowerCase();
    if (s === 'long' || s === 'short') return s;
    if (s === 'both' || s === 'net') return 'net';
    return `params.positionSide "${ps}" is not LONG, SHORT or BOTH`;
  }
  const idx = params['positionIdx'];
  if (idx !== undefined && idx !== null) {
    const i = Number(idx);
    if (i === 1) return 'long';
    if (i === 2) return 'short';
    if (i === 0) return 'net';
    return 'params.positionIdx must be 0, 1 or 2';
  }
  if (truthy(params['hedged'])) {
    // ccxt: hedged buy opens a long, hedged reduce-only buy closes a short
    if (reduceOnly) return side === 'buy' ? 'short' : 'long';
    return side === 'buy' ? 'long' : 'short';
  }
  return 'net';
}

/**
 * Validates an order a bot proposes. Returns the problem as a sentence when it is
 * not an order an exchange could accept; the guard blocks it with INVALID_ORDER.
 */
export function normalizeIntent(raw: unknown): NormalizedIntent | string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'the order must be an object { symbol, side, type, amount, price? }';
  const o = raw as Record<string, unknown>;
  const symbol = o['symbol'];
  if (typeof symbol !== 'string' || symbol.trim() === '') return 'symbol must be a non-empty string such as "BTC/USDT:USDT"';
  const side = o['side'];
  if (side !== 'buy' && side !== 'sell') return `side must be "buy" or "sell", got ${JSON.stringify(side) ?? 'undefined'}`;
  const typeRaw = o['type'] ?? 'limit';
  if (typeof typeRaw !== 'string' || typeRaw === '') return 'type must be "market" or "limit"';
  const type = typeRaw.toLowerCase();
  const isMarket = type.includes('market');
  const amount = parseDecimal(o['amount']);
  if (amount === null) return `amount must be a positive decimal (string or number), got ${describe(o['amount'])}`;
  if (amount.lte(0)) return `amount must be positive, got ${amount.toFixed()}`;
  const badAmount = implausible('amount', amount);
  if (badAmount) return badAmount;
  const priceRaw = o['price'];
  let price: Decimal | null = null;
  if (priceRaw !== undefined && priceRaw !== null) {
    price = parseDecimal(priceRaw);
    if (price === null || price.lte(0)) return `price must be a positive decimal, got ${describe(priceRaw)}`;
    const badPrice = implausible('price', price);
    if (badPrice) return badPrice;
  }
  if (!isMarket && price === null) return `a ${type} order needs a price`;
  const params = o['params'] ?? {};
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return 'params must be an object';
  const p = params as Record<string, unknown>;
  if (o['reduceOnly'] !== undefined && typeof o['reduceOnly'] !== 'boolean') return 'reduceOnly must be a boolean';
  const reduceOnly = o['reduceOnly'] === true || truthy(p['reduceOnly']) || truthy(p['closePosition']);
  const positionSide = positionSideFrom(p, side, reduceOnly);
  if (positionSide !== 'net' && positionSide !== 'long' && positionSide !== 'short') return positionSide;
  const triggerRaw = p['triggerPrice'] ?? p['stopPrice'] ?? p['stopLossPrice'] ?? p['takeProfitPrice'];
  let triggerPrice: Decimal | null = null;
  if (triggerRaw !== undefined && triggerRaw !== null) {
    triggerPrice = parseDecimal(triggerRaw);
    if (triggerPrice === null || triggerPrice.lte(0)) return `trigger price must be a positive decimal, got ${describe(triggerRaw)}`;
    const badTrigger = implausible('trigger price', triggerPrice);
    if (badTrigger) return badTrigger;
  }
  const cid = o['clientOrderId'] ?? p['clientOrderId'] ?? p['newClientOrderId'] ?? p['clOrdId'] ?? p['orderLinkId'];
  if (cid !== undefined && cid !== null && typeof cid !== 'string') return 'clientOrderId must be a string';
  const account = o['account'];
  if (account !== undefined && typeof account !== 'string') return 'account must be a string';
  return {
    symbol,
    side,
    isMarket,
    type,
    amount,
    price: isMarket ? null : price,
    reduceOnly,
    positionSide,
    triggerPrice,
    clientOrderId: typeof cid === 'string' ? cid : null,
    account,
  };
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return String(v);
  return v === undefined ? 'nothing' : typeof v;
}
