import { describe, expect, it } from 'vitest';
import { BTC, failure, simWithCcxt, type Ccxt } from './harness.js';

describe('sim: hedge mode (dualSidePosition)', () => {
  it('long and short of one symbol are separate positions; closes are capped by their side', async () => {
    const { sim, ex } = await simWithCcxt({ hedgeMode: true });
    expect((await ex.fetchPositionMode()).hedged).toBe(true);
    await ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { hedged: true });
    await ex.createOrder(BTC, 'market', 'sell', 0.05, undefined, { hedged: true });
    sim.setMark(BTC, '61000');
    const positions = await ex.fetchPositions([BTC]);
    const bySide = Object.fromEntries(positions.map((p: Ccxt) => [p.side, p]));
    expect(bySide['long']).toMatchObject({ contracts: 0.1, entryPrice: 60000, unrealizedPnl: 100, hedged: true, notional: 6100 });
    expect(bySide['short']).toMatchObject({ contracts: 0.05, entryPrice: 60000, unrealizedPnl: -50, hedged: true, notional: 3050 });
    expect(positions.map((p: Ccxt) => p.info.positionSide).sort()).toEqual(['LONG', 'SHORT']);

    // ccxt turns reduceOnly + hedged into a SELL on the LONG side
    const close = await ex.createOrder(BTC, 'market', 'sell', 0.04, undefined, { hedged: true, reduceOnly: true });
    expect(close.info).toMatchObject({ side: 'SELL', positionSide: 'LONG', status: 'FILLED' });
    expect(sim.state().positions.map((p) => [p.positionSide, p.amount])).toEqual([['LONG', '0.06'], ['SHORT', '-0.05']]);
    expect(await failure(ex.createOrder(BTC, 'market', 'buy', 0.06, undefined, { hedged: true, reduceOnly: true }))).toMatchObject({ name: 'InvalidOrder', code: -2022 });
    // the realized PnL of the close: 0.04 × (61000 − 60000)
    const trades = await ex.fetchMyTrades(BTC);
    expect(trades.at(-1).info).toMatchObject({ realizedPnl: '40.00000000', positionSide: 'LONG' });
  });

  it('orders must name the position side of the account’s mode (-4061); reduceOnly is not accepted in hedge mode', async () => {
    const { ex } = await simWithCcxt({ hedgeMode: true });
    expect(await failure(ex.createOrder(BTC, 'market', 'buy', 0.01))).toMatchObject({ name: 'OperationRejected', code: -4061 });
    expect(await failure(ex.createOrder(BTC, 'market', 'buy', 0.01, undefined, { positionSide: 'LONG', reduceOnly: true }))).toMatchObject({ name: 'BadRequest', code: -1106 });
    await expect(ex.createOrder(BTC, 'market', 'buy', 0.01, undefined, { positionSide: 'LONG' })).resolves.toMatchObject({ status: 'closed' });
  });

  it('switching the position mode needs a flat account without open orders', async () => {
    const { ex } = await simWithCcxt();
    expect(await failure(ex.setPositionMode(false))).toMatchObject({ name: 'OperationRejected', code: -4059 });
    await ex.createOrder(BTC, 'market', 'buy', 0.01);
    expect(await failure(ex.setPositionMode(true))).toMatchObject({ name: 'OperationRejected', code: -4068 });
    await ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true });
    await ex.createOrder(BTC, 'limit', 'buy', 0.01, 59000);
    expect(await failure(ex.setPositionMode(true))).toMatchObject({ name: 'OperationRejected', code: -4067 });
    await ex.cancelAllOrders(BTC);
    await expect(ex.setPositionMode(true)).resolves.toMatchObject({ code: 200 });
    expect((await ex.fetchPositionMode()).hedged).toBe(true);
    await ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { hedged: true });
    expect((await ex.fetchPositions())[0]).toMatchObject({ side: 'short', hedged: true });
  });

  it('hedge-mode margin: each opening side needs its own margin; closing orders need none', async () => {
    const { ex } = await simWithCcxt({ hedgeMode: true, balances: { USDT: '1000' } });
    await ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { positionSide: 'LONG' }); // 600 IM, wallet 997
    expect(await failure(ex.createOrder(BTC, 'market', 'sell', 0.1, undefined, { positionSide: 'SHORT' }))).toMatchObject({ name: 'InsufficientFunds', code: -2019 });
    await expect(ex.createOrder(BTC, 'limit', 'sell', 0.1, 61000, { positionSide: 'LONG' })).resolves.toMatchObject({ status: 'open' });
    expect((await ex.fetchBalance()).USDT.used).toBe(600);
  });
});
