import { describe, expect, it } from 'vitest';
import { ConfigError, RiskGuard, RiskGuardError, SnapshotError } from '../../src/index.js';
import type { Decision } from '../../src/index.js';
import { BTC, buy, guardOn, linearBook, position, sell } from '../helpers/snapshots.js';

const cfg = { limits: { maxNetExposure: { value: 8000 }, orderRate: { max: 100, perMs: 1000 } } };

describe('bad orders block and never throw or change state', () => {
  const bad: Array<[string, unknown, string]> = [
    ['negative amount', buy(BTC, -1), 'INVALID_ORDER'],
    ['zero amount', buy(BTC, 0), 'INVALID_ORDER'],
    ['NaN amount', buy(BTC, Number.NaN), 'INVALID_ORDER'],
    ['Infinity amount', buy(BTC, Number.POSITIVE_INFINITY), 'INVALID_ORDER'],
    ['word as amount', buy(BTC, 'lots'), 'INVALID_ORDER'],
    ['huge amount', buy(BTC, '1e30'), 'INVALID_ORDER'],
    ['object amount', { ...buy(BTC, 1), amount: { n: 1 } }, 'INVALID_ORDER'],
    ['limit without price', { symbol: BTC, side: 'buy', type: 'limit', amount: 1 }, 'INVALID_ORDER'],
    ['negative price', buy(BTC, 1, -5), 'INVALID_ORDER'],
    ['bad side', { symbol: BTC, side: 'hold', type: 'market', amount: 1 }, 'INVALID_ORDER'],
    ['no symbol', { side: 'buy', type: 'market', amount: 1 }, 'INVALID_ORDER'],
    ['null', null, 'INVALID_ORDER'],
    ['string', 'buy 1 BTC', 'INVALID_ORDER'],
    ['array', [1, 2], 'INVALID_ORDER'],
    ['params not an object', { ...buy(BTC, 1), params: 'x' }, 'INVALID_ORDER'],
    ['bad position side', { ...buy(BTC, 1), params: { positionSide: 'UP' } }, 'INVALID_ORDER'],
    ['unknown symbol', buy('DOGE/USDT:USDT', 1), 'UNKNOWN_SYMBOL'],
    ['unknown account', { ...buy(BTC, 1), account: 'nope' }, 'UNKNOWN_SYMBOL'],
  ];
  it.each(bad)('%s', async (_name, order, code) => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), cfg);
    const before = JSON.stringify(g.exposure());
    const d = await g.check(order);
    expect(d.action).toBe('block');
    expect(d.approved).toBe('0');
    expect(d.reasons[0]!.code).toBe(code);
    expect(d.reasons[0]!.message.length).toBeGreaterThan(10);
    expect(g.preview(order).action).toBe('block');
    expect(g.exposure().pending).toEqual([]);
    expect(JSON.stringify(g.exposure())).toBe(before);
    // the rate window only counts approvals
    expect((await g.check(buy(BTC, '0.01'))).action).toBe('allow');
  });

  it('amounts above the market maximum are invalid', async () => {
    const g = await guardOn(linearBook([], { markets: [{ ...linearBook().markets[0]!, limits: { amount: { min: 0.001, max: 100 } } }] }), {});
    expect(g.preview(buy(BTC, 101)).reasons[0]).toMatchObject({ code: 'INVALID_ORDER', message: expect.stringMatching(/maximum order amount 100/) });
  });
});

