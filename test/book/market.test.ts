import { describe, expect, it } from 'vitest';
import { floorToLot, lotStepAt, parseMarket } from '../../src/book/market.js';
import { Decimal } from '../../src/number.js';
import { BTC, buy, guardOn, linear, position, snapshot } from '../helpers/snapshots.js';

describe('rounding to the lot in ccxt precision modes', () => {
  it('TICK_SIZE: precision.amount is the step (also odd steps such as 0.5 or 0.005)', () => {
    const lot = { mode: 'tick' as const, step: new Decimal('0.005') };
    expect(floorToLot(new Decimal('0.0149'), lot).toString()).toBe('0.01');
    expect(floorToLot(new Decimal('0.015'), lot).toString()).toBe('0.015');
  });

  it('DECIMAL_PLACES: precision.amount counts decimals', async () => {
    const m = parseMarket({ ...linear('BTC'), precision: { amount: 3 } }, 2);
    expect(typeof m === 'object' && m.lot).toEqual({ mode: 'places', places: 3, step: new Decimal('0.001') });
    const snap = { ...snapshot({ markets: [{ ...linear('BTC'), precision: { amount: 2 } }], positions: [position(BTC, 'long', 0.1)], prices: { [BTC]: { mark: 50000 } } }), precisionMode: 'DECIMAL_PLACES' };
    const g = await guardOn(snap, { limits: { maxNetExposure: { value: 8020 } } });
    expect(g.preview(buy(BTC, 1)).approved).toBe('0.06'); // 0.0604 → 2 decimals
  });

  it('SIGNIFICANT_DIGITS: the step depends on the size', async () => {
    const lot = { mode: 'significant' as const, digits: 2 };
    expect(floorToLot(new Decimal('1234'), lot).toString()).toBe('1200');
    expect(floorToLot(new Decimal('0.0567'), lot).toString()).toBe('0.056');
    expect(lotStepAt(new Decimal('1200'), lot).toString()).toBe('100');
    const snap = { ...snapshot({ markets: [{ ...linear('BTC'), precision: { amount: 2 } }], prices: { [BTC]: { mark: 50000 } } }), precisionMode: 3 };
    const g = await guardOn(snap, { limits: { maxNetExposure: { value: 3100 } } });
    expect(g.preview(buy(BTC, 1)).approved).toBe('0.062'); // 0.062 exactly reaches 3100
    const h = await guardOn(snap, { limits: { maxNetExposure: { value: 3149 } } });
    expect(h.preview(buy(BTC, 1)).approved).toBe('0.062'); // 0.06298 → 2 significant digits
  });

  it('markets without a published precision round to 1e-8', async () => {
    const snap = snapshot({ markets: [{ ...linear('BTC'), precision: {} }], prices: { [BTC]: { mark: 30000 } } });
    const g = await guardOn(snap, { limits: { maxNetExposure: { value: 1000 } } });
    expect(g.preview(buy(BTC, 1)).approved).toBe('0.03333333');
  });
});
