import { describe, expect, it } from 'vitest';
import { BTC, ETH, buy, guardOn, linear, linearBook, position, sell, snapshot } from '../helpers/snapshots.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';

// Linear book: 10000 USDT equity, BTC mark 50000, ETH mark 2500, no fees unless stated.
describe('maxNetExposure on a linear book', () => {
  const cfg = { limits: { maxNetExposure: { value: '8000' } } };

  it('allows an order that stays within the limit', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), cfg);
    const d = g.preview(buy(BTC, '0.05'));
    expect(d.action).toBe('allow');
    expect(d.approved).toBe('0.05');
    expect(d.reasons).toEqual([]);
    expect(d.after.net).toBe('7500'); // 5000 + 0.05·50000
  });

  it('is inclusive: exactly at the limit passes', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), cfg);
    const d = g.preview(buy(BTC, '0.06'));
    expect(d.action).toBe('allow');
    expect(d.after.net).toBe('8000');
  });

  it('resizes to the exact amount that reaches the limit (DESIGN example)', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), cfg);
    const d = g.preview(buy(BTC, '0.2', '50000'));
    expect(d).toMatchObject({
      action: 'resize', symbol: BTC, side: 'buy', requested: '0.2', approved: '0.06', dryRun: false,
      reasons: [{ code: 'NET_EXPOSURE', limit: 'maxNetExposure', scope: 'account', threshold: '8000', before: '5000', after: '8000', unclipped: '15000', message: 'net exposure would be 15000 USDT, limit 8000' }],
      before: { net: '5000', gross: '5000', leverage: '0.5', equity: '10000' },
      after: { net: '8000', gross: '8000', leverage: '0.8', equity: '10000' },
    });
    expect(Object.keys(d)).toEqual(['id', 'action', 'symbol', 'side', 'requested', 'approved', 'reasons', 'before', 'after', 'dryRun']);
    expect(Object.keys(d.reasons[0]!)).toEqual(['code', 'limit', 'scope', 'threshold', 'before', 'after', 'unclipped', 'message']);
  });

  it('rounds the resize down to the lot, and one more lot would breach', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), { limits: { maxNetExposure: { value: '8020' } } });
    // room = 3020 / 50000 = 0.0604 → 0.060 (0.061 would give 8050 > 8020)
    const d = g.preview(buy(BTC, 1));
    expect(d.approved).toBe('0.06');
    expect(d.after.net).toBe('8000');
  });

  it('blocks when the limit leaves no room', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.16)]), cfg);
    const d = g.preview(buy(BTC, '0.01'));
    expect(d.action).toBe('block');
    expect(d.approved).toBe('0');
    expect(d.reasons[0]).toMatchObject({ code: 'NET_EXPOSURE', before: '8000', after: '8000', unclipped: '8500' });
    expect(d.after).toEqual(d.before);
  });

  it('short side: |net| is capped', async () => {
    const g = await guardOn(linearBook([position(BTC, 'short', 0.1)]), cfg);
    const d = g.preview(sell(BTC, '0.1'));
    expect(d.approved).toBe('0.06'); // −5000 − 0.06·50000 = −8000
    expect(d.after.net).toBe('-8000');
  });

  it('already breached: increases are blocked, reductions pass', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.3)]), cfg); // net 15000 > 8000
    expect(g.preview(buy(BTC, '0.001')).action).toBe('block');
    const d = g.preview(sell(BTC, '0.1'));
    expect(d.action).toBe('allow');
    expect(d.after.net).toBe('10000');
  });

  it('already breached without the reducing exemption: no worse than before still passes', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.3)]), { ...cfg, alwaysAllowReducing: false });
    expect(g.preview(sell(BTC, '0.1')).action).toBe('allow');
    expect(g.preview(buy(BTC, '0.001')).action).toBe('block');
  });

  it('a flip: the reducing part is exempt, the new short is capped', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), cfg);
    // 5000 − 50000·q ≥ −8000 → q ≤ 0.26
    const d = g.preview(sell(BTC, '0.5'));
    expect(d.action).toBe('resize');
    expect(d.approved).toBe('0.26');
    expect(d.after.net).toBe('-8000');
  });

  it('a reducing order is exempt even when it worsens net', async () => {
    // long 0.1 BTC (5000), short 4 ETH (−10000): net −5000; selling BTC makes net −10000, beyond 8000
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1), position(ETH, 'short', 4)]), cfg);
    expect(g.preview(sell(BTC, '0.1')).action).toBe('allow');
    const strict = await guardOn(linearBook([position(BTC, 'long', 0.1), position(ETH, 'short', 4)]), { ...cfg, alwaysAllowReducing: false });
    // −5000 − 50000q ≥ −8000 → q ≤ 0.06
    expect(strict.preview(sell(BTC, '0.1')).approved).toBe('0.06');
  });

  it('pctOfEquity: the limit is a share of equity', async () => {
    const g = await guardOn(linearBook(), { limits: { maxNetExposure: { pctOfEquity: '50' } } });
    const d = g.preview(buy(BTC, '0.2'));
    expect(d.approved).toBe('0.1'); // 50% of 10000 = 5000 = 0.1 BTC
    expect(d.reasons[0]).toMatchObject({ threshold: '5000', message: 'net exposure would be 10000 USDT, limit 5000 (50% of equity)' });
  });

  it('a hedge in another asset leaves room', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1), position(ETH, 'short', 2)]), cfg); // net 0
    expect(g.preview(buy(BTC, '0.2')).approved).toBe('0.16');
  });
});

