import { PayloadShapeError, UnsupportedHoldingError } from '../errors.js';
import { add, dec, decField, expectArray, expectObject, expectString, isZero, price, sign, sub } from '../exact.js';
import { agreeSide, hasPrice, marketById, paginate } from './common.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext, PositionSideName, StatedBalance } from './types.js';

/**
 * Bitget classic account, futures API v2 (`/api/v2/mix/...`).
 *
 * What is read: every product type the loaded markets have — USDT-FUTURES (USDT-M),
 * USDC-FUTURES (USDC-M), COIN-FUTURES (coin-M) — or only the ones whose settle
 * currency the host names (`settleCurrencies`); the demo products (SUSDT-, SUSDC-,
 * SCOIN-FUTURES) only when ccxt's sandbox mode is on, and then only they:
 * - positions: `GET /api/v2/mix/position/all-position?productType=…[&marginCoin=…]`
 *   (one call per product type; Bitget does not page it);
 * - balance: `GET /api/v2/mix/account/accounts?productType=…`, a row per margin coin;
 * - open orders: `GET /api/v2/mix/order/orders-pending?productType=…`, 100 a page,
 *   following `endId` (as `idLessThan`) to the end;
 * - mark prices: `GET /api/v2/mix/market/tickers?productType=…` (`markPrice`, `lastPr`,
 *   `bidPr`, `askPr`), one call per product type.
 * Unified trading accounts (UTA, `/api/v3/...`; ccxt `options.uta`) and the classic
 * account's multi-asset ("union") margin mode are refused: this module does not read
 * them, and reading them with the classic fields would be wrong.
 *
 * Traps fixed here:
 * - ccxt's fetchPositions()/fetchBalance()/fetchOpenOrders() without a symbol send
 *   productType USDT-FUTURES (ccxt#20890): USDC-M and coin-M are silently missing.
 * - coin-M sizes are coins of the base currency (a BTCUSD position of `total` 0.5 is
 *   0.5 BTC), while ccxt's market says an inverse contract of contractSize 1, which
 *   the guard reads as 1 USD: a 1 BTC position would count as 1 USD. A coin-M
 *   position or order is refused (UnsupportedHoldingError) rather than misvalued;
 *   coin-M balances are read.
 * - hedge mode: an order's `side` is the side of the position it belongs to (a close
 *   of a long says "buy" with tradeSide "close", ccxt#21418); the direction of the
 *   trade is read from posSide + tradeSide, and the raw side must match the position.
 * - nothing pending may come as `entrustedList` null (with no `endId`): read as empty,
 *   as ccxt does; a null list next to a cursor is refused.
 * Equity: `accountEquity` (includes unrealized PnL), which is also ccxt's total.
 * Stated figures: per position `markPrice` and `unrealizedPL` (Bitget states no
 * position value); per currency `accountEquity` and, when sent, `unrealizedPL`.
 * Bitget states no wallet balance without unrealized PnL, so an equity that left
 * out unrealized PnL cannot be caught from these figures.
 */
