import type { OrderUpdate } from '../book/book.js';
import type { Decimal } from '../number.js';
import type { OrderIntent } from '../projection/intent.js';
import type { Decision } from './decision.js';

/** Which order a message is about: the exchange's id, the client order id, or both. */
export interface OrderRef {
  id?: string | null;
  clientOrderId?: string | null;
}

/** How a failed order request ended: refused (it never landed) or of unknown fate (it may have). */
export type RequestFailure = 'refused' | 'unknown';

/**
 * Where the order hook (guard.wrap) meets the guard, and what a bot that places orders
 * itself calls: decide and count, then say what became of every approved order. Each
 * approved decision is followed to its end — answered, refused, lost (then settled by a
 * read), filled, cancelled — so what it holds is always released, never lost.
 *
 * RiskGuard implements it; the hook knows nothing else of the guard.
 */
export interface OrderGate {
  readonly isClosed: boolean;
  /** The account an exchange instance trades (its adapter's, or the only one). */
  accountOf(exchange: object): string;
  /** Decides an order on fresh data and counts the approved amount until it is settled. */
  check(intent: OrderIntent | unknown): Promise<Decision>;
  /** Decides several orders as one batch, each seeing the ones before it. */
  checkBatch(intents: Array<OrderIntent | unknown>): Promise<Decision[]>;
  /**
   * Decides an edit of a pending order as its replacement: what the order already has
   * counted is not new. An approved edit counts with the order, at the larger of the two,
   * until the exchange answers it.
   */
  checkReplacement(account: string, ref: OrderRef, intent: OrderIntent | unknown): Decision;
  /** The approved order's (or edit's) request went out. */
  sent(decisionId: string): void;
  /** The exchange answered the request with the order (ccxt's Order). */
  answered(decisionId: string, order: unknown): void;
  /** The request failed; refused orders are released, ones of unknown fate count until a read shows the truth. */
  failed(decisionId: string, failure: RequestFailure): void;
  /** A cancel succeeded; `answer` is the cancelled order when the exchange returned it. */
  cancelled(account: string, ref: OrderRef, answer?: unknown): void;
  /** cancelAllOrders succeeded. */
  cancelledAll(account: string, symbol?: string): void;
  /** An update about an order from any channel (watchOrders, fetchOrder). Returns whether the guard knew the order. */
  onOrderUpdate(order: OrderUpdate, opts?: { account?: string }): boolean;
  /** Gives back an approved order that was not sent (a batch blocked as a whole), or an edit that was not. */
  release(decisionId: string): boolean;
  /** Quote-currency notional of one unit of a symbol's amount at a price (the mark when null): for orders sized by cost. */
  notionalPerUnit(account: string, symbol: string, price: Decimal | null): Decimal | null;
  /** Reports a failure through the guard's 'error' event, redacted. */
  reportError(error: Error, account?: string): void;
}
