import type { Book, PendingOrder } from '../book/book.js';
import { ZERO, fmt, parseDecimal } from '../decimal.js';

/** The parts of a ccxt Order the lifecycle reads. */
export interface OrderUpdate {
  id?: string | null;
  clientOrderId?: string | null;
  symbol?: string;
  status?: string | null;
  amount?: string | number | null;
  filled?: string | number | null;
  remaining?: string | number | null;
  average?: string | number | null;
  price?: string | number | null;
}

export interface FillEvent {
  account: string;
  symbol: string;
  side: 'buy' | 'sell';
  amount: string;
  price: string | null;
  orderId: string | null;
  clientOrderId: string | null;
  at: number;
}

const FINAL = new Set(['closed', 'canceled', 'cancelled', 'expired', 'rejected']);

/**
 * Moves the orders the guard knows through their life: reserved at the check, in
 * flight, acknowledged (still counted, now at the exchange's remaining amount),
 * filled (the filled part moves into the position), final (released). Each amount
 * is counted exactly once: as a reservation, an open order, or a position.
 */
export class OrderLifecycle {
  constructor(
    private readonly book: Book,
    private readonly clock: () => number,
    /** told of every fill; the event is built only when asked for (formatting it costs) */
    private readonly onFill: (fill: () => FillEvent) => void,
  ) {}

  inflight(reservationId: string): void {
    const p = this.book.getPending(reservationId);
    if (p && p.kind === 'reservation') p.outcome = 'inflight';
  }

  /** The exchange answered the order: it is open, partly filled or already final. */
  acknowledge(reservationId: string, order: OrderUpdate): void {
    const p = this.book.getPending(reservationId);
    if (!p) return;
    if (order.id) this.book.setExchangeOrderId(p.id, String(order.id));
    this.markAcked(p);
    this.apply(p, order);
  }

  private markAcked(p: PendingOrder): void {
    p.outcome = 'acked';
    if (p.ackedSeq === undefined) {
      p.ackedAt = this.clock();
      p.ackedSeq = this.book.nextSeq();
    }
  }

  /** The exchange refused the order (it never landed): its reservation is released. */
  rejected(reservationId: string): void {
    this.book.removePending(reservationId);
  }

  /** The order may or may not have landed (timeout, network error): it stays reserved until the exchange shows the truth. */
  unknown(reservationId: string): void {
    const p = this.book.getPending(reservationId);
    if (p && p.kind === 'reservation') {
      p.outcome = 'unknown';
      p.unknownSince ??= this.clock();
    }
  }

  /** An update about an order from any channel (order response, watchOrders, fetchOrder). Returns whether the order was known. */
  update(source: string, order: OrderUpdate): boolean {
    const p = this.book.findOrder(source, { id: order.id ?? null, clientOrderId: order.clientOrderId ?? null });
    if (!p) return false;
    if (order.id && !p.exchangeOrderId) this.book.setExchangeOrderId(p.id, String(order.id));
    if (p.kind === 'reservation' && p.outcome !== 'acked') this.markAcked(p);
    this.apply(p, order);
    return true;
  }

  /** A cancel succeeded: what had filled stays in the position, the rest is released. */
  cancelled(source: string, ids: { id?: string | null; clientOrderId?: string | null }, order?: OrderUpdate): void {
    const p = this.book.findOrder(source, ids);
    if (!p) return;
    if (order) this.applyFills(p, order);
    this.book.removePending(p.id);
  }

  /** cancelAllOrders succeeded: every order the exchange had confirmed is gone (orders still in flight may yet land). */
  cancelledAll(source: string, symbol?: string): void {
    for (const p of [...this.book.pendingOrders()]) {
      if (p.source !== source || (symbol !== undefined && p.symbol !== symbol)) continue;
      if (p.kind === 'open' || p.outcome === 'acked') this.book.removePending(p.id);
    }
  }

  /** Orders the lifecycle cannot settle alone: lost in transit. */
  unknownOrders(source: string): PendingOrder[] {
    const out: PendingOrder[] = [];
    for (const p of this.book.pendingOrders()) if (p.source === source && p.outcome === 'unknown') out.push(p);
    return out;
  }

  private apply(p: PendingOrder, order: OrderUpdate): void {
    this.applyFills(p, order);
    const status = typeof order.status === 'string' ? order.status.toLowerCase() : 'open';
    if (FINAL.has(status)) {
      this.book.removePending(p.id);
      return;
    }
    const remaining = parseDecimal(order.remaining);
    const amount = parseDecimal(order.amount);
    const left = remaining ?? (amount !== null ? amount.minus(p.filled) : null);
    if (left !== null && left.lt(p.remaining)) this.book.setPendingRemaining(p.id, left.gt(0) ? left : ZERO);
  }

  private applyFills(p: PendingOrder, order: OrderUpdate): void {
    const filled = parseDecimal(order.filled);
    if (filled === null || !filled.gt(p.filled)) return;
    const amount = filled.minus(p.filled);
    const px = parseDecimal(order.average) ?? parseDecimal(order.price) ?? p.price;
    const price = px !== null && px.gt(0) ? px : null;
    const at = this.clock();
    // the filled part moves into the position and is no longer pending
    const problem = this.book.fillPending(p.id, { source: p.source, symbol: p.symbol, side: p.side, positionSide: p.positionSide, reduceOnly: p.reduceOnly, amount, price, fee: p.feePerUnit.mul(amount) }, at);
    if (problem !== null) return;
    p.filled = filled;
    this.onFill(() => ({ account: p.source, symbol: p.symbol, side: p.side, amount: fmt(amount), price: price ? fmt(price) : null, orderId: p.exchangeOrderId ?? null, clientOrderId: p.clientOrderId ?? null, at }));
  }
}
