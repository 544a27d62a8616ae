import { Decimal, ZERO, fmt, parseDecimal } from '../number.js';
import type { NormalizedSnapshot, PositionSide } from '../snapshot/normalize.js';
import { Aggregates, type WorkedMove } from './aggregates.js';
import { BUYS, NOW, SELLS, type Scenario } from './holding.js';
import type { MarketSpec } from './market.js';
import { PendingStore, type PendingEdit, type PendingItem, type PendingOrder } from './pending.js';
import { Reconciler, type ReadOutcome, type ReadStamps } from './reconcile.js';
import { Routing, type Route } from './routing.js';
import { Valuation } from './valuation.js';
import { verifyBook } from './verify.js';

export interface BookOptions {
  quoteCurrency: string;
  /** currencies worth 1 quoteCurrency (the quote currency itself included) */
  cashCurrencies: ReadonlySet<string>;
  /** an order whose request timed out counts until a list requested this long after does not show it */
  lostOrderGraceMs: number;
  /** guard clock, for "since when" and lost-order timing */
  now: () => number;
}

/** The parts of a ccxt Order the book reads from an answer or an update. */
export interface OrderUpdate {
  id?: string | number | null;
  clientOrderId?: string | null;
  symbol?: string;
  status?: string | null;
  amount?: string | number | null;
  filled?: string | number | null;
  remaining?: string | number | null;
  average?: string | number | null;
  price?: string | number | null;
}

/** A fill the book learned of, for the guard's 'fill' event. */
export interface FillNote {
  account: string;
  symbol: string;
  side: 'buy' | 'sell';
  amount: Decimal;
  price: Decimal | null;
  orderId: string | null;
  clientOrderId: string | null;
}

/** An order the guard approved, to be counted from now on. */
export interface Reservation {
  id: string;
  account: string;
  market: MarketSpec;
  side: 'buy' | 'sell';
  positionSide: PositionSide;
  reduceOnly: boolean;
  price: Decimal | null;
  type: string;
  conditional: boolean;
  amount: Decimal;
  clientOrderId: string;
  exchangeOrderId: string | null;
  /** the route and fee the check worked out, reused when its holdings are the book's own */
  route: Route;
  feePerUnit: Decimal;
  /** what the check worked out for this amount, taken while the book has not changed since */
  worked?: WorkedMove | undefined;
}

const FINAL = new Set(['closed', 'canceled', 'cancelled', 'expired', 'rejected']);

/**
 * The exact state of every account the guard watches, and the one place events reach it.
 * A facade over the stages: Aggregates (the sums and holdings), Valuation (prices), Routing
 * (which holdings an order moves), PendingStore (orders and unsettled fills) and Reconciler
 * (reads and the fill journal). Every event takes a number in one sequence, so reads, order
 * answers and fills are ordered against each other (docs/ARCHITECTURE.md).
 */
export class Book {
  readonly aggregates = new Aggregates();
  readonly valuation: Valuation;
  readonly routing: Routing;
  readonly pending: PendingStore;
  private readonly reconciler: Reconciler;
  /** edit decision id → the order it edits */
  private readonly edits = new Map<string, string>();
  private seq = 0;
  private equityWorstMemo: { version: number; value: Decimal } | null = null;

  constructor(readonly options: BookOptions) {
    this.valuation = new Valuation(options.quoteCurrency, options.cashCurrencies);
    this.routing = new Routing(this.aggregates, this.valuation);
    this.pending = new PendingStore(this.aggregates);
    this.reconciler = new Reconciler(this.aggregates, this.valuation, this.routing, this.pending, () => this.next(), options.now, { lostOrderGraceMs: options.lostOrderGraceMs });
  }

  /** The next number of the event sequence: every event and every read request takes one. */
  next(): number {
    return ++this.seq;
  }

  // ---- reading ------------------------------------------------------------------------------

  /** Equity with the book as it is. */
  get equity(): Decimal {
    return this.aggregates.equity();
  }

  /** Equity once every pending item fills (every estimated fee paid): what leverage and pctOfEquity limits read. */
  get equityWorst(): Decimal {
    const v = this.aggregates.version;
    const m = this.equityWorstMemo;
    if (m !== null && m.version === v) return m.value;
    const a = this.aggregates;
    const value = a.equity().minus(a.fees[BUYS]).minus(a.fees[SELLS]);
    this.equityWorstMemo = { version: v, value };
    return value;
  }

  /** Equity in a scenario: that direction's pending fees come off. */
  equityIn(s: Scenario): Decimal {
    return s === NOW ? this.equity : this.equity.minus(this.aggregates.fees[s]);
  }

  /** The pending order an exchange message is about. */
  findOrder(account: string, ref: { id?: string | null; clientOrderId?: string | null }): PendingOrder | undefined {
    return this.pending.find(account, ref);
  }

  /** The order an edit decision is about. */
  editedOrder(decisionId: string): PendingOrder | undefined {
    const id = this.edits.get(decisionId);
    return id === undefined ? undefined : this.pending.order(id);
  }

