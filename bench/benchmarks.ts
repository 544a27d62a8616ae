/**
 * risk-guard's benchmarks (tinybench). `npm run bench` runs them all and writes
 * bench/results.json; test/bench runs them in quick mode to check the harness.
 *
 *  1. preview / check latency at 10, 1 000 and 10 000 holdings over 500 symbols,
 *     every limit enabled, open orders and reservations present;
 *  2. wrapped vs raw ccxt binanceusdm createOrder through an in-process stub transport;
 *  3. refresh: normalizing a 1 000-position snapshot into a book;
 *  4. heap held by a guard with 10 000 holdings;
 *  5. exchange requests made by checks on fresh data (live adapter on the simulated exchange).
 */
import ccxt from 'ccxt';
import { Bench } from 'tinybench';
import { CcxtAdapter } from '../adapters/index.js';
import { Book } from '../src/book/book.js';
import { FIXED_READ } from '../src/book/reconcile.js';
import { normalizeSnapshot, type AccountSnapshot } from '../src/snapshot/normalize.js';
import type { RiskGuardConfigInput } from '../src/config/schema.js';
import { RiskGuard } from '../src/guard/risk-guard.js';
import type { OrderIntent } from '../src/projection/intent.js';
import { startSimExchange } from '../src/sim/index.js';

export const SYMBOLS = 500;
const T0 = 1_700_000_000_000;

/** Every limit enabled, wide enough that checks run the full path without binding. */
export const BENCH_CONFIG: RiskGuardConfigInput = {
  limits: {
    maxNetExposure: { value: '1e12' },
    maxGrossExposure: { pctOfEquity: '1e9' },
    maxLeverage: '1e6',
    maxPositionNotional: { default: '1e12', symbols: { 'S0/USDT:USDT': '1e12' } },
    maxAssetExposure: { '*': '1e12' },
    maxOrderNotional: '1e12',
    maxOrderAmount: { '*': '1e9' },
    priceBandBps: '5000',
    maxOpenOrders: { perSymbol: 1_000_000, total: 100_000_000 },
    orderRate: { max: 2_000_000_000, perMs: 1000 },
    maxDrawdownPct: { value: '99', action: 'REDUCING' },
    symbols: { deny: ['DENIED/USDT:USDT'] },
  },
};

const sym = (i: number) => `S${i}/USDT:USDT`;

function market(i: number) {
  return {
    id: `S${i}USDT`, symbol: sym(i), base: `S${i}`, quote: 'USDT', settle: 'USDT', type: 'swap', spot: false, swap: true, contract: true,
    linear: true, inverse: false, contractSize: 1, precision: { amount: 0.001, price: 0.01 },
    limits: { amount: { min: 0.001 }, cost: { min: 5 } }, taker: 0.0005, maker: 0.0002,
  };
}

/**
 * Accounts of up to 500 positions each (one per symbol) until `holdings` positions exist:
 * 10 → one account, 10 positions; 1 000 → 2 × 500; 10 000 → 20 × 500. Every account has
 * an open order on every tenth symbol it holds.
 */
export function accounts(holdings: number): AccountSnapshot[] {
  const markets = Array.from({ length: SYMBOLS }, (_, i) => market(i));
  const prices: AccountSnapshot['prices'] = {};
  for (let i = 0; i < SYMBOLS; i++) prices[sym(i)] = { mark: String(100 + i) };
  const out: AccountSnapshot[] = [];
  for (let a = 0; a * SYMBOLS < holdings; a++) {
    const n = Math.min(SYMBOLS, holdings - a * SYMBOLS);
    const positions = Array.from({ length: n }, (_, i) => ({ symbol: sym(i), side: (i + a) % 2 ? 'short' : 'long', contracts: String(1 + (i % 7)) }));
    const openOrders = Array.from({ length: Math.ceil(n / 10) }, (_, k) => ({
      id: `o${a}-${k}`, symbol: sym(k * 10), side: k % 2 ? 'sell' : 'buy', type: 'limit', amount: '1', remaining: '1', filled: 0, price: String(100 + k * 10), status: 'open',
    }));
    out.push({ exchange: 'bench', account: `acct${a}`, timestamp: T0, markets, positions, balance: { USDT: { total: '1000000' } }, openOrders, prices } as AccountSnapshot);
  }
  return out;
}

export interface LatencyRow { holdings: number; op: 'preview' | 'check'; p50us: number; p99us: number; meanUs: number }

function toRow(holdings: number, op: 'preview' | 'check', task: { result: unknown }): LatencyRow {
  const r = task.result as { latency?: { p50?: number; p99?: number; mean?: number } };
  const l = r.latency ?? {};
  return { holdings, op, p50us: (l.p50 ?? NaN) * 1000, p99us: (l.p99 ?? NaN) * 1000, meanUs: (l.mean ?? NaN) * 1000 };
}

