import { PayloadShapeError, UnsupportedHoldingError } from '../errors.js';
import { Decimal } from '../../src/number.js';
import { abs, add, dec, decField, expectArray, expectObject, expectString, isZero, price, sign, sub } from '../exact.js';
import { agreeSide, hasPrice, marketById } from './common.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext, StatedFigure } from './types.js';

/**
 * Deribit (JSON-RPC over REST, api/v2).
 *
 * What is read, per settle currency (the host's `settleCurrencies`, otherwise every
 * settlement currency of the loaded futures and perpetuals: BTC, ETH, USDC, …):
 * - positions: `private/get_positions?currency=X` (one call per currency, no paging:
 *   Deribit answers with every position of the currency);
 * - open orders: `private/get_open_orders_by_currency?currency=X` (ccxt's
 *   fetchOpenOrders() without a symbol asks for its `options.code`, BTC, only);
 * - balances: `private/get_account_summaries` (every currency in one call; limited to
 *   the host's settle currencies when it names them);
 * - prices: `public/get_book_summary_by_currency?currency=X&kind=future`, the exchange's
 *   `mark_price` of every future and perpetual of the currency (one call per currency);
 *   `public/get_book_summary_by_instrument` for a symbol the feed lacks.
 *
 * Traps fixed here:
 * - units: Deribit's `size` (positions) and `amount` (orders) are USD for inverse
 *   futures and perpetuals and the base coin for linear (USDC) ones, and ccxt passes
 *   them through unchanged, both ways (createOrder sends `amount` as given). ccxt's
 *   market `contractSize` is the instrument's `contract_size` (10 USD for BTC), so
 *   contracts × contractSize counts every Deribit future ten times (ccxt#13313). Here
 *   one ccxt amount unit is what it is: contractSizeOf() is 1 (USD or coin) for every
 *   Deribit future, so positions, open orders and the bot's own order amounts (ccxt's
 *   unit) are valued alike, and the market's lot (`min_trade_amount`, 10 USD) keeps its
 *   meaning.
 * - a linear position's `size` is read as the base coin only when its own `delta`
 *   (the position in coin) says the same; otherwise it is refused (the docs state the
 *   unit for linear order amounts but show no linear position).
 * - side from `direction` ("buy"/"sell"/"zero"), which must agree with the sign of
 *   `size` and with ccxt's parsePosition; "zero" rows are dropped.
 * - equity: `equity` per currency (balance + futures session upl + futures session
 *   rpl, plus options value); Deribit's `balance` leaves out the session's realized
 *   and unrealized PnL until settlement.
 * - options (positions and open orders) are refused (UnsupportedHoldingError).
 * Deribit sends decimals as JSON numbers; they are read back with their shortest
 * round-trip spelling (what Deribit wrote, for up to 17 significant digits).
 */
