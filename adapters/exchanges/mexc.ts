import { PayloadShapeError, UnsupportedHoldingError } from '../errors.js';
import { add, dec, decField, expectArray, expectObject, expectString, isZero, price, sub } from '../exact.js';
import { agreeSide, hasPrice, marketById, paginate } from './common.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext, PositionSideName, StatedBalance, StatedFigure } from './types.js';

/**
 * MEXC futures (contract API v1, `contract.mexc.com` paths under api.mexc.com).
 *
 * What is read, every snapshot:
 * - positions: GET api/v1/private/position/open_positions (every contract, every
 *   settle currency, one list) and GET api/v1/private/position/position_mode
 *   (1 dual-side, 2 one-way), concurrently;
 * - balances: GET api/v1/private/account/assets (every currency of the futures account);
 * - open orders: GET api/v1/private/order/list/open_orders, page_num 1, 2, … of 100
 *   until a page is not full (hard cap: `paginate`);
 * - prices: GET api/v1/contract/ticker (every contract in one call): `fairPrice` is
 *   MEXC's mark price, with lastPrice, bid1 and ask1; single symbols with ?symbol=.
 * Settle currencies: MEXC answers every settle currency (USDT-M and USDC-M alike) in
 * the same lists, so all are read whatever `ctx.settleCurrencies` names; nothing the
 * account holds is dropped.
 *
 * Traps fixed here:
 * - order sides: MEXC's `side` is 1 open long, 2 close short, 3 open short, 4 close long.
 *   ccxt's parseOrderSide maps "2" to sell (a close-short is a buy) and leaves 3 and 4
 *   unmapped. Here 1/2 are buys and 3/4 sells; 2 and 4 are reduce-only; in dual-side
 *   mode the order belongs to the long (1, 4) or short (2, 3) position.
 * - equity: ccxt's swap balance has free = availableBalance and used = frozenBalance,
 *   so its total leaves out the position margin and the unrealized PnL. Here `total`
 *   is the currency's `equity` (cashBalance + unrealized), stated with its parts.
 * - open orders: ccxt reads one page of 100; here every page.
 * - position side from `positionType` (1 long, 2 short; anything else is refused — ccxt
 *   reads any other value as short); margin mode from `openType` (ccxt reads a
 *   `margin_mode` field that does not exist and calls every position cross).
 * - dual-side vs one-way: the account's position mode decides whether a row is a
 *   long/short holding of its own or the one net holding of its symbol.
 * - contract sizes: `holdVol` and `vol` count contracts of the market's contractSize
 *   (BTC_USDT: 0.0001 BTC). Coin-margined (inverse) contracts are refused
 *   (UnsupportedHoldingError): MEXC's contract detail does not say in which unit an
 *   inverse contractSize is, so a value cannot be established without guessing.
 * - numbers: the contract API sends JSON numbers, not strings; they are taken as
 *   parsed (exact for every value with up to 15 significant digits); `priceStr` and
 *   `holdAvgPriceFullyScale` strings are preferred where MEXC sends them.
 * Not read: plan (trigger) and stop-limit orders (planorder/stoporder lists), which
 * MEXC keeps apart from open orders; the trial `bonus` is not added to equity.
 */
