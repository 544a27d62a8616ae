import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Book } from '../../src/book/book.js';
import { BUYS, NOW, SELLS, type Scenario } from '../../src/book/holding.js';
import { FIXED_READ } from '../../src/book/reconcile.js';
import { Decimal } from '../../src/number.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { BTC, ETH, inverse, linear, openOrder, position, snapshot, spot } from '../helpers/snapshots.js';

const options = { quoteCurrency: 'USDT', cashCurrencies: new Set(['USDT', 'USDC', 'USD']), lostOrderGraceMs: 0, now: () => 0 };
const account = (btc: number) => snapshot({
  markets: [linear('BTC'), linear('ETH'), spot('BTC'), inverse('BTC', 100)],
  positions: [position(BTC, 'long', '0.2'), position(ETH, 'short', 3), position('BTC/USD:BTC', 'short', 50)],
  balance: { USDT: { total: 5000 }, BTC: { total: '0.05' } },
  openOrders: [openOrder(BTC, 'sell', '0.1', btc, { id: 'a' }), openOrder(ETH, 'buy', 1, 2400, { id: 'b' })],
  prices: { [BTC]: { mark: btc }, 'BTC/USDT': { last: btc }, [ETH]: { mark: 2500 }, 'BTC/USD:BTC': { mark: btc } },
});
const scenarios: Scenario[] = [NOW, BUYS, SELLS];
const sums = (b: Book) => {
  const a = b.aggregates;
  return scenarios.map((s) => [a.net[s].toString(), a.assetExposure('BTC', s).toString()]).concat([[a.grossNow.toString(), a.grossWorst.toString(), b.equity.toString()]]);
};
const fixed = (snap: ReturnType<typeof account>) => {
  const b = new Book(options);
  b.applyRead(normalizeSnapshot(snap), FIXED_READ);
  return b;
};

describe('Book', () => {
  it('a price tick revalues only what depends on it, and lands where a rebuild lands', () => {
    const ticked = fixed(account(50000));
    ticked.setPrice('test', BTC, new Decimal(52000));
    ticked.setPrice('test', 'BTC/USDT', new Decimal(52000));
    ticked.setPrice('test', 'BTC/USD:BTC', new Decimal(52000));
    expect(ticked.verify()).toEqual([]);
    // the open orders' fees were estimated at the old price: compare exposure, not fees
    expect(sums(ticked)).toEqual(sums(fixed(account(52000))));
    // by hand at 52000: BTC perp 0.2·52000 = 10400, ETH −7500, inverse −5000, BTC balance 0.05·52000 = 2600
    expect(ticked.aggregates.net[NOW].toString()).toBe('500');
    expect(ticked.aggregates.grossNow.toString()).toBe('25500');
    expect(ticked.equity.toString()).toBe('7600');
  });

  it('verify() finds a sum that drifted', () => {
    const b = fixed(account(50000));
    expect(b.verify()).toEqual([]);
    b.aggregates.grossWorst = b.aggregates.grossWorst.plus('0.000001');
    expect(b.verify()).toEqual([expect.stringMatching(/^grossWorst: kept .*, from scratch /)]);
  });
});

