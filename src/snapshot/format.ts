/**
 * The account as an adapter (or a JSON file) delivers it: ccxt's own shapes, so
 * `risk-guard snapshot` can write it and `risk-guard simulate` can read it back.
 * Decimals may be strings (exact, re-parsed from the exchange) or numbers.
 */
export interface AccountSnapshot {
  exchange: string;
  /** Names the account when a guard has several sources; defaults to `exchange`. */
  account?: string;
  /** Milliseconds since the epoch at which the data was read. */
  timestamp: number;
  /** ccxt precision mode of `markets[].precision.amount`: 'TICK_SIZE' (default), 'DECIMAL_PLACES', 'SIGNIFICANT_DIGITS' or ccxt's numeric constant. */
  precisionMode?: string | number;
  markets: Record<string, any>[];
  positions: Record<string, any>[];
  balance: Record<string, any>;
  openOrders: Record<string, any>[];
  prices: Record<string, PriceInput>;
}

export interface PriceInput {
  mark?: string | number | null;
  last?: string | number | null;
  bid?: string | number | null;
  ask?: string | number | null;
}