export function bitgetModule(): ExchangeModule {
  return {
    name: 'bitget',
    verified: true,
    fixes: 'reads USDC-M and coin-M next to USDT-M (ccxt reads USDT-M only), refuses coin-M positions sized in coins (ccxt says 1 USD contracts), hedge-mode order sides, UTA and multi-asset mode refused',
    hasPositions: true,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      const ex = ctx.exchange;
      refuseUta(ctx);
      const pages = await Promise.all(productQueries(ctx).map(async (q) => {
        const where = `position/all-position ${q.productType}`;
        const resp = await ex.privateMixGetV2MixPositionAllPosition({ productType: q.productType, ...(q.marginCoin ? { marginCoin: q.marginCoin } : {}) });
        return { q, where, rows: data(resp, where) };
      }));
      const out: AdapterPosition[] = [];
      for (const { q, where, rows } of pages) {
        rows.forEach((row, i) => {
          const w = `${where}[${i}]`;
          const size = decField(row, 'total', w)!;
          if (isZero(size)) return;
          if (!q.wants(row.marginCoin)) return;
          if (sign(size) < 0) throw new PayloadShapeError(`${w}: a negative total ${size}`);
          const market = marketById(ctx, row.symbol, q.filter, w);
          checkUnit(ctx, market, `${w}: a position of ${size}`);
          const parsed = ex.parsePosition(row, market);
          const side = holdSide(row, w);
          const positionSide = positionSideOf(row, side, w);
          agreeSide(parsed.side, side, `${w} (${market.symbol})`);
          const mark = price(row.markPrice);
          const pnl = decField(row, 'unrealizedPL', w, false);
          out.push({
            symbol: market.symbol,
            side,
            contracts: size, // base coins; the market's contractSize is 1 (checked)
            positionSide,
            markPrice: mark,
            entryPrice: dec(row.openPriceAvg),
            unrealizedPnl: pnl,
            marginMode: row.marginMode === 'crossed' ? 'cross' : typeof row.marginMode === 'string' ? row.marginMode : null,
            leverage: dec(row.leverage),
            stated: {
              ...(mark !== null ? { markPrice: { value: mark, field: 'markPrice' } } : {}),
              ...(pnl !== null ? { unrealizedPnl: { value: pnl, field: 'unrealizedPL' } } : {}),
            },
            info: row,
          });
        });
      }
      return out;
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      refuseUta(ctx);
      const pages = await Promise.all(productQueries(ctx).map(async (q) => {
        const where = `account/accounts ${q.productType}`;
        return { q, where, rows: data(await ex.privateMixGetV2MixAccountAccounts({ productType: q.productType }), where) };
      }));
      const sums = new Map<string, { equity: string; pnl: string | null; free: string | null; used: string | null; n: number }>();
      for (const { q, where, rows } of pages) {
        rows.forEach((row, i) => {
          const w = `${where}[${i}]`;
          const coin = expectString(row, 'marginCoin', w);
          if (!q.wants(coin)) return;
          if (row.assetMode === 'union') {
            throw new UnsupportedHoldingError(ctx.source, `${w}: the ${q.productType} account is in multi-asset (union) margin mode; its equity and collateral are not read by this module`);
          }
          const equity = decField(row, 'accountEquity', w)!; // includes unrealized PnL
          const pnl = decField(row, 'unrealizedPL', w, false); // sometimes "" (then not stated)
          const code = ex.safeCurrencyCode(coin);
          const prev = sums.get(code);
          const free = dec(row.available);
          const used = dec(row.locked);
          // the same coin in two product accounts is separate money: added
          sums.set(code, prev
            ? { equity: add(prev.equity, equity), pnl: prev.pnl !== null && pnl !== null ? add(prev.pnl, pnl) : null, free: prev.free !== null && free !== null ? add(prev.free, free) : null, used: prev.used !== null && used !== null ? add(prev.used, used) : null, n: prev.n + 1 }
            : { equity, pnl, free, used, n: 1 });
        });
      }
      const out: AdapterBalance = {};
      for (const [code, s] of sums) {
        const suffix = s.n > 1 ? ' (summed over product types)' : '';
        const stated: StatedBalance = { equity: { value: s.equity, field: `accountEquity${suffix}` }, ...(s.pnl !== null ? { unrealizedPnl: { value: s.pnl, field: `unrealizedPL${suffix}` } } : {}) };
        out[code] = { total: s.equity, free: s.free, used: s.used, stated };
      }
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      refuseUta(ctx);
      const pages = await Promise.all(productQueries(ctx).map(async (q) => {
        const where = `order/orders-pending ${q.productType}`;
        const rows = await paginate(async (cursor) => {
          const resp = expectObject(await ex.privateMixGetV2MixOrderOrdersPending({ productType: q.productType, limit: PAGE, ...(cursor ? { idLessThan: cursor } : {}) }), where);
          const d = expectObject(resp.data, `${where}.data`);
          // nothing pending comes as a null list without an endId (ccxt reads a null list as empty too); a null list with a cursor is not an answer
          if (d.entrustedList === null && d.endId !== null && d.endId !== undefined && d.endId !== '') throw new PayloadShapeError(`${where}.data: entrustedList is null but endId is ${JSON.stringify(d.endId)}`);
          const list = d.entrustedList === null ? [] : expectArray(d.entrustedList, `${where}.data.entrustedList`);
          const next = list.length >= PAGE && typeof d.endId === 'string' && d.endId !== '' ? d.endId : undefined;
          return { rows: list, next };
        }, where);
        return { q, where, rows };
      }));
      const out: AdapterOrder[] = [];
      for (const { q, where, rows } of pages) {
        rows.forEach((row, i) => {
          const w = `${where}[${i}]`;
          if (!q.wants(row.marginCoin)) return;
          const market = marketById(ctx, row.symbol, q.filter, w);
          const o = ex.parseOrder(row, market);
          if (o.status !== 'open') return;
          const amount = decField(row, 'size', w)!;
          checkUnit(ctx, market, `${w}: an open order of ${amount}`);
          const filled = decField(row, 'baseVolume', w, false) ?? '0';
          const remaining = sub(amount, filled);
          if (sign(remaining) < 0) throw new PayloadShapeError(`${w}: baseVolume ${filled} exceeds size ${amount}`);
          const { side, positionSide, reduceOnly } = orderSide(row, w);
          out.push({
            id: expectString(row, 'orderId', w),
            clientOrderId: typeof row.clientOid === 'string' && row.clientOid !== '' ? row.clientOid : null,
            symbol: market.symbol,
            side,
            type: typeof o.type === 'string' ? o.type : 'limit',
            price: price(row.price),
            amount,
            filled,
            remaining,
            reduceOnly,
            positionSide,
            info: row,
          });
        });
      }
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      const results = await Promise.all(productQueries(ctx, true).map(async (q) => tickers(ctx, await ex.publicMixGetV2MixMarketTickers({ productType: q.productType }), `market/tickers ${q.productType}`, q.filter)));
      for (const r of results) Object.assign(out, r);
      return out;
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      const queries = productQueries(ctx, true);
      for (const s of symbols) {
        const m = ctx.markets[s];
        const q = m ? queries.find((x) => x.filter(m)) : undefined;
        if (!m || !q) continue; // spot and unread products: this module reads futures accounts only
        Object.assign(out, tickers(ctx, await ex.publicMixGetV2MixMarketTicker({ productType: q.productType, symbol: m.id }), `market/ticker ${m.id}`, q.filter));
      }
      return out;
    },
  };
}

