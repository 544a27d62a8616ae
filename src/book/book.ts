import { Decimal, MINUS_ONE, ONE, ZERO } from '../decimal.js';
import { BUYS, Holding, NOW, SELLS, holdingKey, type HoldingSide, type Scenario } from './holding.js';
import type { MarketSpec } from './market.js';
import type { NormalizedSnapshot, PositionSide } from './snapshot.js';

export interface BookOptions {
  quoteCurrency: string;
  /** currencies worth 1 quoteCurrency (the quote currency itself included) */
  cashCurrencies: ReadonlySet<string>;
}

/** One holding an order moves, and by how many signed units per unit of the order's amount. */
export interface Leg {
  holding: Holding;
  unitsPerAmount: Decimal;
}

/** One leg of a worked reservation: the holding's notional in the order's scenario before (a, with `other` the opposite scenario's) and after, and the change. */
export interface OutcomeLeg {
  holding: Holding;
  a: Decimal;
  other: Decimal;
  after: Decimal;
  delta: Decimal;
}

/**
 * A reservation whose effect a check has already worked out exactly (Projection.outcome),
 * with the book values it started from: applied as is while the book still holds them.
 */
export interface WorkedReservation {
  amount: Decimal;
  /** net exposure in the order's scenario before and after */
  net0: Decimal;
  net: Decimal;
  legs: readonly OutcomeLeg[];
  /** the estimated fee of the amount */
  fee: Decimal;
}

/** Where an order lands in the book. */
export interface Route {
  market: MarketSpec;
  /** holdings whose exposure the order changes when it fills */
  legs: Leg[];
  /** the position the order may reduce; its capacity is claimed while the order is pending */
  target: Holding | null;
  /** the order only reduces (reduce-only, or a hedge-mode close) and never adds exposure */
  closing: boolean;
  direction: 1 | -1;
}

export interface PendingInput {
  id: string;
  kind: 'open' | 'reservation';
  source: string;
  symbol: string;
  side: 'buy' | 'sell';
  remaining: Decimal;
  price: Decimal | null;
  reduceOnly: boolean;
  positionSide: PositionSide;
  clientOrderId?: string | null;
  /** the exchange's order id, once known */
  exchangeOrderId?: string | null;
  /** how much of the order has filled and is already in the position */
  filled?: Decimal;
  /**
   * a stop/trigger order: some exchanges keep these apart from the open-order list
   * (Binance's algo orders), so not being listed there says nothing about it
   */
  conditional?: boolean;
  createdAt?: number;
}

/** Where a reservation's order stands: approved, sent, confirmed by the exchange, or lost in transit. */
export type OrderOutcome = 'reserved' | 'inflight' | 'acked' | 'unknown';

export interface PendingOrder extends PendingInput {
  route: Route;
  /** estimated fee per unit of amount, in the quote currency */
  feePerUnit: Decimal;
  filled: Decimal;
  outcome: OrderOutcome;
  /** when the exchange confirmed the order (guard clock) */
  ackedAt?: number;
  /** the book's event sequence number at the confirmation: a snapshot requested later shows its truth */
  ackedSeq?: number;
  /** when the order's fate became unknown (a timeout): after a grace period, "not found" means it never landed */
  unknownSince?: number;
}

/** A fill the book applied before a snapshot could show it. */
interface AppliedFill {
  source: string;
  symbol: string;
  side: 'buy' | 'sell';
  positionSide: PositionSide;
  reduceOnly: boolean;
  amount: Decimal;
  price: Decimal | null;
  /** the fee the fill cost, in the quote currency (estimated when the exchange has not said) */
  fee: Decimal;
  at: number;
  /** event sequence number: compared with a snapshot's request, it says whether the snapshot can show the fill */
  seq: number;
}

/** What applying a snapshot left unsettled. */
export interface Reconciliation {
  /** fills learned after the snapshot was requested, applied again on top of it */
  reapplied: number;
}

interface SourceState {
  name: string;
  exchange: string;
  timestamp: number;
  markets: Map<string, MarketSpec>;
  prices: Map<string, Decimal>;
  holdings: Set<Holding>;
  cash: Decimal;
  cashByCurrency: Map<string, Decimal>;
}

/**
 * The exact state of every account the guard watches, with aggregates kept up to
 * date incrementally: a change to one holding, price or pending order costs O(1)
 * (O(dependents) for a price), and reading a metric never walks the portfolio.
 */
export class Book {
  private readonly sources = new Map<string, SourceState>();
  private readonly holdings = new Map<string, Holding>();
  private readonly pending = new Map<string, PendingOrder>();
  /** source → symbol → pending orders (open and reserved) */
  private readonly openPerSymbol = new Map<string, Map<string, number>>();
  private readonly dependents = new Map<string, Set<Holding>>();
  /** currency → markets that price it (base = currency, quote = a cash currency) */
  private readonly conversions = new Map<string, { source: string; symbol: string; direct: boolean }[]>();
  private readonly unpriced = new Set<Holding>();
  /** source → client order id → pending id, and source → exchange order id → pending id */
  private readonly byClientId = new Map<string, Map<string, string>>();
  private readonly byExchangeId = new Map<string, Map<string, string>>();
  private fills: AppliedFill[] = [];
  /**
   * Orders events (fills, acknowledgements) against snapshot requests. Clock time is
   * too coarse: an event and a request in the same millisecond must still be ordered.
   */
  private seq = 0;

