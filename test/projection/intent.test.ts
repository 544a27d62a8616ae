/**
 * What an order means, read from what a bot passes: each refusal with its exact sentence
 * (the bot's log is where a user learns what to fix), and each accepted shape with every
 * field it settles — the position side from each exchange's params, reduce-only from
 * each spelling, the trigger price, the client order id from each exchange's key.
 * Found by mutation testing: guard-level tests only saw INVALID_ORDER, whichever the reason.
 */
import { describe, expect, it } from 'vitest';
import { normalizeIntent, type NormalizedIntent } from '../../src/projection/intent.js';

const BTC = 'BTC/USDT:USDT';
const base = { symbol: BTC, side: 'buy', type: 'limit', amount: '0.1', price: '50000' };

function ok(raw: unknown): NormalizedIntent {
  const r = normalizeIntent(raw);
  if (typeof r === 'string') throw new Error(`refused: ${r}`);
  return r;
}

describe('refusals, each with its sentence', () => {
  const cases: Array<[string, unknown, string]> = [
    ['null', null, 'the order must be an object { symbol, side, type, amount, price? }'],
    ['a string', 'buy 1 BTC', 'the order must be an object { symbol, side, type, amount, price? }'],
    ['an array', [base], 'the order must be an object { symbol, side, type, amount, price? }'],
    ['no symbol', { ...base, symbol: undefined }, 'symbol must be a non-empty string such as "BTC/USDT:USDT"'],
    ['a blank symbol', { ...base, symbol: '  ' }, 'symbol must be a non-empty string such as "BTC/USDT:USDT"'],
    ['a side of "long"', { ...base, side: 'long' }, 'side must be "buy" or "sell", got "long"'],
    ['no side', { ...base, side: undefined }, 'side must be "buy" or "sell", got undefined'],
    ['a type that is a number', { ...base, type: 1 }, 'type must be "market" or "limit"'],
    ['an empty type', { ...base, type: '' }, 'type must be "market" or "limit"'],
    ['no amount', { ...base, amount: undefined }, 'amount must be a positive decimal (string or number), got nothing'],
    ['an amount that is a word', { ...base, amount: 'ten' }, 'amount must be a positive decimal (string or number), got "ten"'],
    ['an amount that is an object', { ...base, amount: {} }, 'amount must be a positive decimal (string or number), got object'],
    ['an amount NaN', { ...base, amount: Number.NaN }, 'amount must be a positive decimal (string or number), got NaN'],
    ['a zero amount', { ...base, amount: 0 }, 'amount must be positive, got 0'],
    ['a negative amount', { ...base, amount: '-1' }, 'amount must be positive, got -1'],
    ['an amount over 1e15', { ...base, amount: '1e16' }, 'amount 10000000000000000 is implausibly large (over 1e15); refusing it as a bug upstream'],
    ['an amount under 1e-18', { ...base, amount: '1e-19' }, 'amount 0.0000000000000000001 is implausibly small (under 1e-18); refusing it as a bug upstream'],
    ['an amount of 31 significant digits', { ...base, amount: '1.000000000000000000000000000001' }, 'amount 1.000000000000000000000000000001 has more than 30 significant digits; no exchange accepts it'],
    ['a zero price', { ...base, price: 0 }, 'price must be a positive decimal, got 0'],
    ['a price that is a word', { ...base, price: 'high' }, 'price must be a positive decimal, got "high"'],
    ['a price of 1e100', { ...base, price: '1e100' }, `price ${'1e+100'} is implausibly large (over 1e15); refusing it as a bug upstream`],
    ['a limit order without a price', { ...base, price: undefined }, 'a limit order needs a price'],
    ['a stop_limit order without a price', { ...base, type: 'STOP_LIMIT', price: null }, 'a stop_limit order needs a price'],
    ['params that are an array', { ...base, params: [] }, 'params must be an object'],
    ['params that are a string', { ...base, params: 'reduceOnly' }, 'params must be an object'],
    ['reduceOnly as a string', { ...base, reduceOnly: 'yes' }, 'reduceOnly must be a boolean'],
    ['a positionSide that is a number', { ...base, params: { positionSide: 1 } }, 'params.positionSide must be "LONG", "SHORT" or "BOTH"'],
    ['a positionSide of "up"', { ...base, params: { positionSide: 'up' } }, 'params.positionSide "up" is not LONG, SHORT or BOTH'],
    ['a positionIdx of 3', { ...base, params: { positionIdx: 3 } }, 'params.positionIdx must be 0, 1 or 2'],
    ['a trigger price of 0', { ...base, params: { triggerPrice: 0 } }, 'trigger price must be a positive decimal, got 0'],
    ['a stopPrice that is a word', { ...base, params: { stopPrice: 'soon' } }, 'trigger price must be a positive decimal, got "soon"'],
    ['a trigger price of 1e16', { ...base, params: { takeProfitPrice: '1e16' } }, 'trigger price 10000000000000000 is implausibly large (over 1e15); refusing it as a bug upstream'],
    ['a clientOrderId that is a number', { ...base, clientOrderId: 7 }, 'clientOrderId must be a string'],
    ['a newClientOrderId that is a number', { ...base, params: { newClientOrderId: 7 } }, 'clientOrderId must be a string'],
    ['an account that is a number', { ...base, account: 1 }, 'account must be a string'],
  ];
  it.each(cases)('%s', (_, raw, message) => {
    expect(normalizeIntent(raw)).toBe(message);
  });
});

