/**
 * A snapshot that contradicts itself is refused whole, with a SnapshotError naming the
 * field: a guard that picked one reading of contradictory data would be guessing. Each
 * contradiction seen accepted before, then the same over generated accounts (any valid
 * world with one contradiction put in somewhere).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SnapshotError } from '../../src/errors.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { normalizeSnapshot, type AccountSnapshot } from '../../src/snapshot/normalize.js';
import { worldArb } from '../helpers/worlds.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 300);
const T0 = 1_700_000_000_000;
const BTC = {
  id: 'BTCUSDT', symbol: 'BTC/USDT:USDT', base: 'BTC', quote: 'USDT', settle: 'USDT', type: 'swap', spot: false, swap: true, contract: true,
  linear: true, inverse: false, contractSize: 1, precision: { amount: 0.001, price: 0.1 }, limits: { amount: { min: 0.001 } }, taker: 0, maker: 0,
};

function account(over: Record<string, unknown> = {}): AccountSnapshot {
  return {
    exchange: 'binanceusdm', account: 'main', timestamp: T0, markets: [BTC],
    positions: [{ symbol: 'BTC/USDT:USDT', side: 'long', contracts: '0.5' }],
    balance: { USDT: { total: '10000' } }, openOrders: [], prices: { 'BTC/USDT:USDT': { mark: '60000' } },
    ...over,
  } as unknown as AccountSnapshot;
}

function refusal(snap: unknown): SnapshotError {
  try {
    normalizeSnapshot(snap as AccountSnapshot, 'main');
  } catch (e) {
    expect(e).toBeInstanceOf(SnapshotError);
    return e as SnapshotError;
  }
  throw new Error('the snapshot was accepted');
}

describe('contradictory snapshots are refused whole, naming the field', () => {
  it('the honest account is accepted', () => {
    expect(normalizeSnapshot(account(), 'main').positions).toHaveLength(1);
  });

  it('a long with negative contracts (a short may carry its sign)', () => {
    expect(refusal(account({ positions: [{ symbol: 'BTC/USDT:USDT', side: 'long', contracts: '-0.5' }] })).message)
      .toContain('positions[0] (BTC/USDT:USDT): side long contradicts negative contracts -0.5');
    expect(normalizeSnapshot(account({ positions: [{ symbol: 'BTC/USDT:USDT', side: 'short', contracts: '-0.5' }] }), 'main').positions[0]!.contracts.toFixed()).toBe('0.5');
  });

  it('a long and a short row of one one-way symbol (they would cancel and the position disappear)', () => {
    const err = refusal(account({ positions: [{ symbol: 'BTC/USDT:USDT', side: 'long', contracts: '0.5' }, { symbol: 'BTC/USDT:USDT', side: 'short', contracts: '0.5' }] }));
    expect(err.message).toContain('positions[1] (BTC/USDT:USDT): a short row beside a long row of a one-way position');
    // hedge mode says so, and its two rows stand
    const hedged = account({ positions: [
      { symbol: 'BTC/USDT:USDT', side: 'long', contracts: '0.5', info: { positionSide: 'LONG' } },
      { symbol: 'BTC/USDT:USDT', side: 'short', contracts: '0.5', info: { positionSide: 'SHORT' } },
    ] });
    expect(normalizeSnapshot(hedged, 'main').positions.map((p) => p.positionSide)).toEqual(['long', 'short']);
  });

  it('one position listed twice, or a one-way row beside hedge rows', () => {
    expect(refusal(account({ positions: [{ symbol: 'BTC/USDT:USDT', side: 'long', contracts: '0.5' }, { symbol: 'BTC/USDT:USDT', side: 'long', contracts: '0.2' }] })).message)
      .toContain('positions[1] (BTC/USDT:USDT): the one-way position is listed twice');
    expect(refusal(account({ positions: [
      { symbol: 'BTC/USDT:USDT', side: 'long', contracts: '0.5', info: { positionSide: 'LONG' } },
      { symbol: 'BTC/USDT:USDT', side: 'long', contracts: '0.5' },
    ] })).message).toContain('positions[1] (BTC/USDT:USDT): the one-way position is listed twice');
  });

  it('one symbol listed twice with different contract sizes (exposure ×10); an identical repeat is harmless', () => {
    expect(refusal(account({ markets: [BTC, { ...BTC, contractSize: 10 }] })).message).toContain('markets: BTC/USDT:USDT is listed twice with different contract sizes (1 and 10)');
    expect(refusal(account({ markets: [BTC, { ...BTC, linear: false, inverse: true }] })).message).toContain('markets: BTC/USDT:USDT is listed twice with different kinds');
    expect(normalizeSnapshot(account({ markets: [BTC, { ...BTC }] }), 'main').markets.size).toBe(1);
  });

  it('balance: [] and prices: []', () => {
    expect(refusal(account({ balance: [] })).message).toContain('balance must be a ccxt Balance object');
    expect(refusal(account({ prices: [] })).message).toContain('prices must be an object keyed by symbol, not an array');
  });

  it('a timestamp that is not a date (1e300 made exposure() throw RangeError)', () => {
    for (const t of [1e300, -1, 8.64e15 + 1]) expect(refusal(account({ timestamp: t })).message).toContain(`timestamp ${t} is not a date`);
    expect(normalizeSnapshot(account({ timestamp: 8.64e15 }), 'main').timestamp).toBe(8.64e15);
  });

  it('a null, undefined or array source is a SnapshotError at create(), not a TypeError', async () => {
    for (const bad of [null, undefined, [], 42]) {
      const err = await RiskGuard.create({ config: {}, sources: [bad as unknown as AccountSnapshot] }).catch((e) => e);
      expect(err).toBeInstanceOf(SnapshotError);
      expect(err.message).toContain('sources[0]');
      expect(err.message).toContain('is neither an AccountSnapshot nor a CcxtAdapter');
    }
    expect(refusal(null).message).toContain('not an object');
  });

  it('a live read stamped in the future (it would stay fresh for ever) leaves the source stale', async () => {
    let snap = account();
    const src = { name: 'main', live: true, async fetchSnapshot() { return snap; } };
    const guard = await RiskGuard.create({ config: { freshness: { maxAgeMs: 5000 } }, sources: [src], clock: () => T0 });
    snap = account({ timestamp: T0 + 60_000 });
    const errors: string[] = [];
    guard.on('error', (e) => errors.push(e.message));
    await guard.refresh();
    expect(errors[0]).toContain('is ahead of the guard\'s clock by more than freshness.maxAgeMs');
    const d = await guard.check({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.1' });
    expect([d.action, d.reasons[0]!.code]).toEqual(['block', 'STALE_DATA']);
    await guard.close();
  });
});

/** One contradiction put into a valid snapshot, and the words its refusal must contain. */
type Contradiction = (s: Record<string, any>, pick: number) => string | null;

