/**
 * The matching engine of the simulated exchange: order validation, fills against the
 * seeded price path, order lifecycles, reduce-only rules, position modes and the
 * margin check. Synchronous and free of I/O; the HTTP layer only translates.
 *
 * Fill rules:
 *  - MARKET orders fill at once, in full, at mark ± slippage (rounded to the tick away
 *    from the taker), with the taker fee.
 *  - A LIMIT order that is marketable on arrival (buy: mark ≤ price; sell: mark ≥ price)
 *    fills at once, in full, as taker at the better of its price and mark ± slippage.
 *    IOC takes what is marketable and expires, FOK is rejected (-5021) unless it
 *    fills, GTX (post-only) is rejected (-5022) if it would take.
 *  - A resting LIMIT order fills at its own price, with the maker fee, whenever the
 *    path crosses it: in full, or `partialFillRatio` of its remainder per crossing.
 *  - Reduce-only (one-way) and closing (hedge) orders never exceed the position they
 *    reduce: rejected with -2022 on arrival, capped and then EXPIRED when they rest.
 */
import { Decimal, ZERO } from '../number.js';
import { Account, round8, type PositionSide, type Side } from './account.js';
import { BinanceError, E } from './errors.js';
import { toStepDown, toTick, type Instrument } from './instruments.js';
import { accountView, type AccountView, type MarginInputs, type OrderExposure } from './margin.js';
import {
  isOpen, parseBool, parseClientOrderId, parsePositionSide, parsePrice, parseQuantity, parseSide,
  parseTimeInForce, parseType, remaining, required,
  type Params, type SimOrder, type SimTrade,
} from './orders.js';
import { PricePath } from './price-path.js';

export interface EngineOptions {
  instruments: Instrument[];
  balances: Record<string, Decimal>;
  seed: number;
  volatilityBps: Decimal;
  slippageBps: Decimal;
  partialFillRatio: Decimal;
  hedgeMode: boolean;
  leverage: number;
  maxOpenOrdersPerSymbol: number;
  now: () => number;
}

const BPS = new Decimal(10000);
const FIRST_ORDER_ID = 8_000_000_001; // Binance-sized ids, still safe integers

/** Told, synchronously, just before the engine accepts an order (or an amendment) and just after (fills included). */
export interface OrderObserver {
  beforeAccept(): void;
  afterAccept(order: SimOrder): void;
}

export class MatchingEngine implements MarginInputs {
  observer: OrderObserver | null = null;
  readonly account: Account;
  readonly path: PricePath;
  hedgeMode: boolean;
  readonly trades: SimTrade[] = [];
  private readonly instruments = new Map<string, Instrument>();
  private readonly leverages = new Map<string, number>();
  private readonly orders = new Map<number, SimOrder>();
  private nextOrderId = FIRST_ORDER_ID;
  private nextTradeId = 1;

  constructor(private readonly opts: EngineOptions) {
    for (const inst of opts.instruments) {
      if (this.instruments.has(inst.symbol)) throw new Error(`sim instrument ${inst.symbol} is configured twice`);
      this.instruments.set(inst.symbol, inst);
      this.leverages.set(inst.symbol, Math.min(opts.leverage, inst.maxLeverage));
    }
    const balances = { ...opts.balances };
    // every margin asset gets a wallet row, so positions in it have somewhere to book PnL
    for (const inst of opts.instruments) balances[inst.quote] ??= ZERO;
    this.account = new Account(balances, opts.now());
    this.path = new PricePath(opts.instruments, opts.seed, opts.volatilityBps);
    this.hedgeMode = opts.hedgeMode;
  }

  // ── lookups ────────────────────────────────────────────────────────────────

  instrumentList(): Instrument[] {
    return [...this.instruments.values()];
  }

  instrument(symbol: string): Instrument {
    const inst = this.instruments.get(symbol);
    if (!inst) throw E.badSymbol();
    return inst;
  }

  hasInstrument(symbol: string): boolean {
    return this.instruments.has(symbol);
  }

  mark(symbol: string): Decimal {
    return this.path.mark(symbol);
  }

  leverage(symbol: string): number {
    return this.leverages.get(symbol) ?? this.opts.leverage;
  }

  openOrders(symbol?: string): SimOrder[] {
    return [...this.orders.values()].filter((o) => isOpen(o) && (symbol === undefined || o.symbol === symbol));
  }

  allOrders(symbol: string): SimOrder[] {
    return [...this.orders.values()].filter((o) => o.symbol === symbol);
  }