  get journalSize(): number {
    return this.reconciler.journalSize;
  }

  /** Recomputes every sum from scratch and compares exactly; the problems found (none when consistent). */
  verify(): string[] {
    return verifyBook(this.aggregates, this.pending, this.valuation);
  }

  // ---- reads and prices ---------------------------------------------------------------------

  applyRead(snap: NormalizedSnapshot, stamps: ReadStamps): ReadOutcome {
    return this.reconciler.applyRead(snap, stamps);
  }

  /** A price tick: revalues only the holdings that depend on it. */
  setPrice(account: string, symbol: string, price: Decimal): void {
    for (const h of this.valuation.setPrice(account, symbol, price)) this.aggregates.setUnitValue(h, this.valuation.value(h));
    // a first price for a currency can make an unpriced holding valuable
    for (const h of this.aggregates.unpriced()) this.aggregates.setUnitValue(h, this.valuation.value(h));
  }

  // ---- orders -------------------------------------------------------------------------------

  /** Counts an approved order from now on. Returns a problem string when it cannot be routed. */
  reserve(r: Reservation): PendingOrder | string {
    if (this.pending.get(r.id)) return `order ${r.id} is already pending`;
    const shape = { account: r.account, market: r.market, side: r.side, positionSide: r.positionSide, reduceOnly: r.reduceOnly, price: r.price };
    let route = r.route;
    if (!this.routing.inBook(route)) {
      const routed = this.routing.route(shape, true);
      if (typeof routed === 'string') return routed;
      route = routed;
    }
    const order: PendingOrder = {
      kind: 'order', origin: 'guard', id: r.id, account: r.account, symbol: r.market.symbol, side: r.side, positionSide: r.positionSide,
      reduceOnly: r.reduceOnly, route, since: this.options.now(), seq: this.next(), counted: r.amount, countedFee: r.feePerUnit,
      type: r.type, conditional: r.conditional, seenInList: false, price: r.price, clientOrderId: r.clientOrderId, exchangeOrderId: r.exchangeOrderId,
      amount: r.amount, filled: ZERO, feePerUnit: r.feePerUnit, stage: 'reserved', edit: null,
      sentSeq: null, ackedSeq: null, amountSeq: null, amountRequestSeq: null, unknownSince: null, cancelledSeq: null, goneSince: null,
    };
    this.pending.add(order, route === r.route ? r.worked : undefined);
    return order;
  }

  /** The order's request went out. */
  sent(id: string): void {
    const o = this.pending.order(id);
    if (o) this.pending.sent(o, this.next());
  }

  /** The exchange answered the request with the order (open, partly filled, or final). */
  answered(id: string, update: OrderUpdate): FillNote[] {
    const o = this.pending.order(id);
    if (!o) return [];
    if (!hasOrder(update)) {
      this.pending.unknown(o, this.options.now()); // an answer without an order: a read will tell
      return [];
    }
    return this.apply(o, update, o.sentSeq ?? o.seq);
  }

  /** The request failed: refused (it never landed), or of unknown fate (it may have). */
  failed(id: string, outcome: 'rejected' | 'unknown'): void {
    const o = this.pending.order(id);
    if (!o) return;
    if (outcome === 'rejected' && o.origin === 'guard' && o.stage !== 'open') this.pending.remove(o);
    else this.pending.unknown(o, this.options.now());
  }

  /** An update about an order from any channel (watchOrders, fetchOrder). Undefined when the book does not know the order. */
  orderUpdate(account: string, update: OrderUpdate): FillNote[] | undefined {
    const o = this.pending.find(account, { id: update.id === undefined || update.id === null ? null : String(update.id), clientOrderId: update.clientOrderId ?? null });
    if (!o) return undefined;
    return this.apply(o, update, null);
  }

  /** A cancel succeeded: what filled before (when the answer says) stays in the position, the rest is released. */
  cancelled(account: string, ref: { id?: string | null; clientOrderId?: string | null }, answer?: OrderUpdate): FillNote[] {
    const o = this.pending.find(account, ref);
    if (!o) return [];
    const fills = answer && hasOrder(answer) ? this.apply(o, { ...answer, status: answer.status ?? 'canceled' }, null) : [];
    // still here: the answer did not say what filled first; a read settles it
    if (this.pending.get(o.id)) this.pending.cancelled(o, this.next());
    return fills;
  }

  /** cancelAllOrders succeeded: every order the exchange had is cancelled; what filled first, a read settles. Orders in flight may yet land. */
  cancelledAll(account: string, symbol?: string): void {
    const seq = this.next();
    for (const p of [...this.pending.all()]) {
      if (p.kind !== 'order' || p.account !== account || (symbol !== undefined && p.symbol !== symbol)) continue;
      if (p.stage === 'open') this.pending.cancelled(p, seq);
    }
  }

  /** The bot gives back an approved order it did not place (or that the exchange refused). */
  release(id: string): boolean {
    const o = this.pending.order(id);
    if (!o || o.origin !== 'guard') return false;
    this.pending.remove(o);
    return true;
  }

