import { Decimal, ZERO } from '../number.js';
import type { NormalizedSnapshot, PositionSide, SnapshotOrder } from '../snapshot/normalize.js';
import { times, type Aggregates } from './aggregates.js';
import type { HoldingSide } from './holding.js';
import type { PendingOrder, PendingStore, UnsettledFill } from './pending.js';
import type { Route, Routing } from './routing.js';
import type { Valuation } from './valuation.js';

/** When one part of a read was requested and answered, in the book's event sequence. */
export interface PartStamps {
  requested: number;
  answered: number;
}

/**
 * Where a read sits among the book's events. A read shows every event before its
 * request and none after its answer; in between, it may or may not.
 */
export interface ReadStamps {
  /** the open-order list */
  openOrders: PartStamps;
  /** positions and balances (the earlier request, the later answer) */
  account: PartStamps;
  /** guard clock time at which the open-order list was requested (for the lost-order grace) */
  openOrdersRequestedAt: number;
}

/** A read that shows nothing that happened since it was taken (a saved snapshot): it settles nothing. */
export const FIXED_READ: ReadStamps = {
  openOrders: { requested: -Infinity, answered: -Infinity },
  account: { requested: -Infinity, answered: -Infinity },
  openOrdersRequestedAt: -Infinity,
};

/** A fill the book learned of, kept until a read is sure to show it. */
export interface JournalEntry {
  readonly id: number;
  readonly account: string;
  /** the pending order it belongs to, if the book knows it */
  readonly orderId: string | null;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly positionSide: PositionSide;
  readonly reduceOnly: boolean;
  readonly route: Route;
  readonly amount: Decimal;
  /** the fill's price (spot fills move the quote at it) */
  readonly price: Decimal | null;
  readonly feePerUnit: Decimal;
  /** when the book learned of it */
  readonly learnedSeq: number;
  /** when its order's request went out; null when unknown (an order only a read showed) */
  readonly orderSentSeq: number | null;
  /** the order's whole filled amount once this fill is in (a read's list that shows as much shows this fill) */
  readonly cumulative: Decimal | null;
  /** in the units, or counted as an unsettled fill */
  state: 'applied' | 'unsettled';
}

export type FillInput = Omit<JournalEntry, 'id' | 'learnedSeq' | 'state'>;

export interface ReconcileOptions {
  /** an order whose request timed out is taken as never placed when a list requested this long after does not show it */
  lostOrderGraceMs: number;
}

/** What applying a read changed, for the guard's events. */
export interface ReadOutcome {
  /** fills the read may not show yet, still counted on top of it */
  unsettledFills: number;
  /** orders the read showed were gone, now settled */
  settledOrders: number;
  /** open orders the read listed that could not be routed (they contradict the account's position mode) */
  problems: string[];
}

/**
 * Applies reads and fills in one order of events. The rules (docs/ARCHITECTURE.md,
 * "The ordering model"):
 * - a fill learned before a read's positions were requested is in the read;
 * - a fill of an order sent after the read's positions were answered is not;
 * - anything else may or may not be: it counts as an unsettled fill (pending in its
 *   direction) until a read requested after it, so the worst case holds either way;
 * - an order is gone when an open-order list requested after the exchange had it does not
 *   show it; it stops counting once positions requested after that list show its fills.
 */
export class Reconciler {
  private readonly journal: JournalEntry[] = [];
  private readonly lastRead = new Map<string, ReadStamps>();
  private nextJournalId = 1;

  constructor(
    private readonly aggregates: Aggregates,
    private readonly valuation: Valuation,
    private readonly routing: Routing,
    private readonly pending: PendingStore,
    private readonly next: () => number,
    private readonly now: () => number,
    private readonly options: ReconcileOptions,
  ) {}

  get journalSize(): number {
    return this.journal.length;
  }

  journalEntries(): readonly JournalEntry[] {
    return this.journal;
  }

  /** A fill the book learned of now (an order's answer or update, or a read's list). */
  learnFill(fill: FillInput, learnedSeq = this.next()): JournalEntry {
    const e: JournalEntry = { ...fill, id: this.nextJournalId++, learnedSeq, state: 'applied' };
    this.journal.push(e);
    const last = this.lastRead.get(e.account);
    if (last && this.mayShow(last, e)) this.unsettle(e);
    else this.applyToUnits(e);
    return e;
  }

