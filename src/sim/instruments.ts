/**
 * Instruments of the simulated exchange: USDⓈ-M perpetuals described by their
 * Binance filters (tick, step, min/max quantity, min notional), fees, leverage
 * brackets and the volatility of their simulated price path.
 */
import { Decimal, ZERO, parseDecimal, type DecimalInput } from '../number.js';

export interface BracketConfig {
  /** Lower edge of the bracket's position notional (quote currency). */
  notionalFloor: DecimalInput;
  /** Upper edge (exclusive) of the bracket's position notional. */
  notionalCap: DecimalInput;
  maintMarginRatio: DecimalInput;
  /** Highest leverage allowed while the position is in this bracket. */
  initialLeverage: number;
}

export interface InstrumentConfig {
  /** Binance symbol id, e.g. "BTCUSDT" (ccxt symbol "BTC/USDT:USDT"). */
  symbol: string;
  /** Base asset; default: the symbol without the quote suffix. */
  base?: string;
  /** Quote and margin asset; default "USDT". */
  quote?: string;
  /** Initial mark price. Required unless the symbol is one of the defaults. */
  price?: DecimalInput;
  /** Default 0.01. */
  tickSize?: DecimalInput;
  /** Default 0.001. */
  stepSize?: DecimalInput;
  /** Default stepSize. */
  minQty?: DecimalInput;
  /** Largest LIMIT quantity (LOT_SIZE.maxQty). */
  maxQty?: DecimalInput;
  /** Largest MARKET quantity (MARKET_LOT_SIZE.maxQty); default maxQty. */
  marketMaxQty?: DecimalInput;
  /** MIN_NOTIONAL.notional: price × quantity must reach it unless reduce-only; default 5. */
  minNotional?: DecimalInput;
  /** PRICE_FILTER bounds; default tickSize and 1e9. */
  minPrice?: DecimalInput;
  maxPrice?: DecimalInput;
  /** PERCENT_PRICE filter: a limit price must lie within mark × [down, up]; default [0.85, 1.15]. */
  percentPrice?: { up: DecimalInput; down: DecimalInput };
  /** Fee rates as fractions (0.0002 = 2 bps). Defaults: ccxt's Binance linear fees. */
  makerFee?: DecimalInput;
  takerFee?: DecimalInput;
  /** Standard deviation of one price-path step, in bps of price; default the sim's volatilityBps. */
  volatilityBps?: DecimalInput;
  brackets?: BracketConfig[];
}

export interface Bracket {
  bracket: number;
  floor: Decimal;
  cap: Decimal;
  mmr: Decimal;
  initialLeverage: number;
  /** Binance's "cum": maintenance amount so that mm = notional × mmr − cum is continuous. */
  cum: Decimal;
}

export interface Instrument {
  symbol: string;
  base: string;
  quote: string;
  price: Decimal;
  tickSize: Decimal;
  stepSize: Decimal;
  minQty: Decimal;
  maxQty: Decimal;
  marketMaxQty: Decimal;
  minNotional: Decimal;
  minPrice: Decimal;
  maxPrice: Decimal;
  percentUp: Decimal;
  percentDown: Decimal;
  makerFee: Decimal;
  takerFee: Decimal;
  volatilityBps: Decimal | null;
  pricePrecision: number;
  quantityPrecision: number;
  brackets: Bracket[];
  maxLeverage: number;
}

/** Binance's BTCUSDT bracket table (2024); used for every instrument unless configured. */
const DEFAULT_BRACKETS: BracketConfig[] = [
  { notionalFloor: 0, notionalCap: 50_000, maintMarginRatio: '0.004', initialLeverage: 125 },
  { notionalFloor: 50_000, notionalCap: 250_000, maintMarginRatio: '0.005', initialLeverage: 100 },
  { notionalFloor: 250_000, notionalCap: 3_000_000, maintMarginRatio: '0.01', initialLeverage: 50 },
  { notionalFloor: 3_000_000, notionalCap: 20_000_000, maintMarginRatio: '0.025', initialLeverage: 20 },
  { notionalFloor: 20_000_000, notionalCap: 40_000_000, maintMarginRatio: '0.05', initialLeverage: 10 },
  { notionalFloor: 40_000_000, notionalCap: 100_000_000, maintMarginRatio: '0.1', initialLeverage: 5 },
  { notionalFloor: 100_000_000, notionalCap: 120_000_000, maintMarginRatio: '0.125', initialLeverage: 4 },
  { notionalFloor: 120_000_000, notionalCap: 200_000_000, maintMarginRatio: '0.15', initialLeverage: 3 },
  { notionalFloor: 200_000_000, notionalCap: 300_000_000, maintMarginRatio: '0.25', initialLeverage: 2 },
  { notionalFloor: 300_000_000, notionalCap: 500_000_000, maintMarginRatio: '0.5', initialLeverage: 1 },
];

/** Filters close to Binance's own for these perpetuals. */
export const DEFAULT_INSTRUMENTS: readonly InstrumentConfig[] = [
  { symbol: 'BTCUSDT', base: 'BTC', price: '60000', tickSize: '0.1', stepSize: '0.001', minQty: '0.001', maxQty: '1000', marketMaxQty: '120', minNotional: '100', minPrice: '556.8', maxPrice: '4529764' },
  { symbol: 'ETHUSDT', base: 'ETH', price: '3000', tickSize: '0.01', stepSize: '0.001', minQty: '0.001', maxQty: '10000', marketMaxQty: '2000', minNotional: '20', minPrice: '39.86', maxPrice: '306177' },
  { symbol: 'SOLUSDT', base: 'SOL', price: '150', tickSize: '0.01', stepSize: '1', minQty: '1', maxQty: '1000000', marketMaxQty: '5000', minNotional: '5', minPrice: '0.42', maxPrice: '6857' },
];

