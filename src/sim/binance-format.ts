/**
 * Serializers from the engine's state to Binance USDⓈ-M's raw JSON: decimals as
 * strings with Binance's fixed decimals, ids and times as numbers, field names and
 * field sets as the REST API sends them (exchangeInfo, order, positionRisk v3,
 * account v3, premiumIndex, ticker/24hr, userTrades, leverageBracket…).
 */
import { Decimal, ZERO } from '../number.js';
import type { MatchingEngine } from './matching.js';
import { maxNotionalAt } from './matching.js';
import type { Instrument } from './instruments.js';
import type { AccountView, AssetView, PositionView } from './margin.js';
import type { SimOrder, SimTrade } from './orders.js';

type Json = Record<string, unknown>;

/** Fixed-point with exactly `dp` decimals (Binance pads: "0.00000000"). */
export function fixed(d: Decimal, dp: number): string {
  const s = d.toDecimalPlaces(dp, Decimal.ROUND_HALF_EVEN).toFixed(dp);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** Plain decimal without trailing zeros, at most `dp` decimals. */
export function plain(d: Decimal, dp = 8): string {
  const r = d.toDecimalPlaces(dp, Decimal.ROUND_HALF_EVEN);
  return r.isZero() ? '0' : r.toFixed();
}

const PERPETUAL_DELIVERY = 4133404800000; // Binance's "no delivery" date for perpetuals
const ONBOARD = 1569398400000;

export function exchangeInfo(engine: MatchingEngine, serverTime: number): Json {
  const instruments = engine.instrumentList();
  const assets = [...new Set(instruments.map((i) => i.quote))];
  return {
    timezone: 'UTC',
    serverTime,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: assets.map((asset) => ({ asset, marginAvailable: true, autoAssetExchange: '-10000' })),
    symbols: instruments.map(symbolInfo),
  };
}

function symbolInfo(i: Instrument): Json {
  return {
    symbol: i.symbol,
    pair: i.symbol,
    contractType: 'PERPETUAL',
    deliveryDate: PERPETUAL_DELIVERY,
    onboardDate: ONBOARD,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: i.base,
    quoteAsset: i.quote,
    marginAsset: i.quote,
    pricePrecision: i.pricePrecision,
    quantityPrecision: i.quantityPrecision,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    settlePlan: 0,
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: i.minPrice.toFixed(), maxPrice: i.maxPrice.toFixed(), tickSize: i.tickSize.toFixed() },
      { filterType: 'LOT_SIZE', stepSize: i.stepSize.toFixed(), minQty: i.minQty.toFixed(), maxQty: i.maxQty.toFixed() },
      { filterType: 'MARKET_LOT_SIZE', stepSize: i.stepSize.toFixed(), minQty: i.minQty.toFixed(), maxQty: i.marketMaxQty.toFixed() },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
      { filterType: 'MIN_NOTIONAL', notional: i.minNotional.toFixed() },
      { filterType: 'PERCENT_PRICE', multiplierUp: fixed(i.percentUp, 4), multiplierDown: fixed(i.percentDown, 4), multiplierDecimal: '4' },
    ],
    // only what the simulator executes, so ccxt refuses other types before sending them
    orderTypes: ['LIMIT', 'MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
    permissionSet: ['GRID', 'COPY'],
  };
}

/**
 * An order as POST/PUT/DELETE fapi/v1/order answer it (`kind: 'ack'`, with cumQty) or
 * as GET order / openOrders / allOrders list it (`kind: 'query'`, with time).
 */
export function order(o: SimOrder, inst: Instrument, kind: 'ack' | 'query'): Json {
  const pp = inst.pricePrecision;
  const qp = inst.quantityPrecision;
  const avg = o.executedQty.isZero() ? ZERO : o.cumQuote.div(o.executedQty);
  const out: Json = {
    orderId: o.orderId,
    symbol: o.symbol,
    status: o.status,
    clientOrderId: o.clientOrderId,
    price: fixed(o.price, pp),
    avgPrice: fixed(avg, Math.max(pp, 5)),
    origQty: fixed(o.origQty, qp),
    executedQty: fixed(o.executedQty, qp),
  };
  if (kind === 'ack') out['cumQty'] = fixed(o.executedQty, qp);
  Object.assign(out, {
    cumQuote: fixed(o.cumQuote, Math.max(pp + qp, 5)),
    timeInForce: o.timeInForce,
    type: o.type,
    reduceOnly: o.reduceOnly,
    closePosition: false,
    side: o.side,
    positionSide: o.positionSide,
    stopPrice: fixed(ZERO, pp),
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: o.type,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
  });
  if (kind === 'query') out['time'] = o.time;
  out['updateTime'] = o.updateTime;
  return out;
}