const PAGE = 100;

interface Query {
  productType: string;
  /** the margin coin sent with position requests (USDT-M and USDC-M have one; coin-M has several) */
  marginCoin: string | null;
  filter: (m: any) => boolean;
  /** whether a row of this margin coin is wanted (the host's settle currencies) */
  wants: (coin: unknown) => boolean;
}

/** Bitget's product type of a ccxt contract market, or null for spot. */
function productTypeOf(m: any): string | null {
  if (m?.contract !== true) return null;
  if (m.inverse === true) return m.quoteId === 'USD' ? 'COIN-FUTURES' : m.quoteId === 'SUSD' ? 'SCOIN-FUTURES' : `unknown (${String(m.quoteId)})`;
  switch (m.settleId) {
    case 'USDT': return 'USDT-FUTURES';
    case 'USDC': return 'USDC-FUTURES';
    case 'SUSDT': return 'SUSDT-FUTURES';
    case 'SUSDC': return 'SUSDC-FUTURES';
    default: return `unknown (${String(m.settleId)})`;
  }
}

/** One query per product type the loaded markets have (demo products in sandbox mode only), restricted to the host's settle currencies. */
function productQueries(ctx: FetchContext, ignoreHost = false): Query[] {
  const demo = ctx.exchange.options?.sandboxMode === true;
  const wanted = !ignoreHost && ctx.settleCurrencies ? new Set(ctx.settleCurrencies.map((c) => c.toUpperCase())) : null;
  const codeOf = (coin: unknown) => (typeof coin === 'string' ? String(ctx.exchange.safeCurrencyCode(coin)).toUpperCase() : '');
  const wants = (coin: unknown) => !wanted || wanted.has(codeOf(coin)) || (typeof coin === 'string' && wanted.has(coin.toUpperCase()));
  const products = new Map<string, Set<string>>();
  for (const m of Object.values(ctx.markets)) {
    const pt = productTypeOf(m);
    if (pt === null) continue;
    if (pt.startsWith('S') !== demo) continue; // demo products are not held by live accounts, and the reverse
    if (!wants(m.settleId)) continue;
    if (pt.startsWith('unknown')) throw new UnsupportedHoldingError(ctx.source, `${m.symbol}: product type ${pt} is not one this module reads`);
    let coins = products.get(pt);
    if (!coins) products.set(pt, (coins = new Set()));
    coins.add(m.settleId);
  }
  return [...products.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([productType, coins]) => ({
    productType,
    marginCoin: productType.includes('COIN') ? null : [...coins][0]!,
    filter: (m: any) => productTypeOf(m) === productType,
    wants,
  }));
}