const contradictions: Record<string, Contradiction> = {
  'long with negative contracts': (s, pick) => {
    const longs = s['positions'].filter((p: any) => p.side === 'long');
    if (!longs.length) return null;
    const p = longs[pick % longs.length];
    p.contracts = `-${String(p.contracts).replace(/^-/, '')}`;
    return 'side long contradicts negative contracts';
  },
  'opposite one-way rows': (s, pick) => {
    const rows = s['positions'].filter((p: any) => !p.info?.positionSide && p.hedged !== true);
    if (!rows.length) return null;
    const p = rows[pick % rows.length];
    s['positions'].push({ ...p, side: p.side === 'long' ? 'short' : 'long' });
    return 'row of a one-way position';
  },
  'a position twice': (s, pick) => {
    if (!s['positions'].length) return null;
    s['positions'].push({ ...s['positions'][pick % s['positions'].length] });
    return 'is listed twice';
  },
  'a market twice, another contract size': (s, pick) => {
    const contracts = s['markets'].filter((m: any) => m.contract);
    if (!contracts.length) return null;
    const m = contracts[pick % contracts.length];
    s['markets'].push({ ...m, contractSize: Number(m.contractSize) * 10 });
    return `${m.symbol} is listed twice with different contract sizes`;
  },
  'balance array': (s) => { s['balance'] = []; return 'balance must be a ccxt Balance object'; },
  'prices array': (s) => { s['prices'] = []; return 'prices must be an object keyed by symbol'; },
  'timestamp not a date': (s, pick) => { s['timestamp'] = [1e300, -5, 9e15, Number.MAX_VALUE][pick % 4]; return 'is not a date'; },
};

describe('generated accounts with one contradiction put in', () => {
  it('are refused with a SnapshotError naming it; without it they are accepted', () => {
    fc.assert(fc.property(worldArb, fc.constantFrom(...Object.keys(contradictions)), fc.nat(), (w, name, pick) => {
      const honest = JSON.parse(JSON.stringify(w.snapshot));
      expect(() => normalizeSnapshot(honest, 'main')).not.toThrow();
      const broken = JSON.parse(JSON.stringify(w.snapshot));
      const expected = contradictions[name]!(broken, pick);
      fc.pre(expected !== null);
      expect(refusal(broken).message).toContain(expected!);
    }), { numRuns: RUNS });
  });
});
