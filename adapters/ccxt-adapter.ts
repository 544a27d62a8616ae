import type { AccountSnapshot, PriceInput } from '../src/snapshot/normalize.js';
import { RiskGuardError } from '../src/errors.js';
import type { AccountSource, ReadClock } from '../src/guard/sources.js';
import { AdapterError, ExchangeTimeoutError, MalformedPayloadError, classify } from './errors.js';
import { hasPrice } from './exchanges/common.js';
import { VERIFIED_EXCHANGES, moduleFor, type AccountKind } from './exchanges/index.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext } from './exchanges/types.js';
import { dec, isZero, sub } from './exact.js';

export interface CcxtAdapterOptions {
  /** names the account in the book and in reports; default `exchange.id` */
  name?: string;
  /** markets are loaded once and reloaded after this long (ms); default 1 hour */
  marketsRefreshMs?: number;
  /** a snapshot that is not complete after this long (ms) is a timeout; default 30 s (ccxt's own per-request `exchange.timeout` applies too) */
  timeoutMs?: number;
  /**
   * Symbols the bot may trade. Their prices are fetched with every snapshot (the
   * contract mark-price feeds cover them anyway where the exchange has one), and
   * the snapshot's markets are limited to these plus whatever the account holds
   * or needs for valuation. Default: every market the exchange loaded (options excluded).
   */
  symbols?: string[];
  /** the guard's quoteCurrency and cashCurrencies: which markets can value a non-cash balance; defaults as in the config */
  quoteCurrency?: string;
  cashCurrencies?: string[];
  /** currencies left out of the snapshot (dust of delisted coins that no market can value) */
  ignoreCurrencies?: string[];
  /**
   * Settle currencies (margin coins) to read positions, balances and open orders for;
   * default: every settle currency the loaded markets have.
   */
  settleCurrencies?: string[];
  /** 'spot' or 'contract' where one ccxt class serves both (ccxt.binance, exchanges without a named module) */
  accountType?: AccountKind;
  /** replaces the module chosen by exchange id (for exchanges with their own quirks) */
  module?: ExchangeModule;
  /** milliseconds since the epoch; default Date.now */
  clock?: () => number;
}

const HOUR = 3_600_000;
const DEFAULT_CASH = ['USDT', 'USDC', 'USD'];

/**
 * An AccountSource over a ccxt exchange: reads the account's open orders, then its
 * positions and balance (prices alongside) and hands the guard an exact
 * AccountSnapshot (decimal strings re-read from the exchange's raw payloads).
 * Every failure rejects with a typed, redacted AdapterError (a SourceError).
 *
 *   const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(exchange)] });
 */
export class CcxtAdapter implements AccountSource {
  readonly name: string;
  readonly live = true;
  readonly exchange: any;
  readonly module: ExchangeModule;
  /** set when the module is not verified on this exchange's payloads: the guard refuses it unless allowUnverifiedExchange */
  readonly unverified: { exchange: string; verifiedExchanges: readonly string[] } | undefined;
  /** the last failed markets reload, while the adapter keeps working on the markets it has */
  lastMarketsError: AdapterError | null = null;

  private readonly refreshMs: number;
  private readonly timeoutMs: number;
  private readonly symbols: string[] | null;
  private readonly settleCurrencies: string[] | null;
  private readonly quote: string;
  private readonly cash: Set<string>;
  private readonly ignored: Set<string>;
  private readonly clock: () => number;
  private marketsLoadedAt: number | null = null;
  /** symbols whose prices the last snapshot relied on: fetched together with the account next time */
  private wanted = new Set<string>();

  constructor(exchange: unknown, options: CcxtAdapterOptions = {}) {
    const ex = exchange as any;
    if (!ex || typeof ex !== 'object' || typeof ex.loadMarkets !== 'function' || typeof ex.id !== 'string') {
      throw new RiskGuardError('CcxtAdapter needs a ccxt exchange instance, e.g. new ccxt.binanceusdm({ apiKey, secret })');
    }
    this.exchange = ex;
    this.name = options.name ?? ex.id;
    this.module = options.module ?? moduleFor(ex, options.accountType);
    this.unverified = this.module.verified ? undefined : { exchange: ex.id, verifiedExchanges: VERIFIED_EXCHANGES };
    this.refreshMs = options.marketsRefreshMs ?? HOUR;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.symbols = options.symbols ? [...options.symbols] : null;
    this.settleCurrencies = options.settleCurrencies ? [...options.settleCurrencies] : null;
    this.quote = options.quoteCurrency ?? 'USDT';
    this.cash = new Set([...(options.cashCurrencies ?? DEFAULT_CASH), this.quote]);
    this.ignored = new Set(options.ignoreCurrencies ?? []);
    this.clock = options.clock ?? Date.now;
  }

