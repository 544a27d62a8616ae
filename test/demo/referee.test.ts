/** The demo's referee on hand-built exchange states: its numbers, and what it calls a breach. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { exchangeTruth } from '../../src/demo/exchange-truth.js';
import { judgeStep } from '../../src/demo/referee.js';
import type { SimOrderState, SimState } from '../../src/sim/index.js';

function state(positions: Array<[string, string]>, orders: Array<Partial<SimOrderState>> = [], marginBalance = '10000'): SimState {
  const open = orders.map((o, i): SimOrderState => ({
    orderId: i + 1, clientOrderId: `c${i}`, symbol: 'BTCUSDT', side: 'BUY', positionSide: 'BOTH', type: 'LIMIT', timeInForce: 'GTC',
    price: '50000', origQty: '0.1', executedQty: '0', avgPrice: '0', status: 'NEW', reduceOnly: false, ...o,
  }));
  return {
    time: 0, step: 0, hedgeMode: false,
    marks: { BTCUSDT: '50000', ETHUSDT: '2500' },
    balances: { USDT: { wallet: marginBalance, unrealizedPnl: '0', marginBalance, initialMargin: '0', maintMargin: '0', available: marginBalance } },
    positions: positions.map(([symbol, amount]) => ({ symbol, positionSide: 'BOTH', amount, entryPrice: '0', markPrice: '0', notional: '0', unrealizedPnl: '0', leverage: 10, liquidationPrice: '0' })),
    openOrders: open, orders: open, fills: 0,
  };
}

const symbolOf = (id: string) => `${id.replace('USDT', '')}/USDT:USDT`;

describe('exchangeTruth', () => {
  it('gross in its worst case counts each position at its larger direction; a resting bid on a short does not shrink it', () => {
    // long 0.2 BTC (10000), short 2 ETH (−5000) with a bid for 2 ETH and an ask for 0.1 BTC resting
    const t = exchangeTruth(state([['BTCUSDT', '0.2'], ['ETHUSDT', '-2']], [
      { symbol: 'ETHUSDT', side: 'BUY', origQty: '2', price: '2500' },
      { symbol: 'BTCUSDT', side: 'SELL', origQty: '0.1' },
    ]));
    expect(t.net.toFixed()).toBe('5000');
    expect(t.gross.toFixed()).toBe('15000');
    // buys filled: BTC 10000, ETH 0 → net 10000; sells filled: BTC 5000, ETH −5000 → net 0
    expect(t.worstNet.toFixed()).toBe('10000');
    // BTC max(10000, 5000) + ETH max(0, 5000)
    expect(t.worstGross.toFixed()).toBe('15000');
    expect(t.worstLeverage!.toFixed()).toBe('1.5');
    expect(t.openOrders.get('ETHUSDT')).toBe(1);
  });

  it('a reduce-only order stops at flat and never grows a position', () => {
    const t = exchangeTruth(state([['BTCUSDT', '0.1']], [
      { side: 'SELL', origQty: '0.5', reduceOnly: true }, // would flip to −0.4: stops at 0
      { side: 'BUY', origQty: '0.3', reduceOnly: true }, // would grow the long: nothing
    ]));
    expect(t.worstPosition.get('BTCUSDT')!.toFixed()).toBe('5000');
    expect(t.worstNet.toFixed()).toBe('5000');
  });

  it('a partly filled order counts only its remainder', () => {
    const t = exchangeTruth(state([], [{ side: 'BUY', origQty: '0.3', executedQty: '0.1', status: 'PARTIALLY_FILLED' }]));
    expect(t.worstGross.toFixed()).toBe('10000');
  });
});

describe('judgeStep', () => {
  const limits = parseConfig({ limits: { maxNetExposure: { value: 12000 }, maxGrossExposure: { value: 20000 }, maxLeverage: 2, maxPositionNotional: { default: 15000 }, maxOrderNotional: 6000, maxOpenOrders: { perSymbol: 2 } } }).limits;
  const judge = (before: SimState, after: SimState, newOrders: SimOrderState[] = []) =>
    judgeStep(limits, { step: 3, before: exchangeTruth(before), after: exchangeTruth(after), newOrders, symbolOf });

  it('within every limit: no breach; at the limit exactly: no breach (limits are inclusive)', () => {
    expect(judge(state([]), state([['BTCUSDT', '0.2']]))).toEqual([]);
    expect(judge(state([]), state([['BTCUSDT', '0.24']]))).toEqual([]); // net 12000 = limit
  });

  it('orders that take a metric past its limit are breaches, with the numbers', () => {
    const b = judge(state([['BTCUSDT', '0.2']]), state([['BTCUSDT', '0.3'], ['ETHUSDT', '-1']]));
    expect(b).toEqual([
      { step: 3, limit: 'maxNetExposure', threshold: '12000', before: '10000', after: '12500' },
    ]);
    const more = judge(state([]), state([['BTCUSDT', '0.2'], ['ETHUSDT', '-5']]));
    expect(more.map((x) => x.limit)).toEqual(['maxGrossExposure', 'maxLeverage']);
  });

  it('a book already over a limit (a price move) may stay there or improve, not get worse', () => {
    const over = state([['BTCUSDT', '0.3']]); // net 15000
    expect(judge(over, state([['BTCUSDT', '0.28']]))).toEqual([]);
    expect(judge(over, state([['BTCUSDT', '0.31']])).map((x) => x.limit)).toEqual(['maxNetExposure', 'maxPositionNotional']);
  });

  it('a reduce-only fill may move net by what it traded, and no more', () => {
    // net −11000 (ETH short 16000, BTC long 5000); a reduce-only sell closes the long: net −16000
    const before = state([['BTCUSDT', '0.1'], ['ETHUSDT', '-6.4']]);
    const after = state([['ETHUSDT', '-6.4']]);
    const ro: SimOrderState = { orderId: 9, clientOrderId: 'x', symbol: 'BTCUSDT', side: 'SELL', positionSide: 'BOTH', type: 'MARKET', timeInForce: 'GTC', price: '0', origQty: '0.1', executedQty: '0.1', avgPrice: '50000', status: 'FILLED', reduceOnly: true };
    expect(judge(before, after, [ro]).map((x) => x.limit)).not.toContain('maxNetExposure');
    expect(judge(before, after, [{ ...ro, reduceOnly: false }]).map((x) => x.limit)).toContain('maxNetExposure');
  });

  it('order size and open-order count', () => {
    const big: SimOrderState = { orderId: 9, clientOrderId: 'x', symbol: 'BTCUSDT', side: 'BUY', positionSide: 'BOTH', type: 'LIMIT', timeInForce: 'GTC', price: '50000', origQty: '0.2', executedQty: '0', avgPrice: '0', status: 'NEW', reduceOnly: false };
    expect(judge(state([]), state([], [{ origQty: '0.2' }]), [big])).toEqual([
      { step: 3, limit: 'maxOrderNotional', subject: 'BTC/USDT:USDT', threshold: '6000', before: '0', after: '10000' },
    ]);
    const three = state([], [{ origQty: '0.01' }, { origQty: '0.01' }, { origQty: '0.01' }]);
    expect(judge(state([]), three).map((x) => x.limit)).toEqual(['maxOpenOrders.perSymbol']);
  });
});
