/**
 * risk-guard's simulated exchange: a loopback HTTP server speaking the subset of the
 * Binance USDⓈ-M futures REST API that ccxt 4.5.84 `binanceusdm` uses, so real,
 * unmodified ccxt runs against it with only its configuration changed. Used by
 * `risk-guard demo`, the example strategies, risk-guard's tests and your own tests.
 *
 * ```ts
 * import ccxt from 'ccxt';
 * import { startSimExchange } from 'risk-guard/sim';
 *
 * const sim = await startSimExchange({ seed: 42, balances: { USDT: '10000' } });
 * const exchange = new ccxt.binanceusdm(sim.ccxtOptions());   // or sim.ccxt(), or sim.attach(existingExchange)
 * await exchange.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01);
 * sim.advance(10);                                             // ten seeded price steps
 * sim.setMark('BTCUSDT', '61000');                             // or put a price where a test needs it
 * sim.state();                                                 // positions, balances, orders, marks (decimal strings)
 * sim.injectFault({ path: '/fapi/v1/order', kind: 'http500' });
 * sim.requests;                                                // every request: method, path, params, time, status
 * await sim.close();
 * ```
 *
 * Options (all optional):
 *  - seed (1): seeds the price path and the latency draws; same seed ⇒ same path and fills.
 *  - balances ({ USDT: '10000' }): wallet balances per asset.
 *  - instruments (BTCUSDT ~60000, ETHUSDT ~3000, SOLUSDT ~150): InstrumentConfig[]; a known
 *    symbol may give only the fields it changes, e.g. [{ symbol: 'BTCUSDT', price: '50000' }].
 *  - volatilityBps (10): standard deviation of one price step, in bps.
 *  - slippageBps (2): market orders fill at mark ± this, rounded to the tick against the taker.
 *  - partialFillRatio (1): share of a resting limit order's remainder filled per crossing step.
 *  - hedgeMode (false): dual-side positions (positionSide LONG/SHORT) from the start.
 *  - leverage (10): initial leverage of every symbol (POST fapi/v1/leverage changes it).
 *  - tickMs (0): when > 0, the price path advances one step every tickMs (demos); 0 = manual.
 *  - latencyMs: [min, max] seeded delay before each answer.
 *  - port (0 = any free port), host ('127.0.0.1').
 *  - clock (Date.now): the time source for timestamps.
 *
 * Endpoints served (everything else answers 404 {"code":-1121}):
 *   public  GET  fapi/v1/ping, time, exchangeInfo, premiumIndex, ticker/24hr, ticker/price,
 *                ticker/bookTicker, depth, klines, markPriceKlines; fapi/v2/ticker/price
 *                (klines: one candle per price-path step, the last 1500 steps)
 *   signed  GET  fapi/v3/account, fapi/v3/positionRisk, fapi/v1/leverageBracket, symbolConfig,
 *                commissionRate, positionSide/dual, order, openOrder, openOrders, allOrders, userTrades
 *           POST fapi/v1/order, batchOrders, leverage, positionSide/dual, marginType
 *           PUT  fapi/v1/order          DELETE fapi/v1/order, allOpenOrders, batchOrders
 *
 * Simulated: LIMIT (GTC/IOC/FOK/GTX) and MARKET orders, partial fills, reduce-only,
 * one-way and hedge position modes, cross margin per margin asset with leverage,
 * brackets, fees, realized/unrealized PnL, Binance's filters and error codes.
 * Not simulated: stop/take-profit/trailing (algo) orders, isolated margin, funding,
 * liquidation, multi-assets mode, websockets, an order book beyond one synthetic level.
 */
import { Decimal, fmt, parseDecimal, type DecimalInput } from '../number.js';
import { attachCcxt, ccxtConfig, createCcxtClient, type CcxtExchangeLike } from './ccxt-config.js';
import type { FaultSpec } from './faults.js';
import { buildInstrument, DEFAULT_INSTRUMENTS, type InstrumentConfig } from './instruments.js';
import { MatchingEngine } from './matching.js';
import { isOpen, type SimOrder } from './orders.js';
import { ROUTES } from './routes.js';
import { SimServer, type RequestRecord } from './server.js';

export type { InstrumentConfig, BracketConfig } from './instruments.js';
export { DEFAULT_INSTRUMENTS } from './instruments.js';
export type { FaultSpec, FaultKind } from './faults.js';
export type { RequestRecord } from './server.js';
export type { CcxtExchangeLike } from './ccxt-config.js';

export interface SimExchangeOptions {
  seed?: number;
  balances?: Record<string, DecimalInput>;
  instruments?: InstrumentConfig[];
  volatilityBps?: DecimalInput;
  slippageBps?: DecimalInput;
  partialFillRatio?: DecimalInput;
  hedgeMode?: boolean;
  leverage?: number;
  tickMs?: number;
  latencyMs?: [number, number];
  port?: number;
  host?: string;
  clock?: () => number;
}