  view(): AccountView {
    return accountView(this, this.exposures(this.openOrders()));
  }

  /** Finds an order by id or client id; throws `notFound` when there is none. */
  findOrder(symbol: string, params: Params, notFound: () => BinanceError): SimOrder {
    this.instrument(symbol);
    const id = params['orderId'];
    const clientId = params['origClientOrderId'];
    let order: SimOrder | undefined;
    if (id !== undefined && id !== '') {
      order = this.orders.get(Number(id));
    } else if (clientId !== undefined && clientId !== '') {
      // the newest order with that client id (ids are unique only among open orders)
      order = [...this.orders.values()].reverse().find((o) => o.clientOrderId === clientId);
    } else {
      throw new BinanceError(-1102, "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!");
    }
    if (!order || order.symbol !== symbol) throw notFound();
    return order;
  }

  // ── prices ─────────────────────────────────────────────────────────────────

  /** Moves every price `steps` steps along the seeded path, filling crossed orders after each. */
  advance(steps = 1): void {
    for (let i = 0; i < steps; i++) {
      this.path.step();
      for (const inst of this.instruments.values()) this.matchResting(inst);
    }
  }

  setMark(symbol: string, price: Decimal): void {
    const inst = this.instrument(symbol);
    if (!price.gt(0)) throw new Error(`sim mark price must be positive, got ${price.toString()}`);
    this.path.set(inst, price);
    this.matchResting(inst);
  }

  /** The price a market buy (ask) or sell (bid) fills at now. */
  takerPrice(inst: Instrument, side: Side): Decimal {
    const mark = this.mark(inst.symbol);
    const slip = this.opts.slippageBps.div(BPS);
    return side === 'BUY' ? toTick(inst, mark.times(slip.plus(1)), 'up') : toTick(inst, mark.times(Decimal.sub(1, slip)), 'down');
  }

  // ── orders ─────────────────────────────────────────────────────────────────

  placeOrder(params: Params): SimOrder {
    const inst = this.instrument(required(params, 'symbol'));
    const side = parseSide(params);
    const type = parseType(params);
    const positionSide = parsePositionSide(params, this.hedgeMode);
    const reduceOnlyParam = parseBool(params, 'reduceOnly');
    if (this.hedgeMode && reduceOnlyParam !== undefined) throw E.notRequired('reduceOnly');
    if (parseBool(params, 'closePosition') === true) throw new BinanceError(-1106, "Parameter 'closePosition' sent when not required. (closePosition is not simulated)");
    const qty = parseQuantity(inst, required(params, 'quantity'), type);
    const mark = this.mark(inst.symbol);
    let price = ZERO;
    const tif = type === 'LIMIT' ? parseTimeInForce(params) : 'GTC';
    if (type === 'LIMIT') {
      price = parsePrice(inst, required(params, 'price'), mark);
    } else if (params['price'] !== undefined && params['price'] !== '') {
      throw E.notRequired('price');
    }
    const clientOrderId = parseClientOrderId(params) ?? `sim_${this.nextOrderId}`;
    if (this.openOrders().some((o) => o.clientOrderId === clientOrderId)) throw E.duplicateClientId();
    if (this.openOrders(inst.symbol).length >= this.opts.maxOpenOrdersPerSymbol) throw E.maxOpenOrders();

    const reducing = reduceOnlyParam === true || isClosing(side, positionSide);
    const refPrice = type === 'MARKET' ? mark : price;
    if (!reducing && qty.times(refPrice).lt(inst.minNotional)) throw E.minNotional(inst.minNotional.toString());
    if (reducing && qty.gt(this.reducible(inst.symbol, side, positionSide))) throw E.reduceOnly();

    const marketable = type === 'MARKET' || crosses(side, price, mark);
    if (type === 'LIMIT' && tif === 'GTX' && marketable) throw E.postOnly();
    if (type === 'LIMIT' && tif === 'FOK' && !marketable) throw E.fok();
    const fillPrice = type === 'MARKET' ? this.takerPrice(inst, side) : side === 'BUY'
      ? Decimal.min(price, this.takerPrice(inst, side)) : Decimal.max(price, this.takerPrice(inst, side));
    if (!reducing) {
      const hypothetical: OrderExposure = { symbol: inst.symbol, side, positionSide, remaining: qty, price: marketable ? fillPrice : price, reducing };
      this.checkMargin(inst, [...this.exposures(this.openOrders()), hypothetical]);
    }

    this.observer?.beforeAccept();
    const now = this.opts.now();
    const order: SimOrder = {
      orderId: this.nextOrderId++,
      clientOrderId,
      symbol: inst.symbol,
      side,
      positionSide,
      type,
      timeInForce: tif,
      price,
      origQty: qty,
      executedQty: ZERO,
      cumQuote: ZERO,
      reduceOnly: reduceOnlyParam === true,
      status: 'NEW',
      time: now,
      updateTime: now,
    };
    this.orders.set(order.orderId, order);
    if (marketable) {
      this.fill(order, inst, qty, fillPrice, false);
    } else if (tif === 'IOC') {
      order.status = 'EXPIRED';
    }
    this.observer?.afterAccept(order);
    return order;
  }

