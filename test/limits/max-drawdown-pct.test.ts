import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { DrawdownBreaker } from '../../src/limits/max-drawdown-pct.js';
import { Decimal } from '../../src/number.js';

const breaker = (value: number, action: 'REDUCING' | 'HALTED') => new DrawdownBreaker(parseConfig({ limits: { maxDrawdownPct: { value, action } } }).limits.maxDrawdownPct);
const D = (n: number) => new Decimal(n);

describe('the drawdown breaker', () => {
  it('measures from the session\'s peak, inclusive, and moves the state once', () => {
    const b = breaker(10, 'REDUCING');
    expect(b.observe(D(1000), 'ACTIVE')).toBeNull();
    expect(b.observe(D(1200), 'ACTIVE')).toBeNull(); // new peak
    expect(b.observe(D(1081), 'ACTIVE')).toBeNull(); // 9.9166…%
    expect(b.observe(D(1080), 'ACTIVE')).toEqual({ to: 'REDUCING', reason: 'drawdown 10% from peak equity 1200 reached maxDrawdownPct 10%' });
    // already there (or further): nothing to announce again
    expect(b.observe(D(900), 'REDUCING')).toBeNull();
    expect(b.observe(D(900), 'HALTED')).toBeNull();
  });

  it('escalates a milder state to its action', () => {
    const b = breaker(5, 'HALTED');
    b.observe(D(1000), 'ACTIVE');
    expect(b.observe(D(950), 'REDUCING')?.to).toBe('HALTED');
  });

  it('after the host trades again, drawdown is measured afresh from then', () => {
    const b = breaker(10, 'HALTED');
    b.observe(D(1000), 'ACTIVE');
    expect(b.observe(D(900), 'ACTIVE')?.to).toBe('HALTED');
    b.reset(D(900));
    expect(b.observe(D(850), 'ACTIVE')).toBeNull(); // 5.5% from 900, not 15% from 1000
    expect(b.observe(D(810), 'ACTIVE')?.reason).toBe('drawdown 10% from peak equity 900 reached maxDrawdownPct 10%');
  });

  it('no equity yet, or none configured: never moves', () => {
    const b = breaker(10, 'HALTED');
    expect(b.observe(D(0), 'ACTIVE')).toBeNull();
    expect(b.observe(D(-5), 'ACTIVE')).toBeNull();
    expect(new DrawdownBreaker(undefined).observe(D(1), 'ACTIVE')).toBeNull();
  });
});