  readonly net: [Decimal, Decimal, Decimal] = [ZERO, ZERO, ZERO];
  /** Σ |notional| of the book as it is (the worst case of pending orders is grossWorst) */
  grossNow: Decimal = ZERO;
  /**
   * Gross exposure in its true worst case: Σ over holdings of the larger of |all pending
   * buys filled| and |all pending sells filled|. Any mix of fills lands between the two
   * for each holding, so no mix can exceed it — unlike a gross summed per direction,
   * where pending orders that would shrink a position are assumed to fill.
   */
  grossWorst: Decimal = ZERO;
  readonly fees: [Decimal, Decimal, Decimal] = [ZERO, ZERO, ZERO];
  private readonly assets = new Map<string, [Decimal, Decimal, Decimal]>();
  private balanceValue = ZERO;
  private cashTotal = ZERO;

  constructor(readonly options: BookOptions) {}

  // ---- reading -------------------------------------------------------------

  get equity(): Decimal {
    return this.cashTotal.plus(this.balanceValue);
  }

  /** Equity when every pending order fills (both directions' estimated fees off): the equity leverage and pctOfEquity limits read, matching grossWorst. */
  get equityWorst(): Decimal {
    // every check reads it; Decimals are immutable, so the same four inputs give the same answer
    const m = this.equityWorstMemo;
    const c = this.cashTotal;
    const b = this.balanceValue;
    const fb = this.fees[BUYS];
    const fs = this.fees[SELLS];
    if (m !== null && m.c === c && m.b === b && m.fb === fb && m.fs === fs) return m.value;
    const value = c.plus(b).minus(fb).minus(fs);
    this.equityWorstMemo = { c, b, fb, fs, value };
    return value;
  }

  private equityWorstMemo: { c: Decimal; b: Decimal; fb: Decimal; fs: Decimal; value: Decimal } | null = null;

  /** Equity in a scenario: pending orders' estimated fees come off. */
  equityIn(s: Scenario): Decimal {
    return s === NOW ? this.equity : this.equity.minus(this.fees[s]);
  }

