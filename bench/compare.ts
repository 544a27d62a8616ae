/**
 * `npm run bench:compare -- <other checkout>`: this build against another one (built with
 * `npm run bench` there, so it has dist/), in one process, in alternating rounds, so both
 * meet the same machine at the same moments. On a shared machine separate `npm run bench`
 * runs drift by more than the differences worth knowing; interleaving cancels the drift.
 *
 * Measured the way `npm run bench` measures: preview and check p50 at 10, 1 000 and 10 000
 * holdings (check timed, its release not), wrapped createOrder on the stub transport,
 * and refresh() of a guard over 1 000 positions (normalize and apply the snapshot).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Side {
  name: string;
  accounts(holdings: number): unknown[];
  config: unknown;
  RiskGuard: { create(o: { config: unknown; sources: unknown[] }): Promise<Guard> };
  wrapPair(): Promise<{ wrapped: { createOrder(...a: unknown[]): Promise<unknown> }; guard: Guard }>;
}
interface Guard {
  preview(i: unknown): unknown;
  check(i: unknown): Promise<{ id: string }>;
  release(id: string): unknown;
  refresh(): Promise<void>;
  close(): Promise<void>;
}

async function load(name: string, root: string): Promise<Side> {
  const b = await import(pathToFileURL(resolve(root, 'dist/bench/benchmarks.js')).href);
  const g = await import(pathToFileURL(resolve(root, 'dist/src/guard/risk-guard.js')).href);
  return { name, accounts: b.accounts, config: b.BENCH_CONFIG, RiskGuard: g.RiskGuard, wrapPair: b.wrapPair };
}

/** One list of samples per round and side; a round's two sides ran back to back. */
type Rounds = Map<string, number[][]>;
/** The overall p50 of each side and the median over rounds of this/other (drift between rounds cancels). */
function summarize(metric: string, r: Rounds): { metric: string; other: number; this: number; ratio: number } {
  const mine = r.get('this')!.filter((x) => x.length);
  const theirs = r.get('other')!.filter((x) => x.length);
  const ratios = mine.map((m, i) => median(m) / median(theirs[i]!));
  return { metric, other: median(theirs.flat()), this: median(mine.flat()), ratio: median(ratios) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const now = () => Number(process.hrtime.bigint()) / 1000; // µs
const sym = (i: number) => `S${i}/USDT:USDT`;

async function main(): Promise<void> {
  const other = process.argv[2];
  if (!other) {
    console.error('usage: npm run bench:compare -- <path of another checkout, built with npm run bench>');
    process.exit(2);
  }
  const sides = [await load('this', process.cwd()), await load('other', other)];
  const rounds = 12;
  const per = 2000;
  const rows: Array<{ metric: string; other: number; this: number; ratio: number }> = [];
  const samples = (): Rounds => new Map(sides.map((s) => [s.name, Array.from({ length: rounds }, () => [] as number[])]));

  for (const holdings of [10, 1000, 10000]) {
    const guards = new Map<string, { guard: Guard; i: number }>();
    for (const s of sides) {
      const guard = await s.RiskGuard.create({ config: s.config, sources: s.accounts(holdings) });
      for (let i = 0; i < 50; i++) await guard.check({ symbol: sym((i * 7) % 500), side: i % 2 ? 'sell' : 'buy', type: 'limit', amount: '0.5', price: String(100 + ((i * 7) % 500)), account: 'acct0' });
      guards.set(s.name, { guard, i: 0 });
    }
    const next = (x: { i: number }) => {
      x.i = (x.i + 1) % 500;
      return { symbol: sym(x.i), side: x.i % 2 ? 'sell' : 'buy', type: x.i % 3 ? 'limit' : 'market', amount: '0.25', price: String(100 + x.i), account: 'acct0' };
    };
    const preview = samples();
    const check = samples();
    for (let r = 0; r < rounds; r++) {
      for (const s of r % 2 ? [...sides].reverse() : sides) {
        const x = guards.get(s.name)!;
        for (let n = 0; n < per; n++) {
          const intent = next(x);
          const t = now();
          x.guard.preview(intent);
          if (r > 1) preview.get(s.name)![r]!.push(now() - t);
        }
        for (let n = 0; n < per; n++) {
          const intent = next(x);
          const t = now();
          const d = await x.guard.check(intent);
          if (r > 1) check.get(s.name)![r]!.push(now() - t);
          x.guard.release(d.id);
        }
      }
    }
    for (const g of guards.values()) await g.guard.close();
    rows.push(summarize(`preview p50 µs, ${holdings} holdings`, preview));
    rows.push(summarize(`check p50 µs, ${holdings} holdings`, check));
  }

  const pairs = new Map(await Promise.all(sides.map(async (s) => [s.name, await s.wrapPair()] as const)));
  const wrapped = samples();
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 ? [...sides].reverse() : sides) {
      const p = pairs.get(s.name)!;
      for (let n = 0; n < 300; n++) {
        const t = now();
        await p.wrapped.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.001);
        if (r > 1) wrapped.get(s.name)![r]!.push(now() - t);
      }
    }
  }
  for (const p of pairs.values()) await p.guard.close();
  rows.push(summarize('wrapped createOrder p50 µs', wrapped));

  const refresh = samples();
  const refreshing = new Map<string, Guard>();
  for (const s of sides) refreshing.set(s.name, await s.RiskGuard.create({ config: s.config, sources: s.accounts(1000) }));
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 ? [...sides].reverse() : sides) {
      const g = refreshing.get(s.name)!;
      for (let n = 0; n < 10; n++) {
        const t = now();
        await g.refresh();
        if (r > 1) refresh.get(s.name)![r]!.push((now() - t) / 1000);
      }
    }
  }
  for (const g of refreshing.values()) await g.close();
  rows.push(summarize('refresh 1 000 positions p50 ms', refresh));

  console.log(`this build (${process.cwd()}) against ${resolve(other)}, ${rounds} alternating rounds\n`);
  // change: the median over rounds of this/other, each round's two sides measured back to back
  console.table(rows.map((r) => ({ metric: r.metric, other: r.other.toFixed(2), this: r.this.toFixed(2), change: `${((r.ratio - 1) * 100).toFixed(1)}%` })));
}

await main();