export function deribitModule(): ExchangeModule {
  return {
    name: 'deribit',
    verified: true,
    fixes: 'sizes already in USD (or coin) valued at contract size 1, not ccxt\'s 10, every settle currency\'s positions and open orders (ccxt asks for BTC only), equity with the session\'s PnL, options refused',
    hasPositions: true,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      const ex = ctx.exchange;
      const answers = await Promise.all(currencies(ctx).map(async (c) => ({ c, rows: result(await ex.privateGetGetPositions({ currency: c }), `get_positions ${c}`) })));
      const out: AdapterPosition[] = [];
      for (const { c, rows } of answers) {
        expectArray(rows, `get_positions ${c}.result`).forEach((row, i) => {
          const where = `get_positions ${c}[${i}]`;
          const kind = expectString(row, 'kind', where);
          const size = decField(row, 'size', where)!;
          const direction = row.direction;
          if (isZero(size)) {
            if (direction !== 'zero' && direction !== 'buy' && direction !== 'sell') throw new PayloadShapeError(`${where}: unknown direction ${JSON.stringify(direction)}`);
            return; // rows of instruments traded this session and closed since
          }
          if (kind === 'option' || kind === 'option_combo') {
            throw new UnsupportedHoldingError(ctx.source, `${where}: an option position in ${String(row.instrument_name)} (risk-guard values futures, perpetuals and balances only; its exposure is a delta, not a notional)`);
          }
          if (kind !== 'future') throw new UnsupportedHoldingError(ctx.source, `${where}: a ${kind} position in ${String(row.instrument_name)} is not a future the guard can value`);
          const market = marketById(ctx, row.instrument_name, (m) => m.contract === true && m.option !== true, where);
          let side: 'long' | 'short';
          if (direction === 'buy') side = 'long';
          else if (direction === 'sell') side = 'short';
          else throw new PayloadShapeError(`${where} (${market.symbol}): a non-zero position with direction ${JSON.stringify(direction)}`);
          if ((side === 'long' && sign(size) < 0) || (side === 'short' && sign(size) > 0)) {
            throw new PayloadShapeError(`${where} (${market.symbol}): direction ${direction} contradicts size ${size}`);
          }
          agreeSide(ex.parsePosition(row, market).side, side, `${where} (${market.symbol})`);
          const notional = statedNotional(ctx, row, market, size, `${where} (${market.symbol})`);
          const mark = price(row.mark_price);
          out.push({
            symbol: market.symbol,
            side,
            contracts: abs(size),
            positionSide: 'net',
            markPrice: mark,
            entryPrice: dec(row.average_price),
            unrealizedPnl: dec(row.floating_profit_loss),
            marginMode: null,
            leverage: dec(row.leverage),
            stated: {
              ...(notional ? { notional } : {}),
              ...(mark !== null ? { markPrice: { value: mark, field: 'mark_price' } } : {}),
              ...(dec(row.floating_profit_loss) !== null ? { unrealizedPnl: { value: dec(row.floating_profit_loss)!, field: 'floating_profit_loss' } } : {}),
            },
            info: row,
          });
        });
      }
      return out;
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      const r = expectObject(result(await ex.privateGetGetAccountSummaries(), 'get_account_summaries'), 'get_account_summaries.result');
      const summaries = expectArray(r.summaries, 'get_account_summaries.result.summaries');
      const wanted = ctx.settleCurrencies ? new Set(ctx.settleCurrencies) : null;
      const out: AdapterBalance = {};
      summaries.forEach((s, i) => {
        const where = `get_account_summaries.summaries[${i}]`;
        const id = expectString(s, 'currency', where);
        const code = ex.safeCurrencyCode(id);
        if (wanted && !wanted.has(code)) return;
        if (out[code]) throw new PayloadShapeError(`${where}: currency ${id} appears twice`);
        const equity = decField(s, 'equity', where)!;
        const balance = decField(s, 'balance', where)!;
        const rpl = decField(s, 'futures_session_rpl', where, false);
        const upl = decField(s, 'futures_session_upl', where, false);
        const stated: { equity: StatedFigure; wallet?: StatedFigure; unrealizedPnl?: StatedFigure } = { equity: { value: equity, field: 'equity' } };
        if (rpl !== null && upl !== null) {
          // the wallet without unrealized PnL: the balance plus what the session has realized (booked into balance at settlement)
          stated.wallet = { value: add(balance, rpl), field: 'balance + futures_session_rpl' };
          stated.unrealizedPnl = { value: upl, field: 'futures_session_upl' };
        }
        out[code] = { total: equity, free: dec(s.available_funds), used: dec(s.initial_margin), stated };
      });
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      const answers = await Promise.all(currencies(ctx).map(async (c) => ({ c, rows: result(await ex.privateGetGetOpenOrdersByCurrency({ currency: c }), `get_open_orders_by_currency ${c}`) })));
      const out: AdapterOrder[] = [];
      for (const { c, rows } of answers) {
        expectArray(rows, `get_open_orders_by_currency ${c}.result`).forEach((row, i) => {
          const where = `get_open_orders_by_currency ${c}[${i}]`;
          const market = marketById(ctx, row.instrument_name, () => true, where);
          if (market.option === true) {
            throw new UnsupportedHoldingError(ctx.source, `${where}: an open option order in ${market.id} (options are not supported)`);
          }
          const o = ex.parseOrder(row, market);
          if (o.status !== 'open') return;
          const direction = row.direction;
          if (direction !== 'buy' && direction !== 'sell') throw new PayloadShapeError(`${where}: direction ${JSON.stringify(direction)}`);
          const amount = decField(row, 'amount', where)!;
          const filled = decField(row, 'filled_amount', where, false) ?? '0';
          out.push({
            id: expectString(row, 'order_id', where),
            clientOrderId: typeof row.label === 'string' && row.label !== '' ? row.label : null,
            symbol: market.symbol,
            side: direction,
            type: typeof o.type === 'string' ? o.type : 'limit',
            price: row.price === 'market_price' ? null : price(row.price),
            amount,
            filled,
            remaining: sub(amount, filled),
            reduceOnly: row.reduce_only === true,
            positionSide: 'net',
            info: row,
          });
        });
      }
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      const answers = await Promise.all(currencies(ctx).map(async (c) => bookSummaries(ctx, await ex.publicGetGetBookSummaryByCurrency({ currency: c, kind: 'future' }), `get_book_summary_by_currency ${c}`)));
      for (const a of answers) Object.assign(out, a);
      return out;
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      for (const s of symbols) {
        const m = ctx.markets[s];
        if (!m || m.option) continue;
        Object.assign(out, bookSummaries(ctx, await ex.publicGetGetBookSummaryByInstrument({ instrument_name: m.id }), `get_book_summary_by_instrument ${m.id}`));
      }
      return out;
    },

    contractSizeOf(market: any): string | null {
      // ccxt's Deribit amounts are the exchange's `amount`: USD (inverse) or the base coin (linear)
      return market?.contract === true && market.option !== true ? '1' : null;
    },
  };
}

