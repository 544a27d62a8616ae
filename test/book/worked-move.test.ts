/**
 * A check works out what counting its order does to the book's sums (Projection.worked);
 * the book takes those numbers instead of computing them again while its version is the
 * projection's. Here the book that takes them and a book that computes everything itself
 * must end with the same sums, exactly, and both must pass verify() (values recomputed
 * from scratch), including when the book changed in between and the numbers are stale.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Book, type Reservation } from '../../src/book/book.js';
import { FIXED_READ } from '../../src/book/reconcile.js';
import { parseConfig } from '../../src/config/config.js';
import { decide } from '../../src/guard/decide.js';
import type { Evaluation } from '../../src/guard/decide.js';
import { fmt } from '../../src/number.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { worldArb } from '../helpers/worlds.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 300);
const NOW = 1_700_000_000_000;

function sums(book: Book): string {
  const ag = book.aggregates;
  // an asset's row stays (at zeros) once it existed: compare what the rows hold
  const assets = ag.assetNames().sort().map((a) => `${a}:${[0, 1, 2].map((s) => fmt(ag.assetExposure(a, s as 0 | 1 | 2))).join('/')}`).filter((r) => !r.endsWith(':0/0/0'));
  return JSON.stringify({ net: ag.net.map(fmt), grossNow: fmt(ag.grossNow), grossWorst: fmt(ag.grossWorst), fees: ag.fees.map(fmt), assets });
}

function reservation(ev: Evaluation, id: string, withWorked: boolean): Reservation {
  const p = ev.projection!;
  const i = ev.intent!;
  return {
    id, account: p.account, market: p.market, side: i.side, positionSide: i.positionSide, reduceOnly: i.reduceOnly,
    price: i.price, type: i.type, conditional: i.triggerPrice !== null, amount: ev.approved, clientOrderId: id, exchangeOrderId: null,
    route: p.route, feePerUnit: p.feePerUnit, worked: withWorked ? p.worked(ev.approved) : undefined,
  };
}

describe('counting an order with the numbers its check worked out', () => {
  it('ends with the sums the book computes itself, and verify() agrees, on generated accounts and orders', () => {
    fc.assert(fc.property(worldArb, fc.boolean(), (w, interleave) => {
      const config = parseConfig(w.config);
      const make = () => {
        const book = new Book({ quoteCurrency: config.quoteCurrency, cashCurrencies: config.cashCurrencies, lostOrderGraceMs: 0, now: () => NOW });
        book.applyRead(normalizeSnapshot({ ...w.snapshot, timestamp: NOW }), FIXED_READ);
        return book;
      };
      const taking = make();
      const computing = make();
      const ctx = (book: Book) => ({ book, config, now: NOW, tradingState: 'ACTIVE' as const, staleness: null, inconsistency: null });
      let took = 0;
      w.orders.forEach(({ intent }, k) => {
        const ev = decide(ctx(taking), [], intent, `x${k}`);
        if (!ev.projection || ev.approved.lte(0)) return;
        const evOther = decide(ctx(computing), [], intent, `x${k}`);
        // a stale projection: another order is counted between the check and its reservation
        if (interleave && k > 0) {
          for (const b of [taking, computing]) {
            const first = decide(ctx(b), [], w.orders[0]!.intent, `y${k}`);
            if (first.projection && first.approved.gt(0)) b.reserve(reservation(first, `y${k}`, false));
          }
        }
        const worked = ev.projection.worked(ev.approved);
        if (worked && worked.version === taking.aggregates.version) took++;
        expect(typeof taking.reserve(reservation(ev, `x${k}`, true))).toBe('object');
        expect(typeof computing.reserve(reservation(evOther!, `x${k}`, false))).toBe('object');
        expect(sums(taking)).toBe(sums(computing));
        expect(taking.verify()).toEqual([]);
      });
      // and giving every order back leaves the book as read
      for (const b of [taking, computing]) for (const id of [...w.orders.keys()].flatMap((k) => [`x${k}`, `y${k}`])) b.release(id);
      expect(sums(taking)).toBe(sums(make()));
      expect(taking.verify()).toEqual([]);
      return took >= 0;
    }), { numRuns: RUNS });
  });

  it('takes the worked numbers when the book has not changed, and ignores them when it has', () => {
    let found: { book: Book; evs: Evaluation[] } | null = null;
    for (const w of fc.sample(worldArb, { numRuns: 200, seed: 7 })) {
      const config = parseConfig(w.config);
      const book = new Book({ quoteCurrency: config.quoteCurrency, cashCurrencies: config.cashCurrencies, lostOrderGraceMs: 0, now: () => NOW });
      book.applyRead(normalizeSnapshot({ ...w.snapshot, timestamp: NOW }), FIXED_READ);
      const ctx = { book, config, now: NOW, tradingState: 'ACTIVE' as const, staleness: null, inconsistency: null };
      const evs = w.orders.map(({ intent }, k) => decide(ctx, [], intent, `x${k}`))
        .filter((e) => e.projection && e.approved.gt(0) && !e.projection.route.closing && e.projection.route.legs.every((l) => book.aggregates.owns(l.holding)));
      if (evs.length > 1) {
        found = { book, evs };
        break;
      }
    }
    expect(found).not.toBeNull();
    const { book, evs } = found!;
    // both were worked out on the same version; after the first is counted, the second's numbers are stale
    const [a, b] = evs as [Evaluation, Evaluation];
    expect(a.projection!.worked(a.approved)!.version).toBe(b.projection!.worked(b.approved)!.version);
    const version = book.aggregates.version;
    book.reserve(reservation(a, 'a', true));
    expect(version).toBe(a.projection!.bookVersion);
    expect(b.projection!.worked(b.approved)!.version).not.toBe(book.aggregates.version);
    book.reserve(reservation(b, 'b', true));
    expect(book.verify()).toEqual([]);
  });
});
