/**
 * The ordering model, tested against a model exchange: random interleavings of orders on
 * the wire, answers arriving late or never, fills of resting orders, edits, cancels (ours
 * and a second client's), and reads whose parts straddle all of these. After every step:
 * - the book is sound: verify() recomputes every sum from scratch and finds nothing;
 * - the book's worst case contains the exchange's: with every pending sell filled the book
 *   holds no more than the exchange could, with every pending buy filled no less
 *   (undercounting is a breach; overcounting is allowed and ends at the next read).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Book, type OrderUpdate } from '../../src/book/book.js';
import { BUYS, SELLS } from '../../src/book/holding.js';
import type { ReadStamps } from '../../src/book/reconcile.js';
import { Decimal, ZERO } from '../../src/number.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { BTC, linear, snapshot } from '../helpers/snapshots.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 400);
const D = (x: number | string) => new Decimal(x);
const MARK = D(50000);
const ACCOUNT = 'test';

/** The exchange: one one-way BTC position and its resting orders. */
interface XOrder { id: string; cid: string; side: 'buy' | 'sell'; amount: Decimal; filled: Decimal; reduceOnly: boolean; status: 'open' | 'filled' | 'canceled' }

class Exchange {
  units = ZERO;
  readonly orders = new Map<string, XOrder>();
  private next = 1;

  /** Reduce-only fills stop at flat. */
  private fillable(o: XOrder, q: Decimal): Decimal {
    if (!o.reduceOnly) return q;
    const room = o.side === 'sell' ? Decimal.max(this.units, 0) : Decimal.max(this.units.neg(), 0);
    return Decimal.min(q, room);
  }

  place(cid: string, side: 'buy' | 'sell', amount: Decimal, reduceOnly: boolean, fillNow: Decimal): XOrder {
    const o: XOrder = { id: `x${this.next++}`, cid, side, amount, filled: ZERO, reduceOnly, status: 'open' };
    this.orders.set(o.id, o);
    if (fillNow.gt(0)) this.fill(o, fillNow);
    return o;
  }

  fill(o: XOrder, q: Decimal): void {
    const f = this.fillable(o, Decimal.min(q, o.amount.minus(o.filled)));
    if (f.gt(0)) {
      o.filled = o.filled.plus(f);
      this.units = o.side === 'buy' ? this.units.plus(f) : this.units.minus(f);
    }
    if (o.filled.eq(o.amount)) o.status = 'filled';
    else if (o.reduceOnly && this.fillable(o, o.amount.minus(o.filled)).isZero()) o.status = 'canceled'; // expired: nothing left to reduce
  }

  edit(o: XOrder, amount: Decimal): void {
    if (amount.lte(o.filled)) o.status = 'canceled';
    else o.amount = amount;
  }

  open(): XOrder[] {
    return [...this.orders.values()].filter((o) => o.status === 'open');
  }

  /** The exchange's worst case per direction, in units: every resting order of one side filled (reduce-only ones first, toward zero only). */
  interval(): { lo: Decimal; hi: Decimal } {
    const side = (s: 'buy' | 'sell') => {
      let u = this.units;
      const start = this.units;
      for (const o of this.open().filter((x) => x.side === s && x.reduceOnly)) {
        const left = o.amount.minus(o.filled);
        const room = s === 'sell' ? Decimal.max(Decimal.min(u, start), 0) : Decimal.max(Decimal.min(u.neg(), start.neg()), 0);
        u = s === 'sell' ? u.minus(Decimal.min(left, room)) : u.plus(Decimal.min(left, room));
      }
      for (const o of this.open().filter((x) => x.side === s && !x.reduceOnly)) u = s === 'sell' ? u.minus(o.amount.minus(o.filled)) : u.plus(o.amount.minus(o.filled));
      return u;
    };
    return { lo: side('sell'), hi: side('buy') };
  }

