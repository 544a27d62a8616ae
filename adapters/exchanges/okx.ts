import { PayloadShapeError, UnsupportedHoldingError } from '../errors.js';
import { abs, dec, decField, expectArray, expectObject, expectString, isZero, price, sub } from '../exact.js';
import { agreeSide, hasPrice, marketById, paginate, sideOfSigned } from './common.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext, PositionSideName } from './types.js';

/**
 * OKX v5 trading account.
 *
 * Traps fixed here:
 * - position modes: in net mode `pos` is signed and `posSide` is "net"; in
 *   long/short mode `pos` is positive on BOTH rows and only `posSide` says which
 *   is the short. The side comes from `posSide`, else the sign of `pos`.
 * - `notionalUsd` (which ccxt copies into `notional`) is in USD, not in the quote
 *   currency, and is computed by OKX at its own price; it is not used — the book
 *   values contracts·ctVal at the mark.
 * - contract size versus base units: `pos` counts contracts of `ctVal` coins
 *   (BTC-USDT-SWAP: 0.01 BTC), inverse contracts are `ctVal` USD.
 * - `markPx` can be empty: the mark-price feed fills in.
 * - MARGIN (spot-margin) and OPTION positions are refused (UnsupportedHoldingError):
 *   their exposure is not contracts·size·mark and guessing would under-count.
 * - open orders are paged (100 a page) to the end; `reduceOnly` is the string "true".
 * Equity: ccxt's `total` is the currency's `eq` (cash balance + unrealized PnL,
 * liabilities netted), which is right; the exact string is re-read from
 * `info.data[0].details`.
 * Stated figures: per position `markPx` and `upl`; per currency `eq` (equity) and `upl`.
 * Not stated:
 * - `notionalUsd` as the position's value: it is USD, not the quote currency (USDT,
 *   USDC), at OKX's own USD price, so the check would read it in the wrong currency;
 * - `cashBal` as the wallet: OKX's `eq` is not `cashBal + upl` in general. The currency's
 *   equity also holds the equity allocated to trading bots (`stgyEq`) and, by OKX's help
 *   pages' formula, the isolated positions' margin, the options' market value, less
 *   accrued cross interest:
 *   OKX's own example of GET /api/v5/account/balance has cashBal 4850.435693622894 + upl
 *   −7.5456 = 4842.890093622894 against eq 4992.890093622894, the 150 of its `stgyEq`. A
 *   wallet + unrealized PnL check on cashBal would report those accounts as mismatches.
 */
