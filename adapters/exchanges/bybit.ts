import { PayloadShapeError } from '../errors.js';
import { abs, add, dec, decField, expectArray, expectObject, expectString, isZero, price, sub } from '../exact.js';
import { agreeSide, hasPrice, isInverseContract, isLinearContract, isSpot, marketById, paginate } from './common.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext, PositionSideName, StatedBalance } from './types.js';

/**
 * Bybit v5 (unified and classic accounts).
 *
 * Traps fixed here:
 * - ccxt's fetchPositions()/fetchOpenOrders() without a symbol send
 *   `category=linear&settleCoin=USDT`: USDC contracts and every inverse contract
 *   are silently missing. Here every category and settle coin the loaded markets
 *   have is read (linear per settle coin, inverse, and spot orders), with
 *   cursor pagination to the end (ccxt's own paginator swallows errors and stops
 *   after 10 pages).
 * - Equity: ccxt puts the coin's `walletBalance` in `total`, which leaves out the
 *   unrealized PnL of open positions (ccxt#24215). Here `total` is the coin's
 *   `equity` (wallet balance + unrealized PnL, with liabilities already netted,
 *   which is why no separate debt is subtracted).
 * - inverse `size` is in USD contracts (contractSize 1 USD), not coins; linear
 *   `size` is in base coin.
 * - side: hedge mode is `positionIdx` 1 (long) / 2 (short); one-way rows say
 *   Buy/Sell, and zero rows say "" — dropped by size.
 * - `positionIdx` arrives as a number or a string; both are read.
 * - ids are shared between spot and linear (BTCUSDT): markets are resolved by
 *   category, never guessed.
 * Stated figures: per position `markPrice` and `unrealisedPnl`; per coin `equity`,
 * `walletBalance` (less `spotBorrow` where the row has it) and `unrealisedPnl`. A
 * position's `positionValue` is deliberately not passed on: Bybit computes it at the
 * average entry price (linear size · avgPrice in the settle coin, inverse size / avgPrice
 * in the coin; every example in Bybit's and ccxt's docs has it so), while the check values
 * at the mark, so it would disagree by the position's unrealized move.
 */
