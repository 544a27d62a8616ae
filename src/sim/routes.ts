/**
 * The Binance USDⓈ-M REST endpoints the simulator serves, one entry per route, each
 * translating request parameters into engine calls and engine state into Binance
 * JSON. `signed` routes need the X-MBX-APIKEY header and timestamp + signature.
 */
import * as fmt from './binance-format.js';
import { BinanceError, E } from './errors.js';
import type { MatchingEngine } from './matching.js';
import { parseBool, required, type Params, type SimOrder } from './orders.js';

export interface RouteContext {
  params: Params;
  engine: MatchingEngine;
  now: number;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  signed: boolean;
  handle(ctx: RouteContext): unknown;
}

const MAX_BATCH = 5; // Binance's limit for batchOrders

/** One instrument when `symbol` is given, else all: Binance answers an object or an array. */
function oneOrAll<T>(ctx: RouteContext, f: (inst: ReturnType<MatchingEngine['instrument']>) => T): T | T[] {
  const symbol = ctx.params['symbol'];
  if (symbol) return f(ctx.engine.instrument(symbol));
  return ctx.engine.instrumentList().map(f);
}

function orderJson(ctx: RouteContext, o: SimOrder, kind: 'ack' | 'query') {
  return fmt.order(o, ctx.engine.instrument(o.symbol), kind);
}

/** Most recent `limit` items within [startTime, endTime], oldest first. */
function window<T extends { time: number }>(items: T[], params: Params, max: number): T[] {
  const start = params['startTime'] ? Number(params['startTime']) : -Infinity;
  const end = params['endTime'] ? Number(params['endTime']) : Infinity;
  const limit = Math.min(Number(params['limit'] ?? 500) || 500, max);
  return items.filter((i) => i.time >= start && i.time <= end).slice(-limit);
}

