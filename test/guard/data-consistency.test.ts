/**
 * Self-verification reaches the decisions: a read whose figures the exchange's own
 * contradict blocks opening orders with DATA_MISMATCH (reducing ones pass), says which
 * holding, both numbers and the exchange's field, fires `inconsistent` and shows in
 * exposure() and the report, until a read agrees again. An exchange without a verified
 * module is refused unless accepted, and when accepted opens nothing it cannot confirm.
 */
import { describe, expect, it } from 'vitest';
import { RiskGuard, type ConsistentEvent, type InconsistentEvent } from '../../src/guard/risk-guard.js';
import type { AccountSource } from '../../src/guard/sources.js';
import { UnverifiedExchangeError } from '../../src/errors.js';
import { formatReport } from '../../src/cli/commands/report.js';
import type { AccountSnapshot } from '../../src/snapshot/normalize.js';

const T0 = 1_700_000_000_000;
const BTC = {
  id: 'BTCUSDT', symbol: 'BTC/USDT:USDT', base: 'BTC', quote: 'USDT', settle: 'USDT', type: 'swap', spot: false, swap: true, contract: true,
  linear: true, inverse: false, contractSize: 1, precision: { amount: 0.001, price: 0.1 }, limits: { amount: { min: 0.001 } }, taker: 0, maker: 0,
};

/** An account long 0.5 BTC at 60000 (30000), with 100000 USDT; `positionValue` and `equity` are what the exchange states. */
function snapshot(positionValue: string, equity = '100000'): AccountSnapshot {
  return {
    exchange: 'binanceusdm', account: 'main', timestamp: T0, markets: [BTC],
    positions: [{ symbol: 'BTC/USDT:USDT', side: 'long', contracts: '0.5', stated: { notional: { value: positionValue, field: 'notional', currency: 'USDT' } } }],
    balance: { USDT: { total: '100000', stated: { equity: { value: equity, field: 'marginBalance' } } } },
    openOrders: [], prices: { 'BTC/USDT:USDT': { mark: '60000' } },
  } as unknown as AccountSnapshot;
}

/** A source whose next read answers whatever the test put in `snap`. */
function source(snap: AccountSnapshot, unverified = false): AccountSource & { snap: AccountSnapshot } {
  return {
    name: 'main', live: false, snap,
    ...(unverified ? { unverified: { exchange: 'someexchange', verifiedExchanges: ['binanceusdm', 'bybit'] } } : {}),
    async fetchSnapshot() { return this.snap; },
  };
}

const config = { limits: { maxNetExposure: { value: '100000' } } };