export function mexcModule(): ExchangeModule {
  return {
    name: 'mexc',
    verified: true,
    fixes: 'order sides 1–4 (ccxt reads a close-short as a sell), equity instead of available + frozen, open orders paged to the end, dual-side vs one-way positions, inverse contracts refused',
    hasPositions: true,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      const ex = ctx.exchange;
      const [raw, modeRaw] = await Promise.all([ex.contractPrivateGetPositionOpenPositions(), ex.contractPrivateGetPositionPositionMode()]);
      const rows = data(raw, 'position/open_positions');
      const dual = positionMode(modeRaw) === 1;
      const out: AdapterPosition[] = [];
      rows.forEach((row, i) => {
        const where = `position/open_positions[${i}]`;
        const vol = decField(row, 'holdVol', where)!;
        if (isZero(vol) || String(row.state) === '3') return; // closed rows carry nothing
        if (vol.startsWith('-')) throw new PayloadShapeError(`${where}: holdVol ${vol} is negative; MEXC sends magnitudes`);
        const market = marketById(ctx, row.symbol, (m) => m.contract === true && m.swap === true, where);
        refuseInverse(ctx, market, where);
        const type = String(row.positionType);
        if (type !== '1' && type !== '2') throw new PayloadShapeError(`${where}: unknown positionType ${JSON.stringify(row.positionType)}`);
        const side = type === '1' ? 'long' : 'short';
        agreeSide(ex.parsePosition(row, market).side, side, `${where} (${market.symbol})`);
        const openType = String(row.openType);
        out.push({
          symbol: market.symbol,
          side,
          contracts: vol,
          positionSide: dual ? side : 'net',
          markPrice: null, // open_positions carries no mark: the ticker feed's fairPrice values it
          entryPrice: dec(row.holdAvgPriceFullyScale) ?? dec(row.holdAvgPrice),
          unrealizedPnl: null,
          marginMode: openType === '1' ? 'isolated' : openType === '2' ? 'cross' : null,
          leverage: dec(row.leverage),
          info: row,
        });
      });
      return out;
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      const rows = data(await ex.contractPrivateGetAccountAssets(), 'account/assets');
      const out: AdapterBalance = {};
      rows.forEach((row, i) => {
        const where = `account/assets[${i}]`;
        const id = expectString(row, 'currency', where);
        const equity = decField(row, 'equity', where)!; // cashBalance + unrealized
        const cash = decField(row, 'cashBalance', where, false);
        const upl = decField(row, 'unrealized', where, false);
        if (isZero(equity) && isZero(cash)) return; // currencies the account never funded
        const stated: StatedBalance = { equity: fig(equity, 'equity') };
        if (cash !== null) stated.wallet = fig(cash, 'cashBalance');
        if (upl !== null) stated.unrealizedPnl = fig(upl, 'unrealized');
        const position = decField(row, 'positionMargin', where, false) ?? '0';
        const frozen = decField(row, 'frozenBalance', where, false) ?? '0';
        out[ex.safeCurrencyCode(id)] = { total: equity, free: decField(row, 'availableBalance', where, false), used: add(position, frozen), stated };
      });
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      const where = 'order/list/open_orders';
      const PAGE = 100;
      let pageNum = 1;
      const rows = await paginate(async () => {
        const page = data(await ex.contractPrivateGetOrderListOpenOrders({ page_num: pageNum, page_size: PAGE }), `${where} page ${pageNum}`);
        pageNum += 1;
        return { rows: page, next: page.length >= PAGE ? String(pageNum) : undefined };
      }, where);
      const out: AdapterOrder[] = [];
      rows.forEach((row, i) => {
        const w = `${where}[${i}]`;
        const state = String(row.state);
        if (state !== '1' && state !== '2') return; // 3 filled, 4 canceled, 5 invalid
        const market = marketById(ctx, row.symbol, (m) => m.contract === true && m.swap === true, w);
        refuseInverse(ctx, market, w);
        const code = String(row.side);
        if (!['1', '2', '3', '4'].includes(code)) throw new PayloadShapeError(`${w}: unknown side ${JSON.stringify(row.side)}`);
        const mode = String(row.positionMode ?? '');
        if (mode !== '1' && mode !== '2') throw new PayloadShapeError(`${w}: unknown positionMode ${JSON.stringify(row.positionMode)}`);
        const side: 'buy' | 'sell' = code === '1' || code === '2' ? 'buy' : 'sell';
        const closing = code === '2' || code === '4';
        let positionSide: PositionSideName = 'net';
        if (mode === '1') positionSide = code === '1' || code === '4' ? 'long' : 'short';
        const amount = decField(row, 'vol', w)!;
        const filled = decField(row, 'dealVol', w, false) ?? '0';
        out.push({
          id: orderId(row, w),
          clientOrderId: typeof row.externalOid === 'string' && row.externalOid !== '' ? row.externalOid : null,
          symbol: market.symbol,
          side,
          type: String(row.orderType) === '5' ? 'market' : 'limit',
          price: price(row.priceStr) ?? price(row.price),
          amount,
          filled,
          remaining: sub(amount, filled),
          reduceOnly: closing || row.reduceOnly === true,
          positionSide,
          info: row,
        });
      });
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext): Promise<AdapterPrices> {
      if (!Object.values(ctx.markets).some((m) => m?.contract === true)) return {};
      const rows = data(await ctx.exchange.contractPublicGetTicker(), 'contract/ticker');
      return tickers(ctx, rows);
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      const out: AdapterPrices = {};
      for (const s of symbols) {
        const m = ctx.markets[s];
        if (!m || m.contract !== true) continue; // spot prices are not part of the futures account
        const r = expectObject(await ctx.exchange.contractPublicGetTicker({ symbol: m.id }), `contract/ticker ${m.id}`);
        const d = r.data;
        Object.assign(out, tickers(ctx, Array.isArray(d) ? expectArray(d, `contract/ticker ${m.id}.data`) : [expectObject(d, `contract/ticker ${m.id}.data`)]));
      }
      return out;
    },
  };
}

/** MEXC's envelope: {"success":true,"code":0,"data":[…]}; anything else is not an answer to trust. */
function data(resp: unknown, where: string): Record<string, any>[] {
  const r = expectObject(resp, where);
  if (r.success !== true) throw new PayloadShapeError(`${where}: success is ${JSON.stringify(r.success)} (code ${JSON.stringify(r.code)})`);
  return expectArray(r.data, `${where}.data`);
}

/** position_mode answers {"data":1} (dual-side) or {"data":2} (one-way); the docs also name it positionMode. */
function positionMode(resp: unknown): 1 | 2 {
  const r = expectObject(resp, 'position/position_mode');
  if (r.success !== true) throw new PayloadShapeError(`position/position_mode: success is ${JSON.stringify(r.success)}`);
  const v = r.data !== null && typeof r.data === 'object' ? r.data.positionMode : r.data;
  if (String(v) === '1') return 1;
  if (String(v) === '2') return 2;
  throw new PayloadShapeError(`position/position_mode: unknown position mode ${JSON.stringify(r.data)}`);
}

function refuseInverse(ctx: FetchContext, market: any, where: string): void {
  if (market.inverse === true || market.linear !== true) {
    throw new UnsupportedHoldingError(ctx.source, `${where}: ${market.symbol} is a coin-margined contract; MEXC does not state the unit of its contractSize, so its exposure cannot be established (close it or exclude this account)`);
  }
}

function orderId(row: Record<string, any>, where: string): string {
  const v = row.orderId;
  if ((typeof v === 'string' && v !== '') || typeof v === 'number') return String(v);
  throw new PayloadShapeError(`${where}: field "orderId" is missing`);
}

function fig(value: string, field: string): StatedFigure {
  return { value, field };
}

function tickers(ctx: FetchContext, rows: Record<string, any>[]): AdapterPrices {
  const out: AdapterPrices = {};
  for (const row of rows) {
    const byId = ctx.exchange.markets_by_id?.[row.symbol];
    const m = (Array.isArray(byId) ? byId : []).find((x: any) => x?.contract === true);
    if (!m) continue;
    const p = { mark: price(row.fairPrice), last: price(row.lastPrice), bid: price(row.bid1), ask: price(row.ask1) };
    if (hasPrice(p)) out[m.symbol] = p;
  }
  return out;
}
