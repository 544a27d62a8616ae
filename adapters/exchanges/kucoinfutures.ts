import { PayloadShapeError, UnsupportedHoldingError } from '../errors.js';
import { abs, dec, decField, expectArray, expectObject, expectString, isZero, price, sign, sub } from '../exact.js';
import { agreeSide, hasPrice, marketById, paginate } from './common.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext, PositionSideName } from './types.js';

/**
 * KuCoin Futures, classic account (`api-futures.kucoin.com/api/v1/...`).
 *
 * What is read: every settle currency the loaded contract markets have (USDT, USDC,
 * XBT — ccxt's BTC — …), or only the ones the host names (`settleCurrencies`, as
 * "BTC" or "XBT"):
 * - positions: `GET /api/v1/positions?currency=…`, one call per settle currency
 *   (not paged by KuCoin); every row must be in the currency asked for;
 * - balance: `GET /api/v1/account-overview?currency=…`, one call per settle currency;
 * - open orders: `GET /api/v1/orders?status=active`, all symbols, paged with
 *   currentPage/pageSize (100) to `totalPage`;
 * - mark prices: `GET /api/v1/contracts/active` (`markPrice`, `lastTradePrice`), one
 *   call for every contract; `GET /api/v1/mark-price/{symbol}/current` for one symbol.
 * A unified trading account (ccxt `isUTAEnabled()`, `GET /api/ua/v1/account/mode`)
 * keeps its positions and equity elsewhere and is refused.
 *
 * Traps fixed here:
 * - ccxt's fetchBalance() reads one currency (`options.code`, USDT): the USDC and
 *   XBT margined accounts are missing. Here every settle currency is read.
 * - ccxt's fetchOpenOrders() reads the first page (50 orders) only.
 * - ccxt's position `notional` is `posCost`, the cost at entry, not the value at the
 *   mark; the book values contracts · multiplier at the mark and the module states
 *   KuCoin's `markValue` for the check.
 * - sizes are lots of `multiplier` (ccxt contractSize): XBTUSDTM 0.001 BTC, ETHUSDTM
 *   0.01 ETH; inverse XBTUSDM states multiplier −1, one contract = 1 USD. A contract
 *   whose unit cannot be established that way is refused.
 * - hedge mode rows carry positionSide LONG / SHORT (the sign of currentQty must
 *   agree); one-way rows say BOTH or nothing.
 * - KuCoin sends JSON numbers (ccxt turns quoteJsonNumbers off for it): the decimal
 *   strings here are those numbers' shortest round-trip spellings, exact for every
 *   figure with up to 15 significant digits.
 * Equity: `accountEquity` = marginBalance + unrealisedPNL (KuCoin's docs), also
 * ccxt's total. Stated figures: per position `markValue` (settle currency), `markPrice`,
 * `unrealisedPnl`; per currency `accountEquity`, `marginBalance` (the wallet, without
 * unrealized PnL) and `unrealisedPNL`.
 */