  /** Lets a check see the book without an order (an edit is judged as the order's replacement); the order is counted again by endSuspend. */
  suspend(o: PendingOrder): Decimal {
    const counted = o.counted;
    this.pending.suspend(o);
    return counted;
  }

  /** Counts a suspended order again, with the edit the check approved (or as it was). */
  endSuspend(o: PendingOrder, edit: Omit<PendingEdit, 'sentSeq' | 'unknownSince'> | null): void {
    if (edit) {
      this.pending.startEdit(o, { ...edit, sentSeq: null, unknownSince: null });
      this.edits.set(edit.decisionId, o.id);
    } else this.pending.recount(o);
  }

  editSent(decisionId: string): void {
    const o = this.editedOrder(decisionId);
    if (o?.edit) o.edit.sentSeq = this.next();
  }

  /** The exchange answered the edit with the order as it is now. */
  editAnswered(decisionId: string, update: OrderUpdate): FillNote[] {
    const o = this.editedOrder(decisionId);
    this.edits.delete(decisionId);
    if (!o || !o.edit) return [];
    if (!hasOrder(update)) {
      o.edit.unknownSince = this.options.now();
      return [];
    }
    const requestSeq = o.edit.sentSeq ?? this.next();
    const amount = positive(parseDecimal(update.amount)) ?? o.edit.amount;
    this.pending.endEdit(o, { amount, price: positive(parseDecimal(update.price)) });
    this.pending.resized(o, amount, { seq: this.next(), requestSeq });
    return this.apply(o, update, requestSeq);
  }

  /** The edit failed: refused (the order is as it was), or of unknown fate (both versions count until a read). */
  editFailed(decisionId: string, outcome: 'rejected' | 'unknown'): void {
    const o = this.editedOrder(decisionId);
    if (!o || !o.edit) {
      this.edits.delete(decisionId);
      return;
    }
    if (outcome === 'rejected') {
      this.edits.delete(decisionId);
      this.pending.endEdit(o, null);
    } else o.edit.unknownSince ??= this.options.now();
  }

  /**
   * What an answer or update says of an order: fills (into the journal), its stage, and —
   * for the answer to one of our requests (`requestSeq`: when it went out) — its size,
   * unless a newer request's answer already said it (answers arrive in any order).
   */
  private apply(o: PendingOrder, u: OrderUpdate, requestSeq: number | null): FillNote[] {
    // a fill moves the position's units and the order's pending amount: one rewrite of each holding
    return this.aggregates.batch(() => this.applyNow(o, u, requestSeq));
  }

  private applyNow(o: PendingOrder, u: OrderUpdate, requestSeq: number | null): FillNote[] {
    const seq = this.next();
    if (u.id !== undefined && u.id !== null && u.id !== '') this.pending.setExchangeOrderId(o, String(u.id));
    const status = typeof u.status === 'string' ? u.status.toLowerCase() : null;
    let amount = positive(parseDecimal(u.amount));
    let filled = nonNegative(parseDecimal(u.filled));
    const remaining = nonNegative(parseDecimal(u.remaining));
    if (amount === null && remaining !== null) amount = (filled ?? o.filled).plus(remaining);
    // "closed" is filled in full, whether or not the answer says how much
    if (filled === null && status === 'closed') filled = amount ?? o.amount;
    if (filled === null && status === 'rejected') filled = o.filled;
    const notes: FillNote[] = [];
    if (filled !== null && filled.gt(o.filled)) {
      const px = positive(parseDecimal(u.average)) ?? positive(parseDecimal(u.price));
      const delta = filled.minus(o.filled);
      this.reconciler.learnFill(this.reconciler.fillOf(o, delta, px, filled));
      this.pending.filled(o, filled);
      notes.push({ account: o.account, symbol: o.symbol, side: o.side, amount: delta, price: px ?? o.price, orderId: o.exchangeOrderId, clientOrderId: o.clientOrderId });
    }
    if (requestSeq !== null && amount !== null && (o.amountRequestSeq === null || requestSeq >= o.amountRequestSeq)) {
      this.pending.resized(o, amount, { seq, requestSeq });
    }
    if (status !== null && FINAL.has(status)) {
      if (filled !== null) {
        this.pending.remove(o);
        for (const [d, id] of this.edits) if (id === o.id) this.edits.delete(d);
      } else this.pending.cancelled(o, seq); // final, but what filled is not said: a read settles it
    } else {
      this.pending.open(o, seq);
    }
    return notes;
  }
}

function hasOrder(u: OrderUpdate | null | undefined): u is OrderUpdate {
  return !!u && typeof u === 'object' && ((u.id !== undefined && u.id !== null && u.id !== '') || typeof u.status === 'string');
}

function positive(d: Decimal | null): Decimal | null {
  return d !== null && d.gt(0) ? d : null;
}

function nonNegative(d: Decimal | null): Decimal | null {
  return d !== null && d.gte(0) ? d : null;
}

export { BUYS, NOW, SELLS, fmt };
export type { PendingItem, PendingOrder, Route, ReadStamps, ReadOutcome, Scenario };