describe('what an accepted order settles', () => {
  it('a limit order keeps its price; a market order drops it; the type defaults to limit', () => {
    expect(ok(base)).toEqual({
      symbol: BTC, side: 'buy', isMarket: false, type: 'limit', amount: expect.anything(), price: expect.anything(),
      reduceOnly: false, positionSide: 'net', triggerPrice: null, clientOrderId: null, account: undefined,
    });
    expect(ok(base).price!.toFixed()).toBe('50000');
    expect(ok({ ...base, type: 'MARKET' })).toMatchObject({ isMarket: true, type: 'market', price: null });
    expect(ok({ ...base, type: 'stop_market', price: undefined })).toMatchObject({ isMarket: true, price: null });
    expect(ok({ symbol: BTC, side: 'sell', amount: 1, price: 1 })).toMatchObject({ type: 'limit', isMarket: false, side: 'sell' });
    expect(ok({ ...base, price: null, type: 'market' }).price).toBeNull();
    expect(ok({ ...base, params: null }).positionSide).toBe('net'); // null params are no params
  });

  it('the edges of plausible amounts pass: 1e15, 1e-18, 30 significant digits', () => {
    for (const amount of ['1e15', '1e-18', '1.00000000000000000000000000001']) expect(ok({ ...base, amount }).amount.toFixed()).toBe(new (ok(base).amount.constructor as any)(amount).toFixed());
  });

  it('the position side from each exchange\'s params', () => {
    const side = (params: Record<string, unknown>, s: 'buy' | 'sell' = 'buy', reduceOnly?: boolean) => ok({ ...base, side: s, params, ...(reduceOnly === undefined ? {} : { reduceOnly }) }).positionSide;
    expect(side({ positionSide: 'LONG' })).toBe('long');
    expect(side({ positionSide: 'short' })).toBe('short');
    expect(side({ positionSide: 'BOTH' })).toBe('net');
    expect(side({ posSide: 'net' })).toBe('net');
    expect(side({ posSide: 'long' })).toBe('long');
    expect(side({ positionSide: null, positionIdx: 2 })).toBe('short');
    expect(side({ positionIdx: '1' })).toBe('long');
    expect(side({ positionIdx: 2 })).toBe('short');
    expect(side({ positionIdx: 0 })).toBe('net');
    expect(side({ positionIdx: null })).toBe('net');
    // ccxt's unified hedged: a buy opens a long, a reduce-only buy closes a short
    expect(side({ hedged: true })).toBe('long');
    expect(side({ hedged: 'true' }, 'sell')).toBe('short');
    expect(side({ hedged: true }, 'buy', true)).toBe('short');
    expect(side({ hedged: true }, 'sell', true)).toBe('long');
    expect(side({ hedged: false })).toBe('net');
    expect(side({ hedged: 'yes' })).toBe('net');
    expect(side({})).toBe('net');
  });

  it('reduce-only from each spelling; only true and "true" count', () => {
    expect(ok({ ...base, reduceOnly: true }).reduceOnly).toBe(true);
    expect(ok({ ...base, reduceOnly: false }).reduceOnly).toBe(false);
    expect(ok({ ...base, params: { reduceOnly: 'true' } }).reduceOnly).toBe(true);
    expect(ok({ ...base, params: { closePosition: true } }).reduceOnly).toBe(true);
    expect(ok({ ...base, params: { reduceOnly: 1 } }).reduceOnly).toBe(false);
  });

  it('the trigger price from each key; none is null', () => {
    for (const key of ['triggerPrice', 'stopPrice', 'stopLossPrice', 'takeProfitPrice']) expect(ok({ ...base, params: { [key]: '48000' } }).triggerPrice!.toFixed()).toBe('48000');
    expect(ok({ ...base, params: { triggerPrice: null } }).triggerPrice).toBeNull();
    expect(ok(base).triggerPrice).toBeNull();
  });

  it('the client order id from each exchange\'s key, the order\'s own first', () => {
    expect(ok({ ...base, clientOrderId: 'a', params: { clientOrderId: 'b' } }).clientOrderId).toBe('a');
    expect(ok({ ...base, params: { clientOrderId: 'b', newClientOrderId: 'c' } }).clientOrderId).toBe('b');
    expect(ok({ ...base, params: { newClientOrderId: 'c', clOrdId: 'd' } }).clientOrderId).toBe('c');
    expect(ok({ ...base, params: { clOrdId: 'd', orderLinkId: 'e' } }).clientOrderId).toBe('d');
    expect(ok({ ...base, params: { orderLinkId: 'e' } }).clientOrderId).toBe('e');
    expect(ok({ ...base, clientOrderId: null }).clientOrderId).toBeNull();
    expect(ok({ ...base, account: 'main' }).account).toBe('main');
  });
});