export function bybitModule(): ExchangeModule {
  return {
    name: 'bybit',
    verified: true,
    fixes: 'reads USDC and inverse contracts ccxt leaves out, equity instead of walletBalance, positionIdx hedge rows, inverse sizes in USD',
    hasPositions: true,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      const ex = ctx.exchange;
      const out: AdapterPosition[] = [];
      // the categories are read concurrently; within one, pages follow the cursor
      const pages = await Promise.all(contractQueries(ctx).map(async (q) => {
        const where = `position/list ${q.label}`;
        const rows = await paginate(async (cursor) => page(await ex.privateGetV5PositionList({ ...q.params, limit: 200, ...(cursor ? { cursor } : {}) }), where), where);
        return { q, where, rows };
      }));
      for (const { q, where, rows } of pages) {
        rows.forEach((row, i) => {
          const w = `${where}[${i}]`;
          const size = decField(row, 'size', w)!;
          if (isZero(size)) return; // Bybit keeps a row per symbol the account touched; side "" and size "0"
          const market = marketById(ctx, row.symbol, q.filter, w);
          const parsed = ex.parsePosition(row, market);
          const { side, positionSide } = sideOf(row, w);
          agreeSide(parsed.side, side, `${w} (${market.symbol})`);
          const mark = price(row.markPrice);
          const pnl = dec(row.unrealisedPnl);
          const value = decField(row, 'positionValue', w, false);
          const entry = price(row.avgPrice);
          out.push({
            symbol: market.symbol,
            side,
            contracts: abs(size),
            positionSide,
            markPrice: mark,
            entryPrice: dec(row.avgPrice),
            unrealizedPnl: pnl,
            marginMode: null,
            leverage: dec(row.leverage),
            // `positionValue` is the value at the entry price (size · avgPrice; inverse size / avgPrice,
            // in the coin), not at the mark: it checks the unit of the size at that price
            stated: {
              ...(mark !== null ? { markPrice: { value: mark, field: 'markPrice' } } : {}),
              ...(pnl !== null ? { unrealizedPnl: { value: pnl, field: 'unrealisedPnl' } } : {}),
              ...(value !== null && entry !== null
                ? { valueAtEntry: { value: abs(value), field: 'positionValue', currency: market.inverse ? market.base : market.settle ?? market.quote, entryPrice: { value: entry, field: 'avgPrice' } } }
                : {}),
            },
            info: row,
          });
        });
      }
      return out;
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      const parsed = await ex.fetchBalance();
      const info = expectObject(parsed?.info, 'wallet-balance');
      const result = expectObject(info.result, 'wallet-balance.result');
      const list = expectArray(result.list, 'wallet-balance.result.list');
      const out: AdapterBalance = {};
      list.forEach((entry, i) => {
        const coins = expectArray(entry.coin, `wallet-balance.result.list[${i}].coin`);
        coins.forEach((c, j) => {
          const where = `wallet-balance.result.list[${i}].coin[${j}]`;
          const id = expectString(c, 'coin', where);
          // equity = walletBalance + unrealisedPnl (what the coin is worth now); walletBalance alone misses open PnL
          const equity = decField(c, 'equity', where, false);
          const total = equity ?? decField(c, 'walletBalance', where)!;
          const stated = statedCoin(c, equity, where);
          const code = ex.safeCurrencyCode(id);
          const prev = out[code];
          out[code] = {
            total: prev ? add(prev.total, total) : total,
            free: dec(c.availableToWithdraw),
            used: dec(c.totalPositionIM),
            stated: prev ? mergeStated(prev.stated ?? {}, stated) : stated,
          };
        });
      });
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      const out: AdapterOrder[] = [];
      const queries = [...contractQueries(ctx)];
      if (Object.values(ctx.markets).some(isSpot)) queries.push({ label: 'spot', params: { category: 'spot' }, filter: isSpot });
      const pages = await Promise.all(queries.map(async (q) => {
        const where = `order/realtime ${q.label}`;
        const rows = await paginate(async (cursor) => page(await ex.privateGetV5OrderRealtime({ ...q.params, limit: 50, ...(cursor ? { cursor } : {}) }), where), where);
        return { q, where, rows };
      }));
      for (const { q, where, rows } of pages) {
        rows.forEach((row, i) => {
          const w = `${where}[${i}]`;
          const market = marketById(ctx, row.symbol, q.filter, w);
          const o = ex.parseOrder(row, market);
          if (o.status !== 'open') return;
          const amount = decField(row, 'qty', w)!;
          const filled = decField(row, 'cumExecQty', w, false) ?? '0';
          const remaining = decField(row, 'leavesQty', w, false) ?? sub(amount, filled);
          const side = String(row.side).toLowerCase();
          if (side !== 'buy' && side !== 'sell') throw new PayloadShapeError(`${w}: side ${JSON.stringify(row.side)}`);
          const idx = String(row.positionIdx ?? '0');
          out.push({
            id: expectString(row, 'orderId', w),
            clientOrderId: typeof row.orderLinkId === 'string' && row.orderLinkId !== '' ? row.orderLinkId : null,
            symbol: market.symbol,
            side,
            type: typeof o.type === 'string' ? o.type : 'limit',
            price: price(row.price),
            amount,
            filled,
            remaining,
            reduceOnly: row.reduceOnly === true || row.reduceOnly === 'true' || row.closeOnTrigger === true,
            positionSide: idx === '1' ? 'long' : idx === '2' ? 'short' : 'net',
            info: row,
          });
        });
      }
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext): Promise<AdapterPrices> {
      // bybit has no mark-price list; its tickers carry markPrice, one call per category
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      const cats: Array<[string, (m: any) => boolean]> = [];
      if (Object.values(ctx.markets).some(isLinearContract)) cats.push(['linear', isLinearContract]);
      if (Object.values(ctx.markets).some(isInverseContract)) cats.push(['inverse', isInverseContract]);
      const results = await Promise.all(cats.map(async ([category, filter]) => tickers(ctx, await ex.publicGetV5MarketTickers({ category }), `tickers ${category}`, filter)));
      for (const r of results) Object.assign(out, r);
      return out;
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      for (const s of symbols) {
        const m = ctx.markets[s];
        if (!m || m.option) continue;
        const category = m.spot ? 'spot' : m.inverse ? 'inverse' : 'linear';
        const filter = m.spot ? isSpot : m.inverse ? isInverseContract : isLinearContract;
        Object.assign(out, tickers(ctx, await ex.publicGetV5MarketTickers({ category, symbol: m.id }), `tickers ${category} ${m.id}`, filter));
      }
      return out;
    },
  };
}

interface Query { label: string; params: Record<string, string>; filter: (m: any) => boolean }

