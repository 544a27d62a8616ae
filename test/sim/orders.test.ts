import { describe, expect, it } from 'vitest';
import { BTC, ETH, SOL, failure, simWithCcxt, type Ccxt } from './harness.js';

describe('sim: order lifecycles through real ccxt', () => {
  it('a limit order rests, is listed open, and fills at its price when the seeded path crosses it', async () => {
    const { sim, ex } = await simWithCcxt({ seed: 7, volatilityBps: 20 });
    const price = 59950; // below the 60000 start: rests until the walk comes down
    const order = await ex.createOrder(BTC, 'limit', 'buy', 0.01, price, { clientOrderId: 'rest-1' });
    expect(order).toMatchObject({ status: 'open', filled: 0, remaining: 0.01, price, clientOrderId: 'rest-1' });
    expect((await ex.fetchOpenOrders(BTC)).map((o: Ccxt) => o.id)).toEqual([order.id]);
    expect((await ex.fetchOpenOrders()).map((o: Ccxt) => o.id)).toEqual([order.id]);

    let steps = 0;
    while (Number(sim.mark(BTC)) > price) {
      expect(sim.state().openOrders).toHaveLength(1); // not filled while the mark stays above
      sim.advance(1);
      steps += 1;
      expect(steps).toBeLessThan(2000);
    }
    const filled = await ex.fetchOrder(order.id, BTC);
    expect(filled).toMatchObject({ status: 'closed', filled: 0.01, remaining: 0, average: price, cost: 599.5 });
    expect(await ex.fetchOpenOrders(BTC)).toEqual([]);
    const [trade] = await ex.fetchMyTrades(BTC);
    expect(trade).toMatchObject({ order: order.id, price, amount: 0.01, takerOrMaker: 'maker', fee: { cost: 0.1199, currency: 'USDT' } });
    expect(sim.state().positions[0]).toMatchObject({ amount: '0.01', entryPrice: '59950' });
  });

  it('a limit that is marketable on arrival fills at once as taker, at the better of its price and the market', async () => {
    const { ex } = await simWithCcxt();
    const order = await ex.createOrder(BTC, 'limit', 'buy', 0.01, 60500);
    expect(order).toMatchObject({ status: 'closed', average: 60000 });
    const [trade] = await ex.fetchMyTrades(BTC);
    expect(trade.takerOrMaker).toBe('taker');
  });

  it('partial fills: each crossing fills partialFillRatio of the remainder, status PARTIALLY_FILLED until done', async () => {
    const { sim, ex } = await simWithCcxt({ partialFillRatio: '0.5' });
    const order = await ex.createOrder(BTC, 'limit', 'buy', 0.04, 59000);
    sim.setMark(BTC, '59000');
    let o = await ex.fetchOrder(order.id, BTC);
    expect(o).toMatchObject({ status: 'open', filled: 0.02, remaining: 0.02 });
    expect(o.info.status).toBe('PARTIALLY_FILLED');
    sim.setMark(BTC, '58990');
    o = await ex.fetchOrder(order.id, BTC);
    expect([o.filled, o.info.status]).toEqual([0.03, 'PARTIALLY_FILLED']);
    sim.setMark(BTC, '59500'); // back above: no fill
    expect((await ex.fetchOrder(order.id, BTC)).filled).toBe(0.03);
    const canceled = await ex.cancelOrder(order.id, BTC);
    expect(canceled).toMatchObject({ status: 'canceled', filled: 0.03, remaining: 0.01 });
    expect(canceled.info.status).toBe('CANCELED');
    expect(sim.state().positions[0]).toMatchObject({ amount: '0.03', entryPrice: '59000' });
  });

  it('partial fills of a small remainder fill at least one step and end FILLED', async () => {
    const { sim, ex } = await simWithCcxt({ partialFillRatio: '0.1' });
    const order = await ex.createOrder(BTC, 'limit', 'buy', 0.003, 59000);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      sim.setMark(BTC, String(58990 - i));
      seen.push((await ex.fetchOrder(order.id, BTC)).info.status);
    }
    expect(seen).toEqual(['PARTIALLY_FILLED', 'PARTIALLY_FILLED', 'FILLED']);
  });

  it('cancel, cancel again, cancelAllOrders and cancelOrders', async () => {
    const { ex } = await simWithCcxt();
    const a = await ex.createOrder(BTC, 'limit', 'buy', 0.01, 59000);
    expect((await ex.cancelOrder(a.id, BTC)).status).toBe('canceled');
    expect(await failure(ex.cancelOrder(a.id, BTC))).toMatchObject({ name: 'OrderNotFound', code: -2011 });
    expect(await failure(ex.fetchOrder('123', BTC))).toMatchObject({ name: 'OrderNotFound', code: -2013 });
    await ex.createOrder(BTC, 'limit', 'buy', 0.01, 59000);
    await ex.createOrder(BTC, 'limit', 'sell', 0.01, 61000);
    const eth = await ex.createOrder(ETH, 'limit', 'buy', 0.1, 2900);
    await ex.cancelAllOrders(BTC);
    expect((await ex.fetchOpenOrders()).map((o: Ccxt) => o.id)).toEqual([eth.id]);
    const b = await ex.createOrder(ETH, 'limit', 'buy', 0.1, 2901);
    const both = await ex.cancelOrders([eth.id, b.id], ETH);
    expect(both.map((o: Ccxt) => o.status)).toEqual(['canceled', 'canceled']);
    const all = await ex.fetchOrders(BTC);
    expect(all.map((o: Ccxt) => o.status)).toEqual(['canceled', 'canceled', 'canceled']);
  });

  it('reduceOnly cannot open, increase or flip a position (-2022), and may close it', async () => {
    const { ex } = await simWithCcxt();
    expect(await failure(ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true }))).toMatchObject({ name: 'InvalidOrder', code: -2022 });
    await ex.createOrder(BTC, 'market', 'buy', 0.1);
    expect(await failure(ex.createOrder(BTC, 'market', 'buy', 0.01, undefined, { reduceOnly: true }))).toMatchObject({ name: 'InvalidOrder', code: -2022 });
    expect(await failure(ex.createOrder(BTC, 'market', 'sell', 0.2, undefined, { reduceOnly: true }))).toMatchObject({ name: 'InvalidOrder', code: -2022 });
    const close = await ex.createOrder(BTC, 'market', 'sell', 0.1, undefined, { reduceOnly: true });
    expect(close).toMatchObject({ status: 'closed', reduceOnly: true, filled: 0.1 });
    expect(await ex.fetchPositions()).toEqual([]);
  });

  it('a resting reduce-only order expires when its position is gone, and is capped when it shrank', async () => {
    const { sim, ex } = await simWithCcxt();
    await ex.createOrder(BTC, 'market', 'buy', 0.1);
    const tp = await ex.createOrder(BTC, 'limit', 'sell', 0.1, 61000, { reduceOnly: true });
    await ex.createOrder(BTC, 'market', 'sell', 0.1);
    const expired = await ex.fetchOrder(tp.id, BTC);
    expect(expired).toMatchObject({ status: 'expired', filled: 0 });
    expect(expired.info.status).toBe('EXPIRED');

    await ex.createOrder(BTC, 'market', 'buy', 0.1);
    const tp2 = await ex.createOrder(BTC, 'limit', 'sell', 0.1, 61000, { reduceOnly: true });
    await ex.createOrder(BTC, 'market', 'sell', 0.04);
    sim.setMark(BTC, '61000');
    expect(await ex.fetchOrder(tp2.id, BTC)).toMatchObject({ status: 'expired', filled: 0.06 });
    expect(sim.state().positions).toEqual([]);
  });

  it('createOrders sends one batchOrders request; each entry succeeds or fails on its own', async () => {
    const { sim, ex } = await simWithCcxt();
    const orders = await ex.createOrders([
      { symbol: BTC, type: 'limit', side: 'buy', amount: 0.01, price: 59000, params: { clientOrderId: 'b-1' } },
      { symbol: BTC, type: 'limit', side: 'buy', amount: 0.001, price: 59000 }, // 59 USDT < min notional 100
      { symbol: BTC, type: 'market', side: 'sell', amount: 0.02 },
    ]);
    expect(sim.requests.filter((r) => r.path === '/fapi/v1/batchOrders')).toHaveLength(1);
    expect(orders[0]).toMatchObject({ status: 'open', clientOrderId: 'b-1', price: 59000 });
    expect(orders[1]).toMatchObject({ status: 'rejected' });
    expect(orders[1].info).toMatchObject({ code: -4164 });
    expect(orders[2]).toMatchObject({ status: 'closed', filled: 0.02, side: 'sell' });
    expect(sim.state().positions[0]).toMatchObject({ amount: '-0.02' });
  });

  it('editOrder modifies price and quantity in place (PUT fapi/v1/order) and fills when made marketable', async () => {
    const { sim, ex } = await simWithCcxt();
    const order = await ex.createOrder(BTC, 'limit', 'buy', 0.01, 59000);
    const edited = await ex.editOrder(order.id, BTC, 'limit', 'buy', 0.02, 59100);
    expect(edited).toMatchObject({ id: order.id, status: 'open', amount: 0.02, price: 59100 });
    expect(sim.requests.filter((r) => r.method === 'PUT' && r.path === '/fapi/v1/order')).toHaveLength(1);
    expect(await failure(ex.editOrder(order.id, BTC, 'limit', 'buy', 0.02, 59100))).toMatchObject({ name: 'OperationRejected', code: -5027 });
    const taken = await ex.editOrder(order.id, BTC, 'limit', 'buy', 0.02, 60100);
    expect(taken).toMatchObject({ id: order.id, status: 'closed', filled: 0.02, average: 60000 });
    expect(await failure(ex.editOrder(order.id, BTC, 'limit', 'buy', 0.03, 59000))).toMatchObject({ name: 'OrderNotFound', code: -2013 });
  });

  it('rejects an order whose initial margin exceeds the available balance (-2019), at the symbol’s leverage', async () => {
    const { ex } = await simWithCcxt({ balances: { USDT: '1000' } });
    expect(await failure(ex.createOrder(BTC, 'market', 'buy', 0.2))).toMatchObject({ name: 'InsufficientFunds', code: -2019 }); // 1200 IM
    await ex.createOrder(BTC, 'market', 'buy', 0.1); // 600 IM, wallet 997
    expect(await failure(ex.createOrder(BTC, 'limit', 'buy', 0.1, 59000))).toMatchObject({ name: 'InsufficientFunds', code: -2019 }); // + 590
    // a sell that only closes the long needs no margin; one that opens short 0.1 needs 590 more
    await expect(ex.createOrder(BTC, 'limit', 'sell', 0.1, 61000)).resolves.toMatchObject({ status: 'open' });
    await ex.cancelAllOrders(BTC);
    await ex.setLeverage(20, BTC); // 300 + 295 now fits
    await expect(ex.createOrder(BTC, 'limit', 'buy', 0.1, 59000)).resolves.toMatchObject({ status: 'open' });
    const b = await ex.fetchBalance();
    expect(b.USDT).toEqual({ total: 997, used: 595, free: 402 });
  });

  it('Binance filters: min notional, lot step, precision, min/max quantity, tick, percent price, order type', async () => {
    const { ex } = await simWithCcxt({ instruments: [{ symbol: 'BTCUSDT' }, { symbol: 'ETHUSDT', tickSize: '0.05' }, { symbol: 'SOLUSDT' }] });
    await ex.loadMarkets();
    const raw = (p: Record<string, string>) => ex.fapiPrivatePostOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '59000', ...p });
    expect(await failure(ex.createOrder(BTC, 'limit', 'buy', 0.001, 59000))).toMatchObject({ name: 'InvalidOrder', code: -4164 });
    expect(await failure(raw({ quantity: '0.0015' }))).toMatchObject({ name: 'BadRequest', code: -1111 });
    expect(await failure(raw({ quantity: '0' }))).toMatchObject({ name: 'BadRequest', code: -4003 });
    expect(await failure(raw({ quantity: '1001' }))).toMatchObject({ name: 'BadRequest', code: -4005 });
    expect(await failure(raw({ type: 'MARKET', quantity: '121', price: '', timeInForce: '' }))).toMatchObject({ name: 'BadRequest', code: -4005 });
    expect(await failure(raw({ price: '59000.05' }))).toMatchObject({ name: 'BadRequest', code: -1111 });
    expect(await failure(raw({ price: '70000' }))).toMatchObject({ name: 'BadRequest', code: -4016 });
    expect(await failure(raw({ price: '50000' }))).toMatchObject({ name: 'BadRequest', code: -4024 });
    expect(await failure(raw({ type: 'STOP_MARKET' }))).toMatchObject({ name: 'BadRequest', code: -1116 });
    expect(await failure(raw({ symbol: 'NOPEUSDT' }))).toMatchObject({ name: 'BadSymbol', code: -1121 });
    expect(await failure(raw({ symbol: 'ETHUSDT', quantity: '0.1', price: '2999.02' }))).toMatchObject({ name: 'BadRequest', code: -4014 });
    expect(await failure(ex.fapiPrivatePostOrder({ symbol: 'SOLUSDT', side: 'BUY', type: 'MARKET', quantity: '1.5' }))).toMatchObject({ name: 'BadRequest', code: -1111 });
    // ccxt itself refuses order types the exchange info does not list
    expect(await failure(ex.createOrder(SOL, 'market', 'buy', 1, undefined, { stopLossPrice: 140 }))).toMatchObject({ name: 'InvalidOrder' });
  });

  it('time in force: IOC expires what it cannot take, FOK and post-only (GTX) are rejected when they cannot', async () => {
    const { ex } = await simWithCcxt();
    const ioc = await ex.createOrder(BTC, 'limit', 'buy', 0.01, 59000, { timeInForce: 'IOC' });
    expect(ioc).toMatchObject({ status: 'expired', filled: 0 });
    expect(await failure(ex.createOrder(BTC, 'limit', 'buy', 0.01, 59000, { timeInForce: 'FOK' }))).toMatchObject({ name: 'OrderNotFillable', code: -5021 });
    expect(await failure(ex.createOrder(BTC, 'limit', 'buy', 0.01, 60000, { postOnly: true }))).toMatchObject({ name: 'OrderNotFillable', code: -5022 });
    await expect(ex.createOrder(BTC, 'limit', 'buy', 0.01, 60000, { timeInForce: 'FOK' })).resolves.toMatchObject({ status: 'closed' });
    await expect(ex.createOrder(BTC, 'limit', 'buy', 0.01, 59000, { postOnly: true })).resolves.toMatchObject({ status: 'open', postOnly: true });
  });

  it('duplicate client order ids among open orders are rejected (-4116)', async () => {
    const { ex } = await simWithCcxt();
    await ex.createOrder(BTC, 'limit', 'buy', 0.01, 59000, { clientOrderId: 'dup' });
    expect(await failure(ex.createOrder(BTC, 'limit', 'buy', 0.01, 59000, { clientOrderId: 'dup' }))).toMatchObject({ name: 'InvalidOrder', code: -4116 });
    expect((await ex.fetchOrder(undefined, BTC, { clientOrderId: 'dup' })).clientOrderId).toBe('dup');
  });
});