export interface SimOrderState {
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  positionSide: 'BOTH' | 'LONG' | 'SHORT';
  type: 'LIMIT' | 'MARKET';
  timeInForce: string;
  price: string;
  origQty: string;
  executedQty: string;
  avgPrice: string;
  status: SimOrder['status'];
  reduceOnly: boolean;
}

export interface SimPositionState {
  symbol: string;
  positionSide: 'BOTH' | 'LONG' | 'SHORT';
  /** Signed: > 0 long, < 0 short. */
  amount: string;
  entryPrice: string;
  markPrice: string;
  /** Signed: amount × mark. */
  notional: string;
  unrealizedPnl: string;
  leverage: number;
  liquidationPrice: string;
}

export interface SimBalanceState {
  wallet: string;
  unrealizedPnl: string;
  /** wallet + unrealized PnL (ccxt's balance total). */
  marginBalance: string;
  /** Position + open-order initial margin (ccxt's balance used). */
  initialMargin: string;
  maintMargin: string;
  /** marginBalance − initialMargin (ccxt's balance free). */
  available: string;
}

export interface SimState {
  time: number;
  /** Price-path steps taken so far. */
  step: number;
  hedgeMode: boolean;
  marks: Record<string, string>;
  balances: Record<string, SimBalanceState>;
  /** Open positions only. */
  positions: SimPositionState[];
  openOrders: SimOrderState[];
  /** Every order, oldest first. */
  orders: SimOrderState[];
  /** Number of fills so far. */
  fills: number;
}

export class SimExchange {
  private timer: NodeJS.Timeout | undefined;

  /** @internal use startSimExchange() */
  constructor(
    readonly url: string,
    private readonly engine: MatchingEngine,
    private readonly server: SimServer,
    private readonly clock: () => number,
    tickMs: number,
  ) {
    if (tickMs > 0) {
      this.timer = setInterval(() => this.engine.advance(1), tickMs);
      this.timer.unref();
    }
  }

  /** Every request received, in arrival order (keys and signatures are never recorded). */
  get requests(): readonly RequestRecord[] {
    return this.server.requests;
  }

  clearRequests(): void {
    this.server.requests.length = 0;
  }

  /** Constructor config for `new ccxt.binanceusdm(sim.ccxtOptions())`; `extra` is merged in (options deeply). */
  ccxtOptions(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return ccxtConfig(this.url, extra);
  }

  /** A new ccxt binanceusdm client already pointed at the simulator (same as new ccxt.binanceusdm(sim.ccxtOptions(extra))). */
  ccxt(extra: Record<string, unknown> = {}): ReturnType<typeof createCcxtClient> {
    return createCcxtClient(this.url, extra);
  }

  /** Points an existing ccxt binanceusdm instance at the simulator; returns it. */
  attach<T extends CcxtExchangeLike>(exchange: T): T {
    return attachCcxt(exchange, this.url);
  }

  /** Advances every price `steps` steps along the seeded path; crossed limit orders fill. */
  advance(steps = 1): void {
    if (!Number.isInteger(steps) || steps < 0) throw new Error(`sim.advance(steps): steps must be a non-negative integer, got ${steps}`);
    this.engine.advance(steps);
  }

  /** Sets a mark price (symbol id "BTCUSDT" or ccxt symbol "BTC/USDT:USDT"); crossed limit orders fill. */
  setMark(symbol: string, price: DecimalInput): void {
    const p = parseDecimal(price);
    if (p === null) throw new Error(`sim.setMark: price must be a decimal, got ${String(price)}`);
    this.engine.setMark(this.symbolId(symbol), p);
  }

  mark(symbol: string): string {
    return fmt(this.engine.mark(this.symbolId(symbol)));
  }

  /** Sets a symbol's leverage, as POST fapi/v1/leverage does. */
  setLeverage(symbol: string, leverage: number): void {
    this.engine.setLeverage(this.symbolId(symbol), String(leverage));
  }

  /**
   * Calls `observer` synchronously just before the exchange accepts an order or an amendment
   * (after its checks, so refused orders are not seen) and just after (immediate fills
   * included): a test's referee can judge every accepted order on the exchange's own state.
   */
  observe(observer: { beforeAccept(): void; afterAccept(order: SimOrderState): void } | null): void {
    this.engine.observer = observer ? { beforeAccept: () => observer.beforeAccept(), afterAccept: (o) => observer.afterAccept(orderState(o)) } : null;
  }

  /** The next `times` (default 1) requests matching path/method fail with `kind`. */
  injectFault(spec: FaultSpec): void {
    this.server.faults.add(spec);
  }

  clearFaults(): void {
    this.server.faults.clear();
  }

  /** Injected failures not yet triggered. */
  pendingFaults(): number {
    return this.server.faults.pending();
  }

