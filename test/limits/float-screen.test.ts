import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Book } from '../../src/book/book.js';
import { FIXED_READ } from '../../src/book/reconcile.js';
import { parseConfig } from '../../src/config/config.js';
import { Decimal, SCREEN_MARGIN, approx } from '../../src/number.js';
import { normalizeSnapshot } from '../../src/snapshot/normalize.js';
import { ConvexPL } from '../../src/projection/convex.js';
import { buy, guardOn, linear, position, sell, snapshot } from '../helpers/snapshots.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 1000);

/** Exchange-shaped decimals: up to 18 integer digits, up to 18 places, either sign. */
const decimalArb = fc.tuple(fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }), fc.integer({ min: 0, max: 18 }))
  .map(([n, k]) => new Decimal(n.toString()).div(new Decimal(10).pow(k)));
const termArb = fc.record({ offset: decimalArb, perUnit: decimalArb });

/** An estimate brackets the exact value within its margin, on both sides. */
function brackets(exact: Decimal, est: { value: number; magnitude: number }): void {
  const margin = new Decimal(est.magnitude).mul(SCREEN_MARGIN);
  expect(new Decimal(est.value).plus(margin).gte(exact)).toBe(true);
  expect(new Decimal(est.value).minus(margin).lte(exact)).toBe(true);
}

describe('the float screen never says an order fits when exact arithmetic says it does not', () => {
  it('approx is within 1e-14 of the value', () => {
    fc.assert(fc.property(decimalArb, (d) => {
      const exact = d.toNumber();
      expect(Math.abs(approx(d) - exact)).toBeLessThanOrEqual(Math.abs(exact) * 1e-14);
    }), { numRuns: RUNS });
  });

  it('ConvexPL.estimate is within SCREEN_MARGIN of its magnitude of the exact value, cancellation included', () => {
    fc.assert(fc.property(decimalArb, decimalArb, fc.array(termArb, { maxLength: 4 }), decimalArb.map((q) => q.abs()), (c, d, terms, q) => {
      const f = new ConvexPL(c, d, terms);
      // compare exactly: the estimate ± its margin, as Decimals, against the exact value
      brackets(f.valueAt(q), f.estimate(approx(q), { value: 0, magnitude: 0 }));
    }), { numRuns: RUNS });
  });
});

// A market whose lot (1e-18) lets an order land a hair beyond a limit: only exact arithmetic sees it.
const FINE = 'FINE/USDT:USDT';
const fineBook = (positions: Parameters<typeof snapshot>[0]['positions'] = [], mark = '1') => snapshot({
  markets: [{ ...linear('FINE'), precision: { amount: '0.000000000000000001', price: 0.1 } }],
  positions,
  prices: { [FINE]: { mark } },
});