  assetExposure(asset: string, s: Scenario): Decimal {
    return this.assets.get(asset)?.[s] ?? ZERO;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  openOrdersOn(source: string, symbol: string): number {
    return this.openPerSymbol.get(source)?.get(symbol) ?? 0;
  }

  getPending(id: string): PendingOrder | undefined {
    return this.pending.get(id);
  }

  pendingOrders(): IterableIterator<PendingOrder> {
    return this.pending.values();
  }

  allHoldings(): IterableIterator<Holding> {
    return this.holdings.values();
  }

  hasSource(name: string): boolean {
    return this.sources.has(name);
  }

  sourceNames(): string[] {
    return [...this.sources.keys()];
  }

  /** Holdings whose value cannot be computed for want of a price (they block opening orders). */
  get unpricedCount(): number {
    return this.unpriced.size;
  }

  unpricedHoldings(): Holding[] {
    return [...this.unpriced];
  }

  /** The first source (in the order given) that lists a market, or a named one. */
  findMarket(symbol: string, source?: string): { source: string; market: MarketSpec } | null {
    if (source !== undefined) {
      const m = this.sources.get(source)?.markets.get(symbol);
      return m ? { source, market: m } : null;
    }
    for (const s of this.sources.values()) {
      const m = s.markets.get(symbol);
      if (m) return { source: s.name, market: m };
    }
    return null;
  }

  /** The valuation price (mark, then last, then mid) of a symbol on a source. */
  price(source: string, symbol: string): Decimal | null {
    return this.sources.get(source)?.prices.get(symbol) ?? null;
  }

  /** Value of one unit of `currency` in the quote currency, or null when no market prices it. */
  conversion(currency: string, preferSource?: string): Decimal | null {
    if (this.options.cashCurrencies.has(currency)) return ONE;
    const found = this.conversionMarket(currency, preferSource);
    return found ? this.price(found.source, found.symbol) : null;
  }

  // ---- routing -------------------------------------------------------------

  /**
   * Which holdings an order moves. Contract orders move the position row of their
   * mode; spot orders move the base balance and, when the quote is not cash, the
   * quote balance too. Returns a problem string when the order contradicts the
   * account's position mode.
   */
  route(source: string, market: MarketSpec, side: 'buy' | 'sell', positionSide: PositionSide, reduceOnly: boolean, price: Decimal | null, create = false): Route | string {
    // a what-if must not change the book: without `create`, a holding the book lacks is a detached empty one
    const holding = (name: string, hs: HoldingSide, asset: string, symbol: string | null, m: MarketSpec | null, kind?: Holding['kind']) =>
      create ? this.holdingFor(source, name, hs, asset, symbol, m, kind) : this.holdings.get(holdingKey(source, name, hs)) ?? this.detached(source, name, hs, asset, symbol, m, kind);
    const direction: 1 | -1 = side === 'buy' ? 1 : -1;
    const dirD = direction === 1 ? ONE : MINUS_ONE;
    if (market.kind === 'spot') {
      const legs: Leg[] = [];
      let target: Holding | null = null;
      if (!this.options.cashCurrencies.has(market.base)) {
        target = holding(market.base, 'balance', market.base, null, null);
        legs.push({ holding: target, unitsPerAmount: dirD });
      }
      if (!this.options.cashCurrencies.has(market.quote)) {
        const px = price ?? this.price(source, market.symbol);
        if (px === null) return `no price for ${market.symbol} to value its ${market.quote} leg`;
        const q = holding(market.quote, 'balance', market.quote, null, null);
        legs.push({ holding: q, unitsPerAmount: px.mul(-direction) });
      }
      return { market, legs, target, closing: reduceOnly, direction };
    }
    const kind = market.kind;
    if (positionSide === 'net') {
      const hedged = this.holdings.get(holdingKey(source, market.symbol, 'long'));
      const hedgedShort = this.holdings.get(holdingKey(source, market.symbol, 'short'));
      if ((hedged && !hedged.units.isZero()) || (hedgedShort && !hedgedShort.units.isZero())) {
        return `${market.symbol} is held in hedge mode on ${source}: pass params.positionSide ("LONG" or "SHORT")`;
      }
      const target = holding(market.symbol, 'net', market.base, market.symbol, market, kind);
      return { market, legs: [{ holding: target, unitsPerAmount: dirD }], target, closing: reduceOnly, direction };
    }
    const net = this.holdings.get(holdingKey(source, market.symbol, 'net'));
    if (net && !net.units.isZero()) {
      return `${market.symbol} is held in one-way mode on ${source}: do not pass a position side`;
    }
    const target = holding(market.symbol, positionSide, market.base, market.symbol, market, kind);
    // In hedge mode a buy on the short row (or a sell on the long row) closes it.
    const closing = reduceOnly || (positionSide === 'long' ? direction === -1 : direction === 1);
    return { market, legs: [{ holding: target, unitsPerAmount: dirD }], target, closing, direction };
  }

  /** Estimated fee per unit of amount, in the quote currency (0 when the market has no fee). */
  feePerUnit(source: string, market: MarketSpec, type: string, price: Decimal | null, perUnit?: Decimal | null): Decimal {
    const rate = type === 'limit' ? market.maker : market.taker;
    if (rate.isZero()) return ZERO;
    const notional = perUnit === undefined ? this.notionalPerUnit(source, market, price) : perUnit;
    return notional === null ? ZERO : notional.mul(rate);
  }

  /**
   * Quote-currency notional of one unit of amount at `price` (mark when null):
   * linear and spot cs·price·conv(quote), inverse cs·conv(quote).
   */
  notionalPerUnit(source: string, market: MarketSpec, price: Decimal | null): Decimal | null {
    const conv = this.conversion(market.quote, source);
    if (conv === null) return null;
    if (market.kind === 'inverse') return times(market.contractSize, conv);
    const px = price ?? this.price(source, market.symbol);
    if (px === null) return null;
    return times(times(market.contractSize, px), conv);
  }

  // ---- pending orders ------------------------------------------------------

  /**
   * Adds an open order or a reservation; it counts as if it fills in its direction's scenario.
   * `prepared` is the route and fee the check just computed for the same order: reused when
   * its holdings are the book's own, so a reservation does not route the order twice.
   */
  addPending(input: PendingInput, typeForFee = 'limit', prepared?: { route: Route; feePerUnit: Decimal; worked?: WorkedReservation | null }): PendingOrder | string {
    if (this.pending.has(input.id)) return `pending order ${input.id} already exists`;
    let route: Route | string;
    let feePerUnit: Decimal;
    if (prepared && this.owns(prepared.route)) {
      route = prepared.route;
      feePerUnit = prepared.feePerUnit;
    } else {
      const found = this.findMarket(input.symbol, input.source);
      if (!found) return `no market ${input.symbol} on ${input.source}`;
      route = this.route(input.source, found.market, input.side, input.positionSide, input.reduceOnly, input.price, true);
      if (typeof route === 'string') return route;
      feePerUnit = this.feePerUnit(input.source, found.market, typeForFee, input.price);
    }
    // every field written here, in one order: one hidden class for every pending order
    const order: PendingOrder = {
      id: input.id,
      kind: input.kind,
      source: input.source,
      symbol: input.symbol,
      side: input.side,
      remaining: input.remaining,
      price: input.price,
      reduceOnly: input.reduceOnly,
      positionSide: input.positionSide,
      clientOrderId: input.clientOrderId ?? null,
      exchangeOrderId: input.exchangeOrderId ?? null,
      filled: input.filled ?? ZERO,
      conditional: input.conditional ?? false,
      createdAt: input.createdAt,
      route,
      feePerUnit: route.closing ? ZERO : feePerUnit,
      outcome: input.kind === 'open' ? 'acked' : 'reserved',
      ackedAt: undefined,
      ackedSeq: undefined,
      unknownSince: undefined,
    };
    this.pending.set(order.id, order);
    this.indexOrder(order);
    const worked = prepared?.worked;
    if (!worked || route !== prepared.route || !this.applyWorked(order, worked)) this.applyPending(order, order.remaining);
    const counts = this.mapOf(this.openPerSymbol, order.source);
    counts.set(order.symbol, (counts.get(order.symbol) ?? 0) + 1);
    return order;
  }

  /** Are a route's holdings the ones in the book (not detached what-if copies)? */
  private owns(route: Route): boolean {
    if (route.target && this.holdings.get(route.target.key) !== route.target) return false;
    for (const leg of route.legs) if (this.holdings.get(leg.holding.key) !== leg.holding) return false;
    return true;
  }

  /** Shrinks a pending order's remaining amount (partial fill or amendment). */
  setPendingRemaining(id: string, remaining: Decimal): boolean {
    const order = this.pending.get(id);
    if (!order) return false;
    if (remaining.lte(0)) return this.removePending(id);
    this.applyPending(order, remaining.minus(order.remaining));
    order.remaining = remaining;
    return true;
  }

  removePending(id: string): boolean {
    const order = this.pending.get(id);
    if (!order) return false;
    this.applyPending(order, order.remaining.neg());
    this.forget(order);
    return true;
  }

  /** Drops a pending order whose amounts have already left the book, and holdings it leaves empty. */
  private forget(order: PendingOrder): void {
    this.pending.delete(order.id);
    this.unindexOrder(order);
    if (order.route.target) this.pruneIfEmpty(order.route.target);
    for (const leg of order.route.legs) this.pruneIfEmpty(leg.holding);
    const counts = this.mapOf(this.openPerSymbol, order.source);
    const n = (counts.get(order.symbol) ?? 1) - 1;
    if (n <= 0) counts.delete(order.symbol);
    else counts.set(order.symbol, n);
  }

  /** Records the exchange's id of a pending order, so updates about it find it. */
  setExchangeOrderId(id: string, exchangeOrderId: string): void {
    const order = this.pending.get(id);
    if (!order || !exchangeOrderId) return;
    this.unindexOrder(order);
    order.exchangeOrderId = exchangeOrderId;
    this.indexOrder(order);
  }

  /** The pending order an exchange update is about, by client order id or exchange order id. */
  findOrder(source: string, ids: { id?: string | null; clientOrderId?: string | null }): PendingOrder | undefined {
    const byCid = ids.clientOrderId ? this.byClientId.get(source)?.get(ids.clientOrderId) : undefined;
    const byOid = ids.id ? this.byExchangeId.get(source)?.get(ids.id) : undefined;
    const key = byCid ?? byOid;
    return key === undefined ? undefined : this.pending.get(key);
  }

  private indexOrder(o: PendingOrder): void {
    if (o.clientOrderId) this.mapOf(this.byClientId, o.source).set(o.clientOrderId, o.id);
    if (o.exchangeOrderId) this.mapOf(this.byExchangeId, o.source).set(o.exchangeOrderId, o.id);
  }

  private unindexOrder(o: PendingOrder): void {
    if (o.clientOrderId) {
      const m = this.byClientId.get(o.source);
      if (m?.get(o.clientOrderId) === o.id) m.delete(o.clientOrderId);
    }
    if (o.exchangeOrderId) {
      const m = this.byExchangeId.get(o.source);
      if (m?.get(o.exchangeOrderId) === o.id) m.delete(o.exchangeOrderId);
    }
  }

  /** The inner map of a two-level index, made on first use. */
  private mapOf<V>(index: Map<string, Map<string, V>>, source: string): Map<string, V> {
    let m = index.get(source);
    if (!m) index.set(source, (m = new Map()));
    return m;
  }

  /**
   * A fill the book learns of before a snapshot shows it: the amount moves into the
   * position (and, for spot, out of the quote balance) at once. It is remembered so a
   * snapshot that was requested before the fill cannot silently drop it. `known` is the
   * pending order's own route: reused when it has one leg (a leg priced by the fill, a
   * spot quote balance, is routed afresh at the fill's price).
   */
  applyFill(fill: Omit<AppliedFill, 'at' | 'seq'>, at: number, known?: Route): string | null {
    const problem = this.moveFill(fill, known);
    if (problem === null) this.fills.push({ ...fill, at, seq: this.nextSeq() });
    return problem;
  }

  /** The next event sequence number: take one for each event and just before each snapshot request. */
  nextSeq(): number {
    return ++this.seq;
  }

  /** The fee leaves equity now; the snapshot that shows the fill carries the exchange's own figure. */
  private payFee(fill: Omit<AppliedFill, 'at' | 'seq'>): SourceState | undefined {
    const state = this.sources.get(fill.source);
    if (state && !fill.fee.isZero()) {
      const q = this.options.quoteCurrency;
      state.cash = state.cash.minus(fill.fee);
      this.cashTotal = this.cashTotal.minus(fill.fee);
      state.cashByCurrency.set(q, (state.cashByCurrency.get(q) ?? ZERO).minus(fill.fee));
    }
    return state;
  }

  /**
   * A fill of a pending order: the amount moves into the position and out of the order
   * (which is gone once nothing remains). When the fill completes a one-leg, non-closing
   * order on a priced position, the two moves are made as one: the order's own scenario
   * ends where it was (the position gains what the order held), so only the book as it is
   * and the other direction's scenario move. Otherwise: applyFill, then the order shrinks.
   */
  fillPending(id: string, fill: Omit<AppliedFill, 'at' | 'seq'>, at: number): string | null {
    const order = this.pending.get(id);
    if (!order) return this.applyFill(fill, at);
    if (!this.completesInPlace(order, fill)) {
      const problem = this.applyFill(fill, at, order.route);
      if (problem !== null) return problem;
      const left = order.remaining.minus(fill.amount);
      this.setPendingRemaining(id, left.gt(0) ? left : ZERO);
      return null;
    }
    const { route } = order;
    const h = route.legs[0]!.holding;
    const v = h.unitValue!;
    const buy = route.direction === 1;
    const s: Scenario = buy ? BUYS : SELLS;
    const o: Scenario = buy ? SELLS : BUYS;
    const du = route.legs[0]!.unitsPerAmount === ONE ? fill.amount : fill.amount.neg();
    h.units = h.units.plus(du);
    if (buy) h.deltaBuys = h.deltaBuys.minus(du);
    else h.deltaSells = h.deltaSells.minus(du);
    if (route.target === h) {
      if (buy) h.reservedByBuys = h.reservedByBuys.minus(order.remaining);
      else h.reservedBySells = h.reservedBySells.minus(order.remaining);
    }
    const n = h.notional;
    const a = this.assets.get(h.asset)!;
    const nowBefore = n[NOW];
    const otherBefore = n[o];
    const nowAfter = h.units.mul(v);
    this.setNotional(h, a, NOW, nowAfter);
    this.setNotional(h, a, o, (o === BUYS ? h.deltaBuys : h.deltaSells).isZero() ? nowAfter : h.unitsIn(o).mul(v));
    this.moveGrossNow(nowBefore, nowAfter);
    this.moveWorst(otherBefore, n[o], n[s]);
    if (!order.feePerUnit.isZero()) this.fees[s] = this.fees[s].minus(order.feePerUnit.mul(order.remaining));
    this.payFee(fill);
    this.fills.push({ ...fill, at, seq: this.nextSeq() });
    this.forget(order);
    return null;
  }

  /** Can fillPending take its one-move path? (see there) */
  private completesInPlace(order: PendingOrder, fill: Omit<AppliedFill, 'at' | 'seq'>): boolean {
    const { route } = order;
    if (route.closing || route.legs.length !== 1 || !fill.amount.eq(order.remaining)) return false;
    const leg = route.legs[0]!;
    const h = leg.holding;
    return (leg.unitsPerAmount === ONE || leg.unitsPerAmount === MINUS_ONE) && h.kind !== 'balance' && h.attached && h.unitValue !== null
      && (route.target === null || route.target === h) && h.closingBuys.isZero() && h.closingSells.isZero() && this.owns(route);
  }

  private moveFill(fill: Omit<AppliedFill, 'at' | 'seq'>, known?: Route): string | null {
    let route: Route | string;
    if (known && known.legs.length === 1 && this.owns(known)) {
      route = known;
    } else {
      const found = this.findMarket(fill.symbol, fill.source);
      if (!found) return `no market ${fill.symbol} on ${fill.source}`;
      route = this.route(fill.source, found.market, fill.side, fill.positionSide, fill.reduceOnly, fill.price, true);
      if (typeof route === 'string') return route;
    }
    for (const leg of route.legs) {
      const u = leg.unitsPerAmount;
      this.shiftUnits(leg.holding, u === ONE ? fill.amount : u === MINUS_ONE ? fill.amount.neg() : u.mul(fill.amount));
      this.pruneIfEmpty(leg.holding);
    }
    const m = route.market;
    const state = this.payFee(fill);
    if (m.kind === 'spot' && this.options.cashCurrencies.has(m.quote)) {
      // the quote paid or received; cash carries no exposure but it is equity
      const px = fill.price ?? this.price(fill.source, m.symbol);
      if (px && state) {
        const delta = px.mul(fill.amount).mul(route.direction === 1 ? -1 : 1);
        state.cash = state.cash.plus(delta);
        this.cashTotal = this.cashTotal.plus(delta);
        state.cashByCurrency.set(m.quote, (state.cashByCurrency.get(m.quote) ?? ZERO).plus(delta));
      }
    }
    return null;
  }

  private applyPending(order: PendingOrder, amount: Decimal): void {
    const { route } = order;
    const buy = route.direction === 1;
    const s: Scenario = buy ? BUYS : SELLS;
    if (route.target) {
      // every order in the reducing direction claims capacity, reduce-only or not
      const t = route.target;
      if (buy) t.reservedByBuys = t.reservedByBuys.plus(amount);
      else t.reservedBySells = t.reservedBySells.plus(amount);
      if (route.closing) {
        // a closing order fills toward zero in its direction's worst case, never past it
        if (buy) t.closingBuys = t.closingBuys.plus(amount);
        else t.closingSells = t.closingSells.plus(amount);
        this.revalueScenario(t, s);
      }
    }
    if (!route.closing) for (const leg of route.legs) {
      const h = leg.holding;
      const du = leg.unitsPerAmount === ONE ? amount : leg.unitsPerAmount === MINUS_ONE ? amount.neg() : leg.unitsPerAmount.mul(amount);
      if (buy) h.deltaBuys = h.deltaBuys.plus(du);
      else h.deltaSells = h.deltaSells.plus(du);
      this.revalueScenario(h, s);
    }
    if (!order.feePerUnit.isZero()) this.fees[s] = this.fees[s].plus(order.feePerUnit.mul(amount));
  }

  /**
   * Applies a reservation the check already worked out (see WorkedReservation), when the
   * book still holds the values it started from: same aggregates, same leg notionals (the
   * same Decimal objects, so nothing moved in between). A closing order, whose worst case
   * is clamped at zero, is never applied this way. Returns false to have the caller
   * revalue instead.
   */
  private applyWorked(order: PendingOrder, w: WorkedReservation): boolean {
    const { route } = order;
    if (route.closing || route.legs.length !== w.legs.length || !(w.amount === order.remaining || w.amount.eq(order.remaining))) return false;
    const buy = route.direction === 1;
    const s: Scenario = buy ? BUYS : SELLS;
    const o: Scenario = buy ? SELLS : BUYS;
    if (this.net[s] !== w.net0) return false;
    for (let i = 0; i < w.legs.length; i++) {
      const l = w.legs[i]!;
      const h = route.legs[i]!.holding;
      if (l.holding !== h || !h.attached || h.unitValue === null || h.notional[s] !== l.a || h.notional[o] !== l.other) return false;
    }
    const amount = order.remaining;
    if (route.target) {
      const t = route.target;
      if (buy) t.reservedByBuys = t.reservedByBuys.plus(amount);
      else t.reservedBySells = t.reservedBySells.plus(amount);
    }
    for (let i = 0; i < w.legs.length; i++) {
      const l = w.legs[i]!;
      const h = l.holding;
      const u = route.legs[i]!.unitsPerAmount;
      const du = u === ONE ? amount : u === MINUS_ONE ? amount.neg() : u.mul(amount);
      if (buy) h.deltaBuys = h.deltaBuys.plus(du);
      else h.deltaSells = h.deltaSells.plus(du);
      h.notional[s] = l.after;
      const a = this.assets.get(h.asset)!;
      a[s] = a[s].plus(l.delta);
      // only this scenario moved (the outcome's own gross assumes the order filled, which moves both)
      this.moveWorst(l.a, l.after, l.other);
    }
    this.net[s] = w.net;
    if (!order.feePerUnit.isZero()) this.fees[s] = this.fees[s].plus(w.fee);
    return true;
  }

  /**
   * A fill moved a holding's units. With no closing orders pending on it, every scenario's
   * units move by the same amount, so the three notionals are recomputed where they stand
   * and only their differences go into the aggregates; the price lookups of a full
   * revaluation are skipped. A balance (which also moves equity) or a holding with closing
   * orders (whose worst case is clamped at zero) is revalued in full.
   */
  private shiftUnits(h: Holding, du: Decimal): void {
    const v = h.unitValue;
    if (!h.attached || v === null || h.kind === 'balance' || !h.closingBuys.isZero() || !h.closingSells.isZero() || this.holdings.get(h.key) !== h) {
      this.detach(h);
      h.units = h.units.plus(du);
      this.attach(h);
      return;
    }
    const n = h.notional;
    const worstBefore = largerAbs(n[1], n[2]);
    const nowBefore = n[NOW];
    h.units = h.units.plus(du);
    const a = this.assets.get(h.asset)!;
    this.setNotional(h, a, NOW, h.units.mul(v));
    // as attach() computes them: a scenario with no pending delta is the book as it is
    this.setNotional(h, a, BUYS, h.deltaBuys.isZero() ? n[NOW] : h.unitsIn(BUYS).mul(v));
    this.setNotional(h, a, SELLS, h.deltaSells.isZero() ? n[NOW] : h.unitsIn(SELLS).mul(v));
    this.moveGrossNow(nowBefore, n[NOW]);
    const worstAfter = largerAbs(n[1], n[2]);
    if (!worstAfter.eq(worstBefore)) this.grossWorst = this.grossWorst.plus(worstAfter.minus(worstBefore));
  }

  /**
   * A pending order moved one scenario of a holding: only that scenario's notional
   * changes, so only its difference goes into the aggregates (a handful of exact
   * operations instead of taking the holding out and putting it back).
   */
  private revalueScenario(h: Holding, s: typeof BUYS | typeof SELLS): void {
    const v = h.unitValue;
    if (!h.attached || v === null || this.holdings.get(h.key) !== h) {
      this.detach(h);
      this.attach(h);
      return;
    }
    const n = h.notional;
    const before = n[s];
    this.setNotional(h, this.assets.get(h.asset)!, s, h.unitsIn(s).mul(v));
    this.moveWorst(before, n[s], n[s === BUYS ? SELLS : BUYS]);
  }

  /** Sets one scenario's notional of an attached holding; net and the asset's exposure move by the difference. */
  private setNotional(h: Holding, asset: [Decimal, Decimal, Decimal], s: Scenario, after: Decimal): void {
    const before = h.notional[s];
    if (after.eq(before)) return;
    h.notional[s] = after;
    const d = after.minus(before);
    this.net[s] = this.net[s].plus(d);
    asset[s] = asset[s].plus(d);
  }

  /** The book-as-it-is notional of a holding moved: grossNow follows its absolute value. */
  private moveGrossNow(before: Decimal, after: Decimal): void {
    const absBefore = absOf(before);
    const absAfter = absOf(after);
    if (!absAfter.eq(absBefore)) this.grossNow = this.grossNow.plus(absAfter.minus(absBefore));
  }

  /** One scenario of a holding moved from `before` to `after`: its share of grossWorst, the larger of its two scenarios, follows. */
  private moveWorst(before: Decimal, after: Decimal, otherScenario: Decimal): void {
    const other = absOf(otherScenario);
    const absBefore = absOf(before);
    const absAfter = absOf(after);
    const worstBefore = absBefore.gte(other) ? absBefore : other;
    const worstAfter = absAfter.gte(other) ? absAfter : other;
    if (!worstAfter.eq(worstBefore)) this.grossWorst = this.grossWorst.plus(worstAfter.minus(worstBefore));
  }

  // ---- snapshots and prices --------------------------------------------------

  /**
   * Replaces one source's account data. Reservations (orders approved but not yet
   * seen by the exchange) stay; the source's open orders are replaced.
   */
  /**
   * `requestedSeq` is the event sequence number taken when the snapshot was requested:
   * events before it are in the snapshot, events after it may not be. A fixed snapshot
   * passes −Infinity (it shows nothing that happened since).
   */
  applySnapshot(snap: NormalizedSnapshot, requestedSeq = Number.POSITIVE_INFINITY): Reconciliation {
    const rec: Reconciliation = { reapplied: 0 };
    let state = this.sources.get(snap.source);
    if (!state) {
      state = { name: snap.source, exchange: snap.exchange, timestamp: snap.timestamp, markets: snap.markets, prices: new Map(), holdings: new Set(), cash: ZERO, cashByCurrency: new Map() };
      this.sources.set(snap.source, state);
    }
    // the source's open orders go first, while its holdings still carry their old values
    for (const order of [...this.pending.values()]) {
      if (order.kind === 'open' && order.source === snap.source) this.removePending(order.id);
    }
    for (const h of state.holdings) this.detach(h);
    state.exchange = snap.exchange;
    state.timestamp = snap.timestamp;
    state.markets = snap.markets;
    state.prices = new Map(snap.prices);
    // a position's own mark fills in where the price feed has none
    for (const p of snap.positions) {
      if (p.markPrice && !state.prices.has(p.symbol)) state.prices.set(p.symbol, p.markPrice);
    }
    this.indexConversions();

    for (const h of state.holdings) h.units = ZERO;
    for (const p of snap.positions) {
      const market = snap.markets.get(p.symbol)!;
      const side: HoldingSide = p.positionSide;
      const h = this.holdingFor(snap.source, p.symbol, side, market.base, p.symbol, market, market.kind === 'inverse' ? 'inverse' : 'linear', false);
      const signed = p.side === 'long' ? p.contracts : p.contracts.neg();
      h.units = h.units.plus(signed);
    }
    this.cashTotal = this.cashTotal.minus(state.cash);
    state.cash = ZERO;
    state.cashByCurrency.clear();
    for (const [currency, amount] of snap.balances) {
      if (this.options.cashCurrencies.has(currency)) {
        state.cash = state.cash.plus(amount);
        state.cashByCurrency.set(currency, amount);
      } else {
        const h = this.holdingFor(snap.source, currency, 'balance', currency, null, null, 'balance', false);
        h.units = amount;
      }
    }
    this.cashTotal = this.cashTotal.plus(state.cash);
    for (const h of [...state.holdings]) {
      if (!this.pruneIfEmpty(h)) this.attach(h);
    }
    // balances elsewhere may be valued through this source's prices
    for (const h of this.holdings.values()) {
      if (h.kind === 'balance' && h.source !== snap.source) { this.detach(h); this.attach(h); }
    }
    // a reservation whose order the exchange lists as open is now that open order;
    // one the exchange confirmed before this snapshot was requested, and does not list, is final
    const openCids = new Set<string>();
    const openOids = new Set<string>();
    for (const o of snap.openOrders) {
      if (o.clientOrderId) openCids.add(o.clientOrderId);
      openOids.add(o.id);
    }
    for (const r of [...this.pending.values()]) {
      if (r.kind !== 'reservation' || r.source !== snap.source) continue;
      const open = (r.clientOrderId && openCids.has(r.clientOrderId)) || (r.exchangeOrderId && openOids.has(r.exchangeOrderId));
      const final = r.outcome === 'acked' && !r.conditional && r.ackedSeq !== undefined && r.ackedSeq < requestedSeq;
      if (open || final) this.removePending(r.id);
    }
    for (const o of snap.openOrders) {
      this.addPending({
        id: `${snap.source}#${o.id}`,
        kind: 'open',
        source: snap.source,
        symbol: o.symbol,
        side: o.side,
        remaining: o.remaining,
        filled: o.filled,
        price: o.price,
        reduceOnly: o.reduceOnly,
        positionSide: o.positionSide,
        clientOrderId: o.clientOrderId,
        exchangeOrderId: o.id,
        createdAt: snap.timestamp,
      }, o.type);
    }
    // fills learned after the snapshot was requested may be missing from it: apply them again
    // (at worst they count twice until the next snapshot, never zero times)
    this.fills = this.fills.filter((f) => {
      if (f.source !== snap.source) return true;
      if (f.seq < requestedSeq) return false; // the snapshot was requested after the fill: it is in there
      this.moveFill(f);
      rec.reapplied++;
      return true;
    });
    return rec;
  }

  /** A price tick: revalues only the holdings that depend on it. */
  setPrice(source: string, symbol: string, price: Decimal): void {
    const state = this.sources.get(source);
    if (!state || !price.gt(0)) return;
    state.prices.set(symbol, price);
    const deps = this.dependents.get(`${source}|${symbol}`);
    if (deps) for (const h of deps) { this.detach(h); this.attach(h); }
    // a first price for a currency can make an unpriced balance valuable
    if (this.unpriced.size) for (const h of [...this.unpriced]) { this.detach(h); this.attach(h); }
  }

  // ---- internals -------------------------------------------------------------

  private holdingFor(source: string, name: string, side: HoldingSide, asset: string, symbol: string | null, market: MarketSpec | null, kind?: Holding['kind'], attach = true): Holding {
    const key = holdingKey(source, name, side);
    let h = this.holdings.get(key);
    if (!h) {
      h = new Holding(key, source, kind ?? (side === 'balance' ? 'balance' : 'linear'), side, asset, symbol, market);
      this.holdings.set(key, h);
      this.sources.get(source)?.holdings.add(h);
      if (attach) this.attach(h);
    }
    return h;
  }

  /** An empty holding outside the book, valued like a real one, for what-ifs. */
  private detached(source: string, name: string, side: HoldingSide, asset: string, symbol: string | null, market: MarketSpec | null, kind?: Holding['kind']): Holding {
    const h = new Holding(holdingKey(source, name, side), source, kind ?? (side === 'balance' ? 'balance' : 'linear'), side, asset, symbol, market);
    h.unitValue = this.valueOf(h).value;
    return h;
  }

  /** Drops a holding that holds nothing and that no pending order touches, so closed positions do not pile up. */
  private pruneIfEmpty(h: Holding): boolean {
    if (!h.isEmpty || !h.reservedByBuys.isZero() || !h.reservedBySells.isZero()) return false;
    if (this.holdings.get(h.key) !== h) return false;
    this.detach(h);
    this.holdings.delete(h.key);
    this.sources.get(h.source)?.holdings.delete(h);
    if (h.priceKey) this.dependents.get(h.priceKey)?.delete(h);
    this.unpriced.delete(h);
    return true;
  }

  private conversionMarket(currency: string, preferSource?: string): { source: string; symbol: string } | null {
    const list = this.conversions.get(currency);
    if (!list || list.length === 0) return null;
    // prefer a direct quote (quote = quoteCurrency), then the asking source, then whichever has a price
    let best: { source: string; symbol: string; direct: boolean } | null = null;
    let bestScore = -1;
    for (const c of list) {
      if (this.price(c.source, c.symbol) === null) continue;
      const score = (c.direct ? 2 : 0) + (c.source === preferSource ? 1 : 0);
      if (score > bestScore) { best = c; bestScore = score; }
    }
    return best;
  }

  private indexConversions(): void {
    this.conversions.clear();
    const cash = this.options.cashCurrencies;
    for (const s of this.sources.values()) {
      for (const m of s.markets.values()) {
        if (cash.has(m.base) || !cash.has(m.quote)) continue;
        let list = this.conversions.get(m.base);
        if (!list) this.conversions.set(m.base, (list = []));
        list.push({ source: s.name, symbol: m.symbol, direct: m.quote === this.options.quoteCurrency });
      }
    }
  }

  /** Unit value of a holding and the price key it depends on. */
  private valueOf(h: Holding): { value: Decimal | null; key: string | null } {
    if (h.kind === 'balance') {
      const found = this.conversionMarket(h.asset, h.source);
      if (!found) return { value: null, key: null };
      return { value: this.price(found.source, found.symbol), key: `${found.source}|${found.symbol}` };
    }
    const m = h.market!;
    const conv = this.conversion(m.quote, h.source);
    if (conv === null) return { value: null, key: null };
    if (h.kind === 'inverse') return { value: m.contractSize.mul(conv), key: null };
    const px = this.price(h.source, m.symbol);
    const key = `${h.source}|${m.symbol}`;
    return { value: px === null ? null : m.contractSize.mul(px).mul(conv), key };
  }

  private attach(h: Holding): void {
    if (h.attached) return;
    const { value, key } = this.valueOf(h);
    if (key !== h.priceKey) {
      if (h.priceKey) this.dependents.get(h.priceKey)?.delete(h);
      if (key) {
        let set = this.dependents.get(key);
        if (!set) this.dependents.set(key, (set = new Set()));
        set.add(h);
      }
      h.priceKey = key;
    }
    h.unitValue = value;
    h.attached = true;
    if (value === null) {
      h.notional[0] = h.notional[1] = h.notional[2] = ZERO;
      if (!h.isEmpty) this.unpriced.add(h);
      else this.unpriced.delete(h);
      return;
    }
    this.unpriced.delete(h);
    const n0 = h.units.mul(value);
    const n1 = h.deltaBuys.isZero() && h.closingBuys.isZero() ? n0 : h.unitsIn(BUYS).mul(value);
    const n2 = h.deltaSells.isZero() && h.closingSells.isZero() ? n0 : h.unitsIn(SELLS).mul(value);
    h.notional[0] = n0; h.notional[1] = n1; h.notional[2] = n2;
    this.add(h, 1);
  }

  private detach(h: Holding): void {
    if (!h.attached) return;
    h.attached = false;
    if (h.unitValue === null) return;
    this.add(h, -1);
  }

  private add(h: Holding, sign: 1 | -1): void {
    const n = h.notional;
    let a = this.assets.get(h.asset);
    if (!a) this.assets.set(h.asset, (a = [ZERO, ZERO, ZERO]));
    for (let s = 0; s < 3; s++) {
      const v = n[s]!;
      if (v.isZero()) continue;
      if (sign === 1) {
        this.net[s] = this.net[s]!.plus(v);
        a[s] = a[s]!.plus(v);
      } else {
        this.net[s] = this.net[s]!.minus(v);
        a[s] = a[s]!.minus(v);
      }
    }
    if (!n[0].isZero()) this.grossNow = sign === 1 ? this.grossNow.plus(absOf(n[0])) : this.grossNow.minus(absOf(n[0]));
    const w = worstAbs(n);
    if (!w.isZero()) this.grossWorst = sign === 1 ? this.grossWorst.plus(w) : this.grossWorst.minus(w);
    if (h.kind === 'balance' && !n[0].isZero()) {
      this.balanceValue = sign === 1 ? this.balanceValue.plus(n[0]) : this.balanceValue.minus(n[0]);
    }
  }
}

/** A holding's contribution to grossWorst. */
export function worstAbs(n: readonly [Decimal, Decimal, Decimal]): Decimal {
  return largerAbs(n[1], n[2]);
}

/** max(|x|, |y|) */
export function largerAbs(x: Decimal, y: Decimal): Decimal {
  const ax = absOf(x);
  const ay = absOf(y);
  return ax.gte(ay) ? ax : ay;
}

/** a·b, skipping decimal.js when either side is the shared ONE (a cash conversion, a unit contract). */
function times(a: Decimal, b: Decimal): Decimal {
  return a === ONE ? b : b === ONE ? a : a.mul(b);
}

/** |x| without a new Decimal when x is already non-negative. */
export function absOf(x: Decimal): Decimal {
  return x.s < 0 ? x.neg() : x;
}

export { NOW, BUYS, SELLS };
export type { Scenario };