/** Linear contracts are sized in base coins with ccxt contractSize 1; coin-M sizes are coins too, which ccxt's inverse contract of size 1 does not describe. */
function checkUnit(ctx: FetchContext, market: any, what: string): void {
  if (market.inverse === true) {
    throw new UnsupportedHoldingError(ctx.source, `${what} in ${market.symbol}: Bitget sizes coin-M contracts in ${market.base}, while ccxt's market says an inverse contract of contractSize ${String(market.contractSize)} (1 USD to the guard); its exposure is not guessed`);
  }
  if (market.linear !== true || dec(market.contractSize) !== '1') {
    throw new UnsupportedHoldingError(ctx.source, `${what} in ${market.symbol}: contractSize ${String(market.contractSize)} is not the 1 base coin Bitget sizes linear contracts in`);
  }
}

function holdSide(row: Record<string, any>, where: string): 'long' | 'short' {
  const s = row.holdSide;
  if (s === 'long' || s === 'short') return s;
  throw new PayloadShapeError(`${where}: holdSide ${JSON.stringify(s)}`);
}

function positionSideOf(row: Record<string, any>, side: 'long' | 'short', where: string): PositionSideName {
  const mode = row.posMode ?? row.holdMode;
  if (mode === 'hedge_mode') return side;
  if (mode === 'one_way_mode') return 'net';
  throw new PayloadShapeError(`${where}: posMode ${JSON.stringify(mode)}`);
}

/**
 * The direction of an order. One-way mode: `side` is the direction. Hedge mode:
 * `side` names the position (long: buy, short: sell) and tradeSide says whether
 * the order opens it or closes it; a close trades the other way.
 */
function orderSide(row: Record<string, any>, where: string): { side: 'buy' | 'sell'; positionSide: PositionSideName; reduceOnly: boolean } {
  const raw = row.side;
  if (raw !== 'buy' && raw !== 'sell') throw new PayloadShapeError(`${where}: side ${JSON.stringify(raw)}`);
  const posSide = row.posSide;
  const mode = row.posMode ?? (posSide === 'long' || posSide === 'short' ? 'hedge_mode' : 'one_way_mode');
  if (mode === 'one_way_mode') {
    if (posSide !== undefined && posSide !== 'net') throw new PayloadShapeError(`${where}: posSide ${JSON.stringify(posSide)} in one-way mode`);
    return { side: raw, positionSide: 'net', reduceOnly: row.reduceOnly === 'YES' || row.reduceOnly === true };
  }
  if (mode !== 'hedge_mode') throw new PayloadShapeError(`${where}: posMode ${JSON.stringify(mode)}`);
  if (posSide !== 'long' && posSide !== 'short') throw new PayloadShapeError(`${where}: posSide ${JSON.stringify(posSide)} in hedge mode`);
  const positionDirection = posSide === 'long' ? 'buy' : 'sell';
  if (raw !== positionDirection) throw new PayloadShapeError(`${where}: side ${raw} on the ${posSide} position (in hedge mode Bitget's side names the position: ${positionDirection})`);
  if (row.tradeSide === 'open') return { side: raw, positionSide: posSide, reduceOnly: false };
  if (row.tradeSide === 'close') return { side: raw === 'buy' ? 'sell' : 'buy', positionSide: posSide, reduceOnly: true };
  throw new PayloadShapeError(`${where}: tradeSide ${JSON.stringify(row.tradeSide)} in hedge mode`);
}

function refuseUta(ctx: FetchContext): void {
  if (ctx.exchange.options?.uta === true) {
    throw new UnsupportedHoldingError(ctx.source, 'Bitget unified trading account (UTA): its positions and equity are in the /api/v3 account endpoints, which this module does not read');
  }
}

/** Bitget's envelope: {"code":"00000","msg":"success","data":[…]} (ccxt has already thrown on an error code). */
function data(resp: unknown, where: string): Record<string, any>[] {
  const r = expectObject(resp, where);
  return expectArray(r.data, `${where}.data`);
}

function tickers(ctx: FetchContext, resp: unknown, where: string, filter: (m: any) => boolean): AdapterPrices {
  const out: AdapterPrices = {};
  for (const row of data(resp, where)) {
    const byId = ctx.exchange.markets_by_id?.[row.symbol];
    const m = (Array.isArray(byId) ? byId : []).find(filter);
    if (!m) continue;
    const p = { mark: price(row.markPrice), last: price(row.lastPr), bid: price(row.bidPr), ask: price(row.askPr) };
    if (hasPrice(p)) out[m.symbol] = p;
  }
  return out;
}