/**
 * The position in coin as Deribit states it. Inverse: `size_currency` (size USD / mark).
 * Linear (USDC): the docs say amounts are in the base coin but publish no position, so
 * the unit of `size` must be confirmed by the row itself: its `delta` (the position in
 * the base coin, as `delta` = `size_currency` in the docs' inverse example) must equal
 * `size`, else the position is refused rather than valued in a guessed unit.
 */
function statedNotional(ctx: FetchContext, row: Record<string, any>, market: any, size: string, where: string): (StatedFigure & { currency: string }) | null {
  if (market.inverse === true) {
    const coins = dec(row.size_currency);
    return coins === null ? null : { value: abs(coins), field: 'size_currency', currency: market.base };
  }
  const delta = dec(row.delta);
  const agrees = delta !== null && !isZero(delta) && new Decimal(abs(delta)).minus(abs(size)).abs().lte(new Decimal(abs(size)).mul('0.001'));
  if (!agrees) {
    throw new UnsupportedHoldingError(ctx.source, `${where}: the unit of a linear position's size cannot be established (size ${size}, delta ${delta ?? 'missing'}; size is read as ${market.base}, which delta must confirm)`);
  }
  return { value: abs(delta!), field: 'delta', currency: market.base };
}

/** The exchange's currency ids to read: the host's settle currencies, else every settlement currency of the loaded futures. */
function currencies(ctx: FetchContext): string[] {
  const ids = new Set<string>();
  for (const m of Object.values(ctx.markets)) {
    if (!m || m.contract !== true || m.option === true || typeof m.settleId !== 'string') continue;
    if (ctx.settleCurrencies && !ctx.settleCurrencies.includes(m.settle)) continue;
    ids.add(m.settleId);
  }
  return [...ids].sort();
}

/** Deribit's JSON-RPC envelope: {"jsonrpc":"2.0","result":…} (ccxt has already thrown on an "error" member). */
function result(resp: unknown, where: string): any {
  const r = expectObject(resp, where);
  if (!('result' in r)) throw new PayloadShapeError(`${where}: the answer has no result`);
  return r.result;
}

function bookSummaries(ctx: FetchContext, resp: unknown, where: string): AdapterPrices {
  const out: AdapterPrices = {};
  for (const row of expectArray(result(resp, where), `${where}.result`)) {
    const byId = ctx.exchange.markets_by_id?.[row.instrument_name];
    const m = (Array.isArray(byId) ? byId : []).find((x: any) => x.option !== true);
    if (!m) continue;
    const p = { mark: price(row.mark_price), last: price(row.last), bid: price(row.bid_price), ask: price(row.ask_price) };
    if (hasPrice(p)) out[m.symbol] = p;
  }
  return out;
}