/**
 * A coin row's own figures: `equity`, the wallet and `unrealisedPnl`. Under Bybit's UTA
 * manual-borrow logic the row carries `spotBorrow` and `walletBalance` includes the
 * borrowed coins (Bybit: old walletBalance = new walletBalance − spotBorrow; equity =
 * walletBalance − spotBorrow + unrealised PnL), so the wallet without unrealized PnL is
 * walletBalance − spotBorrow there.
 */
function statedCoin(c: Record<string, any>, equity: string | null, where: string): StatedBalance {
  const walletBalance = decField(c, 'walletBalance', where, false);
  const borrow = decField(c, 'spotBorrow', where, false);
  const pnl = decField(c, 'unrealisedPnl', where, false);
  const wallet = walletBalance === null ? null
    : isZero(borrow) ? { value: walletBalance, field: 'walletBalance' }
    : { value: sub(walletBalance, borrow!), field: 'walletBalance - spotBorrow' };
  return {
    ...(equity !== null ? { equity: { value: equity, field: 'equity' } } : {}),
    ...(wallet !== null ? { wallet } : {}),
    ...(pnl !== null ? { unrealizedPnl: { value: pnl, field: 'unrealisedPnl' } } : {}),
  };
}

/** A coin listed twice (two account types in one answer): each figure both rows state, summed; the others dropped. */
function mergeStated(a: StatedBalance, b: StatedBalance): StatedBalance {
  const out: StatedBalance = {};
  for (const k of ['equity', 'wallet', 'unrealizedPnl'] as const) {
    const x = a[k];
    const y = b[k];
    if (x && y) out[k] = { value: add(x.value, y.value), field: x.field === y.field ? x.field : `${x.field} + ${y.field}` };
  }
  return out;
}

/** One query per settle coin of the linear contracts, and one for inverse, as far as the loaded markets have them. */
function contractQueries(ctx: FetchContext): Query[] {
  const settles = new Set<string>();
  let inverse = false;
  for (const m of Object.values(ctx.markets)) {
    if (isLinearContract(m) && typeof m.settleId === 'string') settles.add(m.settleId);
    if (isInverseContract(m)) inverse = true;
  }
  const out: Query[] = [...settles].sort().map((s) => ({ label: `linear ${s}`, params: { category: 'linear', settleCoin: s }, filter: (m: any) => isLinearContract(m) && m.settleId === s }));
  if (inverse) out.push({ label: 'inverse', params: { category: 'inverse' }, filter: isInverseContract });
  return out;
}

function page(resp: unknown, where: string): { rows: Record<string, any>[]; next: string | undefined } {
  const r = expectObject(resp, where);
  const result = expectObject(r.result, `${where}.result`);
  const rows = expectArray(result.list, `${where}.result.list`);
  const next = typeof result.nextPageCursor === 'string' && result.nextPageCursor !== '' ? result.nextPageCursor : undefined;
  return { rows, next };
}

function sideOf(row: Record<string, any>, where: string): { side: 'long' | 'short'; positionSide: PositionSideName } {
  const idx = String(row.positionIdx ?? '');
  const raw = row.side;
  if (idx === '1' || idx === '2') {
    const side = idx === '1' ? 'long' : 'short';
    if ((raw === 'Buy' && side === 'short') || (raw === 'Sell' && side === 'long')) throw new PayloadShapeError(`${where}: positionIdx ${idx} with side ${raw}`);
    return { side, positionSide: side };
  }
  if (idx !== '0' && idx !== '') throw new PayloadShapeError(`${where}: unknown positionIdx ${JSON.stringify(row.positionIdx)}`);
  if (raw === 'Buy') return { side: 'long', positionSide: 'net' };
  if (raw === 'Sell') return { side: 'short', positionSide: 'net' };
  throw new PayloadShapeError(`${where}: a non-zero position with side ${JSON.stringify(raw)}`);
}

function tickers(ctx: FetchContext, resp: unknown, where: string, filter: (m: any) => boolean): AdapterPrices {
  const { rows } = page(resp, where);
  const out: AdapterPrices = {};
  for (const row of rows) {
    const byId = ctx.exchange.markets_by_id?.[row.symbol];
    const m = (Array.isArray(byId) ? byId : []).find(filter);
    if (!m) continue;
    const p = { mark: price(row.markPrice), last: price(row.lastPrice), bid: price(row.bid1Price), ask: price(row.ask1Price) };
    if (hasPrice(p)) out[m.symbol] = p;
  }
  return out;
}
