import { Decimal, ONE, ZERO, parseDecimal } from '../number.js';

/** How a market's amounts are rounded, after ccxt's precision modes. */
export type LotRule =
  | { mode: 'tick'; step: Decimal }                 // ccxt TICK_SIZE: precision.amount is the step
  | { mode: 'places'; places: number; step: Decimal } // ccxt DECIMAL_PLACES: precision.amount is a digit count
  | { mode: 'significant'; digits: number };        // ccxt SIGNIFICANT_DIGITS

/** What the engine needs of a ccxt Market, parsed once into Decimals. */
export interface MarketSpec {
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly settle: string | null;
  /** spot: base-currency balances; linear: notional = contracts·size·price; inverse: notional = contracts·size (quote, usually USD). */
  readonly instrument: 'spot' | 'linear' | 'inverse';
  readonly contractSize: Decimal;
  readonly lot: LotRule;
  readonly minAmount: Decimal | null;
  readonly maxAmount: Decimal | null;
  readonly minCost: Decimal | null;
  readonly taker: Decimal;
  readonly maker: Decimal;
}

/** ccxt's precision-mode constants. */
export const PRECISION_MODE = { DECIMAL_PLACES: 2, SIGNIFICANT_DIGITS: 3, TICK_SIZE: 4 } as const;
export type PrecisionModeName = keyof typeof PRECISION_MODE;

export function precisionModeOf(value: unknown): number {
  if (typeof value === 'number' && (value === 2 || value === 3 || value === 4)) return value;
  if (typeof value === 'string' && value in PRECISION_MODE) return PRECISION_MODE[value as PrecisionModeName];
  return PRECISION_MODE.TICK_SIZE;
}

/** Amounts of markets that publish no precision are rounded to 1e-8. */
const DEFAULT_LOT: LotRule = { mode: 'tick', step: new Decimal('1e-8') };

function lotRule(precisionAmount: unknown, precisionMode: number): LotRule {
  const p = parseDecimal(precisionAmount);
  if (p === null || p.lte(0) && precisionMode === PRECISION_MODE.TICK_SIZE) return DEFAULT_LOT;
  if (precisionMode === PRECISION_MODE.DECIMAL_PLACES) {
    const places = p.toNumber();
    if (!Number.isInteger(places) || places < 0 || places > 30) return DEFAULT_LOT;
    return { mode: 'places', places, step: new Decimal(10).pow(-places) };
  }
  if (precisionMode === PRECISION_MODE.SIGNIFICANT_DIGITS) {
    const digits = p.toNumber();
    if (!Number.isInteger(digits) || digits < 1 || digits > 30) return DEFAULT_LOT;
    return { mode: 'significant', digits };
  }
  return { mode: 'tick', step: p };
}

/** The largest lot-valid amount ≤ q (q ≥ 0). */
export function floorToLot(q: Decimal, lot: LotRule): Decimal {
  if (q.lte(0)) return new Decimal(0);
  switch (lot.mode) {
    case 'tick':
    case 'places':
      return q.div(lot.step).floor().mul(lot.step);
    case 'significant':
      return q.toSignificantDigits(lot.digits, Decimal.ROUND_DOWN);
  }
}

/** The lot step just above a lot-valid amount q (for significant digits it depends on q). */
export function lotStepAt(q: Decimal, lot: LotRule): Decimal {
  if (lot.mode !== 'significant') return lot.step;
  const base = q.isZero() ? ONE : q;
  // e() is the exponent of the leading digit; the last significant digit sits digits-1 below it.
  return new Decimal(10).pow(base.e - lot.digits + 1);
}

type RawMarket = Record<string, any>;

/** Parses a ccxt Market; returns the spec or a problem string. */
export function parseMarket(m: RawMarket, precisionMode: number): MarketSpec | string {
  if (m === null || typeof m !== 'object') return 'market entry is not an object';
  const symbol = m['symbol'];
  if (typeof symbol !== 'string' || !symbol) return 'market without a symbol';
  const base = m['base'];
  const quote = m['quote'];
  if (typeof base !== 'string' || typeof quote !== 'string') return `market ${symbol}: base and quote are required`;
  const type = m['type'];
  if (m['option'] === true || type === 'option') return `market ${symbol}: options are not supported (their exposure is a delta, not a notional)`;
  const isContract = m['contract'] === true || type === 'swap' || type === 'future';
  let instrument: MarketSpec['instrument'];
  if (!isContract) instrument = 'spot';
  else if (m['inverse'] === true) instrument = 'inverse';
  else if (m['linear'] === true || m['linear'] === undefined) instrument = 'linear';
  else return `market ${symbol}: a contract market must be linear or inverse`;
  let contractSize = ONE;
  if (isContract) {
    const cs = parseDecimal(m['contractSize']);
    if (cs === null || cs.lte(0)) return `market ${symbol}: contractSize is missing or not positive`;
    contractSize = cs.eq(ONE) ? ONE : cs; // the shared ONE lets valuation skip a multiplication
  }
  const limits = m['limits'] ?? {};
  const positive = (v: unknown) => {
    const x = parseDecimal(v);
    return x !== null && x.gt(0) ? x : null;
  };
  const fee = (v: unknown) => {
    const x = parseDecimal(v);
    return x !== null && x.gte(0) ? x : ZERO;
  };
  return {
    symbol,
    base,
    quote,
    settle: typeof m['settle'] === 'string' ? m['settle'] : null,
    instrument,
    contractSize,
    lot: lotRule(m['precision']?.['amount'], precisionMode),
    minAmount: positive(limits['amount']?.['min']),
    maxAmount: positive(limits['amount']?.['max']),
    minCost: positive(limits['cost']?.['min']),
    taker: fee(m['taker']),
    maker: fee(m['maker']),
  };
}
