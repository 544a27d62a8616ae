/**
 * A nock mock of Binance USD-M's order endpoints, with a small order book behind it,
 * in Binance's raw formats, so real ccxt (binanceusdm) parses every answer. Account
 * data for the guard comes from the same state through a live source, so the
 * lifecycle (ack → open order in the next snapshot → fill → position) is realistic.
 */
import ccxt from 'ccxt';
import nock from 'nock';
import fixture from '../fixtures/ccxt-static/binance.json' with { type: 'json' };
import type { AccountSnapshot } from '../../src/snapshot/normalize.js';
import { Decimal } from '../../src/number.js';
import type { AccountSource, ReadClock } from '../../src/guard/sources.js';

export const HOST = 'https://fapi.binance.com';
export const API_KEY = 'rgTESTKEYa1b2c3d4e5f6';
export const SECRET = 'rgTESTSECRETz9y8x7w6v5';

type Raw = Record<string, any>;

const btcInfo = (fixture as Raw)['markets']['BTC/USDT:USDT']['info'];
const ltcInfo = (fixture as Raw)['markets']['LTC/USDT:USDT']['info'];
/** ETHUSDT in exchangeInfo's shape, derived from the real BTCUSDT entry. */
const ethInfo = {
  ...btcInfo, symbol: 'ETHUSDT', pair: 'ETHUSDT', baseAsset: 'ETH',
  filters: btcInfo.filters.map((f: Raw) => (f.filterType === 'LOT_SIZE' || f.filterType === 'MARKET_LOT_SIZE' ? { ...f, stepSize: '0.001', minQty: '0.001', maxQty: '10000' } : f.filterType === 'PRICE_FILTER' ? { ...f, tickSize: '0.01', minPrice: '39.86', maxPrice: '306177' } : f)),
};

export interface Behaviour {
  /** how the exchange treats a new order */
  outcome?: 'fill' | 'rest' | 'partial' | 'reject' | 'timeout';
  /** for partial: the share filled at once */
  ratio?: string;
  /** for reject: Binance's error */
  error?: { code: number; msg: string };
}

interface MockOrder {
  orderId: number;
  symbol: string;
  clientOrderId: string;
  side: 'BUY' | 'SELL';
  type: string;
  price: Decimal;
  origQty: Decimal;
  executedQty: Decimal;
  avgPrice: Decimal;
  status: 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';
  reduceOnly: boolean;
  positionSide: string;
  updateTime: number;
}

export class BinanceOrderMock {
  readonly orders = new Map<number, MockOrder>();
  readonly algoOrders = new Map<number, Record<string, string>>();
  readonly positions = new Map<string, Decimal>();
  readonly marks = new Map<string, Decimal>([['BTCUSDT', new Decimal(50000)], ['ETHUSDT', new Decimal(2500)], ['LTCUSDT', new Decimal(100)]]);
  wallet = new Decimal(10000);
  /** every request that reached the mock: method and path */
  readonly requests: string[] = [];
  private nextId = 1000;
  behaviour: (o: { symbol: string; side: string; quantity: Decimal; type: string }) => Behaviour = () => ({});
  latency: () => number = () => 0;
  timeoutMs = 10_000;
  /** called after every change of the exchange's state (an order accepted, a fill) */
  onChange: () => void = () => {};

