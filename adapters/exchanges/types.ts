/**
 * What an exchange module hands the adapter: ccxt's unified shapes, with every
 * decimal an exact string taken from the exchange's raw payload, and the fields
 * the book relies on (side, magnitude, position side) settled once, here.
 */

export type PositionSideName = 'net' | 'long' | 'short';

/**
 * A figure the exchange states about the account itself, exact as sent, with the raw
 * field it came from. The guard recomputes it from contracts, contract sizes and prices
 * and refuses to open positions on data that disagrees (self-verification), so a module
 * passes on every such figure its payload carries, whether or not it uses it.
 */
export interface StatedFigure {
  value: string;
  /** the exchange's field, as a reader of its API docs would look for it: "positionValue", "totalEquity" */
  field: string;
}

/** A position's own figures, as the exchange states them. */
export interface StatedPosition {
  /** |value| of the position in `currency` (the market's quote for a linear contract; USD face value or the coin for an inverse one) */
  notional?: StatedFigure & { currency: string };
  markPrice?: StatedFigure;
  unrealizedPnl?: StatedFigure;
  /**
   * |value| of the position at its average entry price, where that is what the exchange
   * states (Bybit's positionValue): it confirms the unit of the size as `notional` does,
   * at the entry price stated beside it
   */
  valueAtEntry?: StatedFigure & { currency: string; entryPrice: StatedFigure };
}

/** One currency's figures as the exchange states them; `total` must agree with them. */
export interface StatedBalance {
  /** what the currency is worth now: wallet plus unrealized PnL (margin balance, equity) */
  equity?: StatedFigure;
  /** the wallet / cash balance without unrealized PnL */
  wallet?: StatedFigure;
  /** the unrealized PnL of the positions settled in this currency */
  unrealizedPnl?: StatedFigure;
}

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
  /** every figure of the position the exchange's payload states (see StatedFigure) */
  stated?: StatedPosition;
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
  /** every figure of the currency the exchange's payload states (see StatedFigure) */
  stated?: StatedBalance;
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
  /**
   * The settle currencies (margin coins) whose positions, balances and open orders the
   * host asked for (CcxtAdapterOptions.settleCurrencies); null means every settle
   * currency the loaded markets have. A module reads each one it is given.
   */
  readonly settleCurrencies: readonly string[] | null;
}

/**
 * The exchange-specific part of reading an account. The adapter runs the fetches
 * in the read's order (open orders, then positions and balance; prices alongside),
 * wraps every failure into a typed AdapterError and builds
 * the snapshot; a module only knows its exchange's endpoints and formats.
 */
export interface ExchangeModule {
  readonly name: string;
  /**
   * true for modules tested on the exchange's own raw payloads through ccxt's parsers
   * (README, Supported exchanges). An unverified module's reads are accepted only with
   * the guard's allowUnverifiedExchange, and only where the exchange states figures the
   * guard can check its numbers against.
   */
  readonly verified: boolean;
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
  /**
   * The size of one ccxt amount unit of `market`, where ccxt's `market.contractSize` is
   * not it (Deribit: ccxt's amounts and positions are the exchange's own USD or coin
   * amounts while `contractSize` is the instrument's lot of 10 USD). null keeps
   * `market.contractSize`. The snapshot's markets and positions carry what this returns.
   */
  contractSizeOf?(market: any): string | null;
}