async function latency(holdings: number, time: number): Promise<LatencyRow[]> {
  const guard = await RiskGuard.create({ config: BENCH_CONFIG, sources: accounts(holdings) });
  // reservations present: 50 approved orders held
  for (let i = 0; i < 50; i++) await guard.check({ symbol: sym(i * 7 % SYMBOLS), side: i % 2 ? 'sell' : 'buy', type: 'limit', amount: '0.5', price: String(100 + (i * 7 % SYMBOLS)), account: 'acct0' });
  let i = 0;
  const next = (): OrderIntent => {
    i = (i + 1) % SYMBOLS;
    return { symbol: sym(i), side: i % 2 ? 'sell' : 'buy', type: i % 3 ? 'limit' : 'market', amount: '0.25', price: String(100 + i), account: 'acct0' } as OrderIntent;
  };
  let lastId = '';
  const bench = new Bench({ time, warmup: true, warmupTime: Math.min(100, time) });
  bench.add('preview', () => {
    guard.preview(next());
  });
  bench.add('check', async () => {
    lastId = (await guard.check(next())).id;
  }, { afterEach: () => { guard.release(lastId); } });
  await bench.run();
  await guard.close();
  return [toRow(holdings, 'preview', bench.tasks[0]!), toRow(holdings, 'check', bench.tasks[1]!)];
}

// ---- 2. wrapped vs raw createOrder ----------------------------------------------

/** An in-process Binance USDⓈ-M: exchangeInfo and order answers, no socket. */
async function stubExchange(exchangeInfo: string): Promise<InstanceType<typeof ccxt.binanceusdm>> {
  const ex = new ccxt.binanceusdm({ apiKey: 'k', secret: 's', enableRateLimit: false, options: { fetchMarkets: { types: ['linear'] }, fetchCurrencies: false, defaultType: 'swap', adjustForTimeDifference: false } });
  let orderId = 1;
  (ex as unknown as { fetchImplementation: unknown }).fetchImplementation = async (url: string, init?: { body?: string }) => {
    if (url.includes('/exchangeInfo')) return new Response(exchangeInfo, { status: 200, headers: { 'content-type': 'application/json' } });
    const params = new URLSearchParams(init?.body ?? url.split('?')[1] ?? '');
    const qty = params.get('quantity') ?? '0.001';
    const body = JSON.stringify({
      orderId: orderId++, symbol: params.get('symbol') ?? 'BTCUSDT', status: 'FILLED', clientOrderId: params.get('newClientOrderId') ?? `x${orderId}`,
      price: '0', avgPrice: '60000.00', origQty: qty, executedQty: qty, cumQty: qty, cumQuote: (Number(qty) * 60000).toFixed(2),
      timeInForce: 'GTC', type: 'MARKET', reduceOnly: false, closePosition: false, side: params.get('side') ?? 'BUY', positionSide: 'BOTH',
      stopPrice: '0', workingType: 'CONTRACT_PRICE', priceProtect: false, origType: 'MARKET', priceMatch: 'NONE', selfTradePreventionMode: 'NONE',
      goodTillDate: 0, updateTime: T0,
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  };
  await ex.loadMarkets();
  return ex;
}

export interface WrapRow { rawP50us: number; wrappedP50us: number; ratio: number; rawP99us: number; wrappedP99us: number }

/** A raw binanceusdm and a wrapped one, both on the stub transport, and the guard behind the wrapped one. */
export async function wrapPair(): Promise<{ raw: InstanceType<typeof ccxt.binanceusdm>; wrapped: InstanceType<typeof ccxt.binanceusdm>; guard: RiskGuard }> {
  const sim = await startSimExchange({ seed: 1 });
  const exchangeInfo = await (await fetch(`${sim.url}/fapi/v1/exchangeInfo`)).text();
  await sim.close();
  const raw = await stubExchange(exchangeInfo);
  const inner = await stubExchange(exchangeInfo);
  const btc = inner.market('BTC/USDT:USDT');
  const snapshot = {
    exchange: 'binanceusdm', account: 'binanceusdm', timestamp: T0, markets: [btc], positions: [], openOrders: [],
    balance: { USDT: { total: '1000000000' } }, prices: { 'BTC/USDT:USDT': { mark: '60000' } },
  } as unknown as AccountSnapshot;
  const guard = await RiskGuard.create({ config: { ...BENCH_CONFIG, freshness: { afterOrderMs: 0 } }, sources: [snapshot] });
  return { raw, wrapped: guard.wrap(inner, { account: 'binanceusdm' }), guard };
}

async function wrapOverhead(time: number): Promise<WrapRow> {
  const { raw, wrapped, guard } = await wrapPair();
  const bench = new Bench({ time, warmup: true, warmupTime: Math.min(200, time) });
  bench.add('raw createOrder', async () => {
    await raw.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.001);
  });
  bench.add('wrapped createOrder', async () => {
    await wrapped.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.001);
  });
  await bench.run();
  await guard.close();
  const r = (t: { result: unknown }) => (t.result as { latency: { p50: number; p99: number } }).latency;
  const a = r(bench.tasks[0]!);
  const b = r(bench.tasks[1]!);
  return { rawP50us: a.p50 * 1000, wrappedP50us: b.p50 * 1000, ratio: b.p50 / a.p50, rawP99us: a.p99 * 1000, wrappedP99us: b.p99 * 1000 };
}

