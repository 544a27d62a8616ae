/**
 * The benchmark harness in quick mode: every section runs and reports figures of the
 * right shape. No timing is asserted here (timings are `npm run bench`'s business);
 * the one hard number is the hot path's exchange requests, which must be zero.
 */
import { describe, expect, it } from 'vitest';
import { accounts, runBenchmarks, SYMBOLS } from '../../bench/benchmarks.js';

describe('benchmark harness', () => {
  it('builds the accounts it claims: holdings over 500 symbols, with open orders', () => {
    for (const [holdings, accts] of [[10, 1], [1000, 2], [10000, 20]] as const) {
      const a = accounts(holdings);
      expect(a).toHaveLength(accts);
      expect(a.reduce((n, s) => n + s.positions.length, 0)).toBe(holdings);
      expect(new Set(a.flatMap((s) => s.positions.map((p) => (p as { symbol: string }).symbol))).size).toBe(Math.min(holdings, SYMBOLS));
      expect(a.every((s) => s.openOrders.length > 0)).toBe(true);
      expect(new Set(a.map((s) => s.account)).size).toBe(accts);
    }
  });

  it('runs every section and reports finite figures; fresh checks make no exchange request', async () => {
    const r = await runBenchmarks({ quick: true });
    expect(r.latency.map((l) => `${l.holdings}:${l.op}`)).toEqual(['10:preview', '10:check', '1000:preview', '1000:check', '10000:preview', '10000:check']);
    for (const l of r.latency) {
      expect(Number.isFinite(l.p50us) && l.p50us > 0).toBe(true);
      expect(l.p99us).toBeGreaterThanOrEqual(l.p50us);
    }
    expect(r.wrap.rawP50us).toBeGreaterThan(0);
    expect(r.wrap.wrappedP50us).toBeGreaterThan(0);
    expect(Number.isFinite(r.wrap.ratio)).toBe(true);
    expect(r.refresh).toMatchObject({ positions: 1000 });
    expect(r.refresh.p50ms).toBeGreaterThan(0);
    expect(r.heap.holdings).toBe(10000);
    expect(r.requests.checks).toBe(200);
    expect(r.requests.requests).toBe(0);
    expect(r.targets).toHaveLength(5);
    expect(r.targets.find((t) => t.target.startsWith('exchange requests'))!.pass).toBe(true);
    expect(r.machine.node).toBe(process.version);
  }, 60_000);
});