export function okxModule(): ExchangeModule {
  return {
    name: 'okx',
    verified: true,
    fixes: 'long/short vs net position modes (pos sign), notionalUsd is USD not quote, ctVal contract sizes, empty markPx, spot-margin/option positions refused',
    hasPositions: true,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      const ex = ctx.exchange;
      const rows = data(await ex.privateGetAccountPositions(), 'account/positions');
      const out: AdapterPosition[] = [];
      rows.forEach((row, i) => {
        const where = `account/positions[${i}]`;
        const pos = decField(row, 'pos', where)!;
        if (isZero(pos)) return; // isolated margin leaves pos "0" rows behind after a transfer
        const instType = expectString(row, 'instType', where);
        if (instType === 'MARGIN' || instType === 'OPTION') {
          throw new UnsupportedHoldingError(ctx.source, `${where}: a ${instType} position in ${String(row.instId)} (risk-guard values contract positions and balances only; close it or exclude this account)`);
        }
        const market = marketById(ctx, row.instId, (m) => m.contract === true, where);
        const parsed = ex.parsePosition(row, market);
        const posSide = expectString(row, 'posSide', where);
        let side: 'long' | 'short';
        let positionSide: PositionSideName;
        if (posSide === 'long' || posSide === 'short') {
          side = posSide;
          positionSide = posSide;
        } else if (posSide === 'net') {
          side = sideOfSigned(pos, where);
          positionSide = 'net';
        } else throw new PayloadShapeError(`${where}: unknown posSide ${JSON.stringify(posSide)}`);
        agreeSide(parsed.side, side, `${where} (${market.symbol})`);
        const mark = price(row.markPx);
        const pnl = dec(row.upl);
        out.push({
          symbol: market.symbol,
          side,
          contracts: abs(pos),
          positionSide,
          markPrice: mark,
          entryPrice: dec(row.avgPx),
          unrealizedPnl: pnl,
          marginMode: typeof row.mgnMode === 'string' ? row.mgnMode : null,
          leverage: dec(row.lever),
          // no notional: OKX's only value of the position, notionalUsd, is in USD (not the quote USDT/USDC) at OKX's own price
          stated: {
            ...(mark !== null ? { markPrice: { value: mark, field: 'markPx' } } : {}),
            ...(pnl !== null ? { unrealizedPnl: { value: pnl, field: 'upl' } } : {}),
          },
          info: row,
        });
      });
      return out;
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      const parsed = await ex.fetchBalance();
      const first = data(parsed?.info, 'account/balance')[0];
      if (!first) throw new PayloadShapeError('account/balance: data is empty');
      const details = expectArray(first.details, 'account/balance.data[0].details');
      const out: AdapterBalance = {};
      details.forEach((d, i) => {
        const where = `account/balance.data[0].details[${i}]`;
        const id = expectString(d, 'ccy', where);
        const total = decField(d, 'eq', where)!; // cashBal + upl (+ bots' and isolated equity, see above), liabilities netted
        const pnl = decField(d, 'upl', where, false);
        // `cashBal` is not stated as the wallet: eq is not cashBal + upl in OKX's semantics (see the module's doc)
        out[ex.safeCurrencyCode(id)] = {
          total,
          free: dec(d.availEq) ?? dec(d.availBal),
          used: dec(d.frozenBal),
          stated: {
            equity: { value: total, field: 'eq' },
            ...(pnl !== null ? { unrealizedPnl: { value: pnl, field: 'upl' } } : {}),
          },
        };
      });
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      const where = 'trade/orders-pending';
      const rows = await paginate(async (after) => {
        const page = data(await ex.privateGetTradeOrdersPending({ limit: '100', ...(after ? { after } : {}) }), where);
        const last = page[page.length - 1];
        return { rows: page, next: page.length === 100 && typeof last?.ordId === 'string' ? last.ordId : undefined };
      }, where);
      const out: AdapterOrder[] = [];
      rows.forEach((row, i) => {
        const w = `${where}[${i}]`;
        const market = marketById(ctx, row.instId, () => true, w);
        const o = ex.parseOrder(row, market);
        if (o.status !== 'open') return;
        const amount = decField(row, 'sz', w)!;
        const filled = decField(row, 'accFillSz', w, false) ?? '0';
        const side = row.side;
        if (side !== 'buy' && side !== 'sell') throw new PayloadShapeError(`${w}: side ${JSON.stringify(side)}`);
        const ps = row.posSide;
        out.push({
          id: expectString(row, 'ordId', w),
          clientOrderId: typeof row.clOrdId === 'string' && row.clOrdId !== '' ? row.clOrdId : null,
          symbol: market.symbol,
          side,
          type: typeof o.type === 'string' ? o.type : 'limit',
          price: price(row.px),
          amount,
          filled,
          remaining: sub(amount, filled),
          reduceOnly: row.reduceOnly === true || row.reduceOnly === 'true',
          positionSide: ps === 'long' || ps === 'short' ? ps : 'net',
          info: row,
        });
      });
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const types = new Set<string>();
      for (const m of Object.values(ctx.markets)) {
        if (m.swap) types.add('SWAP');
        else if (m.future) types.add('FUTURES');
      }
      const out: AdapterPrices = {};
      const results = await Promise.all([...types].sort().map(async (instType) => markPrices(ctx, await ex.publicGetPublicMarkPrice({ instType }), `public/mark-price ${instType}`)));
      for (const r of results) Object.assign(out, r);
      return out;
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      for (const s of symbols) {
        const m = ctx.markets[s];
        if (!m || m.option) continue;
        if (m.contract) {
          Object.assign(out, markPrices(ctx, await ex.publicGetPublicMarkPrice({ instType: m.swap ? 'SWAP' : 'FUTURES', instId: m.id }), `public/mark-price ${m.id}`));
        } else {
          const row = data(await ex.publicGetMarketTicker({ instId: m.id }), `market/ticker ${m.id}`)[0];
          const p = { mark: null, last: price(row?.last), bid: price(row?.bidPx), ask: price(row?.askPx) };
          if (hasPrice(p)) out[m.symbol] = p;
        }
      }
      return out;
    },
  };
}

/** OKX's envelope: {"code":"0","msg":"","data":[…]} (ccxt has already thrown on a non-zero code). */
function data(resp: unknown, where: string): Record<string, any>[] {
  const r = expectObject(resp, where);
  return expectArray(r.data, `${where}.data`);
}

function markPrices(ctx: FetchContext, resp: unknown, where: string): AdapterPrices {
  const out: AdapterPrices = {};
  for (const row of data(resp, where)) {
    const byId = ctx.exchange.markets_by_id?.[row.instId];
    const m = (Array.isArray(byId) ? byId : [])[0];
    if (!m) continue;
    const p = { mark: price(row.markPx), last: null, bid: null, ask: null };
    if (hasPrice(p)) out[m.symbol] = p;
  }
  return out;
}