// ---- 3. refresh, 4. heap, 5. requests ---------------------------------------------

async function refreshCost(time: number): Promise<{ positions: number; p50ms: number; p99ms: number }> {
  const two = accounts(1000); // 2 accounts × 500 positions
  const bench = new Bench({ time, warmup: true, warmupTime: Math.min(100, time) });
  bench.add('normalize + apply 1 000 positions', () => {
    const book = new Book({ quoteCurrency: 'USDT', cashCurrencies: new Set(['USDT', 'USDC', 'USD']), lostOrderGraceMs: 10_000, now: () => 0 });
    for (const s of two) book.applyRead(normalizeSnapshot(s), FIXED_READ);
  });
  await bench.run();
  const l = (bench.tasks[0]!.result as { latency: { p50: number; p99: number } }).latency;
  return { positions: 1000, p50ms: l.p50, p99ms: l.p99 };
}

async function heapAt(holdings: number): Promise<{ holdings: number; heapMB: number | null }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return { holdings, heapMB: null };
  const snaps = accounts(holdings);
  gc();
  const before = process.memoryUsage().heapUsed;
  const guard = await RiskGuard.create({ config: BENCH_CONFIG, sources: snaps });
  gc();
  const after = process.memoryUsage().heapUsed;
  await guard.close();
  return { holdings, heapMB: (after - before) / 1024 / 1024 };
}

async function requestsOnFreshChecks(checks: number): Promise<{ checks: number; requests: number }> {
  const sim = await startSimExchange({ seed: 1 });
  try {
    const exchange = sim.ccxt();
    const guard = await RiskGuard.create({ config: { ...BENCH_CONFIG, freshness: { maxAgeMs: 3_600_000 } }, sources: [new CcxtAdapter(exchange)] });
    sim.clearRequests();
    for (let i = 0; i < checks; i++) {
      const d = await guard.check({ symbol: 'BTC/USDT:USDT', side: i % 2 ? 'sell' : 'buy', type: 'market', amount: '0.001' });
      guard.release(d.id);
    }
    const requests = sim.requests.length;
    await guard.close();
    return { checks, requests };
  } finally {
    await sim.close();
  }
}

export interface BenchResults {
  date: string;
  machine: { node: string; cpu: string; platform: string };
  latency: LatencyRow[];
  wrap: WrapRow;
  refresh: { positions: number; p50ms: number; p99ms: number };
  heap: { holdings: number; heapMB: number | null };
  requests: { checks: number; requests: number };
  targets: Array<{ target: string; value: string; pass: boolean }>;
}

export async function runBenchmarks(opts: { quick?: boolean } = {}): Promise<BenchResults> {
  const { cpus, platform } = await import('node:os');
  const t = opts.quick ? 30 : 1500;
  const lat: LatencyRow[] = [];
  for (const h of [10, 1000, 10000]) lat.push(...(await latency(h, t)));
  const wrap = await wrapOverhead(opts.quick ? 50 : 3000);
  const refresh = await refreshCost(opts.quick ? 30 : 1500);
  const heap = await heapAt(10000);
  const requests = await requestsOnFreshChecks(opts.quick ? 200 : 10000);
  const at = (h: number, op: 'preview' | 'check') => lat.find((r) => r.holdings === h && r.op === op)!;
  const c1k = at(1000, 'check');
  const scale = at(10000, 'check').p50us / at(10, 'check').p50us;
  const targets = [
    { target: 'check p50 ≤ 10 µs at 1 000 holdings', value: `${c1k.p50us.toFixed(2)} µs`, pass: c1k.p50us <= 10 },
    { target: 'check p99 ≤ 50 µs at 1 000 holdings', value: `${c1k.p99us.toFixed(2)} µs`, pass: c1k.p99us <= 50 },
    { target: 'check p50 at 10 000 ≤ 1.5× at 10 holdings', value: `${scale.toFixed(2)}×`, pass: scale <= 1.5 },
    { target: 'wrapped / raw createOrder p50 ≤ 1.05', value: wrap.ratio.toFixed(3), pass: wrap.ratio <= 1.05 },
    { target: 'exchange requests on fresh checks = 0', value: String(requests.requests), pass: requests.requests === 0 },
  ];
  return {
    date: new Date().toISOString(),
    machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', platform: platform() },
    latency: lat, wrap, refresh, heap, requests, targets,
  };
}