/** A batchOrders entry: JSON values become the string params a single order gets. */
function batchEntries(params: Params): Params[] {
  let list: unknown;
  try {
    list = JSON.parse(required(params, 'batchOrders'));
  } catch {
    throw E.badParam('batchOrders');
  }
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_BATCH) throw E.badParam('batchOrders');
  return list.map((entry) => {
    if (entry === null || typeof entry !== 'object') throw E.badParam('batchOrders');
    return Object.fromEntries(Object.entries(entry as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  });
}

function errorJson(e: unknown): { code: number; msg: string } {
  if (e instanceof BinanceError) return e.toJSON();
  throw e;
}

function idList(params: Params, ...names: string[]): string[] | undefined {
  for (const name of names) {
    const raw = params[name];
    if (raw === undefined || raw === '') continue;
    try {
      const list = JSON.parse(raw) as unknown;
      if (Array.isArray(list)) return list.map(String);
    } catch {
      // fall through to the error below
    }
    throw E.badParam(name);
  }
  return undefined;
}

/** Candles of the price path; startTime/endTime filter the synthetic open times. */
function klines(c: RouteContext): unknown[][] {
  const inst = c.engine.instrument(required(c.params, 'symbol'));
  const iv = fmt.intervalMs(required(c.params, 'interval'));
  if (iv === null) throw new BinanceError(-1120, 'Invalid interval.');
  const limit = Math.min(Math.max(Number(c.params['limit'] ?? 500) || 500, 1), 1500);
  const start = c.params['startTime'] ? Number(c.params['startTime']) : -Infinity;
  const end = c.params['endTime'] ? Number(c.params['endTime']) : Infinity;
  return fmt.klines(c.engine, inst, iv, limit, c.now).filter((k) => (k[0] as number) >= start && (k[0] as number) <= end);
}

export const ROUTES: Route[] = [
  // ── public market data ──────────────────────────────────────────────────────
  { method: 'GET', path: '/fapi/v1/ping', signed: false, handle: () => ({}) },
  { method: 'GET', path: '/fapi/v1/time', signed: false, handle: (c) => ({ serverTime: c.now }) },
  { method: 'GET', path: '/fapi/v1/exchangeInfo', signed: false, handle: (c) => fmt.exchangeInfo(c.engine, c.now) },
  { method: 'GET', path: '/fapi/v1/premiumIndex', signed: false, handle: (c) => oneOrAll(c, (i) => fmt.premiumIndex(c.engine, i, c.now)) },
  { method: 'GET', path: '/fapi/v1/ticker/24hr', signed: false, handle: (c) => oneOrAll(c, (i) => fmt.ticker24hr(c.engine, i, c.now)) },
  { method: 'GET', path: '/fapi/v1/ticker/price', signed: false, handle: (c) => oneOrAll(c, (i) => fmt.tickerPrice(c.engine, i, c.now)) },
  { method: 'GET', path: '/fapi/v2/ticker/price', signed: false, handle: (c) => oneOrAll(c, (i) => fmt.tickerPrice(c.engine, i, c.now)) },
  { method: 'GET', path: '/fapi/v1/ticker/bookTicker', signed: false, handle: (c) => oneOrAll(c, (i) => fmt.bookTicker(c.engine, i, c.now)) },
  { method: 'GET', path: '/fapi/v1/klines', signed: false, handle: klines },
  { method: 'GET', path: '/fapi/v1/markPriceKlines', signed: false, handle: klines },
  { method: 'GET', path: '/fapi/v1/depth', signed: false, handle: (c) => fmt.depth(c.engine, c.engine.instrument(required(c.params, 'symbol')), c.now) },

  // ── account ─────────────────────────────────────────────────────────────────
  {
    method: 'GET', path: '/fapi/v3/account', signed: true,
    handle: (c) => fmt.accountV3(c.engine.view(), (s) => c.engine.instrument(s)),
  },
  {
    method: 'GET', path: '/fapi/v3/positionRisk', signed: true,
    handle: (c) => {
      const symbol = c.params['symbol'];
      if (symbol) c.engine.instrument(symbol);
      return c.engine.view().positions
        .filter((v) => !symbol || v.symbol === symbol)
        .map((v) => fmt.positionRisk(v, c.engine.instrument(v.symbol)));
    },
  },
  { method: 'GET', path: '/fapi/v1/leverageBracket', signed: true, handle: (c) => oneOrAll(c, fmt.leverageBracket) },
  { method: 'GET', path: '/fapi/v1/symbolConfig', signed: true, handle: (c) => {
    const list = oneOrAll(c, (i) => fmt.symbolConfig(i, c.engine.leverage(i.symbol)));
    return Array.isArray(list) ? list : [list];
  } },
  {
    method: 'GET', path: '/fapi/v1/commissionRate', signed: true,
    handle: (c) => {
      const i = c.engine.instrument(required(c.params, 'symbol'));
      return { symbol: i.symbol, makerCommissionRate: i.makerFee.toFixed(), takerCommissionRate: i.takerFee.toFixed(), rpiCommissionRate: '0' };
    },
  },
  { method: 'GET', path: '/fapi/v1/positionSide/dual', signed: true, handle: (c) => ({ dualSidePosition: c.engine.hedgeMode }) },
  {
    method: 'POST', path: '/fapi/v1/positionSide/dual', signed: true,
    handle: (c) => {
      const on = parseBool(c.params, 'dualSidePosition');
      if (on === undefined) throw E.mandatory('dualSidePosition');
      c.engine.setHedgeMode(on);
      return { code: 200, msg: 'success' };
    },
  },
  {
    method: 'POST', path: '/fapi/v1/leverage', signed: true,
    handle: (c) => {
      const symbol = required(c.params, 'symbol');
      const r = c.engine.setLeverage(symbol, required(c.params, 'leverage'));
      return { leverage: r.leverage, maxNotionalValue: r.maxNotionalValue.toFixed(), symbol };
    },
  },
  {
    method: 'POST', path: '/fapi/v1/marginType', signed: true,
    handle: (c) => {
      c.engine.instrument(required(c.params, 'symbol'));
      const type = required(c.params, 'marginType');
      if (type === 'CROSSED') throw E.sameMarginType(); // the account is always cross
      if (type === 'ISOLATED') throw E.notSimulated('isolated margin');
      throw E.badParam('marginType');
    },
  },

  // ── orders ──────────────────────────────────────────────────────────────────
  { method: 'POST', path: '/fapi/v1/order', signed: true, handle: (c) => orderJson(c, c.engine.placeOrder(c.params), 'ack') },
  { method: 'PUT', path: '/fapi/v1/order', signed: true, handle: (c) => orderJson(c, c.engine.modifyOrder(c.params), 'ack') },
  { method: 'DELETE', path: '/fapi/v1/order', signed: true, handle: (c) => orderJson(c, c.engine.cancelOrder(c.params), 'ack') },
  {
    method: 'GET', path: '/fapi/v1/order', signed: true,
    handle: (c) => orderJson(c, c.engine.findOrder(required(c.params, 'symbol'), c.params, E.noSuchOrder), 'query'),
  },
  {
    method: 'GET', path: '/fapi/v1/openOrder', signed: true,
    handle: (c) => {
      const o = c.engine.findOrder(required(c.params, 'symbol'), c.params, E.noSuchOrder);
      if (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED') throw new BinanceError(-2013, 'Order does not exist.');
      return orderJson(c, o, 'query');
    },
  },
  {
    method: 'GET', path: '/fapi/v1/openOrders', signed: true,
    handle: (c) => {
      const symbol = c.params['symbol'] || undefined;
      if (symbol) c.engine.instrument(symbol);
      return c.engine.openOrders(symbol).map((o) => orderJson(c, o, 'query'));
    },
  },
  {
    method: 'GET', path: '/fapi/v1/allOrders', signed: true,
    handle: (c) => {
      const symbol = required(c.params, 'symbol');
      c.engine.instrument(symbol);
      return window(c.engine.allOrders(symbol), c.params, 1000).map((o) => orderJson(c, o, 'query'));
    },
  },
  {
    method: 'DELETE', path: '/fapi/v1/allOpenOrders', signed: true,
    handle: (c) => {
      c.engine.cancelAll(required(c.params, 'symbol'));
      return { code: 200, msg: 'The operation of cancel all open order is done.' };
    },
  },
  {
    method: 'POST', path: '/fapi/v1/batchOrders', signed: true,
    handle: (c) => batchEntries(c.params).map((p) => {
      try {
        return orderJson(c, c.engine.placeOrder(p), 'ack');
      } catch (e) {
        return errorJson(e);
      }
    }),
  },
  {
    method: 'DELETE', path: '/fapi/v1/batchOrders', signed: true,
    handle: (c) => {
      const symbol = required(c.params, 'symbol');
      const ids = idList(c.params, 'orderIdList', 'orderidlist');
      const clientIds = idList(c.params, 'origClientOrderIdList', 'origclientorderidlist');
      const targets = ids?.map((id) => ({ symbol, orderId: id })) ?? clientIds?.map((id) => ({ symbol, origClientOrderId: id }));
      if (!targets || targets.length === 0 || targets.length > 10) throw E.mandatory('orderIdList');
      return targets.map((t) => {
        try {
          return orderJson(c, c.engine.cancelOrder(t), 'ack');
        } catch (e) {
          return errorJson(e);
        }
      });
    },
  },
  {
    method: 'GET', path: '/fapi/v1/userTrades', signed: true,
    handle: (c) => {
      const inst = c.engine.instrument(required(c.params, 'symbol'));
      const fromId = c.params['fromId'] ? Number(c.params['fromId']) : 0;
      const orderId = c.params['orderId'] ? Number(c.params['orderId']) : undefined;
      const trades = c.engine.trades.filter((t) => t.symbol === inst.symbol && t.id >= fromId && (orderId === undefined || t.orderId === orderId));
      return window(trades, c.params, 1000).map((t) => fmt.userTrade(t, inst));
    },
  },
];