export function kucoinFuturesModule(): ExchangeModule {
  return {
    name: 'kucoinfutures',
    verified: true,
    fixes: 'reads every settle currency\'s account (ccxt reads USDT only) and every page of open orders, values positions at the mark (ccxt\'s notional is the entry cost), multiplier lot sizes (XBTUSDM 1 USD), hedge rows; UTA refused',
    hasPositions: true,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      const ex = ctx.exchange;
      await refuseUta(ctx);
      const pages = await Promise.all(settleQueries(ctx).map(async (q) => {
        const where = `positions ${q.settleId}`;
        return { q, where, rows: data(await ex.futuresPrivateGetPositions({ currency: q.settleId }), where) };
      }));
      const out: AdapterPosition[] = [];
      for (const { q, where, rows } of pages) {
        rows.forEach((row, i) => {
          const w = `${where}[${i}]`;
          const qty = decField(row, 'currentQty', w)!;
          if (isZero(qty)) return; // a closed position can linger with isOpen false and currentQty 0
          if (row.settleCurrency !== q.settleId) throw new PayloadShapeError(`${w}: settleCurrency ${JSON.stringify(row.settleCurrency)} in the answer for ${q.settleId}`);
          const market = marketById(ctx, row.symbol, (m) => m.contract === true, w);
          const unit = contractUnit(ctx, market, w);
          const parsed = ex.parsePosition(row, market);
          const { side, positionSide } = sideOf(row, qty, w);
          agreeSide(parsed.side, side, `${w} (${market.symbol})`);
          const mark = price(row.markPrice);
          const value = decField(row, 'markValue', w, false);
          const pnl = decField(row, 'unrealisedPnl', w, false);
          out.push({
            symbol: market.symbol,
            side,
            contracts: abs(qty),
            positionSide,
            markPrice: mark,
            entryPrice: dec(row.avgEntryPrice),
            unrealizedPnl: pnl,
            marginMode: typeof row.marginMode === 'string' ? row.marginMode.toLowerCase() : row.crossMode === true ? 'cross' : row.crossMode === false ? 'isolated' : null,
            leverage: dec(row.leverage ?? row.realLeverage),
            stated: {
              ...(value !== null ? { notional: { value: abs(value), field: 'markValue', currency: unit.valueCurrency } } : {}),
              ...(mark !== null ? { markPrice: { value: mark, field: 'markPrice' } } : {}),
              ...(pnl !== null ? { unrealizedPnl: { value: pnl, field: 'unrealisedPnl' } } : {}),
            },
            info: row,
          });
        });
      }
      return out;
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      await refuseUta(ctx);
      const rows = await Promise.all(settleQueries(ctx).map(async (q) => {
        const where = `account-overview ${q.settleId}`;
        const r = expectObject(await ex.futuresPrivateGetAccountOverview({ currency: q.settleId }), where);
        return { q, where, row: expectObject(r.data, `${where}.data`) };
      }));
      const out: AdapterBalance = {};
      for (const { q, where, row } of rows) {
        if (row.currency !== q.settleId) throw new PayloadShapeError(`${where}: currency ${JSON.stringify(row.currency)} in the answer for ${q.settleId}`);
        const equity = decField(row, 'accountEquity', where)!; // marginBalance + unrealisedPNL
        const wallet = decField(row, 'marginBalance', where, false);
        const pnl = decField(row, 'unrealisedPNL', where, false);
        out[q.code] = {
          total: equity,
          free: dec(row.availableBalance),
          stated: {
            equity: { value: equity, field: 'accountEquity' },
            ...(wallet !== null ? { wallet: { value: wallet, field: 'marginBalance' } } : {}),
            ...(pnl !== null ? { unrealizedPnl: { value: pnl, field: 'unrealisedPNL' } } : {}),
          },
        };
      }
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      await refuseUta(ctx);
      const where = 'orders status=active';
      const rows = await paginate(async (cursor) => {
        const page = Number(cursor ?? 1);
        const r = expectObject(await ex.futuresPrivateGetOrders({ status: 'active', currentPage: page, pageSize: PAGE }), where);
        const d = expectObject(r.data, `${where}.data`);
        const items = expectArray(d.items, `${where}.data.items`);
        const current = Number(d.currentPage);
        const total = Number(d.totalPage);
        if (current !== page) throw new PayloadShapeError(`${where}: asked for page ${page}, got currentPage ${JSON.stringify(d.currentPage)}`);
        if (!Number.isInteger(total) || total < 0) throw new PayloadShapeError(`${where}: totalPage ${JSON.stringify(d.totalPage)}`);
        return { rows: items, next: page < total ? String(page + 1) : undefined };
      }, where);
      const wanted = new Set(settleQueries(ctx).map((q) => q.settleId));
      const out: AdapterOrder[] = [];
      rows.forEach((row, i) => {
        const w = `${where}[${i}]`;
        if (typeof row.settleCurrency === 'string' && !wanted.has(row.settleCurrency)) return; // a settle currency the host left out
        const market = marketById(ctx, row.symbol, (m) => m.contract === true, w);
        contractUnit(ctx, market, w);
        const o = ex.parseOrder(row, market);
        if (o.status !== 'open' || row.isActive === false) return;
        const amount = decField(row, 'size', w)!;
        const filled = decField(row, 'filledSize', w, false) ?? decField(row, 'dealSize', w, false) ?? '0';
        const remaining = sub(amount, filled);
        if (sign(remaining) < 0) throw new PayloadShapeError(`${w}: filledSize ${filled} exceeds size ${amount}`);
        const side = row.side;
        if (side !== 'buy' && side !== 'sell') throw new PayloadShapeError(`${w}: side ${JSON.stringify(side)}`);
        const ps = typeof row.positionSide === 'string' ? row.positionSide.toUpperCase() : 'BOTH';
        const positionSide: PositionSideName = ps === 'LONG' ? 'long' : ps === 'SHORT' ? 'short' : ps === 'BOTH' ? 'net' : (() => { throw new PayloadShapeError(`${w}: positionSide ${JSON.stringify(row.positionSide)}`); })();
        out.push({
          id: expectString(row, 'id', w),
          clientOrderId: typeof row.clientOid === 'string' && row.clientOid !== '' ? row.clientOid : null,
          symbol: market.symbol,
          side,
          type: typeof o.type === 'string' ? o.type : 'limit',
          price: price(row.price),
          amount,
          filled,
          remaining,
          reduceOnly: row.reduceOnly === true || row.closeOrder === true,
          positionSide,
          info: row,
        });
      });
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      for (const row of data(await ex.futuresPublicGetContractsActive(), 'contracts/active')) {
        const byId = ex.markets_by_id?.[row.symbol];
        const m = (Array.isArray(byId) ? byId : []).find((x: any) => x.contract === true);
        if (!m) continue;
        const p = { mark: price(row.markPrice), last: price(row.lastTradePrice), bid: null, ask: null };
        if (hasPrice(p)) out[m.symbol] = p;
      }
      return out;
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      for (const s of symbols) {
        const m = ctx.markets[s];
        if (!m || m.contract !== true) continue;
        const where = `mark-price/${m.id}/current`;
        const r = expectObject(await ex.futuresPublicGetMarkPriceSymbolCurrent({ symbol: m.id }), where);
        const p = { mark: price(expectObject(r.data, `${where}.data`).value) };
        if (hasPrice(p)) out[m.symbol] = p;
      }
      return out;
    },
  };
}

