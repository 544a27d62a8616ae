import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Book } from '../../src/book/book.js';
import { BUYS, NOW, SELLS, type Scenario } from '../../src/book/holding.js';
import { normalizeSnapshot } from '../../src/book/snapshot.js';
import { Decimal } from '../../src/decimal.js';
import { BTC, ETH, inverse, linear, openOrder, position, snapshot, spot } from '../helpers/snapshots.js';

const options = { quoteCurrency: 'USDT', cashCurrencies: new Set(['USDT', 'USDC', 'USD']) };
const account = (btc: number) => snapshot({
  markets: [linear('BTC'), linear('ETH'), spot('BTC'), inverse('BTC', 100)],
  positions: [position(BTC, 'long', '0.2'), position(ETH, 'short', 3), position('BTC/USD:BTC', 'short', 50)],
  balance: { USDT: { total: 5000 }, BTC: { total: '0.05' } },
  openOrders: [openOrder(BTC, 'sell', '0.1', btc), openOrder(ETH, 'buy', 1, 2400)],
  prices: { [BTC]: { mark: btc }, 'BTC/USDT': { last: btc }, [ETH]: { mark: 2500 }, 'BTC/USD:BTC': { mark: btc } },
});
const scenarios: Scenario[] = [NOW, BUYS, SELLS];
const metrics = (b: Book) => scenarios.map((s) => [b.net[s]!.toString(), b.assetExposure('BTC', s).toString()]).concat([[b.grossNow.toString(), b.grossWorst.toString(), b.equity.toString()]]);

describe('Book', () => {
  it('a price tick revalues only what depends on it, and lands where a rebuild lands', () => {
    const ticked = new Book(options);
    ticked.applySnapshot(normalizeSnapshot(account(50000)));
    ticked.setPrice('test', BTC, new Decimal(52000));
    ticked.setPrice('test', 'BTC/USDT', new Decimal(52000));
    ticked.setPrice('test', 'BTC/USD:BTC', new Decimal(52000));
    const rebuilt = new Book(options);
    rebuilt.applySnapshot(normalizeSnapshot(account(52000)));
    // the open orders' fees were estimated at the old price: compare exposure, not fees
    expect(metrics(ticked)).toEqual(metrics(rebuilt));
    // by hand at 52000: BTC perp 0.2·52000 = 10400, ETH −7500, inverse −5000, BTC balance 0.05·52000 = 2600
    expect(ticked.net[NOW].toString()).toBe('500');
    expect(ticked.grossNow.toString()).toBe('25500');
    expect(ticked.equity.toString()).toBe('7600');
  });
});

