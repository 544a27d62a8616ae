import { Decimal, ONE } from '../number.js';
import { times } from './aggregates.js';
import type { Holding } from './holding.js';
import type { MarketSpec } from './market.js';

interface AccountPrices {
  markets: ReadonlyMap<string, MarketSpec>;
  prices: Map<string, Decimal>;
}

interface ConversionMarket {
  account: string;
  symbol: string;
  /** quoted in the quote currency itself (preferred over another cash currency) */
  direct: boolean;
}

/**
 * What one unit of a holding is worth in the quote currency: the accounts' markets and
 * prices, the markets that convert other currencies, and which holdings depend on which
 * price (so a price tick revalues only those). Writes prices and the holdings' price keys;
 * the sums follow through Aggregates.setUnitValue.
 */
export class Valuation {
  private readonly accounts = new Map<string, AccountPrices>();
  /** currency → markets that price it (base = currency, quote = a cash currency) */
  private readonly conversions = new Map<string, ConversionMarket[]>();
  /** price key (account|symbol) → holdings valued through it */
  private readonly dependents = new Map<string, Set<Holding>>();

  constructor(
    readonly quoteCurrency: string,
    /** currencies worth 1 quote each (the quote currency included) */
    readonly cashCurrencies: ReadonlySet<string>,
  ) {}

  hasAccount(account: string): boolean {
    return this.accounts.has(account);
  }

  accountNames(): string[] {
    return [...this.accounts.keys()];
  }

  /** The first account (in the order given) that lists a market, or a named one. */
  findMarket(symbol: string, account?: string): { account: string; market: MarketSpec } | null {
    if (account !== undefined) {
      const m = this.accounts.get(account)?.markets.get(symbol);
      return m ? { account, market: m } : null;
    }
    for (const [name, a] of this.accounts) {
      const m = a.markets.get(symbol);
      if (m) return { account: name, market: m };
    }
    return null;
  }

  market(account: string, symbol: string): MarketSpec | undefined {
    return this.accounts.get(account)?.markets.get(symbol);
  }

  /** The valuation price (mark, then last, then mid) of a symbol on an account. */
  price(account: string, symbol: string): Decimal | null {
    return this.accounts.get(account)?.prices.get(symbol) ?? null;
  }

  /** Value of one unit of `currency` in the quote currency, or null when no market prices it. */
  conversion(currency: string, preferAccount?: string): Decimal | null {
    if (this.cashCurrencies.has(currency)) return ONE;
    const found = this.conversionMarket(currency, preferAccount);
    return found ? this.price(found.account, found.symbol) : null;
  }

  /**
   * Quote-currency notional of one unit of amount at `price` (the mark when null):
   * linear and spot size·price·conv(quote), inverse size·conv(quote).
   */
  notionalPerUnit(account: string, market: MarketSpec, price: Decimal | null): Decimal | null {
    const conv = this.conversion(market.quote, account);
    if (conv === null) return null;
    if (market.instrument === 'inverse') return times(market.contractSize, conv);
    const px = price ?? this.price(account, market.symbol);
    if (px === null) return null;
    return times(times(market.contractSize, px), conv);
  }

  /** A read's markets and prices replace the account's. */
  setAccount(account: string, markets: ReadonlyMap<string, MarketSpec>, prices: ReadonlyMap<string, Decimal>): void {
    this.accounts.set(account, { markets, prices: new Map(prices) });
    this.indexConversions();
  }

  /** A price tick; returns the holdings whose value depends on it. */
  setPrice(account: string, symbol: string, price: Decimal): Holding[] {
    const a = this.accounts.get(account);
    if (!a || !price.gt(0)) return [];
    a.prices.set(symbol, price);
    return [...(this.dependents.get(`${account}|${symbol}`) ?? [])];
  }

  /** The unit value of a holding now, remembering which price it depends on. */
  value(h: Holding): Decimal | null {
    const { value, key } = this.valueOf(h);
    if (key !== h.priceKey) {
      if (h.priceKey) this.dependents.get(h.priceKey)?.delete(h);
      if (key) {
        let set = this.dependents.get(key);
        if (!set) this.dependents.set(key, (set = new Set()));
        set.add(h);
      }
      h.priceKey = key;
    }
    return value;
  }

  /** The unit value a holding would have, without tracking it (what-if holdings). */
  peek(h: Holding): Decimal | null {
    return this.valueOf(h).value;
  }

  /** A holding left the book. */
  forget(h: Holding): void {
    if (h.priceKey) this.dependents.get(h.priceKey)?.delete(h);
    h.priceKey = null;
  }

  private valueOf(h: Holding): { value: Decimal | null; key: string | null } {
    if (h.instrument === 'balance') {
      const found = this.conversionMarket(h.asset, h.account);
      if (!found) return { value: null, key: null };
      return { value: this.price(found.account, found.symbol), key: `${found.account}|${found.symbol}` };
    }
    const m = h.market!;
    const conv = this.conversion(m.quote, h.account);
    if (conv === null) return { value: null, key: null };
    if (h.instrument === 'inverse') return { value: times(m.contractSize, conv), key: null };
    const px = this.price(h.account, m.symbol);
    return { value: px === null ? null : times(times(m.contractSize, px), conv), key: `${h.account}|${m.symbol}` };
  }

  private conversionMarket(currency: string, preferAccount?: string): ConversionMarket | null {
    const list = this.conversions.get(currency);
    if (!list || list.length === 0) return null;
    // a direct quote (quote = quoteCurrency) first, then the asking account, then whichever has a price
    let best: ConversionMarket | null = null;
    let bestScore = -1;
    for (const c of list) {
      if (this.price(c.account, c.symbol) === null) continue;
      const score = (c.direct ? 2 : 0) + (c.account === preferAccount ? 1 : 0);
      if (score > bestScore) { best = c; bestScore = score; }
    }
    return best;
  }

  private indexConversions(): void {
    this.conversions.clear();
    for (const [account, a] of this.accounts) {
      for (const m of a.markets.values()) {
        if (this.cashCurrencies.has(m.base) || !this.cashCurrencies.has(m.quote)) continue;
        let list = this.conversions.get(m.base);
        if (!list) this.conversions.set(m.base, (list = []));
        list.push({ account, symbol: m.symbol, direct: m.quote === this.quoteCurrency });
      }
    }
  }
}