  constructor() {
    const self = this;
    const scope = nock(HOST).persist();
    const parse = (body: unknown, uri: string): Record<string, string> => {
      const q = new URLSearchParams(typeof body === 'string' && body ? body : uri.split('?')[1] ?? '');
      return Object.fromEntries(q.entries());
    };
    // the order is placed when the request arrives; the answer comes after a latency
    // (longer than the client's timeout for outcome 'timeout': placed, but the bot never hears)
    scope.post('/fapi/v1/order').query(true).reply(function (uri, body, cb) {
      const p = parse(body, uri);
      self.requests.push(`POST /fapi/v1/order`);
      const { result, late } = self.newOrderTimed(p);
      setTimeout(() => cb(null, result), late ? self.timeoutMs + 200 : self.latency());
    });
    scope.post('/fapi/v1/batchOrders').query(true).reply(function (uri, body) {
      const p = parse(body, uri);
      self.requests.push('POST /fapi/v1/batchOrders');
      const list = JSON.parse(p['batchOrders']!) as Record<string, string>[];
      // Binance answers a batch with one entry per order: the order, or its error
      return [200, list.map((o) => self.newOrder(o)[1])];
    });
    scope.put('/fapi/v1/order').query(true).reply(function (uri, body) {
      const p = parse(body, uri);
      self.requests.push('PUT /fapi/v1/order');
      const o = self.find(p);
      if (!o || o.status === 'FILLED' || o.status === 'CANCELED') return [400, { code: -2013, msg: 'Order does not exist.' }];
      o.origQty = new Decimal(p['quantity']!);
      o.price = new Decimal(p['price']!);
      o.updateTime = Date.now();
      return [200, self.format(o)];
    });
    scope.delete('/fapi/v1/order').query(true).reply(function (uri) {
      const p = parse(undefined, uri);
      self.requests.push('DELETE /fapi/v1/order');
      const o = self.find(p);
      if (!o || o.status === 'FILLED' || o.status === 'CANCELED') return [400, { code: -2011, msg: 'Unknown order sent.' }];
      o.status = 'CANCELED';
      return [200, self.format(o)];
    });
    scope.get('/fapi/v1/order').query(true).reply(function (uri) {
      const p = parse(undefined, uri);
      self.requests.push('GET /fapi/v1/order');
      const o = self.find(p);
      if (!o) return [400, { code: -2013, msg: 'Order does not exist.' }];
      return [200, self.format(o)];
    });
    // conditional orders live in Binance's algo service: not in openOrders, their own ids
    scope.post('/fapi/v1/algoOrder').query(true).reply(function (uri, body) {
      const p = parse(body, uri);
      self.requests.push('POST /fapi/v1/algoOrder');
      const algoId = self.nextId++;
      self.algoOrders.set(algoId, p);
      return [200, {
        algoId, clientAlgoId: p['clientAlgoId'] ?? `algo_${algoId}`, algoType: 'CONDITIONAL', orderType: p['type'], symbol: p['symbol'], side: p['side'],
        positionSide: 'BOTH', timeInForce: 'GTC', quantity: p['quantity'], algoStatus: 'NEW', triggerPrice: p['triggerPrice'], price: p['price'] ?? '0',
        icebergQuantity: null, selfTradePreventionMode: 'EXPIRE_MAKER', workingType: 'CONTRACT_PRICE', priceMatch: 'NONE', closePosition: false,
        priceProtect: false, reduceOnly: p['reduceOnly'] === 'true', createTime: Date.now(), updateTime: Date.now(), triggerTime: 0, goodTillDate: 0,
      }];
    });
    scope.delete('/fapi/v1/algoOrder').query(true).reply(function (uri) {
      const p = parse(undefined, uri);
      self.requests.push('DELETE /fapi/v1/algoOrder');
      const algoId = Number(p['algoId']);
      if (!self.algoOrders.delete(algoId)) return [400, { code: -2011, msg: 'Unknown order sent.' }];
      return [200, { algoId, clientAlgoId: `algo_${algoId}`, code: '200', msg: 'success' }];
    });
    scope.delete('/fapi/v1/allOpenOrders').query(true).reply(function (uri) {
      const p = parse(undefined, uri);
      self.requests.push('DELETE /fapi/v1/allOpenOrders');
      for (const o of self.orders.values()) if (o.symbol === p['symbol'] && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED')) o.status = 'CANCELED';
      return [200, { code: 200, msg: 'The operation of cancel all open order is done.' }];
    });
  }

  private find(p: Record<string, string>): MockOrder | undefined {
    if (p['orderId']) return this.orders.get(Number(p['orderId']));
    const cid = p['origClientOrderId'];
    return [...this.orders.values()].find((o) => o.clientOrderId === cid);
  }

  private newOrderTimed(p: Record<string, string>): { result: [number, any]; late: boolean } {
    const quantity = new Decimal(p['quantity']!);
    const b = this.behaviour({ symbol: p['symbol']!, side: p['side']!, quantity, type: p['type']! });
    return { result: this.newOrder(p, b), late: b.outcome === 'timeout' };
  }

  private newOrder(p: Record<string, string>, given?: Behaviour): [number, any] {
    const quantity = new Decimal(p['quantity']!);
    const b = given ?? this.behaviour({ symbol: p['symbol']!, side: p['side']!, quantity, type: p['type']! });
    if (b.outcome === 'reject') return [400, b.error ?? { code: -2019, msg: 'Margin is insufficient.' }];
    const mark = this.marks.get(p['symbol']!)!;
    // Binance refuses a reduce-only order that cannot reduce
    if (p['reduceOnly'] === 'true') {
      const pos = this.positions.get(p['symbol']!) ?? new Decimal(0);
      if (pos.isZero() || (pos.gt(0) === (p['side'] === 'BUY'))) return [400, { code: -2022, msg: 'ReduceOnly Order is rejected.' }];
    }
    const o: MockOrder = {
      orderId: this.nextId++, symbol: p['symbol']!, clientOrderId: p['newClientOrderId'] ?? `web_${this.nextId}`,
      side: p['side'] as 'BUY' | 'SELL', type: p['type']!, price: new Decimal(p['price'] ?? 0), origQty: quantity,
      executedQty: new Decimal(0), avgPrice: new Decimal(0), status: 'NEW', reduceOnly: p['reduceOnly'] === 'true',
      positionSide: p['positionSide'] ?? 'BOTH', updateTime: Date.now(),
    };
    this.orders.set(o.orderId, o);
    const outcome = b.outcome === 'timeout' || b.outcome === undefined ? (o.type === 'MARKET' ? 'fill' : 'rest') : b.outcome;
    if (outcome === 'fill') this.fill(o, quantity, o.type === 'MARKET' ? mark : o.price);
    if (outcome === 'partial') this.fill(o, quantity.mul(b.ratio ?? '0.5').toDecimalPlaces(3, Decimal.ROUND_DOWN), o.type === 'MARKET' ? mark : o.price);
    this.onChange();
    return [200, this.format(o)];
  }

  /** Fills part of an order at a price: the position follows. */
  fill(o: MockOrder, qty: Decimal, price: Decimal): void {
    if (o.reduceOnly) {
      // a reduce-only order fills at most down to flat; the rest expires
      const pos = this.positions.get(o.symbol) ?? new Decimal(0);
      const room = (o.side === 'BUY' ? pos.neg() : pos);
      if (room.lt(qty)) {
        qty = Decimal.max(room, 0);
        o.origQty = o.executedQty.plus(qty);
      }
    }
    if (qty.lte(0)) {
      if (o.reduceOnly) o.status = 'EXPIRED';
      return;
    }
    const before = o.executedQty;
    o.executedQty = before.plus(qty);
    o.avgPrice = before.mul(o.avgPrice).plus(qty.mul(price)).div(o.executedQty);
    o.status = o.executedQty.gte(o.origQty) ? 'FILLED' : 'PARTIALLY_FILLED';
    o.updateTime = Date.now();
    const signed = o.side === 'BUY' ? qty : qty.neg();
    this.positions.set(o.symbol, (this.positions.get(o.symbol) ?? new Decimal(0)).plus(signed));
    this.onChange();
  }

  /** Fills every resting order completely (the worst case the guard planned for). */
  fillAll(): void {
    for (const o of this.orders.values()) {
      if (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED') this.fill(o, o.origQty.minus(o.executedQty), o.price.gt(0) ? o.price : this.marks.get(o.symbol)!);
    }
  }

  format(o: MockOrder): Raw {
    return {
      orderId: o.orderId, symbol: o.symbol, status: o.status, clientOrderId: o.clientOrderId,
      price: o.price.toFixed(), avgPrice: o.avgPrice.toFixed(), origQty: o.origQty.toFixed(), executedQty: o.executedQty.toFixed(),
      cumQty: o.executedQty.toFixed(), cumQuote: o.executedQty.mul(o.avgPrice).toFixed(), timeInForce: o.type === 'MARKET' ? 'GTC' : 'GTC',
      type: o.type, reduceOnly: o.reduceOnly, closePosition: false, side: o.side, positionSide: o.positionSide, stopPrice: '0',
      workingType: 'CONTRACT_PRICE', priceProtect: false, origType: o.type, updateTime: o.updateTime,
    };
  }

  openOrders(): MockOrder[] {
    return [...this.orders.values()].filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED');
  }

  /** The account as a snapshot, built the way ccxt would parse it. */
  snapshot(ex: InstanceType<typeof ccxt.binanceusdm>): AccountSnapshot {
    const symbolOf = (id: string) => ex.markets_by_id![id]![0]!.symbol as string;
    return {
      exchange: 'binanceusdm',
      timestamp: Date.now(),
      markets: Object.values(ex.markets ?? {}) as Raw[],
      positions: [...this.positions.entries()].filter(([, q]) => !q.isZero()).map(([id, q]) => ({ symbol: symbolOf(id), side: q.gt(0) ? 'long' : 'short', contracts: q.abs().toFixed(), contractSize: 1, markPrice: this.marks.get(id)!.toFixed(), hedged: false })),
      balance: { USDT: { total: this.wallet.toFixed() } },
      openOrders: this.openOrders().map((o) => ({ id: String(o.orderId), clientOrderId: o.clientOrderId, symbol: symbolOf(o.symbol), side: o.side.toLowerCase(), type: o.type.toLowerCase(), price: o.price.toFixed(), amount: o.origQty.toFixed(), filled: o.executedQty.toFixed(), remaining: o.origQty.minus(o.executedQty).toFixed(), status: 'open', reduceOnly: o.reduceOnly })),
      prices: Object.fromEntries([...this.marks.entries()].map(([id, m]) => [symbolOf(id), { mark: m.toFixed() }])),
    };
  }
}

/** A real ccxt binanceusdm, markets loaded through nock from real exchangeInfo entries. */
export async function binanceUsdm(opts: { timeout?: number } = {}): Promise<InstanceType<typeof ccxt.binanceusdm>> {
  const ex = new ccxt.binanceusdm({ apiKey: API_KEY, secret: SECRET, enableRateLimit: false, timeout: opts.timeout ?? 10_000, options: { fetchMarkets: ['linear'], fetchCurrencies: false } });
  ex.fetchImplementation = globalThis.fetch;
  nock(HOST).get('/fapi/v1/exchangeInfo').reply(200, { timezone: 'UTC', serverTime: Date.now(), rateLimits: [], exchangeFilters: [], assets: [], symbols: [btcInfo, ethInfo, ltcInfo] });
  await ex.loadMarkets();
  return ex;
}

/** A live source that reads the mock's account, and counts its reads. */
export function mockSource(mock: BinanceOrderMock, ex: InstanceType<typeof ccxt.binanceusdm>): AccountSource & { exchange: unknown; reads: number } {
  const src = {
    name: 'binanceusdm', live: true as const, exchange: ex, reads: 0,
    // one synchronous picture of the exchange: nothing can happen between its parts, so the
    // parts are stamped in the order a careful source reads them (open orders, then the account)
    async fetchSnapshot(clock?: ReadClock) {
      src.reads++;
      clock?.stamp('openOrders', 'requested');
      const snap = mock.snapshot(ex);
      clock?.stamp('openOrders', 'answered');
      clock?.stamp('account', 'requested');
      clock?.stamp('account', 'answered');
      return snap;
    },
  };
  return src;
}