  /** Could this read already show the fill? (It definitely does when learned before the request.) */
  private mayShow(read: ReadStamps, e: JournalEntry): boolean {
    if (e.learnedSeq < read.account.requested) return true;
    return e.orderSentSeq === null || e.orderSentSeq < read.account.answered;
  }

  /** Applies a read of one account (see the class comment for the rules). */
  applyRead(snap: NormalizedSnapshot, stamps: ReadStamps): ReadOutcome {
    const account = snap.source;
    const out: ReadOutcome = { unsettledFills: 0, settledOrders: 0, problems: [] };
    const ag = this.aggregates;
    // the account's holdings leave the sums while their units and prices change
    for (const h of ag.holdingsOf(account)) ag.detach(h);
    const prices = new Map(snap.prices);
    for (const p of snap.positions) if (p.markPrice && !prices.has(p.symbol)) prices.set(p.symbol, p.markPrice);
    this.valuation.setAccount(account, snap.markets, prices);

    // the open-order list: listed orders are the exchange's truth as of the list
    const listed = new Map<PendingOrder, SnapshotOrder>();
    const listedById = new Map<string, SnapshotOrder>();
    for (const o of snap.openOrders) {
      const known = this.sameOrder(account, o);
      if (known) {
        this.updateListed(known, o, stamps);
        listed.set(known, o);
        listedById.set(known.id, o);
        continue;
      }
      const added = this.addListed(account, o, snap, stamps);
      if (typeof added === 'string') out.problems.push(added);
      else {
        listed.set(added, o);
        listedById.set(added.id, o);
      }
    }
    // orders the list does not show
    const settled = new Set<string>();
    for (const p of [...this.pending.all()]) {
      if (p.kind !== 'order' || p.account !== account || listed.has(p)) continue;
      if (this.isGone(p, stamps)) this.pending.gone(p, stamps.openOrders.answered);
      if (p.goneSince !== null && p.goneSince < stamps.account.requested) {
        // positions requested after the list that did not show it show all its fills
        this.pending.remove(p);
        settled.add(p.id);
        out.settledOrders++;
      }
    }

    // positions and balances
    const units = new Map<string, Decimal>();
    for (const p of snap.positions) {
      const m = snap.markets.get(p.symbol)!;
      const side: HoldingSide = p.positionSide;
      const h = ag.ensure(account, p.symbol, side, m.base, p.symbol, m, m.instrument === 'inverse' ? 'inverse' : 'linear');
      units.set(h.key, (units.get(h.key) ?? ZERO).plus(p.side === 'long' ? p.contracts : p.contracts.neg()));
    }
    const cash = new Map<string, Decimal>();
    for (const [currency, amount] of snap.balances) {
      if (this.valuation.cashCurrencies.has(currency)) cash.set(currency, amount);
      else units.set(ag.ensure(account, currency, 'balance', currency, null, null, 'balance').key, amount);
    }
    for (const h of ag.holdingsOf(account)) ag.setUnits(h, units.get(h.key) ?? ZERO);
    ag.setCash(account, cash);

    // the fills the book knows of, against this read
    const ordered = stamps.account.requested > stamps.openOrders.answered;
    for (let i = 0; i < this.journal.length; i++) {
      const e = this.journal[i]!;
      if (e.account !== account) continue;
      const shown = e.orderId === null ? undefined : listedById.get(e.orderId);
      const shownByList = ordered && shown !== undefined && e.cumulative !== null && shown.filled.gte(e.cumulative);
      if (e.learnedSeq < stamps.account.requested || shownByList || (e.orderId !== null && settled.has(e.orderId))) {
        this.settle(e);
        this.journal.splice(i--, 1);
      } else if (this.mayShow(stamps, e)) {
        if (e.state === 'applied') this.unsettle(e);
        out.unsettledFills++;
      } else {
        // the read cannot show it: on top of the read's units, as before
        if (e.state === 'unsettled') this.settle(e);
        this.applyToUnits(e);
      }
    }

    // values: this account's holdings, and balances valued through its prices anywhere
    for (const h of [...ag.holdingsOf(account)]) {
      if (ag.pruneIfEmpty(h)) this.valuation.forget(h);
      else ag.setUnitValue(h, this.valuation.value(h));
    }
    for (const h of ag.allHoldings()) {
      if (h.account !== account && (h.instrument === 'balance' || h.unitValue === null)) ag.setUnitValue(h, this.valuation.value(h));
    }
    ag.setFees(this.pending.rebuildFees());
    this.lastRead.set(account, stamps);
    return out;
  }

