import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ccxt from 'ccxt';
import nock from 'nock';

/**
 * Mocked exchanges for the adapter tests: nock answers every request to an
 * exchange host from a route table whose payloads are the exchanges' exact raw
 * formats (test/fixtures/exchanges), and logs each request so tests can count
 * them. ccxt runs its real request, signing, error-mapping and parsing path.
 */

// recognisable fake credentials: tests assert they never appear in errors or events
export const KEY = 'RGFAKEKEY-9f2c41d7e8a3b6';
export const SECRET = 'RGFAKESECRET-4b7e19c2aa05f1';
export const PASSWORD = 'RGFAKEPASS-77d1c0';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'exchanges');

export function fx<T = any>(rel: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, rel), 'utf8')) as T;
}

export function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

export interface LoggedRequest {
  method: string;
  origin: string;
  path: string;
  query: Record<string, string>;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** the request body, parsed when it is JSON (Hyperliquid's POST /info says what it asks in its body) */
  body?: unknown;
}

/** What a route answers: a JSON body (default status 200), raw text, or no answer at all (the client times out). */
export interface Reply {
  status?: number;
  body?: unknown;
  text?: string;
  hang?: boolean;
  /** the connection fails (a socket error such as ECONNRESET) */
  socketError?: string;
}

type Handler = (req: LoggedRequest) => Reply | unknown | Promise<Reply | unknown>;

/** A mocked exchange: one route table over one or more hosts. */
export class Venue {
  readonly requests: LoggedRequest[] = [];
  /** requests no route answered (answered 404, and listed here so a test can fail on them) */
  readonly unexpected: string[] = [];
  private readonly routes = new Map<string, Handler>();
  /** a fault injected in front of the routes: return a Reply to override, undefined to pass */
  fault: ((req: LoggedRequest) => Reply | undefined) | null = null;

  constructor(readonly origins: string[]) {
    const venue = this;
    for (const origin of origins) {
      const scope = nock(origin).persist();
      for (const method of ['get', 'post', 'delete', 'put'] as const) {
        scope[method](() => true).query(true).reply(async function (this: { req: { headers: Record<string, any> } }, uri: string, body: unknown) {
          return venue.answer(method.toUpperCase(), origin, uri, this.req?.headers ?? {}, body);
        });
      }
    }
  }

  on(method: string, path: string, handler: Handler): this {
    this.routes.set(`${method} ${path}`, handler);
    return this;
  }

  get(path: string, handler: Handler): this {
    return this.on('GET', path, handler);
  }

  /** requests whose path contains `part` (all when omitted) */
  count(part?: string): number {
    return part === undefined ? this.requests.length : this.requests.filter((r) => r.path.includes(part)).length;
  }