describe('Book fills', () => {
  const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 300);
  const symbols = [BTC, ETH, 'BTC/USD:BTC'] as const;
  const markets = [linear('BTC', { taker: 0.0005 }), linear('ETH', { taker: 0.0005 }), inverse('BTC', 100, { taker: 0.0005 })];
  const prices = { [BTC]: { mark: '50000.5' }, [ETH]: { mark: '2500.25' }, 'BTC/USD:BTC': { mark: '50000.5' } };
  const eighths = (n: number) => new Decimal(n).div(8);
  const units = fc.integer({ min: -40, max: 40 }).map(eighths);
  const book = (positions: Decimal[], orders: ReturnType<typeof openOrder>[]) => {
    const b = new Book(options);
    b.applySnapshot(normalizeSnapshot(snapshot({
      markets, prices, openOrders: orders,
      positions: positions.flatMap((u, i) => (u.isZero() ? [] : [position(symbols[i]!, u.gt(0) ? 'long' : 'short', u.abs().toString())])),
    })));
    return b;
  };
  const withFees = (b: Book) => [...metrics(b), b.fees.map(String), [String(b.pendingCount)]];
  const reserve = (b: Book, id: string, r: { i: number; side: 'buy' | 'sell'; amount: Decimal; reduceOnly: boolean }) =>
    b.addPending({ id, kind: 'reservation', source: 'test', symbol: symbols[r.i]!, side: r.side, remaining: r.amount, price: null, reduceOnly: r.reduceOnly, positionSide: 'net', clientOrderId: id }, 'market');

  it('fills applied one by one land where a snapshot of the resulting positions lands', () => {
    fc.assert(fc.property(
      fc.array(units, { minLength: 3, maxLength: 3 }),
      fc.array(fc.record({ i: fc.integer({ min: 0, max: 2 }), side: fc.constantFrom('buy' as const, 'sell' as const), amount: fc.integer({ min: 1, max: 24 }), reduceOnly: fc.boolean() }), { maxLength: 4 }),
      fc.array(fc.record({ i: fc.integer({ min: 0, max: 2 }), side: fc.constantFrom('buy' as const, 'sell' as const), amount: fc.integer({ min: 1, max: 40 }) }), { minLength: 1, maxLength: 8 }),
      (start, pending, fills) => {
        const orders = pending.map((o, k) => ({ ...openOrder(symbols[o.i]!, o.side, eighths(o.amount).toString(), o.i === 1 ? '2400' : '49000'), id: `o${k}`, reduceOnly: o.reduceOnly }));
        const incremental = book(start, orders);
        const end = [...start];
        for (const f of fills) {
          const amount = eighths(f.amount);
          expect(incremental.applyFill({ source: 'test', symbol: symbols[f.i]!, side: f.side, positionSide: 'net', reduceOnly: false, amount, price: null, fee: new Decimal(0) }, 0)).toBeNull();
          end[f.i] = f.side === 'buy' ? end[f.i]!.plus(amount) : end[f.i]!.minus(amount);
        }
        expect(metrics(incremental)).toEqual(metrics(book(end, orders)));
      },
    ), { numRuns: RUNS });
  });

  it('filling reservations (whole or in part) lands where the resulting positions and what is still pending land', () => {
    fc.assert(fc.property(
      fc.array(units, { minLength: 3, maxLength: 3 }),
      fc.array(fc.record({ i: fc.integer({ min: 0, max: 2 }), side: fc.constantFrom('buy' as const, 'sell' as const), amount: fc.integer({ min: 1, max: 24 }), reduceOnly: fc.boolean() }), { maxLength: 3 }),
      fc.array(fc.record({
        i: fc.integer({ min: 0, max: 2 }), side: fc.constantFrom('buy' as const, 'sell' as const), amount: fc.integer({ min: 1, max: 40 }).map(eighths),
        reduceOnly: fc.boolean(), fill: fc.constantFrom('none', 'whole', 'part'),
      }), { minLength: 1, maxLength: 6 }),
      (start, pending, reservations) => {
        const orders = pending.map((o, k) => ({ ...openOrder(symbols[o.i]!, o.side, eighths(o.amount).toString(), o.i === 1 ? '2400' : '49000'), id: `o${k}`, reduceOnly: o.reduceOnly }));
        const filling = book(start, orders);
        const end = [...start];
        const still: Array<[string, (typeof reservations)[number] & { amount: Decimal }]> = [];
        reservations.forEach((r, k) => {
          if (typeof reserve(filling, `r${k}`, r) === 'string') return; // a reduce-only order on nothing: refused alike
          const filled = r.fill === 'whole' ? r.amount : r.fill === 'part' ? r.amount.div(2) : null;
          if (filled !== null) {
            expect(filling.fillPending(`r${k}`, { source: 'test', symbol: symbols[r.i]!, side: r.side, positionSide: 'net', reduceOnly: r.reduceOnly, amount: filled, price: null, fee: new Decimal(0) }, 0)).toBeNull();
            end[r.i] = r.side === 'buy' ? end[r.i]!.plus(filled) : end[r.i]!.minus(filled);
          }
          const left = filled === null ? r.amount : r.amount.minus(filled);
          if (left.gt(0)) still.push([`r${k}`, { ...r, amount: left }]);
        });
        const rebuilt = book(end, orders);
        for (const [id, r] of still) reserve(rebuilt, id, r);
        expect(withFees(filling)).toEqual(withFees(rebuilt));
      },
    ), { numRuns: RUNS });
  });
});