  /** Binance's "Modify Order": a resting LIMIT order gets a new price and/or quantity, keeping its id. */
  modifyOrder(params: Params): SimOrder {
    const inst = this.instrument(required(params, 'symbol'));
    const order = this.findOrder(inst.symbol, params, E.noSuchOrder);
    if (!isOpen(order)) throw E.noSuchOrder();
    if (order.type !== 'LIMIT') throw new BinanceError(-1116, 'Invalid orderType. (only LIMIT orders can be modified)');
    if (parseSide(params) !== order.side) throw E.badParam('side');
    const qty = parseQuantity(inst, required(params, 'quantity'), 'LIMIT');
    const mark = this.mark(inst.symbol);
    const price = parsePrice(inst, required(params, 'price'), mark);
    if (qty.eq(order.origQty) && price.eq(order.price)) throw E.noChange();
    const now = this.opts.now();
    if (qty.lte(order.executedQty)) {
      // Binance cancels an order amended to no more than it has already filled
      order.status = 'CANCELED';
      order.updateTime = now;
      return order;
    }
    const reducing = this.isReducing(order);
    const rest = qty.minus(order.executedQty);
    if (!reducing && qty.times(price).lt(inst.minNotional)) throw E.minNotional(inst.minNotional.toString());
    if (reducing && rest.gt(this.reducible(inst.symbol, order.side, order.positionSide))) throw E.reduceOnly();
    const marketable = crosses(order.side, price, mark);
    if (order.timeInForce === 'GTX' && marketable) throw E.postOnly();
    if (!reducing) {
      const others = this.exposures(this.openOrders().filter((o) => o !== order));
      this.checkMargin(inst, [...others, { symbol: inst.symbol, side: order.side, positionSide: order.positionSide, remaining: rest, price, reducing }]);
    }
    this.observer?.beforeAccept();
    order.origQty = qty;
    order.price = price;
    order.updateTime = now;
    if (marketable) {
      const taker = this.takerPrice(inst, order.side);
      this.fill(order, inst, rest, order.side === 'BUY' ? Decimal.min(price, taker) : Decimal.max(price, taker), false);
    }
    this.observer?.afterAccept(order);
    return order;
  }

  cancelOrder(params: Params): SimOrder {
    const symbol = required(params, 'symbol');
    const order = this.findOrder(symbol, params, E.unknownOrder);
    if (!isOpen(order)) throw E.unknownOrder();
    order.status = 'CANCELED';
    order.updateTime = this.opts.now();
    return order;
  }

  cancelAll(symbol: string): SimOrder[] {
    this.instrument(symbol);
    const now = this.opts.now();
    const canceled = this.openOrders(symbol);
    for (const o of canceled) {
      o.status = 'CANCELED';
      o.updateTime = now;
    }
    return canceled;
  }

  setLeverage(symbol: string, raw: string): { leverage: number; maxNotionalValue: Decimal } {
    const inst = this.instrument(symbol);
    const lev = Number(raw);
    if (!/^\d+$/.test(raw) || lev < 1 || lev > inst.maxLeverage) throw E.leverage(raw);
    this.leverages.set(symbol, lev);
    return { leverage: lev, maxNotionalValue: maxNotionalAt(inst, lev) };
  }

  setHedgeMode(on: boolean): void {
    if (on === this.hedgeMode) throw E.sameMode();
    if (this.openOrders().length > 0) throw E.modeOpenOrders();
    if (this.account.hasOpenPosition()) throw E.modePosition();
    this.hedgeMode = on;
  }

  // ── internals ──────────────────────────────────────────────────────────────

  private isReducing(o: SimOrder): boolean {
    return o.reduceOnly || isClosing(o.side, o.positionSide);
  }