  format(o: XOrder): OrderUpdate {
    return { id: o.id, clientOrderId: o.cid, status: o.status === 'open' ? 'open' : o.status === 'filled' ? 'closed' : 'canceled', amount: o.amount.toFixed(), filled: o.filled.toFixed(), average: MARK.toFixed() };
  }
}

/** What becomes of a request: answered; refused (never placed); lost after the exchange acted on it; dropped before it did (the guard cannot tell the last two apart). */
type Fate = 'answer' | 'refuse' | 'lose' | 'drop';

type Wire =
  | { kind: 'create'; id: string; cid: string; side: 'buy' | 'sell'; amount: Decimal; reduceOnly: boolean; fillNow: Decimal; fate: Fate }
  | { kind: 'edit'; decisionId: string; xid: string; amount: Decimal; fate: Fate }
  | { kind: 'cancel'; xid: string; fate: 'answer' | 'lose' };

type Answer = { to: Wire; order: OrderUpdate | null; outcome: 'answered' | 'refused' | 'unknown' };

interface Read {
  ordered: boolean;
  stamps: { openOrders: { requested: number; answered?: number }; account: { requested?: number; answered?: number } };
  orders?: XOrder[];
  units?: Decimal;
  at: number;
}

const op = fc.record({ kind: fc.integer({ min: 0, max: 13 }), pick: fc.nat(), amount: fc.integer({ min: 1, max: 40 }), part: fc.integer({ min: 1, max: 4 }), flag: fc.boolean(), fate: fc.integer({ min: 0, max: 9 }) });

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function run(ops: Op[], startUnits: number): void {
  let now = 0;
  const x = new Exchange();
  x.units = D(startUnits).div(10);
  const book = new Book({ quoteCurrency: 'USDT', cashCurrencies: new Set(['USDT']), lostOrderGraceMs: 0, now: () => now });
  const market = linear('BTC', { step: 0.1, taker: 0.0005, maker: 0.0002 });
  const read = (orders: XOrder[], units: Decimal) => normalizeSnapshot(snapshot({
    markets: [market], prices: { [BTC]: { mark: MARK.toFixed() } }, timestamp: now,
    positions: units.isZero() ? [] : [{ symbol: BTC, side: units.gt(0) ? 'long' : 'short', contracts: units.abs().toFixed() }],
    openOrders: orders.map((o) => ({ id: o.id, clientOrderId: o.cid, symbol: BTC, side: o.side, type: 'limit', price: MARK.toFixed(), amount: o.amount.toFixed(), filled: o.filled.toFixed(), remaining: o.amount.minus(o.filled).toFixed(), status: 'open', reduceOnly: o.reduceOnly })),
  }), ACCOUNT);
  const first = book.next();
  book.applyRead(read(x.open(), x.units), { openOrders: { requested: first, answered: book.next() }, account: { requested: book.next(), answered: book.next() }, openOrdersRequestedAt: now });

  const wire: Wire[] = [];
  const answers: Answer[] = [];
  const reads: Read[] = [];
  const stream: OrderUpdate[] = [];
  let n = 0;
  const spec = book.valuation.findMarket(BTC, ACCOUNT)!.market;

  const check = (step: string) => {
    expect(book.verify(), step).toEqual([]);
    const t = x.interval();
    const h = book.aggregates.holding(`${ACCOUNT}|net|${BTC}`);
    const lo = h ? h.unitsIn(SELLS) : ZERO;
    const hi = h ? h.unitsIn(BUYS) : ZERO;
    expect(lo.lte(t.lo), `${step}: the book's sell side ${lo} must reach the exchange's ${t.lo}`).toBe(true);
    expect(hi.gte(t.hi), `${step}: the book's buy side ${hi} must reach the exchange's ${t.hi}`).toBe(true);
  };

  for (const o of ops) {
    now += 1;
    const pick = <T>(list: T[]): T | undefined => (list.length ? list[o.pick % list.length] : undefined);
    const fateOf = (): Fate => (o.fate < 5 ? 'answer' : o.fate < 7 ? 'refuse' : o.fate < 8 ? 'lose' : 'drop');
    let step = '';
    switch (o.kind) {
      case 0: { // the guard approves an order and sends it
        const side: 'buy' | 'sell' = o.flag ? 'buy' : 'sell';
        const amount = D(o.amount).div(10);
        const reduceOnly = o.part === 4;
        const id = `d${++n}`;
        const shape = { account: ACCOUNT, market: spec, side, positionSide: 'net' as const, reduceOnly, price: o.part === 1 ? null : MARK };
        const route = book.routing.route(shape, true);
        if (typeof route === 'string') break;
        const fee = book.routing.feePerUnit(shape, { market: o.part === 1, conditional: false });
        const r = book.reserve({ id, account: ACCOUNT, market: spec, side, positionSide: 'net', reduceOnly, price: shape.price, type: o.part === 1 ? 'market' : 'limit', conditional: false, amount, clientOrderId: id, exchangeOrderId: null, route, feePerUnit: fee });
        expect(typeof r).not.toBe('string');
        book.sent(id);
        wire.push({ kind: 'create', id, cid: id, side, amount, reduceOnly, fillNow: o.part === 1 ? amount : D(o.amount % 3).div(10), fate: fateOf() });
        step = `order ${id} ${side} ${amount}${reduceOnly ? ' reduce-only' : ''}`;
        break;
      }
      case 1: { // a request reaches the exchange
        const w = pick(wire);
        if (!w) break;
        wire.splice(wire.indexOf(w), 1);
        step = `wire ${w.kind} → exchange (${w.fate})`;
        if (w.kind !== 'cancel' && w.fate === 'drop') { answers.push({ to: w, order: null, outcome: 'unknown' }); break; }
        if (w.kind === 'create') {
          if (w.fate === 'refuse') { answers.push({ to: w, order: null, outcome: 'refused' }); break; }
          const xo = x.place(w.cid, w.side, w.amount, w.reduceOnly, w.fillNow);
          answers.push({ to: w, order: w.fate === 'answer' ? x.format(xo) : null, outcome: w.fate === 'answer' ? 'answered' : 'unknown' });
        } else if (w.kind === 'edit') {
          const xo = x.orders.get(w.xid);
          if (w.fate === 'refuse' || !xo || xo.status !== 'open') { answers.push({ to: w, order: null, outcome: 'refused' }); break; }
          x.edit(xo, w.amount);
          answers.push({ to: w, order: w.fate === 'answer' ? x.format(xo) : null, outcome: w.fate === 'answer' ? 'answered' : 'unknown' });
        } else {
          const xo = x.orders.get(w.xid);
          if (xo && xo.status === 'open') xo.status = 'canceled';
          answers.push({ to: w, order: xo && w.fate === 'answer' ? x.format(xo) : null, outcome: w.fate === 'answer' && xo ? 'answered' : 'unknown' });
        }
        break;
      }
      case 2: { // an answer (or the failure) reaches the guard
        const a = pick(answers);
        if (!a) break;
        answers.splice(answers.indexOf(a), 1);
        step = `answer to ${a.to.kind}: ${a.outcome}`;
        const w = a.to;
        if (w.kind === 'create') {
          if (a.outcome === 'answered') book.answered(w.id, a.order!);
          else book.failed(w.id, a.outcome === 'refused' ? 'rejected' : 'unknown');
        } else if (w.kind === 'edit') {
          if (a.outcome === 'answered') book.editAnswered(w.decisionId, a.order!);
          else book.editFailed(w.decisionId, a.outcome === 'refused' ? 'rejected' : 'unknown');
        } else if (a.outcome === 'answered') book.cancelled(ACCOUNT, { id: w.xid }, a.order!);
        break;
      }
      case 3: { // a resting order fills at the exchange (the guard hears nothing)
        const xo = pick(x.open());
        if (!xo) break;
        x.fill(xo, D(Math.max(1, Math.floor(o.amount / o.part))).div(10));
        step = `exchange fills ${xo.id}`;
        break;
      }
      case 4: case 5: case 6: { // a read advances: list requested, list answered, account requested, account answered and applied
        let r = reads[0];
        if (!r) {
          reads.push({ ordered: o.fate < 8, stamps: { openOrders: { requested: book.next() }, account: {} }, at: now });
          if (!reads[0]!.ordered) { reads[0]!.stamps.account.requested = book.next(); }
          step = 'read starts';
          break;
        }
        if (r.orders === undefined) {
          if (!r.ordered && r.units === undefined) { r.units = x.units; step = 'unordered read: account answered before the list'; break; }
          r.orders = x.open().map((xo) => ({ ...xo }));
          r.stamps.openOrders.answered = book.next();
          if (r.ordered) r.stamps.account.requested = book.next();
          step = 'read: list answered';
          break;
        }
        if (r.units === undefined) { r.units = x.units; step = 'read: account answered'; break; }
        r.stamps.account.answered = book.next();
        reads.shift();
        const stamps: ReadStamps = {
          openOrders: { requested: r.stamps.openOrders.requested, answered: r.stamps.openOrders.answered! },
          account: { requested: r.stamps.account.requested!, answered: r.stamps.account.answered },
          openOrdersRequestedAt: r.at,
        };
        book.applyRead(read(r.orders, r.units), stamps);
        step = `read applied (${r.ordered ? 'ordered' : 'unordered'})`;
        r = undefined;
        break;
      }
      case 7: { // the guard cancels an order it sees open
        const p = pick([...book.pending.all()].filter((i) => i.kind === 'order' && i.exchangeOrderId !== null));
        if (!p || p.kind !== 'order') break;
        wire.push({ kind: 'cancel', xid: p.exchangeOrderId!, fate: o.fate < 7 ? 'answer' : 'lose' });
        step = `cancel ${p.exchangeOrderId}`;
        break;
      }
      case 8: case 9: { // the guard edits an order (no limits at this level: judged as its replacement, counted at the larger)
        const p = pick([...book.pending.all()].filter((i) => i.kind === 'order' && i.exchangeOrderId !== null && i.edit === null && i.stage === 'open'));
        if (!p || p.kind !== 'order') break;
        const amount = D(o.amount).div(10);
        const decisionId = `e${++n}`;
        book.suspend(p);
        book.endSuspend(p, { decisionId, amount, price: p.price, feePerUnit: p.feePerUnit });
        book.editSent(decisionId);
        wire.push({ kind: 'edit', decisionId, xid: p.exchangeOrderId!, amount, fate: fateOf() });
        step = `edit ${p.exchangeOrderId} → ${amount}`;
        break;
      }
      case 10: { // a second client cancels an order the guard does not hear of
        const xo = pick(x.open());
        if (!xo) break;
        xo.status = 'canceled';
        step = `second client cancels ${xo.id}`;
        break;
      }
      case 11: { // an order update from a stream (watchOrders): the order as it is now
        const xo = pick([...x.orders.values()]);
        if (!xo) break;
        book.orderUpdate(ACCOUNT, x.format(xo));
        step = `update of ${xo.id}`;
        break;
      }
      case 12: { // the stream takes a picture of an order, delivered later (possibly after newer news)
        const xo = pick([...x.orders.values()]);
        if (xo) stream.push(x.format(xo));
        break;
      }
      case 13: { // a stale stream update arrives
        const u = pick(stream);
        if (!u) break;
        stream.splice(stream.indexOf(u), 1);
        book.orderUpdate(ACCOUNT, u);
        step = `late update of ${String(u.id)}: ${u.status} filled ${String(u.filled)}`;
        break;
      }
    }
    if (step) check(step);
  }
}

describe('the ordering model against a model exchange', () => {
  it('after every step the book is sound and its worst case contains the exchange\'s', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 10, maxLength: 120 }), fc.integer({ min: -30, max: 30 }), (ops, start) => run(ops, start)), { numRuns: RUNS });
  });
});