describe('maxGrossExposure', () => {
  const book = () => linearBook([position(BTC, 'long', 0.1), position(ETH, 'short', 2)]); // gross 10000
  const cfg = { limits: { maxGrossExposure: { value: 12000 } } };

  it('resizes an increase', async () => {
    const g = await guardOn(book(), cfg);
    const d = g.preview(buy(BTC, '0.1'));
    expect(d.approved).toBe('0.04'); // 10000 + 50000q ≤ 12000
    expect(d.reasons[0]).toMatchObject({ code: 'GROSS_EXPOSURE', before: '10000', after: '12000', unclipped: '15000' });
  });

  it('a flip: reducing 2 ETH is exempt, then at most 2.8 ETH long', async () => {
    const g = await guardOn(book(), cfg);
    // after the reduction gross is 5000; 5000 + 2500·(q − 2) ≤ 12000 → q ≤ 4.8
    expect(g.preview(buy(ETH, 5)).approved).toBe('4.8');
  });

  it('already breached: a flip passes while the new side is no larger than the old; then the opening part must fit', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.2), position(ETH, 'short', 2)]), cfg); // gross 15000
    // until the buy fills the short is still there (gross 15000); a long no larger than the 2 ETH short is no
    // worse, whatever fills: buying 4 ends at long 2, 5 would end at long 3 (7500 > 5000)
    expect(g.preview(buy(ETH, 4)).action).toBe('allow');
    expect(g.preview(buy(ETH, 5)).approved).toBe('4');
    // once the reduction has filled: 10000 + 2500·(q) ≤ 12000 → q ≤ 0.8
    const after = await guardOn(linearBook([position(BTC, 'long', 0.2)]), cfg);
    expect(after.preview(buy(ETH, 1)).approved).toBe('0.8');
    expect(g.preview(buy(BTC, '0.001')).action).toBe('block');
    expect(g.preview(sell(BTC, '0.05')).action).toBe('allow');
  });

  it('pctOfEquity', async () => {
    const g = await guardOn(linearBook(), { limits: { maxGrossExposure: { pctOfEquity: 100 } } });
    expect(g.preview(sell(ETH, 10)).approved).toBe('4'); // 2500·4 = 10000
  });
});

describe('maxLeverage', () => {
  it('caps gross / equity', async () => {
    const g = await guardOn(linearBook(), { limits: { maxLeverage: '2' } });
    const d = g.preview(buy(BTC, 1));
    expect(d.approved).toBe('0.4');
    expect(d.reasons[0]).toMatchObject({ code: 'LEVERAGE', threshold: '2', before: '0', after: '2', unclipped: '5', message: 'leverage would be 5x, limit 2x' });
    expect(g.preview(buy(BTC, '0.4')).action).toBe('allow'); // inclusive
  });

  it('counts the estimated fee against equity', async () => {
    const snap = snapshot({ markets: [linear('BTC', { taker: 0.0004, maker: 0.0002 })], prices: { [BTC]: { mark: 50000 } } });
    const g = await guardOn(snap, { limits: { maxLeverage: 2 } });
    // market order: equity = 10000 − 50000·0.0004·q; 50000q ≤ 2(10000 − 20q) → q ≤ 0.39968… → 0.399
    const d = g.preview(buy(BTC, 1));
    expect(d.approved).toBe('0.399');
    expect(d.after.equity).toBe('9992.02');
    // limit order: maker 0.0002 at 50000 → q ≤ 20000/50020 = 0.39984… → 0.399
    expect(g.preview(buy(BTC, 1, 50000)).approved).toBe('0.399');
  });

  it('blocks opening orders when equity is not positive, for every limit that is a share of equity', async () => {
    for (const limits of [{ maxLeverage: 2 }, { maxNetExposure: { pctOfEquity: 300 } }, { maxGrossExposure: { pctOfEquity: 300 } }]) {
      const g = await guardOn(linearBook([position(ETH, 'long', 1)], { balance: { USDT: { total: -100 } } }), { limits });
      const d = g.preview(buy(BTC, '0.01'));
      expect(d.action).toBe('block');
      expect(d.before.leverage).toBeNull();
      expect(g.preview(sell(ETH, 1)).action).toBe('allow'); // closing still passes
    }
  });
});

