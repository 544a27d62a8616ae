import { describe, expect, it } from 'vitest';
import { BTC, ETH, buy, guardOn, linearBook, openOrder, position, sell } from '../helpers/snapshots.js';

const net8000 = { limits: { maxNetExposure: { value: 8000 } } };

describe('pending orders count as if they fill, worst case per direction', () => {
  it('an approved order is reserved and seen by the next one; release gives the room back', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), net8000);
    const first = await g.check(buy(BTC, '0.06'));
    expect(first.action).toBe('allow');
    const second = await g.check(buy(BTC, '0.01'));
    expect(second).toMatchObject({ action: 'block', reasons: [{ code: 'NET_EXPOSURE', before: '8000' }] });
    expect(g.release(first.id)).toBe(true);
    expect(g.release(first.id)).toBe(false);
    expect(g.release(second.id)).toBe(false); // a block reserves nothing
    expect((await g.check(buy(BTC, '0.01'))).action).toBe('allow');
  });

  it('a resized order reserves only the approved amount', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), net8000);
    const d = await g.check(buy(BTC, '0.2'));
    expect(d.approved).toBe('0.06');
    expect(g.exposure().pending.find((o) => o.clientOrderId === d.id)!.remaining).toBe('0.06');
  });

  it('open orders on the exchange count in their direction', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)], { openOrders: [openOrder(BTC, 'buy', '0.06', 45000)] }), net8000);
    expect(g.preview(buy(BTC, '0.01')).before.net).toBe('8000'); // 5000 + 0.06·50000 (valued at mark)
    expect(g.preview(buy(BTC, '0.01')).action).toBe('block');
    // the buy does not fill in the sell scenario: a sell sees the position alone
    expect(g.preview(sell(BTC, '0.1')).before.net).toBe('5000');
    expect(g.exposure().limits[0]).toMatchObject({ limit: 'maxNetExposure', value: '8000', utilisation: '1' });
  });

  it('reduce-only open orders never add exposure: they fill toward zero in their direction, and claim the reducing capacity', async () => {
    // a take-profit for more than the position: as a plain sell it would leave −0.4 BTC; reduce-only it stops at 0
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)], { openOrders: [openOrder(BTC, 'sell', '0.5', 60000, { reduceOnly: true })] }), net8000);
    const d = g.preview(sell(BTC, '0.1'));
    expect(d.before.net).toBe('0'); // worst case for sells: the take-profit filled
    expect(d.action).toBe('allow'); // 0 − 5000
    expect(g.preview(sell(BTC, '0.3')).approved).toBe('0.16'); // no reducing capacity left: −50000q ≥ −8000
    expect(g.preview(buy(BTC, '0.06')).action).toBe('allow'); // the buy scenario does not fill the sell
    expect(g.exposure().limits[0]!.value).toBe('5000');
  });

  it('a reduce-only order and a new order together cannot overshoot', async () => {
    // long 0.1, a reduce-only sell of 0.05 pending: a new sell may reduce 0.05 more, then open at most 0.16 short
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)], { openOrders: [openOrder(BTC, 'sell', '0.05', 52000, { reduceOnly: true })] }), net8000);
    expect(g.preview(sell(BTC, '0.5')).approved).toBe('0.21');
  });

  it('two reducing orders cannot together flip a position and both claim the exemption', async () => {
    const g = await guardOn(linearBook([position(BTC, 'long', 0.1)]), { limits: { maxNetExposure: { value: 2000 } } }); // breached: 5000
    expect((await g.check(sell(BTC, '0.1'))).action).toBe('allow'); // reducing, exempt
    const d = await g.check(sell(BTC, '0.1')); // capacity used up: opening from 0 → −5000 > 2000
    expect(d.approved).toBe('0.04');
  });

  it('pending orders in hedge mode land on their row', async () => {
    const snap = linearBook([position(BTC, 'long', 0.1, { hedged: true })], {
      openOrders: [openOrder(BTC, 'buy', '0.1', 50000, { info: { positionSide: 'SHORT' } })], // closes a short that does not exist: reduce-only by nature
    });
    const g = await guardOn(snap, net8000);
    expect(g.preview(buy(BTC, '0.06', undefined, { params: { positionSide: 'LONG' } })).before.net).toBe('5000');
  });

  it('open orders of another symbol count toward account limits', async () => {
    const g = await guardOn(linearBook([], { openOrders: [openOrder(ETH, 'sell', 2, 2600)] }), { limits: { maxGrossExposure: { value: 6000 } } });
    expect(g.preview(sell(BTC, '0.1')).approved).toBe('0.02'); // 5000 + 50000q ≤ 6000 in the sell scenario
    // gross is a worst case over any mix of fills: the ETH sell may fill as well as the BTC buy
    expect(g.preview(buy(BTC, '0.1')).approved).toBe('0.02');
  });

  it('gross never assumes that a pending order which shrinks a position fills', async () => {
    // short 2 ETH (5000) with a resting buy of 2 ETH: per direction, the buy scenario has ETH flat;
    // if the bid never fills the account still holds the short, so gross counts it
    const g = await guardOn(linearBook([position(ETH, 'short', 2)], { openOrders: [openOrder(ETH, 'buy', 2, 2500)] }), { limits: { maxGrossExposure: { value: 6000 } } });
    const d = g.preview(buy(BTC, '0.1'));
    expect(d.approved).toBe('0.02'); // 5000 (the short, unfilled bid) + 50000q ≤ 6000
    expect(d.reasons[0]).toMatchObject({ code: 'GROSS_EXPOSURE', before: '5000', after: '6000' });
    expect(g.exposure().limits.find((l) => l.limit === 'maxGrossExposure')!.value).toBe('5000');
  });
});
