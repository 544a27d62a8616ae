import { Decimal, ZERO, dmax } from '../number.js';
import type { PositionSide } from '../snapshot/normalize.js';
import type { Aggregates, WorkedMove } from './aggregates.js';
import type { Route } from './routing.js';

/**
 * Where an order the book counts stands:
 * - reserved: approved by the guard, not sent yet;
 * - sent: the request is on the wire;
 * - unknown: the request failed in a way that may have placed it (a timeout);
 * - open: the exchange has it (it answered, or a read listed it);
 * - cancelled: the exchange cancelled it, but how much filled first is not known yet.
 * Every stage but cancelled takes a slot of maxOpenOrders; every stage counts as exposure.
 */
export type OrderStage = 'reserved' | 'sent' | 'unknown' | 'open' | 'cancelled';

interface PendingBase {
  readonly id: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly positionSide: PositionSide;
  readonly reduceOnly: boolean;
  readonly route: Route;
  /** guard clock time at which the book started counting it */
  readonly since: number;
  /** when the book started counting it (sequence): an approved order cannot have been sent before */
  readonly seq: number;
  /** what the book counts of it now (written by the store only) */
  counted: Decimal;
  /** the estimated fee per unit the book counts for it (written by the store only) */
  countedFee: Decimal;
}

/** An edit of an order that the exchange has not confirmed yet: the order counts at the larger of both. */
export interface PendingEdit {
  /** the decision that approved it */
  readonly decisionId: string;
  /** the order's new amount (total, as sent) */
  readonly amount: Decimal;
  readonly price: Decimal | null;
  readonly feePerUnit: Decimal;
  /** when the edit went out (sequence), null while it is only approved */
  sentSeq: number | null;
  /** guard clock time at which the edit's fate became unknown (a timeout) */
  unknownSince: number | null;
}

/** An order the book counts: one the guard approved, or one only a read showed. */
export interface PendingOrder extends PendingBase {
  readonly kind: 'order';
  /** approved by this guard, or only seen in a read (placed elsewhere, or before the guard started) */
  readonly origin: 'guard' | 'read';
  readonly type: string;
  /** a stop/trigger order: some exchanges list these apart, so not being listed says nothing until a list has shown it */
  readonly conditional: boolean;
  /** an open-order list has shown it */
  seenInList: boolean;
  price: Decimal | null;
  clientOrderId: string | null;
  exchangeOrderId: string | null;
  /** the order's amount (total) */
  amount: Decimal;
  /** how much of it the book knows has filled (from any channel) */
  filled: Decimal;
  /** the estimated fee per unit of its current version */
  feePerUnit: Decimal;
  stage: OrderStage;
  edit: PendingEdit | null;
  /** when the request went out (sequence); null for orders only a read showed */
  sentSeq: number | null;
  /** when the book first knew the exchange had it (sequence) */
  ackedSeq: number | null;
  /** when an answer of the exchange last said how big the order is (sequence): a list requested before it is older news */
  amountSeq: number | null;
  /** when the request went out whose answer set the size (sequence): an answer to an older request is older news */
  amountRequestSeq: number | null;
  /** guard clock time at which its fate became unknown */
  unknownSince: number | null;
  /** when the exchange confirmed a cancel whose fills are not known (sequence) */
  cancelledSeq: number | null;
  /** the answer of the first open-order list, requested after the exchange had it, that did not show it (sequence) */
  goneSince: number | null;
}

/**
 * A fill the book learned of that a read may or may not already show (see reconcile.ts):
 * it counts like a pending order of its amount, so the worst case holds either way,
 * until a read requested after it settles the question.
 */
export interface UnsettledFill extends PendingBase {
  readonly kind: 'fill';
  readonly journalId: number;
}

export type PendingItem = PendingOrder | UnsettledFill;

/** Stages that take a slot of maxOpenOrders: the exchange has, or may have, the order open. */
const holdsSlot = (o: PendingItem) => o.kind === 'order' && o.stage !== 'cancelled';

/**
 * The pending orders and unsettled fills the book counts, their indexes (client order id,
 * exchange order id, open orders per symbol), and the only code that moves an order from
 * one stage to the next or changes what the book counts for it. Every change of a counted
 * amount or fee goes to the Aggregates at once.
 */
export class PendingStore {
  private readonly items = new Map<string, PendingItem>();
  private readonly byClientId = new Map<string, Map<string, string>>();
  private readonly byExchangeId = new Map<string, Map<string, string>>();
  private readonly slots = new Map<string, Map<string, number>>();
  private slotTotal = 0;

