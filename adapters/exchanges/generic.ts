import { PayloadShapeError } from '../errors.js';
import { UNIFIED_NOTIONAL_CURRENCY } from '../../src/snapshot/stated-figures.js';
import { abs, dec, expectArray } from '../exact.js';
import { balanceFromUnified, groupByMarketType, orderFromUnified, positionFromUnified, pricesFromTickers } from './common.js';
import type { AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext } from './types.js';

/**
 * Any ccxt exchange with fetchPositions / fetchBalance / fetchOpenOrders and
 * fetchMarkPrices or fetchTickers, through ccxt's unified methods. Traps it
 * handles for every exchange: signs (side + magnitudes only), zero rows, hedge
 * rows, floats (shortest round-trip strings). What it cannot know: whether the
 * exchange's `total` includes unrealized PnL, and whether an empty list was an
 * empty account or a garbled answer — the named modules check the raw payloads.
 */
export function genericModule(options: { positions?: boolean } = {}): ExchangeModule {
  const withPositions = options.positions ?? true;
  return {
    name: 'generic',
    verified: false,
    fixes: 'nothing exchange-specific: unified ccxt structures, signs from side, magnitudes only, zero rows dropped',
    hasPositions: withPositions,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      if (!withPositions || !ctx.exchange.has?.fetchPositions) return [];
      const list = expectArray(await ctx.exchange.fetchPositions(), 'fetchPositions');
      const out: AdapterPosition[] = [];
      list.forEach((p, i) => {
        const row = positionFromUnified(p, ctx, `positions[${i}]`);
        if (row) out.push(withUnifiedFigures(row, p));
      });
      return out;
    },

    async fetchBalance(ctx: FetchContext) {
      return balanceFromUnified(await ctx.exchange.fetchBalance(), 'fetchBalance');
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      if (!ctx.exchange.has?.fetchOpenOrders) throw new PayloadShapeError(`${ctx.exchange.id} cannot list open orders (fetchOpenOrders), so pending exposure is unknown`);
      const list = expectArray(await ctx.exchange.fetchOpenOrders(), 'fetchOpenOrders');
      const out: AdapterOrder[] = [];
      list.forEach((o, i) => {
        const row = orderFromUnified(o, ctx, `openOrders[${i}]`);
        if (row) out.push(row);
      });
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext, hint: string[]): Promise<AdapterPrices> {
      return hint.length ? fetchUnifiedPrices(ctx, hint) : {};
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      return fetchUnifiedPrices(ctx, symbols);
    },
  };
}

/**
 * The figures ccxt parsed from the exchange's own position fields (its value and mark),
 * for self-verification: on an exchange without a module they are the only check that
 * contracts were read in the right unit (Deribit's USD sizes times a contract size of 10
 * disagree with ccxt's notional tenfold). ccxt's unified notional is in the quote on some
 * exchanges and in the coin on others, so either reading is accepted.
 */
function withUnifiedFigures(row: AdapterPosition, p: any): AdapterPosition {
  const notional = dec(p.notional);
  const stated: NonNullable<AdapterPosition['stated']> = {};
  if (notional !== null) stated.notional = { value: abs(notional), field: 'notional (ccxt unified)', currency: UNIFIED_NOTIONAL_CURRENCY };
  if (row.markPrice !== null) stated.markPrice = { value: row.markPrice, field: 'markPrice (ccxt unified)' };
  return Object.keys(stated).length ? { ...row, stated } : row;
}

/** Mark prices where the exchange has them (one call per market type), tickers otherwise. */
export async function fetchUnifiedPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
  const ex = ctx.exchange;
  const out: AdapterPrices = {};
  const groups = [...groupByMarketType(symbols, ctx).entries()];
  const results = await Promise.all(groups.map(async ([key, group]) => {
    const contract = key !== 'spot';
    if (contract && ex.has?.fetchMarkPrices) return pricesFromTickers(await ex.fetchMarkPrices(group), ctx, 'fetchMarkPrices');
    if (ex.has?.fetchTickers) return pricesFromTickers(await ex.fetchTickers(group), ctx, 'fetchTickers');
    const single: AdapterPrices = {};
    for (const s of group) Object.assign(single, pricesFromTickers([await ex.fetchTicker(s)], ctx, 'fetchTicker'));
    return single;
  }));
  for (const r of results) Object.assign(out, r);
  return out;
}