  state(): SimState {
    const e = this.engine;
    const view = e.view();
    const marks: Record<string, string> = {};
    for (const inst of e.instrumentList()) marks[inst.symbol] = fmt(e.mark(inst.symbol));
    const balances: Record<string, SimBalanceState> = {};
    for (const a of view.assets) {
      balances[a.asset] = {
        wallet: fmt(a.wallet), unrealizedPnl: fmt(a.unrealizedPnl), marginBalance: fmt(a.marginBalance),
        initialMargin: fmt(a.initialMargin), maintMargin: fmt(a.maintMargin), available: fmt(a.available),
      };
    }
    const all = e.instrumentList().flatMap((i) => e.allOrders(i.symbol)).sort((a, b) => a.orderId - b.orderId);
    return {
      time: this.clock(),
      step: e.path.steps,
      hedgeMode: e.hedgeMode,
      marks,
      balances,
      positions: view.positions.filter((v) => !v.qty.isZero()).map((v) => ({
        symbol: v.symbol, positionSide: v.positionSide, amount: fmt(v.qty), entryPrice: fmt(v.entry.toDecimalPlaces(8)),
        markPrice: fmt(v.mark), notional: fmt(v.notional), unrealizedPnl: fmt(v.unrealizedPnl), leverage: v.leverage,
        liquidationPrice: fmt(v.liquidationPrice),
      })),
      openOrders: all.filter(isOpen).map(orderState),
      orders: all.map(orderState),
      fills: e.trades.length,
    };
  }

  /** Stops the timer, drops held connections and closes the server. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.server.close();
  }

  /** "BTCUSDT" or a ccxt symbol "BTC/USDT:USDT" / "BTC/USDT" → the instrument id. */
  private symbolId(symbol: string): string {
    if (this.engine.hasInstrument(symbol)) return symbol;
    const m = /^([^/]+)\/([^:]+)(?::(.+))?$/.exec(symbol);
    const inst = m && this.engine.instrumentList().find((i) => i.base === m[1] && i.quote === m[2] && (m[3] === undefined || m[3] === i.quote));
    if (!inst) throw new Error(`unknown sim symbol ${symbol}; known: ${this.engine.instrumentList().map((i) => i.symbol).join(', ')}`);
    return inst.symbol;
  }
}

function orderState(o: SimOrder): SimOrderState {
  return {
    orderId: o.orderId, clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, positionSide: o.positionSide,
    type: o.type, timeInForce: o.timeInForce, price: fmt(o.price), origQty: fmt(o.origQty), executedQty: fmt(o.executedQty),
    avgPrice: o.executedQty.isZero() ? '0' : fmt(o.cumQuote.div(o.executedQty).toDecimalPlaces(8)),
    status: o.status, reduceOnly: o.reduceOnly,
  };
}

function decimalOption(value: DecimalInput | undefined, name: string, fallback: string): Decimal {
  const d = parseDecimal(value ?? fallback);
  if (d === null || d.lt(0)) throw new Error(`sim option ${name} must be a non-negative decimal, got ${String(value)}`);
  return d;
}

/** Starts a simulated Binance USDⓈ-M exchange on a loopback port. */
export async function startSimExchange(options: SimExchangeOptions = {}): Promise<SimExchange> {
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new Error(`sim option seed must be an integer, got ${seed}`);
  const leverage = options.leverage ?? 10;
  if (!Number.isInteger(leverage) || leverage < 1) throw new Error(`sim option leverage must be a positive integer, got ${leverage}`);
  const partialFillRatio = decimalOption(options.partialFillRatio, 'partialFillRatio', '1');
  if (partialFillRatio.isZero() || partialFillRatio.gt(1)) throw new Error('sim option partialFillRatio must be in (0, 1]');
  const latency = options.latencyMs;
  if (latency && (latency.length !== 2 || !(latency[0] >= 0) || !(latency[1] >= latency[0]))) throw new Error('sim option latencyMs must be [min, max] with 0 ≤ min ≤ max');
  const balances: Record<string, Decimal> = {};
  for (const [asset, amount] of Object.entries(options.balances ?? { USDT: '10000' })) balances[asset] = decimalOption(amount, `balances.${asset}`, '0');
  const clock = options.clock ?? Date.now;

  const engine = new MatchingEngine({
    instruments: (options.instruments ?? DEFAULT_INSTRUMENTS).map(buildInstrument),
    balances,
    seed,
    volatilityBps: decimalOption(options.volatilityBps, 'volatilityBps', '10'),
    slippageBps: decimalOption(options.slippageBps, 'slippageBps', '2'),
    partialFillRatio,
    hedgeMode: options.hedgeMode ?? false,
    leverage,
    maxOpenOrdersPerSymbol: 200,
    now: clock,
  });
  const server = new SimServer({ routes: ROUTES, engine, now: clock, latencyMs: latency, seed });
  const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return new SimExchange(url, engine, server, clock, options.tickMs ?? 0);
}