  /**
   * The pending order a listed one is, by client order id or exchange id — and the same
   * symbol and side: an id reused for another order (a bot that reuses client ids) is not it.
   */
  private sameOrder(account: string, o: SnapshotOrder): PendingOrder | undefined {
    const same = (p: PendingOrder | undefined) => (p && p.symbol === o.symbol && p.side === o.side ? p : undefined);
    return same(this.pending.find(account, { clientOrderId: o.clientOrderId })) ?? same(this.pending.find(account, { id: o.id }));
  }

  /** A read listed an order the book knows. */
  private updateListed(p: PendingOrder, o: SnapshotOrder, stamps: ReadStamps): void {
    this.pending.setExchangeOrderId(p, o.id);
    this.pending.open(p, stamps.openOrders.answered);
    this.pending.listed(p);
    const amount = o.filled.plus(o.remaining);
    const edit = p.edit;
    if (edit && edit.unknownSince !== null && stamps.openOrdersRequestedAt - edit.unknownSince >= this.options.lostOrderGraceMs) {
      // a lost edit, well past the time it could still land: the list says what the order is
      this.pending.endEdit(p, { amount, price: o.price });
    } else if (!edit && (p.amountSeq === null || p.amountSeq < stamps.openOrders.requested)) {
      // nothing the book heard of the order's size is newer than the list: the list says what it is
      this.pending.resized(p, amount);
      const samePrice = o.price === null ? p.price === null : p.price !== null && o.price.eq(p.price);
      if (!samePrice) {
        const shape = { account: p.account, market: p.route.market, side: p.side, positionSide: p.positionSide, reduceOnly: p.reduceOnly, price: o.price };
        this.pending.repriced(p, o.price, this.routing.feePerUnit(shape, { market: p.type.includes('market'), conditional: p.conditional }));
      }
    } else if (!edit && amount.gt(p.amount)) {
      // an answer came while the list was on the wire: which is newer is unknown, so the larger counts until the next list
      this.pending.resized(p, amount);
    }
    if (o.filled.gt(p.filled)) {
      this.learnFill(this.fillOf(p, o.filled.minus(p.filled), o.price, o.filled), stamps.openOrders.answered);
      this.pending.filled(p, o.filled);
    }
  }

  /** An order only the read shows (placed elsewhere, or before the book knew it). */
  private addListed(account: string, o: SnapshotOrder, snap: NormalizedSnapshot, stamps: ReadStamps): PendingOrder | string {
    const market = snap.markets.get(o.symbol)!;
    const shape = { account, market, side: o.side, positionSide: o.positionSide, reduceOnly: o.reduceOnly, price: o.price };
    const route = this.routing.route(shape, true);
    if (typeof route === 'string') return `open order ${o.id}: ${route}`;
    const fee = this.routing.feePerUnit(shape, { market: o.type.includes('market'), conditional: o.conditional });
    let id = `${account}#${o.id}`;
    if (this.pending.get(id)) id = `${id}#${stamps.openOrders.answered}`; // an exchange id reused for another order
    const order: PendingOrder = {
      kind: 'order', origin: 'read', id, account, symbol: o.symbol, side: o.side, positionSide: o.positionSide,
      reduceOnly: o.reduceOnly, route, since: snap.timestamp, seq: stamps.openOrders.answered, counted: o.remaining, countedFee: fee,
      type: o.type, conditional: o.conditional, seenInList: true, price: o.price, clientOrderId: o.clientOrderId, exchangeOrderId: o.id,
      amount: o.filled.plus(o.remaining), filled: o.filled, feePerUnit: fee, stage: 'open', edit: null,
      sentSeq: null, ackedSeq: stamps.openOrders.answered, amountSeq: stamps.openOrders.answered, amountRequestSeq: null, unknownSince: null, cancelledSeq: null, goneSince: null,
    };
    this.pending.add(order);
    return order;
  }