  constructor(private readonly aggregates: Aggregates) {}

  // ---- reading -----------------------------------------------------------------------

  get(id: string): PendingItem | undefined {
    return this.items.get(id);
  }

  order(id: string): PendingOrder | undefined {
    const o = this.items.get(id);
    return o?.kind === 'order' ? o : undefined;
  }

  /** The order an exchange message is about, by client order id, then exchange order id. */
  find(account: string, ref: { id?: string | null; clientOrderId?: string | null }): PendingOrder | undefined {
    const byCid = ref.clientOrderId ? this.byClientId.get(account)?.get(ref.clientOrderId) : undefined;
    const key = byCid ?? (ref.id ? this.byExchangeId.get(account)?.get(ref.id) : undefined);
    return key === undefined ? undefined : this.order(key);
  }

  all(): IterableIterator<PendingItem> {
    return this.items.values();
  }

  get size(): number {
    return this.items.size;
  }

  /** Orders the exchange has or may have open: every one but cancelled ones (fills take none). */
  get openOrderCount(): number {
    return this.slotTotal;
  }

  openOrdersOn(account: string, symbol: string): number {
    return this.slots.get(account)?.get(symbol) ?? 0;
  }

  // ---- entering and leaving --------------------------------------------------------------

  /** Starts counting an item (at item.counted); `worked` is what the check worked out for it on this version of the book. */
  add(item: PendingItem, worked?: WorkedMove): void {
    if (this.items.has(item.id)) throw new Error(`pending item ${item.id} already exists`);
    this.items.set(item.id, item);
    if (item.kind === 'order') this.index(item);
    if (holdsSlot(item)) this.slot(item, 1);
    const want = item.counted;
    const fee = item.countedFee;
    item.counted = ZERO;
    this.count(item, want, fee, worked);
  }

  remove(item: PendingItem): void {
    if (this.items.get(item.id) !== item) return;
    this.count(item, ZERO, item.countedFee);
    this.items.delete(item.id);
    if (item.kind === 'order') this.unindex(item);
    if (holdsSlot(item)) this.slot(item, -1);
  }

  // ---- what an order counts ---------------------------------------------------------------

  /**
   * Counts an order at what is left of it, or, while an edit is not confirmed, at the
   * larger of what is left of either version (the exchange may fill the old one first),
   * with the larger of their estimated fees.
   */
  recount(o: PendingOrder): void {
    let left = dmax(o.amount.minus(o.filled), ZERO);
    let fee = o.feePerUnit;
    if (o.edit) {
      left = dmax(left, o.edit.amount.minus(o.filled));
      fee = dmax(fee, o.edit.feePerUnit);
    }
    this.count(o, left, fee);
  }

  /** Stops counting an order for a moment (an edit is judged as its replacement); recount() counts it again. */
  suspend(o: PendingOrder): void {
    this.count(o, ZERO, o.countedFee);
  }

  /** An unsettled fill counts its whole amount until a read settles it. */
  private count(item: PendingItem, amount: Decimal, fee: Decimal, worked?: WorkedMove): void {
    const r = item.route;
    if (!fee.eq(item.countedFee)) {
      this.aggregates.moveFee(r.direction, item.counted, item.countedFee, fee);
      item.countedFee = fee;
    }
    if (!amount.eq(item.counted)) {
      this.aggregates.movePending(r.legs, r.target, r.closing, r.direction, item.counted.isZero() ? amount : amount.minus(item.counted), item.countedFee, worked);
      item.counted = amount;
    }
  }

  // ---- stage transitions (the only ones) ----------------------------------------------------

  sent(o: PendingOrder, seq: number): void {
    if (o.stage === 'reserved') o.stage = 'sent';
    o.sentSeq ??= seq;
  }

  /** The exchange has the order (it answered with it, or a read listed it). */
  open(o: PendingOrder, seq: number): void {
    if (o.stage === 'cancelled') return; // a late "open" does not undo a confirmed cancel
    o.stage = 'open';
    o.unknownSince = null;
    o.ackedSeq ??= seq;
  }

  /** The request may have placed the order or not. */
  unknown(o: PendingOrder, now: number): void {
    if (o.stage === 'open' || o.stage === 'cancelled') return;
    o.stage = 'unknown';
    o.unknownSince ??= now;
  }

  /** The exchange confirmed a cancel without saying what filled before: counted, no longer open, until a read. */
  cancelled(o: PendingOrder, seq: number): void {
    if (o.stage === 'cancelled') return;
    if (holdsSlot(o)) this.slot(o, -1);
    o.stage = 'cancelled';
    o.cancelledSeq = seq;
  }