const PAGE = 100;

interface Query { settleId: string; code: string }

/** The settle currencies of the loaded contract markets, restricted to the host's (named by ccxt code or KuCoin id). */
function settleQueries(ctx: FetchContext): Query[] {
  const wanted = ctx.settleCurrencies ? new Set(ctx.settleCurrencies.map((c) => c.toUpperCase())) : null;
  const seen = new Map<string, Query>();
  for (const m of Object.values(ctx.markets)) {
    if (m?.contract !== true || typeof m.settleId !== 'string') continue;
    if (wanted && !wanted.has(String(m.settle).toUpperCase()) && !wanted.has(m.settleId.toUpperCase())) continue;
    seen.set(m.settleId, { settleId: m.settleId, code: String(m.settle) });
  }
  return [...seen.values()].sort((a, b) => a.settleId.localeCompare(b.settleId));
}

/**
 * One contract, from the contract's own payload: linear contracts are `multiplier`
 * base coins (valued in the quote = settle currency); inverse ones with multiplier −1
 * are 1 USD (valued in the settle coin). Anything else is refused.
 */
function contractUnit(ctx: FetchContext, market: any, where: string): { valueCurrency: string } {
  const info = market.info ?? {};
  const multiplier = dec(info.multiplier);
  const cs = dec(market.contractSize);
  if (market.linear === true && info.isInverse !== true && market.quote === market.settle && multiplier !== null && sign(multiplier) > 0 && cs !== null && sub(multiplier, cs) === '0') {
    return { valueCurrency: market.settle };
  }
  if (market.inverse === true && info.isInverse === true && market.quote === 'USD' && market.base === market.settle && multiplier === '-1' && cs === '1') {
    return { valueCurrency: market.settle };
  }
  throw new UnsupportedHoldingError(ctx.source, `${where}: ${market.symbol} has multiplier ${JSON.stringify(info.multiplier)} (isInverse ${String(info.isInverse)}); the unit of one contract cannot be established, so its exposure is not guessed`);
}

function sideOf(row: Record<string, any>, qty: string, where: string): { side: 'long' | 'short'; positionSide: PositionSideName } {
  const s = sign(qty) > 0 ? 'long' : 'short';
  const ps = row.positionSide;
  if (ps === undefined || ps === null || ps === 'BOTH') return { side: s, positionSide: 'net' };
  if (ps === 'LONG' || ps === 'SHORT') {
    const side = ps === 'LONG' ? 'long' : 'short';
    if (side !== s) throw new PayloadShapeError(`${where}: positionSide ${ps} with currentQty ${qty}`);
    return { side, positionSide: side };
  }
  throw new PayloadShapeError(`${where}: positionSide ${JSON.stringify(ps)}`);
}

/** ccxt asks KuCoin once and keeps the answer in options.uta; the three concurrent fetches share the one request in flight */
const utaInFlight = new WeakMap<object, Promise<boolean>>();

async function refuseUta(ctx: FetchContext): Promise<void> {
  const ex = ctx.exchange;
  let check = utaInFlight.get(ex);
  if (!check) {
    check = Promise.resolve(ex.isUTAEnabled()).then((v) => v === true);
    utaInFlight.set(ex, check);
    check.then(() => utaInFlight.delete(ex), () => utaInFlight.delete(ex));
  }
  if (await check) {
    throw new UnsupportedHoldingError(ctx.source, 'KuCoin unified trading account: its positions and equity are in the unified account endpoints, which this module does not read');
  }
}

/** KuCoin's envelope: {"code":"200000","data":[…]} (ccxt has already thrown on an error code). */
function data(resp: unknown, where: string): Record<string, any>[] {
  const r = expectObject(resp, where);
  return expectArray(r.data, `${where}.data`);
}
