import { PayloadShapeError } from '../errors.js';
import { abs, dec, decField, expectArray, expectObject, expectString, isZero, price, sub } from '../exact.js';
import { agreeSide, hasPrice, isInverseContract, isLinearContract, marketById, sideOfSigned } from './common.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext, PositionSideName } from './types.js';

/**
 * Binance USDⓈ-M (binanceusdm, fapi) and COIN-M (binancecoinm, dapi) futures.
 *
 * Traps fixed here:
 * - ccxt's fetchPositions keeps only rows with entryPrice > 0 and reads the side
 *   from the sign of `notional` (COIN-M: `notionalValue`, in coins); here the side
 *   comes from `positionSide` (hedge mode) or the sign of `positionAmt` (one-way),
 *   ccxt's reading must agree, and zero rows are dropped by size.
 * - hedge mode: a LONG and a SHORT row of one symbol (SHORT rows carry a negative
 *   positionAmt) become two holdings; BOTH is one-way.
 * - COIN-M amounts are contracts of `contractSize` USD (100 for BTC, 10 for the
 *   rest), not coins: the book values them as contracts·contractSize USD.
 * - a response that is not the documented JSON array (an HTML error page with
 *   status 200, a truncated body) would be read by ccxt as "no positions"; here it
 *   is a MalformedPayloadError.
 * - floats: positionAmt, markPrice, marginBalance, origQty and executedQty are
 *   re-read from the raw strings.
 * Equity: ccxt's `total` is `marginBalance` = walletBalance + unrealizedProfit,
 * which is what equity needs; the exact string is re-read from `info.assets`.
 * Stated figures: per position the value at the mark (USDⓈ-M `notional`, signed, in
 * the quote currency; COIN-M `notionalValue`, signed, in the coin: contracts ·
 * contractSize USD / mark), `markPrice` and `unRealizedProfit`; per asset
 * `marginBalance` (equity), `walletBalance` (without unrealized PnL) and
 * `unrealizedProfit` (note the two spellings: positionRisk `unRealizedProfit`,
 * account assets `unrealizedProfit`).
 * Mark prices of every contract come in one call (premiumIndex).
 */