  /** An open-order list requested after the exchange had the order did not show it. */
  gone(o: PendingOrder, seq: number): void {
    o.goneSince ??= seq;
  }

  /** A list showed the order (so it is not gone, and lists of this exchange show its kind). */
  listed(o: PendingOrder): void {
    o.goneSince = null;
    o.seenInList = true;
  }

  setExchangeOrderId(o: PendingOrder, id: string): void {
    if (!id || o.exchangeOrderId === id) return;
    this.unindex(o);
    o.exchangeOrderId = id;
    this.index(o);
  }

  /** A fill moved part of the order into the position (the fill itself goes to the journal). */
  filled(o: PendingOrder, filled: Decimal): void {
    if (!filled.gt(o.filled)) return;
    o.filled = filled;
    this.recount(o);
  }

  /** The exchange says how big the order is: an answer (with when it came and when its request went out), or a read's list. */
  resized(o: PendingOrder, amount: Decimal, answer: { seq: number; requestSeq: number } | null = null): void {
    if (answer !== null) {
      o.amountSeq = answer.seq;
      o.amountRequestSeq = answer.requestSeq;
    }
    if (amount.eq(o.amount)) return;
    o.amount = amount;
    this.recount(o);
  }

  /** A read lists the order at another price (edited elsewhere): its estimated fee follows. */
  repriced(o: PendingOrder, price: Decimal | null, feePerUnit: Decimal): void {
    o.price = price;
    o.feePerUnit = feePerUnit;
    this.recount(o);
  }

  startEdit(o: PendingOrder, edit: PendingEdit): void {
    o.edit = edit;
    this.recount(o);
  }

  /** The edit is settled: its answer (or a read) says what the order is now, or it never happened. */
  endEdit(o: PendingOrder, applied: { amount: Decimal; price: Decimal | null } | null): void {
    const e = o.edit;
    if (!e) return;
    o.edit = null;
    if (applied) {
      o.amount = applied.amount;
      o.price = applied.price ?? e.price;
      o.feePerUnit = e.feePerUnit;
    }
    this.recount(o);
  }

  /** Recomputes the fees from every pending item (a read rebuilds them; they never drift). */
  rebuildFees(): [Decimal, Decimal] {
    let buys = ZERO;
    let sells = ZERO;
    for (const i of this.items.values()) {
      if (i.countedFee.isZero() || i.counted.isZero()) continue;
      const f = i.countedFee.mul(i.counted);
      if (i.route.direction === 1) buys = buys.plus(f);
      else sells = sells.plus(f);
    }
    return [buys, sells];
  }

  // ---- indexes ----------------------------------------------------------------------------

  private index(o: PendingOrder): void {
    if (o.clientOrderId) mapOf(this.byClientId, o.account).set(o.clientOrderId, o.id);
    if (o.exchangeOrderId) mapOf(this.byExchangeId, o.account).set(o.exchangeOrderId, o.id);
  }

  private unindex(o: PendingOrder): void {
    if (o.clientOrderId) {
      const m = this.byClientId.get(o.account);
      if (m?.get(o.clientOrderId) === o.id) m.delete(o.clientOrderId);
    }
    if (o.exchangeOrderId) {
      const m = this.byExchangeId.get(o.account);
      if (m?.get(o.exchangeOrderId) === o.id) m.delete(o.exchangeOrderId);
    }
  }

  private slot(o: PendingItem, delta: 1 | -1): void {
    const m = mapOf(this.slots, o.account);
    const n = (m.get(o.symbol) ?? 0) + delta;
    if (n <= 0) m.delete(o.symbol);
    else m.set(o.symbol, n);
    this.slotTotal += delta;
  }

  /** Is a client order id in use by a pending order of the account? */
  clientIdInUse(account: string, clientOrderId: string): boolean {
    return this.byClientId.get(account)?.has(clientOrderId) ?? false;
  }

  /** For verify(): the indexes as they are. */
  indexSnapshot(): { clientIds: number; exchangeIds: number; slots: number } {
    let c = 0;
    let e = 0;
    for (const m of this.byClientId.values()) c += m.size;
    for (const m of this.byExchangeId.values()) e += m.size;
    return { clientIds: c, exchangeIds: e, slots: this.slotTotal };
  }
}

function mapOf<V>(index: Map<string, Map<string, V>>, account: string): Map<string, V> {
  let m = index.get(account);
  if (!m) index.set(account, (m = new Map()));
  return m;
}