/** GET fapi/v3/positionRisk row. */
export function positionRisk(v: PositionView, inst: Instrument): Json {
  return {
    symbol: v.symbol,
    positionSide: v.positionSide,
    positionAmt: fixed(v.qty, inst.quantityPrecision),
    entryPrice: plain(v.entry),
    breakEvenPrice: plain(v.breakEven),
    markPrice: fixed(v.mark, 8),
    unRealizedProfit: fixed(v.unrealizedPnl, 8),
    liquidationPrice: plain(v.liquidationPrice),
    isolatedMargin: '0',
    notional: fixed(v.notional, 8),
    marginAsset: v.asset,
    isolatedWallet: '0',
    initialMargin: fixed(v.positionInitialMargin.plus(v.openOrderInitialMargin), 8),
    maintMargin: fixed(v.maintMargin, 8),
    positionInitialMargin: fixed(v.positionInitialMargin, 8),
    openOrderInitialMargin: fixed(v.openOrderInitialMargin, 8),
    adl: v.qty.isZero() ? 0 : 1,
    bidNotional: '0',
    askNotional: '0',
    updateTime: v.updateTime,
  };
}

function assetRow(a: AssetView): Json {
  return {
    asset: a.asset,
    walletBalance: fixed(a.wallet, 8),
    unrealizedProfit: fixed(a.unrealizedPnl, 8),
    marginBalance: fixed(a.marginBalance, 8),
    maintMargin: fixed(a.maintMargin, 8),
    initialMargin: fixed(a.initialMargin, 8),
    positionInitialMargin: fixed(a.positionInitialMargin, 8),
    openOrderInitialMargin: fixed(a.openOrderInitialMargin, 8),
    crossWalletBalance: fixed(a.wallet, 8),
    crossUnPnl: fixed(a.unrealizedPnl, 8),
    availableBalance: fixed(a.available, 8),
    maxWithdrawAmount: fixed(a.maxWithdraw, 8),
    updateTime: a.updateTime,
  };
}

/** GET fapi/v3/account. Totals add every margin asset 1:1 (stablecoins), as in single-asset mode. */
export function accountV3(view: AccountView, instFor: (symbol: string) => Instrument): Json {
  const sum = (f: (a: AssetView) => Decimal) => fixed(view.assets.reduce((s, a) => s.plus(f(a)), ZERO), 8);
  return {
    totalInitialMargin: sum((a) => a.initialMargin),
    totalMaintMargin: sum((a) => a.maintMargin),
    totalWalletBalance: sum((a) => a.wallet),
    totalUnrealizedProfit: sum((a) => a.unrealizedPnl),
    totalMarginBalance: sum((a) => a.marginBalance),
    totalPositionInitialMargin: sum((a) => a.positionInitialMargin),
    totalOpenOrderInitialMargin: sum((a) => a.openOrderInitialMargin),
    totalCrossWalletBalance: sum((a) => a.wallet),
    totalCrossUnPnl: sum((a) => a.unrealizedPnl),
    availableBalance: sum((a) => a.available),
    maxWithdrawAmount: sum((a) => a.maxWithdraw),
    assets: view.assets.map(assetRow),
    positions: view.positions.map((v) => ({
      symbol: v.symbol,
      positionSide: v.positionSide,
      positionAmt: fixed(v.qty, instFor(v.symbol).quantityPrecision),
      unrealizedProfit: fixed(v.unrealizedPnl, 8),
      isolatedMargin: '0',
      notional: fixed(v.notional, 8),
      isolatedWallet: '0',
      initialMargin: fixed(v.positionInitialMargin.plus(v.openOrderInitialMargin), 8),
      maintMargin: fixed(v.maintMargin, 8),
      updateTime: v.updateTime,
    })),
  };
}

export function premiumIndex(engine: MatchingEngine, inst: Instrument, time: number): Json {
  const mark = engine.mark(inst.symbol);
  return {
    symbol: inst.symbol,
    markPrice: fixed(mark, 8),
    indexPrice: fixed(mark, 8),
    estimatedSettlePrice: fixed(mark, 8),
    lastFundingRate: '0.00000000', // funding is not simulated
    interestRate: '0.00000000',
    nextFundingTime: (Math.floor(time / 28_800_000) + 1) * 28_800_000,
    time,
  };
}

export function ticker24hr(engine: MatchingEngine, inst: Instrument, time: number): Json {
  const pp = inst.pricePrecision;
  const qp = inst.quantityPrecision;
  const last = engine.mark(inst.symbol);
  const s = engine.path.statsOf(inst.symbol);
  const trades = engine.trades.filter((t) => t.symbol === inst.symbol);
  const volume = trades.reduce((a, t) => a.plus(t.qty), ZERO);
  const quoteVolume = trades.reduce((a, t) => a.plus(t.quoteQty), ZERO);
  const change = last.minus(s.open);
  return {
    symbol: inst.symbol,
    priceChange: fixed(change, pp),
    priceChangePercent: fixed(change.div(s.open).times(100), 3),
    weightedAvgPrice: fixed(volume.isZero() ? last : quoteVolume.div(volume), pp),
    lastPrice: fixed(last, pp),
    lastQty: fixed(trades.at(-1)?.qty ?? ZERO, qp),
    openPrice: fixed(s.open, pp),
    highPrice: fixed(s.high, pp),
    lowPrice: fixed(s.low, pp),
    volume: fixed(volume, qp),
    quoteVolume: fixed(quoteVolume, 2),
    openTime: time - 86_400_000,
    closeTime: time,
    firstId: trades[0]?.id ?? 0,
    lastId: trades.at(-1)?.id ?? 0,
    count: trades.length,
  };
}