describe('past a closing order\'s room: the exposure is flat, the fee keeps growing', () => {
  // 1000 USDT; ETH long 1 at 2500 and BTC long 0.048 at 50000 (2400): gross 4900, leverage 4.9.
  // ETH market orders pay 0.1% (2.5 USDT per ETH) on the whole amount, the part beyond the position included.
  const book = () => snapshot({
    markets: [linear('BTC'), linear('ETH', { step: 0.01, taker: 0.001 })],
    positions: [position(ETH, 'long', 1), position(BTC, 'long', '0.048')],
    balance: { USDT: { total: 1000 } },
    prices: { [BTC]: { mark: 50000 }, [ETH]: { mark: 2500 } },
  });
  const fatFinger = sell(ETH, 500, undefined, { reduceOnly: true });

  // Until the sell fills the long is still there: worst-case gross stays 4900 at any amount.
  it('within the limit: the fee may take equity down to where the worst case just fits', async () => {
    // 4900 ≤ 50·(1000 − 2.5q) → q ≤ 360.8
    const g = await guardOn(book(), { limits: { maxLeverage: 50 } });
    expect(g.preview(fatFinger)).toMatchObject({ action: 'resize', approved: '360.8', reasons: [{ code: 'LEVERAGE', threshold: '50', after: '50' }] });
    expect(g.preview(sell(ETH, '360.8', undefined, { reduceOnly: true })).action).toBe('allow');
    expect(g.preview(sell(ETH, '360.81', undefined, { reduceOnly: true })).approved).toBe('360.8');
  });

  it('otherwise no worse per holding: what the close surely takes off gross pays for the fee', async () => {
    // 4900·2.5q ≤ 1000·2500 → q ≤ 204.0816…, whether the account is within its limit (5) or over it (2.5),
    // and whether the closing part is exempt or not: the exemption never makes the rule stricter
    for (const [maxLeverage, alwaysAllowReducing] of [[5, true], ['2.5', true], ['2.5', false]] as const) {
      const g = await guardOn(book(), { alwaysAllowReducing, limits: { maxLeverage } });
      expect(g.preview(fatFinger)).toMatchObject({ action: 'resize', approved: '204.08', after: { gross: '4900', equity: '489.8' } });
      expect(g.preview(sell(ETH, '204.09', undefined, { reduceOnly: true })).approved).toBe('204.08');
    }
  });

  it('a share-of-equity net limit: within it, or no worse as a ratio', async () => {
    // the sell's direction leaves net 2400. Within 500%: 2400 ≤ 5·(1000 − 2.5q) → 208;
    // over 300% (4900 > 3000): 2400·1000 ≤ 4900·(1000 − 2.5q) → 204.08
    const within = await guardOn(book(), { limits: { maxNetExposure: { pctOfEquity: 500 } } });
    expect(within.preview(fatFinger)).toMatchObject({ action: 'resize', approved: '208', reasons: [{ code: 'NET_EXPOSURE' }] });
    for (const alwaysAllowReducing of [true, false]) {
      const over = await guardOn(book(), { alwaysAllowReducing, limits: { maxNetExposure: { pctOfEquity: 300 } } });
      expect(over.preview(fatFinger)).toMatchObject({ action: 'resize', approved: '204.08', reasons: [{ code: 'NET_EXPOSURE' }] });
    }
  });

  it('an absolute limit does not care about the fee: the whole order passes', async () => {
    const g = await guardOn(book(), { limits: { maxNetExposure: { value: 3000 }, maxGrossExposure: { value: 3000 } } });
    expect(g.preview(fatFinger).action).toBe('allow');
  });

  it('without a fee the whole order passes every limit', async () => {
    const free = snapshot({ ...book(), markets: [linear('BTC'), linear('ETH', { step: 0.01 })] });
    const g = await guardOn(free, { limits: { maxLeverage: '2.5', maxNetExposure: { pctOfEquity: 300 } } });
    expect(g.preview(fatFinger).action).toBe('allow');
  });
});

describe('a decision keeps the numbers of the moment it was made', () => {
  it('before/after read later, after more reservations and a price move, are the ones decided on', async () => {
    let mark = 50000;
    const live = { name: 'acct', live: true, fetchSnapshot: async () => ({ ...linearBook([position(BTC, 'long', 0.1)]), prices: { [BTC]: { mark } }, timestamp: Date.now() }) };
    const g = await RiskGuard.create({ config: { limits: { maxNetExposure: { value: '8000' } } }, sources: [live] });
    const eager = g.preview(buy(BTC, '0.05'));
    const expected = JSON.parse(JSON.stringify({ before: eager.before, after: eager.after }));
    expect(expected.after).toEqual({ net: '7500', gross: '7500', leverage: '0.75', equity: '10000' });
    const d = await g.check(buy(BTC, '0.05'));
    const second = await g.check(buy(BTC, '0.01'));
    expect(second.before.net).toBe('7500'); // the first reservation counts
    mark = 60000;
    await g.refresh();
    expect(g.exposure().positions[BTC]).toBe('6000');
    expect({ before: d.before, after: d.after }).toEqual(expected);
    const json = JSON.parse(JSON.stringify(d));
    expect(Object.keys(json)).toEqual(['id', 'action', 'symbol', 'side', 'requested', 'approved', 'reasons', 'before', 'after', 'dryRun']);
    expect(json.after).toEqual(expected.after);
    expect({ ...d }.before).toEqual(expected.before);
  });
});