  /** How much an order on this side may reduce the position before it would increase or flip it. */
  private reducible(symbol: string, side: Side, positionSide: PositionSide): Decimal {
    const qty = this.account.position(symbol, positionSide).qty;
    if (side === 'BUY') return qty.lt(0) ? qty.abs() : ZERO;
    return qty.gt(0) ? qty : ZERO;
  }

  private exposures(orders: SimOrder[]): OrderExposure[] {
    return orders.map((o) => ({ symbol: o.symbol, side: o.side, positionSide: o.positionSide, remaining: remaining(o), price: o.price, reducing: this.isReducing(o) }));
  }

  /** -2019 when the order raises the initial margin beyond the margin balance. */
  private checkMargin(inst: Instrument, withOrder: OrderExposure[]): void {
    const before = accountView(this, this.exposures(this.openOrders())).assets.find((a) => a.asset === inst.quote)!;
    const after = accountView(this, withOrder).assets.find((a) => a.asset === inst.quote)!;
    if (after.initialMargin.gt(before.initialMargin) && after.initialMargin.gt(after.marginBalance)) throw E.margin();
  }

  /** Fills resting orders of one instrument that the current mark crosses, oldest first. */
  private matchResting(inst: Instrument): void {
    const mark = this.mark(inst.symbol);
    const ratio = this.opts.partialFillRatio;
    for (const order of this.openOrders(inst.symbol).sort((a, b) => a.orderId - b.orderId)) {
      if (!isOpen(order) || !crosses(order.side, order.price, mark)) continue;
      let qty = remaining(order);
      if (ratio.lt(1)) {
        const part = toStepDown(inst, qty.times(ratio));
        qty = Decimal.min(qty, Decimal.max(part, inst.stepSize));
      }
      if (this.isReducing(order)) qty = Decimal.min(qty, this.reducible(inst.symbol, order.side, order.positionSide));
      if (qty.isZero()) {
        this.expire(order);
        continue;
      }
      this.fill(order, inst, qty, order.price, true);
    }
  }

  private fill(order: SimOrder, inst: Instrument, qty: Decimal, price: Decimal, maker: boolean): void {
    const now = this.opts.now();
    const { realizedPnl } = this.account.applyFill(inst.symbol, order.positionSide, order.side, qty, price, now);
    const quoteQty = qty.times(price);
    const commission = round8(quoteQty.times(maker ? inst.makerFee : inst.takerFee));
    const realized = round8(realizedPnl);
    this.account.credit(inst.quote, realized.minus(commission), now);
    order.executedQty = order.executedQty.plus(qty);
    order.cumQuote = order.cumQuote.plus(quoteQty);
    order.updateTime = now;
    order.status = order.executedQty.eq(order.origQty) ? 'FILLED' : 'PARTIALLY_FILLED';
    this.trades.push({
      id: this.nextTradeId++, orderId: order.orderId, symbol: inst.symbol, side: order.side, positionSide: order.positionSide,
      price, qty, quoteQty, commission, commissionAsset: inst.quote, realizedPnl: realized, maker, time: now,
    });
    if (order.status === 'PARTIALLY_FILLED' && order.timeInForce === 'IOC') this.expire(order);
    this.expireStaleReducing(inst.symbol);
  }

  /** Reduce-only / closing orders whose position is gone are EXPIRED, as on Binance. */
  private expireStaleReducing(symbol: string): void {
    for (const o of this.openOrders(symbol)) {
      if (this.isReducing(o) && this.reducible(symbol, o.side, o.positionSide).isZero()) this.expire(o);
    }
  }

  private expire(order: SimOrder): void {
    order.status = 'EXPIRED';
    order.updateTime = this.opts.now();
  }
}

/** Whether the mark has reached a limit price (buy: at or below it; sell: at or above it). */
function crosses(side: Side, price: Decimal, mark: Decimal): boolean {
  return side === 'BUY' ? mark.lte(price) : mark.gte(price);
}

/** Hedge-mode orders that close: SELL on the LONG side, BUY on the SHORT side. */
function isClosing(side: Side, positionSide: PositionSide): boolean {
  return (positionSide === 'LONG' && side === 'SELL') || (positionSide === 'SHORT' && side === 'BUY');
}

/** The largest position notional allowed at a leverage: the cap of the last bracket that allows it. */
export function maxNotionalAt(inst: Instrument, leverage: number): Decimal {
  let cap = inst.brackets[0]!.cap;
  for (const b of inst.brackets) if (b.initialLeverage >= leverage) cap = b.cap;
  return cap;
}