/** Best bid/ask: the prices a market sell / buy would fill at now. */
export function bookTicker(engine: MatchingEngine, inst: Instrument, time: number): Json {
  return {
    symbol: inst.symbol,
    bidPrice: fixed(engine.takerPrice(inst, 'SELL'), inst.pricePrecision),
    bidQty: fixed(inst.marketMaxQty, inst.quantityPrecision),
    askPrice: fixed(engine.takerPrice(inst, 'BUY'), inst.pricePrecision),
    askQty: fixed(inst.marketMaxQty, inst.quantityPrecision),
    time,
    lastUpdateId: engine.path.steps,
  };
}

export function depth(engine: MatchingEngine, inst: Instrument, time: number): Json {
  const qty = fixed(inst.marketMaxQty, inst.quantityPrecision);
  return {
    lastUpdateId: engine.path.steps,
    E: time,
    T: time,
    bids: [[fixed(engine.takerPrice(inst, 'SELL'), inst.pricePrecision), qty]],
    asks: [[fixed(engine.takerPrice(inst, 'BUY'), inst.pricePrecision), qty]],
  };
}

export function tickerPrice(engine: MatchingEngine, inst: Instrument, time: number): Json {
  return { symbol: inst.symbol, price: fixed(engine.mark(inst.symbol), inst.pricePrecision), time };
}

const INTERVAL_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 2_592_000_000 };

/** Milliseconds of a Binance kline interval ("1m", "4h", "1d"…), or null when it is not one. */
export function intervalMs(interval: string): number | null {
  const m = /^(\d+)([smhdwM])$/.exec(interval);
  return m ? Number(m[1]) * INTERVAL_MS[m[2]!]! : null;
}

/**
 * GET fapi/v1/klines: each price-path step is one candle (open = previous mark,
 * close = mark after the step), stamped backwards from the current interval so the
 * series looks like live candles whatever the wall clock did between steps.
 */
export function klines(engine: MatchingEngine, inst: Instrument, ivMs: number, limit: number, time: number): unknown[][] {
  const marks = engine.path.recent(inst.symbol, limit + 1);
  const pairs = marks.length === 1 ? [[marks[0]!, marks[0]!]] : marks.slice(1).map((close, i) => [marks[i]!, close]);
  const lastOpen = Math.floor(time / ivMs) * ivMs;
  const pp = inst.pricePrecision;
  return pairs.map(([open, close], i) => {
    const openTime = lastOpen - (pairs.length - 1 - i) * ivMs;
    return [openTime, fixed(open!, pp), fixed(Decimal.max(open!, close!), pp), fixed(Decimal.min(open!, close!), pp), fixed(close!, pp),
      fixed(ZERO, inst.quantityPrecision), openTime + ivMs - 1, '0', 0, fixed(ZERO, inst.quantityPrecision), '0', '0'];
  });
}

/** GET fapi/v1/userTrades row. */
export function userTrade(t: SimTrade, inst: Instrument): Json {
  return {
    buyer: t.side === 'BUY',
    commission: fixed(t.commission, 8),
    commissionAsset: t.commissionAsset,
    id: t.id,
    maker: t.maker,
    orderId: t.orderId,
    price: fixed(t.price, inst.pricePrecision),
    qty: fixed(t.qty, inst.quantityPrecision),
    quoteQty: plain(t.quoteQty),
    realizedPnl: fixed(t.realizedPnl, 8),
    side: t.side,
    positionSide: t.positionSide,
    symbol: t.symbol,
    time: t.time,
  };
}

/** GET fapi/v1/leverageBracket entry (numbers, as Binance sends them). */
export function leverageBracket(inst: Instrument): Json {
  return {
    symbol: inst.symbol,
    brackets: inst.brackets.map((b) => ({
      bracket: b.bracket,
      initialLeverage: b.initialLeverage,
      notionalCap: b.cap.toNumber(),
      notionalFloor: b.floor.toNumber(),
      maintMarginRatio: b.mmr.toNumber(),
      cum: b.cum.toNumber(),
    })),
  };
}

/** GET fapi/v1/symbolConfig entry. */
export function symbolConfig(inst: Instrument, leverage: number): Json {
  return {
    symbol: inst.symbol,
    marginType: 'CROSSED',
    isAutoAddMargin: 'false',
    leverage,
    maxNotionalValue: maxNotionalAt(inst, leverage).toFixed(),
  };
}