  paths(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}${Object.keys(r.query).length ? `?${new URLSearchParams(r.query).toString()}` : ''}`);
  }

  private async answer(method: string, origin: string, uri: string, headers: Record<string, string | string[] | undefined>, rawBody?: unknown): Promise<[number, string, Record<string, string>]> {
    const u = new URL(uri, origin);
    const query: Record<string, string> = {};
    u.searchParams.forEach((v, k) => { query[k] = v; });
    const req: LoggedRequest = { method, origin, path: u.pathname, query, url: `${origin}${uri}`, headers };
    if (rawBody !== undefined && rawBody !== '') req.body = parseBody(rawBody);
    this.requests.push(req);
    let reply: Reply | undefined = this.fault?.(req);
    if (reply === undefined) {
      const h = this.routes.get(`${method} ${u.pathname}`);
      if (!h) {
        this.unexpected.push(`${method} ${u.pathname}`);
        return [404, JSON.stringify({ code: -1, msg: `no mock for ${method} ${u.pathname}` }), { 'content-type': 'application/json' }];
      }
      const out = await h(req);
      reply = isReply(out) ? out : { body: out };
    }
    if (reply.hang) await new Promise(() => {}); // never answers: the client's timeout fires
    if (reply.socketError) throw Object.assign(new Error(`socket ${reply.socketError}`), { code: reply.socketError });
    const status = reply.status ?? 200;
    if (reply.text !== undefined) return [status, reply.text, { 'content-type': 'text/html' }];
    return [status, JSON.stringify(reply.body), { 'content-type': 'application/json' }];
  }
}

function parseBody(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function isReply(x: unknown): x is Reply {
  return x !== null && typeof x === 'object' && !Array.isArray(x)
    && Object.keys(x).length > 0 && Object.keys(x).every((k) => k === 'status' || k === 'body' || k === 'text' || k === 'hang' || k === 'socketError');
}

export function resetNock(): void {
  nock.cleanAll();
  nock.disableNetConnect();
}

/** A ccxt exchange wired for nock: global fetch (ccxt's undici is invisible to nock), no rate limiter, fake keys. */
export function makeExchange(id: string, config: Record<string, any> = {}): any {
  const Ctor = (ccxt as any)[id];
  const ex = new Ctor({ apiKey: KEY, secret: SECRET, password: PASSWORD, enableRateLimit: false, ...config });
  ex.fetchImplementation = globalThis.fetch;
  return ex;
}

// ---- Binance USD-M / COIN-M ------------------------------------------------------------

export interface BinanceFuturesState {
  exchangeInfo: any;
  positionRisk: any;
  account: any;
  openOrders: any;
  premiumIndex: any;
}

export function binanceFuturesVenue(kind: 'usdm' | 'coinm', data: { positionRisk: any; account: any; openOrders: any; premiumIndex: any }) {
  const api = kind === 'usdm' ? 'fapi' : 'dapi';
  const venue = new Venue([kind === 'usdm' ? 'https://fapi.binance.com' : 'https://dapi.binance.com', 'https://api.binance.com']);
  const state: BinanceFuturesState = { exchangeInfo: fx(`binance${kind}/exchangeInfo.json`), ...clone(data) };
  venue.get(`/${api}/v1/exchangeInfo`, () => state.exchangeInfo);
  venue.get(kind === 'usdm' ? '/fapi/v3/positionRisk' : '/dapi/v1/positionRisk', () => state.positionRisk);
  venue.get(kind === 'usdm' ? '/fapi/v3/account' : '/dapi/v1/account', () => state.account);
  venue.get(`/${api}/v1/openOrders`, () => state.openOrders);
  venue.get(`/${api}/v1/premiumIndex`, (req) => (req.query['symbol'] ? state.premiumIndex.find((p: any) => p.symbol === req.query['symbol']) : state.premiumIndex));
  // what loadMarkets asks with keys when fetchCurrencies is on (binance's default)
  venue.get('/sapi/v1/capital/config/getall', () => []);
  venue.get('/sapi/v1/margin/allPairs', () => []);
  return { venue, state };
}

// ---- Bybit ---------------------------------------------------------------------------------

export interface BybitState {
  instruments: Record<string, any>;
  positions: Record<string, any>;
  orders: Record<string, any>;
  wallet: any;
  tickers: Record<string, any>;
}

const bybitKey = (q: Record<string, string>) => (q['category'] === 'linear' ? `linear ${q['settleCoin'] ?? '?'}` : String(q['category']));

export function bybitVenue(data: { positions: any; orders: any; wallet: any; tickers: any }, categories: string[] = ['linear', 'inverse']) {
  const venue = new Venue(['https://api.bybit.com']);
  const instruments: Record<string, any> = {};
  for (const c of categories) instruments[c] = fx(`bybit/instruments-${c}.json`);
  const state: BybitState = { instruments, ...clone(data) };
  const empty = (category: string) => ({ retCode: 0, retMsg: 'OK', result: { category, list: [], nextPageCursor: '' }, retExtInfo: {}, time: 1722161166529 });
  venue.get('/v5/market/instruments-info', (req) => {
    const c = req.query['category']!;
    if (req.query['status'] === 'PreLaunch') return empty(c);
    return state.instruments[c] ?? empty(c);
  });
  venue.get('/v5/position/list', (req) => state.positions[bybitKey(req.query)] ?? { status: 400, body: { retCode: 10001, retMsg: `unmocked ${bybitKey(req.query)}`, result: {}, retExtInfo: {}, time: 1 } });
  venue.get('/v5/order/realtime', (req) => state.orders[bybitKey(req.query)] ?? empty(req.query['category']!));
  venue.get('/v5/account/wallet-balance', () => state.wallet);
  venue.get('/v5/market/tickers', (req) => {
    const t = state.tickers[req.query['category']!] ?? empty(req.query['category']!);
    if (!req.query['symbol']) return t;
    return { ...t, result: { ...t.result, list: t.result.list.filter((r: any) => r.symbol === req.query['symbol']) } };
  });
  const info = fx('bybit/account-info.json');
  venue.get('/v5/user/query-api', () => info.queryApi);
  venue.get('/v5/account/info', () => info.accountInfo);
  venue.get('/v5/asset/coin/query-info', () => ({ retCode: 0, retMsg: '', result: { rows: [] }, retExtInfo: {}, time: 1722161166529 }));
  return { venue, state };
}

/** ccxt bybit limited to the mocked categories, unified-account detection answered by options (one test mocks it instead). */
export function makeBybit(categories: string[] = ['linear', 'inverse'], extraOptions: Record<string, any> = {}) {
  return makeExchange('bybit', {
    has: { fetchCurrencies: false },
    options: { fetchMarkets: { types: categories }, enableUnifiedMargin: false, enableUnifiedAccount: true, ...extraOptions },
  });
}

// ---- OKX -------------------------------------------------------------------------------------

export interface OkxState {
  instruments: Record<string, any>;
  positions: any;
  balance: any;
  orders: any;
  markPrices: any;
  tickers: Record<string, any>;
}

export function okxVenue(data: { positions: any; balance: any; orders: any; markPrices: any }) {
  const venue = new Venue(['https://www.okx.com']);
  const state: OkxState = {
    instruments: { SWAP: fx('okx/instruments-SWAP.json'), SPOT: fx('okx/instruments-SPOT.json') },
    tickers: {},
    ...clone(data),
  };
  const empty = { code: '0', msg: '', data: [] };
  venue.get('/api/v5/public/instruments', (req) => state.instruments[req.query['instType']!] ?? empty);
  venue.get('/api/v5/account/positions', () => state.positions);
  venue.get('/api/v5/account/balance', () => state.balance);
  venue.get('/api/v5/trade/orders-pending', () => state.orders);
  venue.get('/api/v5/public/mark-price', (req) => {
    const all = state.markPrices;
    const id = req.query['instId'];
    return id ? { ...all, data: all.data.filter((r: any) => r.instId === id) } : { ...all, data: all.data.filter((r: any) => r.instType === req.query['instType']) };
  });
  venue.get('/api/v5/market/ticker', (req) => state.tickers[req.query['instId']!] ?? empty);
  venue.get('/api/v5/asset/currencies', () => empty);
  return { venue, state };
}

export function makeOkx(extraOptions: Record<string, any> = {}) {
  return makeExchange('okx', { has: { fetchCurrencies: false }, options: { fetchMarkets: { types: ['spot', 'swap'] }, ...extraOptions } });
}

// ---- Binance spot ------------------------------------------------------------------------------

export function binanceSpotVenue(data: { account: any; openOrders: any; tickers: any }) {
  const venue = new Venue(['https://api.binance.com']);
  const state = { exchangeInfo: fx('binance-spot/exchangeInfo.json'), ...clone(data) };
  venue.get('/api/v3/exchangeInfo', () => state.exchangeInfo);
  venue.get('/api/v3/account', () => state.account);
  venue.get('/api/v3/openOrders', () => state.openOrders);
  venue.get('/api/v3/ticker/24hr', (req) => {
    const wanted: string[] | null = req.query['symbols'] ? JSON.parse(req.query['symbols']) : null;
    return wanted ? state.tickers.filter((t: any) => wanted.includes(t.symbol)) : state.tickers;
  });
  venue.get('/sapi/v1/capital/config/getall', () => []);
  venue.get('/sapi/v1/margin/allPairs', () => []);
  venue.get('/sapi/v1/margin/isolated/allPairs', () => []);
  return { venue, state };
}

export function makeBinanceSpot(extraOptions: Record<string, any> = {}) {
  return makeExchange('binance', { options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false, ...extraOptions } });
}
