import { describe, expect, it } from 'vitest';
import { BTC, ETH, simWithCcxt, startSim, type Ccxt } from './harness.js';
import type { SimExchange } from '../../src/sim/index.js';

function walk(sim: SimExchange, steps: number): string[] {
  const marks: string[] = [];
  for (let i = 0; i < steps; i++) {
    sim.advance(1);
    marks.push(`${sim.mark('BTCUSDT')}|${sim.mark('ETHUSDT')}|${sim.mark('SOLUSDT')}`);
  }
  return marks;
}

/** A fixed script of orders against the path; returns what the exchange ends with (times and client ids stripped). */
async function session(seed: number): Promise<unknown> {
  const { sim, ex } = await simWithCcxt({ seed, volatilityBps: 25, partialFillRatio: '0.5' });
  await ex.createOrder(BTC, 'limit', 'buy', 0.05, 59900);
  await ex.createOrder(BTC, 'limit', 'sell', 0.03, 60100);
  await ex.createOrder(ETH, 'limit', 'buy', 1, 2990);
  for (let i = 0; i < 40; i++) {
    sim.advance(5);
    if (i % 10 === 0) await ex.createOrder(ETH, 'market', i % 20 === 0 ? 'buy' : 'sell', 0.5);
  }
  const trades = (await ex.fetchMyTrades(BTC)).concat(await ex.fetchMyTrades(ETH));
  // ccxt draws random client order ids; everything the exchange decides must repeat
  const { time: _time, orders, openOrders, ...state } = sim.state();
  const strip = (list: typeof orders) => list.map(({ clientOrderId: _c, ...o }) => o);
  return { state, orders: strip(orders), openOrders: strip(openOrders), trades: trades.map((t: Ccxt) => [t.symbol, t.side, t.price, t.amount, t.takerOrMaker, t.fee.cost]) };
}

describe('sim: determinism for a seed', () => {
  it('the same seed gives the same price path; another seed a different one', async () => {
    const a = walk(await startSim({ seed: 11 }), 300);
    const b = walk(await startSim({ seed: 11 }), 300);
    const c = walk(await startSim({ seed: 12 }), 300);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(250); // it moves
  });

  it('the walk’s step size follows volatilityBps and marks stay on the tick grid', async () => {
    const sim = await startSim({ seed: 3, volatilityBps: 10 });
    const marks = [sim.mark(BTC)].concat(walk(sim, 2000).map((m) => m.split('|')[0]!)).map(Number);
    const returns = marks.slice(1).map((m, i) => Math.log(m / marks[i]!));
    const sd = Math.sqrt(returns.reduce((s, r) => s + r * r, 0) / returns.length);
    expect(sd).toBeGreaterThan(0.0008); // 10 bps per step, ±20%
    expect(sd).toBeLessThan(0.0012);
    expect(marks.every((m) => Math.abs(m * 10 - Math.round(m * 10)) < 1e-6)).toBe(true); // BTC tick 0.1
  });

  it('the same seed and the same orders give the same fills, balances and positions', async () => {
    const first = await session(5);
    const second = await session(5);
    expect(second).toEqual(first);
    expect((first as { trades: unknown[] }).trades.length).toBeGreaterThan(3);
    expect(await session(6)).not.toEqual(first);
  });

  it('fetchOHLCV: one candle per step of the path, closes equal to the marks', async () => {
    const { sim, ex } = await simWithCcxt({ seed: 9 });
    const closes = walk(sim, 30).map((m) => Number(m.split('|')[0]));
    const candles = await ex.fetchOHLCV(BTC, '1m', undefined, 10);
    expect(candles).toHaveLength(10);
    expect(candles.map((c: number[]) => c[4])).toEqual(closes.slice(-10));
    expect(candles.slice(1).map((c: number[]) => c[1])).toEqual(closes.slice(-10, -1)); // open = previous close
    for (const [t, o, h, l, c] of candles) {
      expect(h).toBe(Math.max(o, c));
      expect(l).toBe(Math.min(o, c));
      expect(t % 60_000).toBe(0);
    }
    expect(candles[9][0] - candles[0][0]).toBe(9 * 60_000);
    expect((await ex.fetchOHLCV(BTC, '1h', undefined, 1000, { price: 'mark' })).length).toBe(30);
  });

  it('with tickMs the path advances by itself (demo mode)', async () => {
    const sim = await startSim({ seed: 1, tickMs: 2 });
    while (sim.state().step < 3) await new Promise((r) => setTimeout(r, 5));
    expect(sim.state().step).toBeGreaterThanOrEqual(3);
  });

  it('setMark accepts ccxt symbols and ids and rejects nonsense', async () => {
    const sim = await startSim();
    sim.setMark('BTC/USDT:USDT', '65000.5');
    expect(sim.mark('BTCUSDT')).toBe('65000.5');
    expect(() => sim.setMark('DOGE/USDT:USDT', '1')).toThrow(/unknown sim symbol/);
    expect(() => sim.setMark('BTCUSDT', '-1')).toThrow(/positive/);
    expect(() => sim.setMark('BTCUSDT', 'abc')).toThrow(/decimal/);
  });

  it('bad options fail at start with a message naming the option', async () => {
    await expect(startSim({ partialFillRatio: '1.5' })).rejects.toThrow(/partialFillRatio/);
    await expect(startSim({ leverage: 0 })).rejects.toThrow(/leverage/);
    await expect(startSim({ latencyMs: [10, 5] })).rejects.toThrow(/latencyMs/);
    await expect(startSim({ balances: { USDT: 'lots' } })).rejects.toThrow(/balances.USDT/);
    await expect(startSim({ instruments: [{ symbol: 'BTCUSDT', tickSize: '0' }] })).rejects.toThrow(/tickSize/);
  });
});
