/**
 * The loopback HTTP layer of the simulated exchange (node:http only): parses
 * Binance-style requests (query string and form body), checks signed endpoints'
 * credentials the way Binance does, applies injected faults and seeded latency,
 * dispatches to the route table and records every request (never keys or signatures).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BinanceError, E } from './errors.js';
import { FaultQueue, type FaultKind } from './faults.js';
import type { MatchingEngine } from './matching.js';
import type { Params } from './orders.js';
import { Prng } from './prng.js';
import type { Route } from './routes.js';

export interface RequestRecord {
  method: string;
  /** Path without the query string, e.g. "/fapi/v1/order". */
  path: string;
  /** Request parameters (query and body) without `signature`. */
  params: Params;
  /** Arrival time (the sim's clock, ms). */
  time: number;
  /** HTTP status answered (0 while pending, or when the fault never answers). */
  status: number;
  /** false when the route is not one the simulator serves (answered 404 -1121). */
  served: boolean;
  /** The injected fault this request met, if any. */
  fault?: FaultKind;
}

export interface ServerOptions {
  routes: Route[];
  engine: MatchingEngine;
  now: () => number;
  latencyMs?: [number, number];
  seed: number;
}

/** Credentials and the signature are accepted as long as they are present. */
const NEVER_RECORDED = new Set(['signature']);

export class SimServer {
  readonly requests: RequestRecord[] = [];
  readonly faults = new FaultQueue();
  private readonly server: Server;
  private readonly routes = new Map<string, Route>();
  private readonly latencyRng: Prng;
  private readonly held = new Set<ServerResponse>();

  constructor(private readonly opts: ServerOptions) {
    for (const r of opts.routes) this.routes.set(`${r.method} ${r.path}`, r);
    // a separate stream: request timing must not perturb the price path
    this.latencyRng = new Prng(opts.seed ^ 0x5bd1e995);
    this.server = createServer((req, res) => {
      this.onRequest(req, res).catch((e: unknown) => this.send(res, 500, { code: -1000, msg: `An unknown error occured while processing the request. (${(e as Error).message})` }));
    });
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    return `http://${host}:${addr.port}`;
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sim');
    const body = await readBody(req);
    const params = { ...parseForm(url.search.slice(1)), ...parseForm(body) };
    const route = this.routes.get(`${method} ${url.pathname}`);
    const record: RequestRecord = {
      method,
      path: url.pathname,
      params: Object.fromEntries(Object.entries(params).filter(([k]) => !NEVER_RECORDED.has(k))),
      time: this.opts.now(),
      status: 0,
      served: route !== undefined,
    };
    this.requests.push(record);

    const fault = this.faults.take(method, url.pathname);
    if (fault) record.fault = fault;
    if (fault === 'timeout') {
      // never answer: the client's own timeout fires (close() releases the socket)
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return;
    }
    await this.delay();
    if (fault && fault !== 'lostAnswer') {
      record.status = this.fail(res, fault);
      return;
    }

    let status = 200;
    let payload: unknown;
    try {
      if (!route) throw E.unknownRoute(method, url.pathname);
      if (route.signed) checkCredentials(req, params);
      payload = route.handle({ params, engine: this.opts.engine, now: this.opts.now() });
    } catch (e) {
      if (!(e instanceof BinanceError)) throw e;
      status = e.httpStatus;
      payload = e.toJSON();
    }
    record.status = status;
    if (fault === 'lostAnswer') {
      // done, but the answer never leaves: the client's own timeout fires
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return;
    }
    this.send(res, status, payload);
  }

  private async delay(): Promise<void> {
    const range = this.opts.latencyMs;
    if (!range) return;
    const ms = this.latencyRng.int(Math.max(0, Math.floor(range[0])), Math.max(0, Math.floor(range[1])));
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  private fail(res: ServerResponse, kind: FaultKind): number {
    switch (kind) {
      case 'http500':
        return this.sendText(res, 500, 'Internal Server Error');
      case 'http502':
        return this.sendText(res, 502, 'Bad Gateway');
      case 'http503':
        return this.sendText(res, 503, 'Service Unavailable');
      case 'http429':
        return this.send(res, 429, { code: -1003, msg: 'Too many requests; current limit of IP(127.0.0.1) is 2400 requests per minute. Please use the websocket for live updates to avoid polling the API.' });
      case 'http418':
        return this.send(res, 418, { code: -1003, msg: 'Way too many requests; IP(127.0.0.1) banned until 4102444800000. Please use the websocket for live updates to avoid bans.' });
      case 'auth':
        return this.send(res, 401, E.invalidKey().toJSON());
      case 'malformed':
        return this.sendText(res, 200, '{"symbol":"BTCUSDT","price":', 'application/json');
      case 'disconnect':
        res.socket?.destroy();
        return 0;
      case 'timeout':
      case 'lostAnswer':
        return 0; // handled in onRequest
    }
  }

  private send(res: ServerResponse, status: number, payload: unknown): number {
    return this.sendText(res, status, JSON.stringify(payload), 'application/json');
  }

  private sendText(res: ServerResponse, status: number, text: string, type = 'text/plain'): number {
    if (res.headersSent || res.destroyed) return status;
    res.writeHead(status, { 'Content-Type': `${type};charset=UTF-8`, 'Content-Length': Buffer.byteLength(text), 'X-MBX-USED-WEIGHT-1M': '1' });
    res.end(text);
    return status;
  }
}

/** Binance: a missing API key is -2014 (401); a missing timestamp or signature is -1102. */
function checkCredentials(req: IncomingMessage, params: Params): void {
  const key = req.headers['x-mbx-apikey'];
  if (typeof key !== 'string' || key.trim() === '') throw E.apiKeyFormat();
  if (!params['timestamp']) throw E.mandatory('timestamp');
  if (!params['signature']) throw E.mandatory('signature');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Form/query parsing that keeps ccxt's raw-encoded values intact: batchOrders is sent
 * as raw JSON (not percent-encoded), so '+' is never turned into a space and a value
 * that is not valid percent-encoding is kept as it came.
 */
export function parseForm(text: string): Params {
  const out: Params = {};
  if (!text) return out;
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    out[decode(k)] = decode(v);
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
