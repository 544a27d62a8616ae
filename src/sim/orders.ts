/**
 * Order and trade records of the simulated exchange, and the parsing of an order
 * request's parameters with Binance's validation order and error codes.
 */
import { Decimal, ZERO, parseDecimal } from '../number.js';
import type { PositionSide, Side } from './account.js';
import { BinanceError, E } from './errors.js';
import type { Instrument } from './instruments.js';

export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';
export type OrderType = 'LIMIT' | 'MARKET';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTX';

export interface SimOrder {
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: Side;
  positionSide: PositionSide;
  type: OrderType;
  timeInForce: TimeInForce;
  /** Limit price; 0 for market orders (as Binance reports them). */
  price: Decimal;
  origQty: Decimal;
  executedQty: Decimal;
  /** Σ fill price × quantity. */
  cumQuote: Decimal;
  reduceOnly: boolean;
  status: OrderStatus;
  time: number;
  updateTime: number;
}

export interface SimTrade {
  id: number;
  orderId: number;
  symbol: string;
  side: Side;
  positionSide: PositionSide;
  price: Decimal;
  qty: Decimal;
  quoteQty: Decimal;
  commission: Decimal;
  commissionAsset: string;
  realizedPnl: Decimal;
  maker: boolean;
  time: number;
}

export const isOpen = (o: SimOrder): boolean => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';
export const remaining = (o: SimOrder): Decimal => o.origQty.minus(o.executedQty);

/** Order types Binance has but the simulator does not execute. */
const UNSIMULATED_TYPES = new Set(['STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET']);
const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;

export type Params = Record<string, string>;

export function required(params: Params, name: string): string {
  const v = params[name];
  if (v === undefined || v === '') throw E.mandatory(name);
  return v;
}

export function parseBool(params: Params, name: string): boolean | undefined {
  const v = params[name];
  if (v === undefined || v === '') return undefined;
  if (v === 'true' || v === 'TRUE' || v === 'True') return true;
  if (v === 'false' || v === 'FALSE' || v === 'False') return false;
  throw E.badParam(name);
}

export function parseSide(params: Params): Side {
  const side = required(params, 'side');
  if (side !== 'BUY' && side !== 'SELL') throw E.badSide();
  return side;
}

export function parseType(params: Params): OrderType {
  const type = required(params, 'type');
  if (type === 'LIMIT' || type === 'MARKET') return type;
  if (UNSIMULATED_TYPES.has(type)) throw new BinanceError(-1116, `Invalid orderType. (${type} orders are not simulated)`);
  throw E.badOrderType();
}

export function parseClientOrderId(params: Params, name = 'newClientOrderId'): string | undefined {
  const v = params[name];
  if (v === undefined || v === '') return undefined;
  if (!CLIENT_ID.test(v)) throw new BinanceError(-4015, 'Client order id is not valid.');
  return v;
}

/** Quantity checks in Binance's order: positive, precision, step, min, max. */
export function parseQuantity(inst: Instrument, raw: string, type: OrderType): Decimal {
  const qty = parseDecimal(raw);
  if (qty === null) throw E.mandatory('quantity');
  if (qty.lte(ZERO)) throw E.qtyNotPositive();
  if (qty.decimalPlaces() > inst.quantityPrecision) throw E.precision();
  if (!qty.mod(inst.stepSize).isZero()) throw E.qtyStep();
  if (qty.lt(inst.minQty)) throw E.qtyBelowMin();
  if (qty.gt(type === 'MARKET' ? inst.marketMaxQty : inst.maxQty)) throw E.qtyAboveMax();
  return qty;
}

/** Price checks: positive, precision, min/max, tick, then PERCENT_PRICE around the mark. */
export function parsePrice(inst: Instrument, raw: string, mark: Decimal): Decimal {
  const price = parseDecimal(raw);
  if (price === null) throw E.mandatory('price');
  if (price.lte(ZERO)) throw E.priceLessThanZero();
  if (price.decimalPlaces() > inst.pricePrecision) throw E.precision();
  if (price.lt(inst.minPrice)) throw E.priceBelowMin();
  if (price.gt(inst.maxPrice)) throw E.priceAboveMax();
  if (!price.mod(inst.tickSize).isZero()) throw E.priceTick();
  const up = mark.times(inst.percentUp);
  const down = mark.times(inst.percentDown);
  if (price.gt(up)) throw E.priceUp(up.toDecimalPlaces(inst.pricePrecision, Decimal.ROUND_FLOOR).toFixed(inst.pricePrecision));
  if (price.lt(down)) throw E.priceDown(down.toDecimalPlaces(inst.pricePrecision, Decimal.ROUND_CEIL).toFixed(inst.pricePrecision));
  return price;
}

export function parseTimeInForce(params: Params): TimeInForce {
  const tif = params['timeInForce'];
  if (tif === undefined || tif === '') throw E.mandatory('timeInForce');
  if (tif === 'GTC' || tif === 'IOC' || tif === 'FOK' || tif === 'GTX') return tif;
  if (tif === 'GTD') throw new BinanceError(-1115, 'Invalid timeInForce. (GTD is not simulated)');
  throw E.badTif();
}

/** The position side an order must name in the account's position mode. */
export function parsePositionSide(params: Params, hedgeMode: boolean): PositionSide {
  const raw = params['positionSide'];
  const ps = raw === undefined || raw === '' ? 'BOTH' : raw;
  if (ps !== 'BOTH' && ps !== 'LONG' && ps !== 'SHORT') throw E.badParam('positionSide');
  if (hedgeMode !== (ps !== 'BOTH')) throw E.positionSide();
  return ps;
}