describe('DATA_MISMATCH: the exchange\'s own figures against the guard\'s', () => {
  it('blocks opening orders, lets reducing ones through, names the holding, both numbers and the field, and clears on a read that agrees', async () => {
    const src = source(snapshot('300000')); // the exchange says 300000: ten times 0.5 × 60000
    const guard = await RiskGuard.create({ config, sources: [src] });
    const events: Array<InconsistentEvent | ConsistentEvent> = [];
    guard.on('inconsistent', (e) => events.push(e));
    guard.on('consistent', (e) => events.push(e));

    const opening = await guard.check({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.1' });
    expect(opening.action).toBe('block');
    expect(opening.reasons[0]).toMatchObject({ code: 'DATA_MISMATCH', limit: 'dataConsistency', scope: 'guard' });
    expect(opening.reasons[0]!.message).toBe(
      'BTC/USDT:USDT long on main: the exchange states notional 300000 (notional), the guard computes 30000 from contracts 0.5 × contract size 1 × mark 60000 USDT; '
      + 'they differ by more than 0.001 of the larger; only reducing orders pass until a read agrees');
    // a sell of 0.8 reduces 0.5 and opens 0.3: resized to the reducing part
    const through = await guard.check({ symbol: 'BTC/USDT:USDT', side: 'sell', type: 'market', amount: '0.8' });
    expect([through.action, through.approved, through.reasons[0]!.code]).toEqual(['resize', '0.5', 'DATA_MISMATCH']);
    guard.release(through.id);

    const report = guard.exposure();
    expect(report.inconsistencies).toEqual([{
      source: 'main', subject: 'BTC/USDT:USDT long on main', figure: 'notional', field: 'notional', stated: '300000', computed: '30000',
      basis: 'contracts 0.5 × contract size 1 × mark 60000 USDT', tolerance: '0.001',
    }]);
    expect(report.warnings).toEqual([]);
    const text = formatReport(report, 'USDT');
    expect(text).toContain('opening orders block with DATA_MISMATCH');
    expect(text).toMatch(/BTC\/USDT:USDT long on main +notional +notional +300000 +30000 +contracts 0.5/);

    // the same disagreement again: no new event; an equity that disagrees too (a margin balance of 95000 against the 100000 counted): a new event with both
    src.snap = snapshot('300000');
    await guard.refresh();
    expect(events).toEqual([]);
    src.snap = snapshot('300000', '95000');
    await guard.refresh();
    expect(events).toHaveLength(1);
    expect((events[0] as InconsistentEvent).mismatches.map((m) => [m.subject, m.figure, m.stated, m.computed])).toEqual([
      ['BTC/USDT:USDT long on main', 'notional', '300000', '30000'],
      ['USDT balance on main', 'equity', '95000', '100000'],
    ]);
    // a read that agrees: consistent, and opening passes again
    src.snap = snapshot('30000');
    await guard.refresh();
    expect(events[1]).toMatchObject({ source: 'main' });
    expect('mismatches' in events[1]!).toBe(false);
    expect(guard.exposure().inconsistencies).toEqual([]);
    expect((await guard.check({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.1' })).action).toBe('allow');
    await guard.close();
  });

  it('in dry run the order goes out and the reason is still reported', async () => {
    const guard = await RiskGuard.create({ config: { ...config, mode: 'dryRun' }, sources: [source(snapshot('300000'))] });
    const d = await guard.check({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.1' });
    expect([d.action, d.dryRun, d.reasons[0]!.code]).toEqual(['block', true, 'DATA_MISMATCH']);
    await guard.close();
  });
});

describe('an exchange without a verified module', () => {
  it('is refused at create(), with the verified list and the option that accepts it', async () => {
    const err = await RiskGuard.create({ config, sources: [source(snapshot('30000'), true)] }).catch((e) => e);
    expect(err).toBeInstanceOf(UnverifiedExchangeError);
    expect(err.message).toContain("no verified module for the ccxt exchange 'someexchange'");
    expect(err.message).toContain('Verified: binanceusdm, bybit');
    expect(err.message).toContain('allowUnverifiedExchange: true');
  });

  it('accepted, it opens only on positions whose value the exchange states and confirms, and warns in exposure()', async () => {
    const unconfirmed = snapshot('30000');
    delete (unconfirmed.positions[0] as Record<string, unknown>)['stated'];
    const src = source(unconfirmed, true);
    const guard = await RiskGuard.create({ config: { ...config, allowUnverifiedExchange: true }, sources: [src] });
    const r = guard.exposure();
    expect(r.warnings).toEqual([expect.stringContaining("main: the ccxt exchange 'someexchange' has no verified module")]);
    expect(r.inconsistencies.map((m) => [m.subject, m.figure, m.stated, m.computed])).toEqual([['BTC/USDT:USDT long on main', 'unverifiable', 'none', '0.5 contracts']]);
    const d = await guard.check({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.1' });
    expect([d.action, d.reasons[0]!.code]).toEqual(['block', 'DATA_MISMATCH']);
    expect(d.reasons[0]!.message).toContain('states no value for the position, so its unit cannot be confirmed');
    // the exchange states a value that agrees: opening passes, the warning stays
    src.snap = snapshot('30000');
    await guard.refresh();
    expect((await guard.check({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.1' })).action).toBe('allow');
    expect(guard.exposure().warnings).toHaveLength(1);
    await guard.close();
  });

  it('a verified source beside it is not held to the mandatory check', async () => {
    const verified = snapshot('30000');
    delete (verified.positions[0] as Record<string, unknown>)['stated'];
    const guard = await RiskGuard.create({ config, sources: [source(verified)] });
    expect(guard.exposure().inconsistencies).toEqual([]);
    expect((await guard.check({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.1' })).action).toBe('allow');
    await guard.close();
  });
});