describe('fills through order answers land where a read of the resulting positions lands', () => {
  const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 300);
  const symbols = [BTC, ETH, 'BTC/USD:BTC'] as const;
  const markets = [linear('BTC', { taker: 0.0005, maker: 0.0002 }), linear('ETH', { taker: 0.0005 }), inverse('BTC', 100, { taker: 0.0005 })];
  const prices = { [BTC]: { mark: '50000.5' }, [ETH]: { mark: '2500.25' }, 'BTC/USD:BTC': { mark: '50000.5' } };
  const eighths = (n: number) => new Decimal(n).div(8);
  const units = fc.integer({ min: -40, max: 40 }).map(eighths);
  const read = (positions: Decimal[], orders: ReturnType<typeof openOrder>[], usdt: string = '10000') => normalizeSnapshot(snapshot({
    markets, prices, openOrders: orders, balance: { USDT: { total: usdt } },
    positions: positions.flatMap((u, i) => (u.isZero() ? [] : [position(symbols[i]!, u.gt(0) ? 'long' : 'short', u.abs().toString())])),
  }));

  it('whole and partial fills of approved orders, with open orders on the book; verify() after every step', () => {
    fc.assert(fc.property(
      fc.array(units, { minLength: 3, maxLength: 3 }),
      fc.array(fc.record({ i: fc.integer({ min: 0, max: 2 }), side: fc.constantFrom('buy' as const, 'sell' as const), amount: fc.integer({ min: 1, max: 24 }), reduceOnly: fc.boolean() }), { maxLength: 3 }),
      fc.array(fc.record({
        i: fc.integer({ min: 0, max: 2 }), side: fc.constantFrom('buy' as const, 'sell' as const), amount: fc.integer({ min: 1, max: 40 }).map(eighths),
        reduceOnly: fc.boolean(), fill: fc.constantFrom('none', 'whole', 'part'),
      }), { minLength: 1, maxLength: 6 }),
      (start, pending, orders) => {
        const open = pending.map((o, k) => ({ ...openOrder(symbols[o.i]!, o.side, eighths(o.amount).toString(), o.i === 1 ? '2400' : '49000'), id: `o${k}`, reduceOnly: o.reduceOnly }));
        const book = new Book(options);
        book.applyRead(read(start, open), FIXED_READ);
        const end = [...start];
        const still: Array<{ id: string; i: number; side: 'buy' | 'sell'; amount: Decimal; reduceOnly: boolean }> = [];
        orders.forEach((r, k) => {
          const id = `r${k}`;
          const market = book.valuation.findMarket(symbols[r.i]!)!.market;
          const shape = { account: 'test', market, side: r.side, positionSide: 'net' as const, reduceOnly: r.reduceOnly, price: null };
          const route = book.routing.route(shape, true);
          if (typeof route === 'string') return;
          book.reserve({ id, account: 'test', market, side: r.side, positionSide: 'net', reduceOnly: r.reduceOnly, price: null, type: 'market', conditional: false, amount: r.amount, clientOrderId: id, exchangeOrderId: null, route, feePerUnit: book.routing.feePerUnit(shape, { market: true, conditional: false }) });
          book.sent(id);
          expect(book.verify()).toEqual([]);
          const filled = r.fill === 'whole' ? r.amount : r.fill === 'part' ? r.amount.div(2) : new Decimal(0);
          book.answered(id, { id: `x${k}`, status: r.fill === 'whole' ? 'closed' : 'open', amount: r.amount.toString(), filled: filled.toString(), average: prices[symbols[r.i]!].mark });
          expect(book.verify()).toEqual([]);
          end[r.i] = r.side === 'buy' ? end[r.i]!.plus(filled) : end[r.i]!.minus(filled);
          const left = r.amount.minus(filled);
          if (left.gt(0)) still.push({ id, i: r.i, side: r.side, amount: left, reduceOnly: r.reduceOnly });
        });
        // a book read from the resulting positions, with what is still pending listed as open orders
        // (and the cash the fills' fees took)
        const rebuilt = new Book(options);
        const cash = book.aggregates.cashOf('test').get('USDT')!.toString();
        rebuilt.applyRead(read(end, [...open, ...still.map((s) => ({ ...openOrder(symbols[s.i]!, s.side, s.amount.toString(), prices[symbols[s.i]!].mark), id: s.id, type: 'market', reduceOnly: s.reduceOnly }))], cash), FIXED_READ);
        expect(rebuilt.verify()).toEqual([]);
        if (![...pending, ...orders].some((r) => r.reduceOnly)) {
          expect(sums(book)).toEqual(sums(rebuilt));
        } else {
          // a reduce-only order may have filled while the position still had the size it had at the
          // last read, before the fills learned since: it counts that room until the next read (the
          // rebuilt book, read after the fills, cannot know it). The book as it is agrees; the worst
          // cases contain the rebuilt ones.
          expect(sums(book)[0]).toEqual(sums(rebuilt)[0]);
          for (const key of [...book.aggregates.allHoldings()].map((h) => h.key)) {
            const a = book.aggregates.holding(key)!;
            const b = rebuilt.aggregates.holding(key);
            expect(a.unitsIn(SELLS).lte(b ? b.unitsIn(SELLS) : 0)).toBe(true);
            expect(a.unitsIn(BUYS).gte(b ? b.unitsIn(BUYS) : 0)).toBe(true);
          }
        }
      },
    ), { numRuns: RUNS });
  });
});
