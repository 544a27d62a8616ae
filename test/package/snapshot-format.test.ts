/**
 * Issue 12, item 6: `risk-guard snapshot` writes `precisionMode` as the README's snapshot
 * format shows it, a name ("TICK_SIZE"), not ccxt's number (4); reading takes both. The CLI
 * end to end is in pack.test.ts (installed from the tarball) and test/adapters/cli.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { precisionModeOf } from '../../src/book/market.js';
import { precisionModeName } from '../../src/cli/commands/snapshot.js';

describe('precisionMode in a written snapshot', () => {
  it('ccxt\'s numbers become the names; a name stays; anything else is kept as it is', () => {
    expect(precisionModeName(4)).toBe('TICK_SIZE');
    expect(precisionModeName(2)).toBe('DECIMAL_PLACES');
    expect(precisionModeName(3)).toBe('SIGNIFICANT_DIGITS');
    expect(precisionModeName('TICK_SIZE')).toBe('TICK_SIZE');
    expect(precisionModeName(7)).toBe(7);
    expect(precisionModeName(undefined)).toBeUndefined();
  });

  it('reading a snapshot gives the same mode for the name and for ccxt\'s number', () => {
    for (const n of [2, 3, 4]) expect(precisionModeOf(precisionModeName(n))).toBe(precisionModeOf(n));
    expect(precisionModeOf('TICK_SIZE')).toBe(4);
  });
});