describe('limits at the last digit: the screen defers to exact arithmetic', () => {
  const over = '5000.000000000000000001';
  it.each([
    ['maxNetExposure', { maxNetExposure: { value: '5000' } }, 'NET_EXPOSURE'],
    ['maxGrossExposure', { maxGrossExposure: { value: '5000' } }, 'GROSS_EXPOSURE'],
    ['maxLeverage', { maxLeverage: '0.5' }, 'LEVERAGE'],
    ['maxAssetExposure', { maxAssetExposure: { FINE: '5000' } }, 'ASSET_EXPOSURE'],
    ['maxPositionNotional', { maxPositionNotional: { default: '5000' } }, 'POSITION_NOTIONAL'],
    ['maxOrderNotional', { maxOrderNotional: '5000' }, 'ORDER_NOTIONAL'],
  ])('%s: exactly at the limit passes, 1e-18 beyond is resized to it', async (_name, limits, code) => {
    const g = await guardOn(fineBook(), { limits });
    expect(g.preview(buy(FINE, '5000')).action).toBe('allow');
    const d = g.preview(buy(FINE, over));
    expect(d.action).toBe('resize');
    expect(d.approved).toBe('5000');
    expect(d.reasons[0]!.code).toBe(code);
  });

  it('a short a hair beyond the net limit, on top of a long, is resized too', async () => {
    // long 1234.5 then a sell of 6234.500000000000000001: net −5000.000000000000000001
    const g = await guardOn(fineBook([position(FINE, 'long', '1234.5')]), { limits: { maxNetExposure: { value: '5000' } } });
    const d = g.preview(sell(FINE, '6234.500000000000000001'));
    expect(d.action).toBe('resize');
    expect(d.approved).toBe('6234.5');
  });

  it('priceBandBps: a limit price exactly on the band passes, 1e-19 outside blocks', async () => {
    const g = await guardOn(fineBook(), { limits: { priceBandBps: '100' } });
    expect(g.preview(buy(FINE, '1', '1.01')).action).toBe('allow');
    expect(g.preview(sell(FINE, '1', '0.99')).action).toBe('allow');
    const d = g.preview(buy(FINE, '1', '1.0100000000000000001'));
    expect(d.action).toBe('block');
    expect(d.reasons[0]!.code).toBe('PRICE_BAND');
    expect(g.preview(sell(FINE, '1', '0.9899999999999999999')).action).toBe('block');
    // at mark 3, doubles put 3.03 − 3 just below 0.03: only the margin keeps them from passing 3.0300000000000000001
    const at3 = await guardOn(fineBook([], '3'), { limits: { priceBandBps: '100' } });
    expect(at3.preview(buy(FINE, '1', '3.03')).action).toBe('allow');
    expect(at3.preview(buy(FINE, '1', '3.0300000000000000001')).action).toBe('block');
  });
});

describe('the gross screen bounds the exact gross from above', () => {
  it('Projection.grossEstimate(q) brackets grossAt(q) for books with positions and pending orders either way', async () => {
    const { decide } = await import('../../src/guard/decide.js');
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ i: fc.integer({ min: 0, max: 2 }), side: fc.constantFrom('long' as const, 'short' as const), size: decimalArb.map((d) => d.abs().plus('0.001').toFixed()) }), { maxLength: 3 }),
      fc.array(fc.record({ i: fc.integer({ min: 0, max: 2 }), side: fc.constantFrom('buy' as const, 'sell' as const), size: fc.integer({ min: 1, max: 10 ** 6 }) }), { maxLength: 4 }),
      fc.integer({ min: 0, max: 2 }), fc.constantFrom('buy' as const, 'sell' as const),
      // any amount the guard accepts as plausible (below 1e15)
      fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 20n }), fc.integer({ min: 6, max: 18 })).map(([n, k]) => new Decimal(n.toString()).div(new Decimal(10).pow(k))),
      async (positions, orders, i, side, q) => {
        const syms = ['A/USDT:USDT', 'B/USDT:USDT', 'C/USDT:USDT'];
        const seen = new Set<number>();
        const snap = snapshot({
          markets: ['A', 'B', 'C'].map((b) => ({ ...linear(b), precision: { amount: '0.000000000000000001', price: 0.1 } })),
          positions: positions.filter((p) => !seen.has(p.i) && seen.add(p.i)).map((p) => position(syms[p.i]!, p.side, p.size)),
          openOrders: orders.map((o, k) => ({ id: `o${k}`, symbol: syms[o.i]!, side: o.side, type: 'limit', amount: String(o.size), remaining: String(o.size), filled: 0, price: '123.45', status: 'open' })),
          prices: { [syms[0]!]: { mark: '123.45' }, [syms[1]!]: { mark: '0.00071' }, [syms[2]!]: { mark: '98765.4321' } },
        });
        const book = new Book({ quoteCurrency: 'USDT', cashCurrencies: new Set(['USDT']), lostOrderGraceMs: 0, now: () => 0 });
        book.applyRead(normalizeSnapshot(snap), FIXED_READ);
        const ctx = { book, config: parseConfig({}), now: 0, tradingState: 'ACTIVE' as const, staleness: null, inconsistency: null };
        const ev = decide(ctx, [], { symbol: syms[i]!, side, type: 'market', amount: q.toFixed() }, 'x');
        const p = ev.projection!;
        brackets(p.grossAt(q), p.grossEstimate(approx(q), { value: 0, magnitude: 0 }));
      },
    ), { numRuns: Math.min(RUNS, 300) });
  });
});