function dec(value: DecimalInput | undefined, name: string, symbol: string, fallback?: Decimal): Decimal {
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new Error(`sim instrument ${symbol}: ${name} is required`);
  }
  const d = parseDecimal(value);
  if (d === null || d.lt(0)) throw new Error(`sim instrument ${symbol}: ${name} must be a non-negative decimal, got ${String(value)}`);
  return d;
}

function positive(value: DecimalInput | undefined, name: string, symbol: string, fallback?: Decimal): Decimal {
  const d = dec(value, name, symbol, fallback);
  if (d.isZero()) throw new Error(`sim instrument ${symbol}: ${name} must be greater than zero`);
  return d;
}

export function buildBrackets(configs: BracketConfig[], symbol: string): Bracket[] {
  if (configs.length === 0) throw new Error(`sim instrument ${symbol}: brackets must not be empty`);
  const out: Bracket[] = [];
  let cum = ZERO;
  let prevMmr = ZERO;
  configs.forEach((c, i) => {
    const floor = dec(c.notionalFloor, 'notionalFloor', symbol);
    const mmr = dec(c.maintMarginRatio, 'maintMarginRatio', symbol);
    // cum keeps maintenance margin continuous at each floor (Binance's definition)
    cum = i === 0 ? ZERO : cum.plus(floor.times(mmr.minus(prevMmr)));
    prevMmr = mmr;
    if (!Number.isInteger(c.initialLeverage) || c.initialLeverage < 1) throw new Error(`sim instrument ${symbol}: bracket initialLeverage must be a positive integer`);
    out.push({ bracket: i + 1, floor, cap: dec(c.notionalCap, 'notionalCap', symbol), mmr, initialLeverage: c.initialLeverage, cum });
  });
  return out;
}

/** Completes an instrument config (defaults for known symbols) and checks it. */
export function buildInstrument(config: InstrumentConfig): Instrument {
  const known = DEFAULT_INSTRUMENTS.find((d) => d.symbol === config.symbol);
  const c: InstrumentConfig = { ...known, ...config };
  const symbol = c.symbol;
  if (!/^[A-Z0-9]+$/.test(symbol)) throw new Error(`sim instrument symbol must be upper-case letters and digits, got "${symbol}"`);
  const quote = c.quote ?? 'USDT';
  const base = c.base ?? (symbol.endsWith(quote) ? symbol.slice(0, -quote.length) : '');
  if (!base) throw new Error(`sim instrument ${symbol}: base is required (the symbol does not end with ${quote})`);
  const tickSize = positive(c.tickSize, 'tickSize', symbol, new Decimal('0.01'));
  const stepSize = positive(c.stepSize, 'stepSize', symbol, new Decimal('0.001'));
  const maxQty = positive(c.maxQty, 'maxQty', symbol, new Decimal('1000000'));
  const brackets = buildBrackets(c.brackets ?? DEFAULT_BRACKETS, symbol);
  return {
    symbol,
    base,
    quote,
    price: positive(c.price, 'price', symbol),
    tickSize,
    stepSize,
    minQty: positive(c.minQty, 'minQty', symbol, stepSize),
    maxQty,
    marketMaxQty: positive(c.marketMaxQty, 'marketMaxQty', symbol, maxQty),
    minNotional: dec(c.minNotional, 'minNotional', symbol, new Decimal(5)),
    minPrice: positive(c.minPrice, 'minPrice', symbol, tickSize),
    maxPrice: positive(c.maxPrice, 'maxPrice', symbol, new Decimal('1000000000')),
    percentUp: positive(c.percentPrice?.up, 'percentPrice.up', symbol, new Decimal('1.15')),
    percentDown: dec(c.percentPrice?.down, 'percentPrice.down', symbol, new Decimal('0.85')),
    makerFee: dec(c.makerFee, 'makerFee', symbol, new Decimal('0.0002')),
    takerFee: dec(c.takerFee, 'takerFee', symbol, new Decimal('0.0005')),
    volatilityBps: c.volatilityBps === undefined ? null : dec(c.volatilityBps, 'volatilityBps', symbol),
    pricePrecision: tickSize.decimalPlaces(),
    quantityPrecision: stepSize.decimalPlaces(),
    brackets,
    maxLeverage: brackets[0]!.initialLeverage,
  };
}

/** The bracket a position of this notional falls in. */
export function bracketFor(inst: Instrument, notional: Decimal): Bracket {
  const abs = notional.abs();
  let found = inst.brackets[0]!;
  for (const b of inst.brackets) {
    if (abs.lt(b.floor)) break;
    found = b;
  }
  return found;
}

/** Rounds a price to the tick grid: 'down', 'up' or to the nearest tick. */
export function toTick(inst: Instrument, price: Decimal, mode: 'down' | 'up' | 'nearest'): Decimal {
  const rounding = mode === 'down' ? Decimal.ROUND_FLOOR : mode === 'up' ? Decimal.ROUND_CEIL : Decimal.ROUND_HALF_EVEN;
  const ticks = price.div(inst.tickSize).toDecimalPlaces(0, rounding);
  const p = ticks.times(inst.tickSize);
  return p.lt(inst.tickSize) ? inst.tickSize : p;
}

/** Rounds a quantity down to the step grid. */
export function toStepDown(inst: Instrument, qty: Decimal): Decimal {
  return qty.div(inst.stepSize).toDecimalPlaces(0, Decimal.ROUND_FLOOR).times(inst.stepSize);
}
