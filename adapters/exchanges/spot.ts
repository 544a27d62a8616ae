import { PayloadShapeError } from '../errors.js';
import { add, decField, expectArray, expectObject, expectString, isZero, price, sub } from '../exact.js';
import { balanceFromUnified, hasPrice, isSpot, marketById } from './common.js';
import { fetchUnifiedPrices, genericModule } from './generic.js';
import type { AdapterBalance, AdapterOrder, AdapterPrices, ExchangeModule, FetchContext } from './types.js';

/**
 * Spot accounts: no positions; every non-cash balance is a holding worth
 * (total − debt)·price, so the prices needed are the balances' own markets
 * (BTC/USDT for a BTC balance), which the adapter asks for once it knows the
 * currencies, and fetches together with the account afterwards.
 *
 * Trap fixed for Binance spot: ccxt turns `free` and `locked` into floats and adds
 * them; a balance such as 1234567890.12345678 PEPE comes back as
 * 1234567890.1234567. Here total = free + locked is added exactly from
 * `info.balances`, open orders are read raw (origQty/executedQty), and the
 * tickers of the needed symbols come in one call. Other spot exchanges go
 * through ccxt's unified methods.
 */
export function spotModule(exchangeId: string): ExchangeModule {
  if (exchangeId === 'binance' || exchangeId === 'binanceus') return binanceSpot();
  const generic = genericModule({ positions: false });
  return {
    ...generic,
    name: 'spot',
    verified: false,
    fixes: 'spot account: balances are the holdings, no positions',
    async fetchBalance(ctx: FetchContext) {
      return balanceFromUnified(await ctx.exchange.fetchBalance(), 'fetchBalance');
    },
  };
}

function binanceSpot(): ExchangeModule {
  return {
    name: 'binance-spot',
    verified: true,
    fixes: 'spot balances as holdings; free + locked added exactly from info (ccxt floats lose digits on large balances)',
    hasPositions: false,

    async fetchPositions() {
      return [];
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      const parsed = await ex.fetchBalance({ type: 'spot' });
      const info = expectObject(parsed?.info, 'api/v3/account');
      const balances = expectArray(info.balances, 'api/v3/account.balances');
      const out: AdapterBalance = {};
      balances.forEach((b, i) => {
        const where = `api/v3/account.balances[${i}]`;
        const id = expectString(b, 'asset', where);
        const free = decField(b, 'free', where)!;
        const locked = decField(b, 'locked', where)!;
        const total = add(free, locked);
        if (isZero(total)) return;
        out[ex.safeCurrencyCode(id)] = { total, free, used: locked };
      });
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      const rows = expectArray(await ex.privateGetOpenOrders(), 'api/v3/openOrders');
      const out: AdapterOrder[] = [];
      rows.forEach((row, i) => {
        const where = `api/v3/openOrders[${i}]`;
        const market = marketById(ctx, row.symbol, isSpot, where);
        const o = ex.parseOrder(row, market);
        if (o.status !== 'open') return;
        const amount = decField(row, 'origQty', where)!;
        const filled = decField(row, 'executedQty', where)!;
        const side = String(row.side).toLowerCase();
        if (side !== 'buy' && side !== 'sell') throw new PayloadShapeError(`${where}: side ${JSON.stringify(row.side)}`);
        out.push({
          id: String(row.orderId ?? ''),
          clientOrderId: typeof row.clientOrderId === 'string' ? row.clientOrderId : null,
          symbol: market.symbol,
          side,
          type: typeof o.type === 'string' ? o.type : 'limit',
          price: price(row.price),
          amount,
          filled,
          remaining: sub(amount, filled),
          reduceOnly: false,
          positionSide: 'net',
          info: row,
        });
      });
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext, hint: string[]): Promise<AdapterPrices> {
      return tickers(ctx, hint);
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      return tickers(ctx, symbols);
    },
  };
}

/** One /api/v3/ticker/24hr call for every spot symbol wanted; others through ccxt. */
async function tickers(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
  const spot = symbols.filter((s) => isSpot(ctx.markets[s]));
  const other = symbols.filter((s) => ctx.markets[s] && !isSpot(ctx.markets[s]));
  const out: AdapterPrices = other.length ? await fetchUnifiedPrices(ctx, other) : {};
  if (!spot.length) return out;
  const ex = ctx.exchange;
  const ids = spot.map((s) => ctx.markets[s].id);
  const rows = expectArray(await ex.publicGetTicker24hr({ symbols: JSON.stringify(ids) }), 'api/v3/ticker/24hr');
  for (const row of rows) {
    const byId = ex.markets_by_id?.[row.symbol];
    const m = (Array.isArray(byId) ? byId : []).find(isSpot);
    if (!m) continue;
    const p = { mark: null, last: price(row.lastPrice), bid: price(row.bidPrice), ask: price(row.askPrice) };
    if (hasPrice(p)) out[m.symbol] = p;
  }
  return out;
}