export function binanceFuturesModule(kind: 'linear' | 'inverse'): ExchangeModule {
  const linear = kind === 'linear';
  const api = linear ? 'fapi' : 'dapi';
  const inMarkets = linear ? isLinearContract : isInverseContract;

  return {
    name: linear ? 'binance-usdm' : 'binance-coinm',
    verified: true,
    fixes: 'side from positionSide/positionAmt (not notional sign), hedge LONG/SHORT rows, COIN-M contract sizes, garbled 200 answers, exact strings from info',
    hasPositions: true,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      const ex = ctx.exchange;
      const raw = linear ? await ex.fapiPrivateV3GetPositionRisk() : await ex.dapiPrivateGetPositionRisk();
      const rows = expectArray(raw, `${api} positionRisk`);
      const out: AdapterPosition[] = [];
      rows.forEach((row, i) => {
        const where = `${api} positionRisk[${i}]`;
        const amt = decField(row, 'positionAmt', where)!;
        const mode = expectString(row, 'positionSide', where);
        if (isZero(amt)) return; // a symbol the account touched, no position now
        const market = marketById(ctx, row.symbol, inMarkets, where);
        const parsed = ex.parsePositionRisk(row, market);
        let side: 'long' | 'short';
        let positionSide: PositionSideName;
        if (mode === 'BOTH') {
          side = sideOfSigned(amt, where);
          positionSide = 'net';
        } else if (mode === 'LONG' || mode === 'SHORT') {
          side = mode === 'LONG' ? 'long' : 'short';
          positionSide = side;
          const signed = sideOfSigned(amt, where);
          if (signed !== side) throw new PayloadShapeError(`${where} (${market.symbol}): a ${mode} row with positionAmt ${amt}`);
        } else throw new PayloadShapeError(`${where}: unknown positionSide ${JSON.stringify(mode)}`);
        agreeSide(parsed.side, side, `${where} (${market.symbol})`);
        const mark = price(row.markPrice);
        const pnl = dec(row.unRealizedProfit);
        // USDⓈ-M `notional` is signed, in the quote (USDT, USDC); COIN-M `notionalValue` is signed, in the coin
        const valueField = linear ? 'notional' : 'notionalValue';
        const value = decField(row, valueField, where, false);
        out.push({
          symbol: market.symbol,
          side,
          contracts: abs(amt),
          positionSide,
          markPrice: mark,
          entryPrice: dec(row.entryPrice),
          unrealizedPnl: pnl,
          marginMode: typeof parsed.marginMode === 'string' ? parsed.marginMode : null,
          leverage: dec(row.leverage),
          stated: {
            ...(value !== null ? { notional: { value: abs(value), field: valueField, currency: linear ? market.quote : market.base } } : {}),
            ...(mark !== null ? { markPrice: { value: mark, field: 'markPrice' } } : {}),
            ...(pnl !== null ? { unrealizedPnl: { value: pnl, field: 'unRealizedProfit' } } : {}),
          },
          info: row,
        });
      });
      return out;
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      const parsed = await ex.fetchBalance({ subType: kind });
      const info = expectObject(parsed?.info, `${api} account`);
      const assets = expectArray(info.assets, `${api} account.assets`);
      const out: AdapterBalance = {};
      assets.forEach((a, i) => {
        const where = `${api} account.assets[${i}]`;
        const id = expectString(a, 'asset', where);
        // ccxt skips assets whose updateTime is 0: never initialised, their numbers are not balances (ccxt#27997)
        if (String(a.updateTime) === '0') return;
        const total = decField(a, 'marginBalance', where)!; // walletBalance + unrealizedProfit
        const wallet = decField(a, 'walletBalance', where, false);
        const pnl = decField(a, 'unrealizedProfit', where, false);
        out[ex.safeCurrencyCode(id)] = {
          total,
          free: dec(a.availableBalance),
          used: dec(a.initialMargin),
          stated: {
            equity: { value: total, field: 'marginBalance' },
            ...(wallet !== null ? { wallet: { value: wallet, field: 'walletBalance' } } : {}),
            ...(pnl !== null ? { unrealizedPnl: { value: pnl, field: 'unrealizedProfit' } } : {}),
          },
        };
      });
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      const raw = linear ? await ex.fapiPrivateGetOpenOrders() : await ex.dapiPrivateGetOpenOrders();
      const rows = expectArray(raw, `${api} openOrders`);
      const out: AdapterOrder[] = [];
      rows.forEach((row, i) => {
        const where = `${api} openOrders[${i}]`;
        const market = marketById(ctx, row.symbol, inMarkets, where);
        const o = ex.parseOrder(row, market);
        if (o.status !== 'open') return;
        const amount = decField(row, 'origQty', where)!;
        const filled = decField(row, 'executedQty', where)!;
        const side = String(row.side).toLowerCase();
        if (side !== 'buy' && side !== 'sell') throw new PayloadShapeError(`${where}: side ${JSON.stringify(row.side)}`);
        const ps = String(row.positionSide ?? 'BOTH');
        out.push({
          id: expectOrderId(row.orderId, where),
          clientOrderId: typeof row.clientOrderId === 'string' ? row.clientOrderId : null,
          symbol: market.symbol,
          side,
          type: typeof o.type === 'string' ? o.type : 'limit',
          price: price(row.price),
          amount,
          filled,
          remaining: sub(amount, filled),
          reduceOnly: row.reduceOnly === true || row.reduceOnly === 'true' || row.closePosition === true || row.closePosition === 'true',
          positionSide: ps === 'LONG' ? 'long' : ps === 'SHORT' ? 'short' : 'net',
          info: row,
        });
      });
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const raw = linear ? await ex.fapiPublicGetPremiumIndex() : await ex.dapiPublicGetPremiumIndex();
      return markPrices(ctx, raw, `${api} premiumIndex`, inMarkets);
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      for (const s of symbols) {
        const m = ctx.markets[s];
        if (!m || !inMarkets(m)) continue;
        const raw = linear ? await ex.fapiPublicGetPremiumIndex({ symbol: m.id }) : await ex.dapiPublicGetPremiumIndex({ symbol: m.id });
        Object.assign(out, markPrices(ctx, Array.isArray(raw) ? raw : [raw], `${api} premiumIndex ${m.id}`, inMarkets));
      }
      return out;
    },
  };
}

function expectOrderId(v: unknown, where: string): string {
  if ((typeof v === 'string' && v !== '') || typeof v === 'number') return String(v);
  throw new PayloadShapeError(`${where}: field "orderId" is missing`);
}

function markPrices(ctx: FetchContext, raw: unknown, where: string, inMarkets: (m: any) => boolean): AdapterPrices {
  const rows = expectArray(raw, where);
  const out: AdapterPrices = {};
  for (const row of rows) {
    const id = row.symbol;
    const byId = ctx.exchange.markets_by_id?.[id];
    const m = (Array.isArray(byId) ? byId : []).find(inMarkets);
    if (!m) continue; // delisted or not loaded: nobody holds or trades it through this account
    const p = { mark: price(row.markPrice), last: null, bid: null, ask: null };
    if (hasPrice(p)) out[m.symbol] = p;
  }
  return out;
}