  /** Is a pending order the list does not show gone from the exchange? */
  private isGone(p: PendingOrder, stamps: ReadStamps): boolean {
    const requested = stamps.openOrders.requested;
    switch (p.stage) {
      case 'open':
        if (p.conditional && !p.seenInList) return false; // kept apart by some exchanges: a list without it says nothing
        // an unanswered edit may still land; its answer settles the order
        if (p.edit && p.edit.unknownSince === null) return false;
        return p.ackedSeq !== null && p.ackedSeq < requested;
      case 'cancelled':
        // the cancel is confirmed: a read requested after it shows what filled first
        return p.cancelledSeq !== null && p.cancelledSeq < requested;
      case 'unknown':
        // placed and filled, or never placed: either way the list is right once a late request can no longer land
        return p.unknownSince !== null && stamps.openOrdersRequestedAt - p.unknownSince >= this.options.lostOrderGraceMs;
      default:
        return false; // not answered yet: the list may predate it
    }
  }

  /** The fill of part of a pending order, for the journal. */
  fillOf(p: PendingOrder, amount: Decimal, price: Decimal | null, cumulative: Decimal | null): FillInput {
    return {
      account: p.account, orderId: p.id, symbol: p.symbol, side: p.side, positionSide: p.positionSide, reduceOnly: p.reduceOnly,
      route: this.fillRoute(p, price), amount, price: price ?? p.price, feePerUnit: p.feePerUnit,
      // an approved order cannot have gone out before it was approved; one only a read showed may be older than any read
      orderSentSeq: p.origin === 'guard' ? p.sentSeq ?? p.seq : null, cumulative,
    };
  }

  /** A one-leg route is the order's own; a spot quote leg is priced at the fill. */
  private fillRoute(p: PendingOrder, price: Decimal | null): Route {
    if (p.route.legs.length <= 1 || price === null) return p.route;
    const r = this.routing.route({ account: p.account, market: p.route.market, side: p.side, positionSide: p.positionSide, reduceOnly: p.reduceOnly, price }, true);
    return typeof r === 'string' ? p.route : r;
  }

  /** The fill moves into the units; its fee (and a spot fill's quote) leaves the cash. */
  private applyToUnits(e: JournalEntry): void {
    e.state = 'applied';
    const r = e.route;
    for (const leg of r.legs) this.aggregates.moveUnits(leg.holding, times(leg.unitsPerAmount, e.amount));
    const fee = times(e.feePerUnit, e.amount);
    this.aggregates.moveCash(e.account, this.valuation.quoteCurrency, fee.neg());
    const m = r.market;
    if (m.instrument === 'spot' && this.valuation.cashCurrencies.has(m.quote)) {
      const px = e.price ?? this.valuation.price(e.account, m.symbol);
      if (px) this.aggregates.moveCash(e.account, m.quote, px.mul(e.amount).mul(-r.direction));
    }
  }

  /** The fill counts as pending in its direction (with its fee) instead of in the units. */
  private unsettle(e: JournalEntry): void {
    e.state = 'unsettled';
    const item: UnsettledFill = {
      kind: 'fill', id: `fill#${e.id}`, journalId: e.id, account: e.account, symbol: e.symbol, side: e.side, positionSide: e.positionSide,
      reduceOnly: e.reduceOnly, route: e.route, since: this.now(), seq: e.learnedSeq, counted: e.amount, countedFee: e.feePerUnit,
    };
    this.pending.add(item);
  }

  /** The fill is in the read's units: it no longer counts on its own. */
  private settle(e: JournalEntry): void {
    if (e.state !== 'unsettled') return;
    const item = this.pending.get(`fill#${e.id}`);
    if (item) this.pending.remove(item);
    e.state = 'applied';
  }
}