  async fetchSnapshot(clock?: ReadClock): Promise<AccountSnapshot> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ExchangeTimeoutError(this.name, `no complete account snapshot within ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref?.();
    });
    try {
      // the losing promise's rejection is handled by race(); nothing leaks as unhandled
      return await Promise.race([this.read(true, clock), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    // the exchange belongs to the host; nothing of ours stays open
  }

  // ---- reading ---------------------------------------------------------------------

  private async read(mayReloadMarkets: boolean, clock: ReadClock | undefined): Promise<AccountSnapshot> {
    await this.ensureMarkets(false);
    try {
      return await this.readAccount(clock);
    } catch (err) {
      // a position or order in a market listed after our last load: reload once, then read again
      if (mayReloadMarkets && err instanceof MalformedPayloadError && err.causeName === 'UnknownMarketError') {
        await this.ensureMarkets(true);
        return this.read(false, clock);
      }
      throw err;
    }
  }

  private async ensureMarkets(force: boolean): Promise<void> {
    const ex = this.exchange;
    const now = this.clock();
    const have = ex.markets && Object.keys(ex.markets).length > 0;
    if (this.marketsLoadedAt === null || !have) {
      await this.step('load markets', () => ex.loadMarkets());
      this.marketsLoadedAt = now;
    } else if (force || now - this.marketsLoadedAt >= this.refreshMs) {
      try {
        await this.step('reload markets', () => ex.loadMarkets(true));
        this.marketsLoadedAt = now;
        this.lastMarketsError = null;
      } catch (err) {
        // markets change rarely: keep trading on the ones we have and try again next snapshot
        this.lastMarketsError = err as AdapterError;
        if (force) throw err;
      }
    }
    if (!ex.markets || Object.keys(ex.markets).length === 0) throw new MalformedPayloadError(this.name, 'load markets: the exchange listed no markets');
  }

  /**
   * One read. The open orders come first and positions and balances after their answer:
   * an order that leaves the list before it is read has its fills in the positions read
   * after, so every order and fill is counted at least once (docs/ARCHITECTURE.md). The
   * clock places each part among the guard's events; prices are read alongside.
   */
  private async readAccount(clock: ReadClock | undefined): Promise<AccountSnapshot> {
    const ex = this.exchange;
    const markets: Record<string, any> = ex.markets;
    const ctx: FetchContext = { exchange: ex, source: this.name, markets, settleCurrencies: this.settleCurrencies };
    const hint = [...new Set([...this.wanted, ...(this.symbols ?? [])])].filter((s) => markets[s]);
    // the data is at least as old as the moment the requests go out
    const timestamp = this.clock();
    const pricing = this.step('prices', () => this.module.fetchPriceFeed(ctx, hint));
    pricing.catch(() => undefined); // awaited below; an earlier failure must not leave it unhandled
    clock?.stamp('openOrders', 'requested');
    const orders = await this.step('open orders', () => this.module.fetchOpenOrders(ctx));
    clock?.stamp('openOrders', 'answered');
    clock?.stamp('account', 'requested');
    const [positions, balance] = await Promise.all([
      this.module.hasPositions ? this.step('positions', () => this.module.fetchPositions(ctx)) : Promise.resolve([] as AdapterPosition[]),
      this.step('balance', () => this.module.fetchBalance(ctx)),
    ]);
    clock?.stamp('account', 'answered');
    const feed = await pricing;
    const prices: AdapterPrices = { ...feed };
    const plan = this.pricePlan(markets, positions, orders, balance, prices);
    if (plan.missing.length) Object.assign(prices, await this.step('prices', () => this.module.fetchPrices(ctx, plan.missing)));
    this.wanted = new Set(plan.relied);
    return this.build(timestamp, markets, positions, balance, orders, prices, plan.conversions);
  }

  private async step<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classify(err, this.name, what, this.exchange);
    }
  }

  // ---- prices ------------------------------------------------------------------------

  /** Markets whose base is `currency` and whose quote is cash, best first (the guard's quote currency, spot, then linear). */
  private conversionCandidates(markets: Record<string, any>, currency: string): any[] {
    const score = (m: any) => (m.quote === this.quote ? 4 : 0) + (m.spot ? 2 : m.linear ? 1 : 0) + (m.active === false ? -8 : 0);
    return Object.values(markets)
      .filter((m) => m && m.base === currency && this.cash.has(m.quote) && !m.option && m.type !== 'option')
      .sort((a, b) => score(b) - score(a) || String(a.symbol).localeCompare(String(b.symbol)));
  }

  /**
   * Which prices the snapshot needs and does not have yet: positions without a
   * mark in either the feed or the row, contract orders on symbols without one,
   * and a market valuing every non-cash currency the account holds or trades.
   */
  private pricePlan(markets: Record<string, any>, positions: AdapterPosition[], orders: AdapterOrder[], balance: AdapterBalance, prices: AdapterPrices) {
    const priced = (s: string) => hasPrice(prices[s]) || positions.some((p) => p.symbol === s && p.markPrice !== null);
    const missing = new Set<string>();
    const relied = new Set<string>();
    const conversions = new Set<string>();
    const currencies = new Set<string>();
    for (const p of positions) {
      relied.add(p.symbol);
      if (!priced(p.symbol)) missing.add(p.symbol);
    }
    for (const o of orders) {
      const m = markets[o.symbol];
      if (!m) continue;
      if (m.contract) {
        relied.add(o.symbol);
        if (!priced(o.symbol)) missing.add(o.symbol);
        if (!this.cash.has(m.quote)) currencies.add(m.quote);
      } else {
        if (!this.cash.has(m.base)) currencies.add(m.base);
        if (!this.cash.has(m.quote)) currencies.add(m.quote);
      }
    }
    for (const [c, row] of Object.entries(balance)) {
      if (this.cash.has(c) || this.ignored.has(c)) continue;
      const debt = row.debt ?? '0';
      if (!isZero(sub(row.total, debt))) currencies.add(c);
    }
    for (const c of currencies) {
      const candidates = this.conversionCandidates(markets, c);
      if (!candidates.length) continue; // nothing can value it: the guard reports it unpriced and blocks opening orders
      const withPrice = candidates.filter((m) => priced(m.symbol));
      for (const m of withPrice) conversions.add(m.symbol);
      if (withPrice.length) { relied.add(withPrice[0].symbol); continue; }
      missing.add(candidates[0].symbol);
      relied.add(candidates[0].symbol);
      conversions.add(candidates[0].symbol);
    }
    return { missing: [...missing].sort(), relied: [...relied], conversions };
  }

  // ---- the snapshot ------------------------------------------------------------------

  private build(timestamp: number, markets: Record<string, any>, positions: AdapterPosition[], balance: AdapterBalance, orders: AdapterOrder[], prices: AdapterPrices, conversions: Set<string>): AccountSnapshot {
    const used = new Set<string>([...positions.map((p) => p.symbol), ...orders.map((o) => o.symbol), ...conversions]);
    const symbols = this.symbols
      ? [...new Set([...this.symbols.filter((s) => markets[s]), ...used])]
      : Object.keys(markets).filter((s) => used.has(s) || !(markets[s]?.option === true || markets[s]?.type === 'option'));
    symbols.sort();
    const included = new Set(symbols);
    const outPrices: Record<string, PriceInput> = {};
    for (const s of Object.keys(prices).sort()) {
      if (!included.has(s) || !hasPrice(prices[s])) continue;
      const p = prices[s]!;
      const q: PriceInput = {};
      if (p.mark != null) q.mark = p.mark;
      if (p.last != null) q.last = p.last;
      if (p.bid != null) q.bid = p.bid;
      if (p.ask != null) q.ask = p.ask;
      outPrices[s] = q;
    }
    const bal: Record<string, any> = {};
    const totals: Record<string, string> = {};
    for (const c of Object.keys(balance).sort()) {
      if (this.ignored.has(c)) continue;
      const row = balance[c]!;
      const r: Record<string, string> = { total: row.total };
      if (row.debt != null && !isZero(row.debt)) r['debt'] = row.debt;
      if (row.free != null) r['free'] = row.free;
      if (row.used != null) r['used'] = row.used;
      bal[c] = row.stated ? { ...r, stated: row.stated } : r;
      totals[c] = row.total;
    }
    bal['total'] = totals;
    return {
      exchange: this.exchange.id,
      account: this.name,
      timestamp,
      precisionMode: this.exchange.precisionMode,
      markets: symbols.map((s) => this.marketSpec(markets[s])),
      positions: positions.map((p) => ({
        symbol: p.symbol,
        side: p.side,
        contracts: p.contracts,
        contractSize: dec(this.contractSizeOf(markets[p.symbol])) ?? '1',
        markPrice: p.markPrice,
        entryPrice: p.entryPrice ?? null,
        unrealizedPnl: p.unrealizedPnl ?? null,
        positionSide: p.positionSide,
        hedged: p.positionSide !== 'net',
        marginMode: p.marginMode ?? null,
        leverage: p.leverage ?? null,
        ...(p.stated ? { stated: p.stated } : {}),
        info: p.info,
      })),
      balance: bal,
      openOrders: orders.map((o) => ({
        id: o.id,
        clientOrderId: o.clientOrderId,
        symbol: o.symbol,
        type: o.type,
        side: o.side,
        price: o.price,
        amount: o.amount,
        filled: o.filled,
        remaining: o.remaining,
        status: 'open',
        reduceOnly: o.reduceOnly,
        positionSide: o.positionSide,
        info: o.info,
      })),
      prices: outPrices,
    };
  }

  /** the size of one ccxt amount unit: the module's word where it knows better than ccxt's market */
  private contractSizeOf(m: any): unknown {
    return (m && this.module.contractSizeOf?.(m)) ?? m?.contractSize;
  }

  private marketSpec(m: any): Record<string, any> {
    const spec = withoutInfo(m);
    const size = this.module.contractSizeOf?.(m) ?? null;
    return size === null ? spec : { ...spec, contractSize: size };
  }
}

function withoutInfo(m: any): Record<string, any> {
  const { info: _info, ...rest } = m;
  return rest;
}