describe('preview has no side effects; check reserves and emits', () => {
  it('preview reserves nothing and emits nothing', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), cfg);
    const seen: string[] = [];
    g.on('decision', () => seen.push('decision'));
    g.preview(buy(BTC, '0.06'));
    g.preview(buy(BTC, '0.06'));
    expect(g.exposure().pending).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('check emits decision, resized and blocked', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), cfg);
    const seen: string[] = [];
    g.on('decision', (d: Decision) => seen.push(`decision:${d.action}`));
    g.on('resized', (d: Decision) => seen.push(`resized:${d.approved}`));
    g.on('blocked', (d: Decision) => seen.push(`blocked:${d.reasons[0]!.code}`));
    await g.check(buy(BTC, '0.01'));
    await g.check(buy(BTC, '1'));
    await g.check(buy(BTC, '1'));
    expect(seen).toEqual(['decision:allow', 'decision:resize', 'resized:0.05', 'decision:block', 'blocked:NET_EXPOSURE']);
  });

  it('decision ids are unique within and across guards and fit every exchange\'s client order id (32 alphanumerics)', async () => {
    const a = await guardOn(linearBook(), {});
    const b = await guardOn(linearBook(), {});
    const ids = new Set<string>();
    for (let i = 0; i < 500; i++) {
      for (const g of [a, b]) {
        const id = g.preview(buy(BTC, '0.001')).id;
        expect(id).toMatch(/^[a-z0-9]{1,32}$/);
        ids.add(id);
      }
    }
    expect(ids.size).toBe(1000);
  });

  it('numbers and strings give identical decisions', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), cfg);
    const strip = (d: Decision) => ({ ...d, id: '' });
    expect(strip(g.preview(buy(BTC, 0.2, 50000)))).toEqual(strip(g.preview(buy(BTC, '0.2', '50000'))));
  });

  it('exposure() reports the account and each limit', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), { limits: { maxNetExposure: { value: 8000 }, maxGrossExposure: { pctOfEquity: 200 }, maxLeverage: 2, maxAssetExposure: { BTC: 10000 }, maxPositionNotional: { default: 20000 } } });
    const d = await g.check(buy(BTC, '0.02'));
    expect(g.exposure()).toEqual({
      asOf: new Date(1_700_000_000_000).toISOString(),
      equity: '10000', net: '5000', gross: '5000', leverage: '0.5',
      assets: { BTC: '5000' },
      positions: { [BTC]: '5000' },
      limits: [
        { limit: 'maxNetExposure', threshold: '8000', value: '6000', utilisation: '0.75' },
        { limit: 'maxGrossExposure', threshold: '20000', value: '6000', utilisation: '0.3' },
        { limit: 'maxLeverage', threshold: '2', value: '0.6', utilisation: '0.3' },
        { limit: 'maxAssetExposure', subject: 'BTC', threshold: '10000', value: '6000', utilisation: '0.6' },
        { limit: 'maxPositionNotional', subject: BTC, threshold: '20000', value: '6000', utilisation: '0.3' },
      ],
      holdings: [{ account: 'test', instrument: BTC, side: 'net', asset: 'BTC', units: '0.1', notional: '5000' }],
      unpriced: [],
      // what holds room: the approved order, not sent yet
      pending: [{ account: 'test', symbol: BTC, side: 'buy', remaining: '0.02', price: null, stage: 'reserved', clientOrderId: d.id, exchangeOrderId: null, since: new Date(1_700_000_000_000).toISOString(), origin: 'guard' }],
      inconsistencies: [],
      warnings: [],
    });
  });

  it('the drawdown breaker moves the guard to its configured state', async () => {
    let equity = 10000;
    const src = { name: 'acct', live: true, fetchSnapshot: async () => ({ ...linearBook([position(BTC, 'long', 0.1)]), balance: { USDT: { total: equity } }, timestamp: Date.now() }) };
    const g = await RiskGuard.create({ config: { limits: { maxDrawdownPct: { value: 5, action: 'HALTED' } } }, sources: [src] });
    const changes: string[] = [];
    g.on('stateChange', (e) => changes.push(`${e.to}: ${e.reason}`));
    equity = 9600;
    await g.refresh();
    expect(g.tradingState).toBe('ACTIVE');
    equity = 9500;
    await g.refresh();
    expect(g.tradingState).toBe('HALTED');
    expect(changes).toEqual(['HALTED: drawdown 5% from peak equity 10000 reached maxDrawdownPct 5%']);
    expect(g.preview(sell(BTC, '0.1')).reasons[0]!.code).toBe('TRADING_STATE');
    g.setTradingState('ACTIVE', 'reviewed');
    expect(g.preview(buy(BTC, '0.01')).action).toBe('allow');
    await g.close();
  });
});

describe('configuration errors', () => {
  it('lists every problem at once, with paths', async () => {
    const err = await RiskGuard.create({
      // a config read from JSON: typed unknown, checked at run time (a typed literal with these typos would not compile)
      config: { mode: 'yolo', limits: { maxNetExposure: { value: 'ten' }, maxLeverag: 2, maxOpenOrders: { perSymbol: 0 }, symbols: { allow: ['A'], deny: ['A'] } } } as unknown,
      sources: [linearBook()],
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^mode: /),
      expect.stringMatching(/^limits\.maxNetExposure\.value: /),
      expect.stringMatching(/^limits: Unrecognized key: "maxLeverag"/),
      expect.stringMatching(/^limits\.maxOpenOrders\.perSymbol: /),
    ]));
  });
  it('catches semantic problems after the schema', async () => {
    const err = await RiskGuard.create({ config: { limits: { symbols: { allow: ['A'], deny: ['A'] } } }, sources: [linearBook()] }).catch((e) => e);
    expect(err.message).toMatch(/A is both allowed and denied/);
  });
  it('every problem of a config is listed in one pass: a schema error does not hide the range and overlap checks', async () => {
    const err = await RiskGuard.create({
      config: { limits: { maxLeverage: 'two', maxDrawdownPct: { value: 150 }, symbols: { allow: ['A'], deny: ['A'] } } },
      sources: [linearBook()],
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toEqual([
      'limits.maxLeverage: must be a non-negative decimal such as "8000" or "0.5"',
      'limits.maxDrawdownPct.value: must be at most 100',
      'limits.symbols: A is both allowed and denied',
    ]);
  });
  it('a malformed snapshot is a SnapshotError naming each problem', async () => {
    const snap = linearBook([{ symbol: BTC, contracts: 1 }, { symbol: 'X/USDT:USDT', side: 'long', contracts: 1 }]);
    const err = await RiskGuard.create({ config: {}, sources: [snap] }).catch((e) => e);
    expect(err).toBeInstanceOf(RiskGuardError);
    expect(err).toBeInstanceOf(SnapshotError);
    expect(err.message).toMatch(/side must be long or short/);
    expect(err.message).toMatch(/no market for symbol X\/USDT:USDT/);
  });
  it('needs a source', async () => {
    await expect(RiskGuard.create({ config: {}, sources: [] })).rejects.toThrow(/at least one source/);
  });
});
