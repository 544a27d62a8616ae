/**
 * What an exchange module hands the adapter: ccxt's unified shapes, with every
 * decimal an exact string taken from the exchange's raw payload, and the fields
 * the book relies on (side, magnitude, position side) settled once, here.
 */

export type PositionSideName = 'net' | 'long' | 'short';

export interface AdapterPosition {
  symbol: string;
  /** from the exchange's own side/mode fields, never from the sign of a notional */
  side: 'long' | 'short';
  /** magnitude in ccxt units (contracts), > 0; zero rows are dropped before this point */
  contracts: string;
  /** 'net' in one-way mode; 'long'/'short' rows of one symbol are separate holdings in hedge mode */
  positionSide: PositionSideName;
  markPrice: string | null;
  entryPrice?: string | null;
  unrealizedPnl?: string | null;
  marginMode?: string | null;
  leverage?: string | null;
  info: unknown;
}

export interface AdapterOrder {
  id: string;
  clientOrderId: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  type: string;
  price: string | null;
  amount: string;
  filled: string;
  remaining: string;
  reduceOnly: boolean;
  positionSide: PositionSideName;
  info: unknown;
}

/** One currency of the account: `total` is what it is worth in that currency (wallet plus unrealized PnL), `debt` what is owed. */
export interface AdapterBalanceRow {
  total: string;
  debt?: string | null;
  free?: string | null;
  used?: string | null;
}
export type AdapterBalance = Record<string, AdapterBalanceRow>;

export interface AdapterPrice {
  mark?: string | null;
  last?: string | null;
  bid?: string | null;
  ask?: string | null;
}
export type AdapterPrices = Record<string, AdapterPrice>;

export interface FetchContext {
  /** the ccxt exchange (typed loosely: modules call its implicit REST methods and parsers) */
  readonly exchange: any;
  /** the adapter's name, for messages */
  readonly source: string;
  /** symbol → ccxt market, as loaded */
  readonly markets: Record<string, any>;
}

/**
 * The exchange-specific part of reading an account. The adapter runs the four
 * fetches concurrently, wraps every failure into a typed AdapterError and builds
 * the snapshot; a module only knows its exchange's endpoints and formats.
 */
export interface ExchangeModule {
  readonly name: string;
  /** which trap(s) this module exists to fix, in one sentence (shown in docs and errors) */
  readonly fixes: string;
  /** false for spot accounts: no positions, the balances themselves are the holdings */
  readonly hasPositions: boolean;
  fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]>;
  fetchBalance(ctx: FetchContext): Promise<AdapterBalance>;
  fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]>;
  /**
   * Prices fetched together with the account: mark prices of every contract in as
   * few calls as the exchange allows, plus `hint` (symbols known to be needed from
   * earlier snapshots and the adapter's `symbols` option).
   */
  fetchPriceFeed(ctx: FetchContext, hint: string[]): Promise<AdapterPrices>;
  /** Prices for symbols the feed did not cover (new balance currencies, new positions). */
  fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices>;
}
