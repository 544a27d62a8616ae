import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RiskGuard, RiskGuardRejection } from '../../src/index.js';
import type { FillEvent } from '../../src/index.js';
import { API_KEY, BinanceOrderMock, SECRET, binanceUsdm, mockSource } from '../helpers/binance-orders.js';

const BTC = 'BTC/USDT:USDT';

async function setup(config: Record<string, unknown> = {}, exOpts: { timeout?: number } = {}) {
  const ex = await binanceUsdm(exOpts);
  const mock = new BinanceOrderMock();
  mock.timeoutMs = exOpts.timeout ?? 10_000;
  const src = mockSource(mock, ex);
  const guard = await RiskGuard.create({ config: { freshness: { maxAgeMs: 60_000, afterOrderMs: 0 }, ...config }, sources: [src] });
  return { ex: guard.wrap(ex), mock, guard, src };
}

/** what the guard counts as pending: origin (guard or read), stage and amount */
const pending = (g: RiskGuard) => g.exposure().pending.map((p) => `${p.origin}:${p.stage}:${p.remaining}`);
const position = (g: RiskGuard) => g.exposure().positions[BTC] ?? '0';

beforeEach(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('reservation lifecycle', () => {
  it('ack: a resting order stays counted once — as a reservation, then as the open order the next snapshot lists', async () => {
    const { ex, guard } = await setup({ limits: { maxNetExposure: { value: 8000 } } });
    await ex.createOrder(BTC, 'limit', 'buy', 0.1, 49000);
    expect(pending(guard)).toEqual(['guard:open:0.1']);
    await guard.refresh();
    expect(pending(guard)).toEqual(['guard:open:0.1']); // the same order, now as the exchange lists it
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 1 }).approved).toBe('0.06');
  });

  it('reject: an order the exchange refuses releases its reservation', async () => {
    const { ex, guard, mock } = await setup();
    mock.behaviour = () => ({ outcome: 'reject', error: { code: -2019, msg: 'Margin is insufficient.' } });
    await expect(ex.createOrder(BTC, 'limit', 'buy', 0.1, 49000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    expect(pending(guard)).toEqual([]);
  });

  it('fill: a market order moves into the position at once and the reservation is gone', async () => {
    const { ex, guard } = await setup();
    const fills: FillEvent[] = [];
    guard.on('fill', (f) => fills.push(f));
    await ex.createOrder(BTC, 'market', 'buy', 0.1);
    expect(pending(guard)).toEqual([]);
    expect(position(guard)).toBe('5000');
    expect(fills).toMatchObject([{ account: 'binanceusdm', symbol: BTC, side: 'buy', amount: '0.1', price: '50000' }]);
    await guard.refresh(); // the snapshot requested after the fill shows it: counted once
    expect(position(guard)).toBe('5000');
  });

  it('partial fill: the filled part is in the position, the rest stays reserved', async () => {
    const { ex, guard, mock } = await setup();
    mock.behaviour = () => ({ outcome: 'partial', ratio: '0.4' });
    await ex.createOrder(BTC, 'limit', 'buy', 0.1, 50000);
    expect(position(guard)).toBe('2000');
    expect(pending(guard)).toEqual(['guard:open:0.06']);
    await guard.refresh();
    expect(position(guard)).toBe('2000');
    expect(pending(guard)).toEqual(['guard:open:0.06']);
  });

  it('cancel: the rest is released; fills stay in the position', async () => {
    const { ex, guard, mock } = await setup();
    mock.behaviour = () => ({ outcome: 'partial', ratio: '0.5' });
    const o = await ex.createOrder(BTC, 'limit', 'buy', 0.1, 50000);
    await ex.cancelOrder(o.id!, BTC);
    expect(pending(guard)).toEqual([]);
    expect(position(guard)).toBe('2500');
  });

  it('cancelAllOrders: confirmed orders leave the open-order count at once and stop counting once a read shows what filled', async () => {
    const { ex, guard } = await setup({ limits: { maxOpenOrders: { total: 2 } } });
    await ex.createOrder(BTC, 'limit', 'buy', 0.1, 49000);
    await guard.refresh();
    await ex.createOrder(BTC, 'limit', 'sell', 0.1, 51000);
    expect(pending(guard)).toHaveLength(2);
    await ex.cancelAllOrders(BTC);
    // cancelled, but how much filled first is not said: counted until a read, no longer open
    expect(pending(guard)).toEqual(['guard:cancelled:0.1', 'guard:cancelled:0.1']);
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'limit', amount: 0.01, price: 49000 }).action).toBe('allow');
    await guard.refresh();
    expect(pending(guard)).toEqual([]);
  });

  it('timeout: an order of unknown fate stays counted until the exchange lists it', async () => {
    const { ex, guard, mock } = await setup({ limits: { maxNetExposure: { value: 8000 } } }, { timeout: 150 });
    mock.behaviour = () => ({ outcome: 'timeout' });
    await expect(ex.createOrder(BTC, 'limit', 'buy', 0.1, 49000)).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    expect(pending(guard)).toEqual(['guard:unknown:0.1']);
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 1 }).approved).toBe('0.06'); // still counted
    await new Promise((r) => setTimeout(r, 300)); // let the late answer drain
    await guard.refresh(); // the exchange lists it as open: it is that open order now
    expect(pending(guard)).toEqual(['guard:open:0.1']);
  });

  it('timeout of an order that filled: a read past the lost-order grace settles it into the position, counted once', async () => {
    const { ex, guard, mock } = await setup({ freshness: { maxAgeMs: 60_000, afterOrderMs: 0, lostOrderGraceMs: 0 } }, { timeout: 150 });
    mock.behaviour = () => ({ outcome: 'timeout' });
    await expect(ex.createOrder(BTC, 'market', 'buy', 0.1)).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    await new Promise((r) => setTimeout(r, 300));
    expect(pending(guard)).toEqual(['guard:unknown:0.1']);
    await guard.refresh(); // not listed, and positions read after the list show the fill
    expect(pending(guard)).toEqual([]);
    expect(position(guard)).toBe('5000');
    await guard.refresh();
    expect(position(guard)).toBe('5000');
  });

  it('timeout within the lost-order grace: still counted, although no list shows it', async () => {
    const { ex, guard, mock } = await setup({ freshness: { maxAgeMs: 60_000, afterOrderMs: 0, lostOrderGraceMs: 60_000 } }, { timeout: 150 });
    mock.behaviour = () => ({ outcome: 'timeout' });
    await expect(ex.createOrder(BTC, 'market', 'buy', 0.1)).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    await new Promise((r) => setTimeout(r, 300));
    await guard.refresh();
    // a request can still land until the exchange's receive window has passed
    expect(pending(guard)).toEqual(['guard:unknown:0.1']);
    expect(position(guard)).toBe('5000');
  });

  it('an order that never landed is released by the first read past the grace', async () => {
    const { ex, guard, mock } = await setup({ freshness: { maxAgeMs: 60_000, afterOrderMs: 0, lostOrderGraceMs: 0 } }, { timeout: 150 });
    nock.cleanAll();
    nock('https://fapi.binance.com').post('/fapi/v1/order').query(true).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    await expect(ex.createOrder(BTC, 'market', 'buy', 0.1)).rejects.toBeInstanceOf(ccxt.NetworkError);
    expect(pending(guard)).toEqual(['guard:unknown:0.1']);
    await guard.refresh();
    expect(pending(guard)).toEqual([]);
    expect(position(guard)).toBe('0');
    expect(mock.requests).toEqual([]);
  });

  it('refreshes the account after order events (debounced)', async () => {
    const { ex, src } = await setup({ freshness: { maxAgeMs: 60_000, afterOrderMs: 20 } });
    const before = src.reads;
    await ex.createOrder(BTC, 'limit', 'buy', 0.01, 49000);
    await ex.createOrder(BTC, 'limit', 'buy', 0.01, 49000);
    await new Promise((r) => setTimeout(r, 80));
    expect(src.reads).toBe(before + 1);
  });
});

describe('framework-neutral: check() and onOrderUpdate()', () => {
  it('a bot that places orders itself feeds the guard the order updates', async () => {
    const snap = { exchange: 'x', timestamp: 1, markets: [{ symbol: BTC, base: 'BTC', quote: 'USDT', type: 'swap', contract: true, linear: true, contractSize: 1, precision: { amount: 0.001 }, limits: {} }], positions: [], balance: { USDT: { total: 10000 } }, openOrders: [], prices: { [BTC]: { mark: 50000 } } };
    const guard = await RiskGuard.create({ config: { limits: { maxNetExposure: { value: 8000 } } }, sources: [snap] });
    const d = await guard.check({ symbol: BTC, side: 'buy', type: 'limit', amount: '0.1', price: '50000' });
    // the bot sends clientOrderId = d.id with its order; updates come back with it
    expect(guard.onOrderUpdate({ id: '77', clientOrderId: d.id, status: 'open', amount: 0.1, filled: 0.04, remaining: 0.06, average: 50000 })).toBe(true);
    expect(guard.exposure().positions[BTC]).toBe('2000');
    expect(pending(guard)).toEqual(['guard:open:0.06']);
    expect(guard.onOrderUpdate({ id: '77', status: 'closed', amount: 0.1, filled: 0.1, remaining: 0, average: 50000 })).toBe(true);
    expect(guard.exposure().positions[BTC]).toBe('5000');
    expect(pending(guard)).toEqual([]);
    expect(guard.onOrderUpdate({ id: 'unknown', status: 'closed' })).toBe(false);
  });

  it('watchOrders feeds fills when the exchange streams them', async () => {
    const ex = await binanceUsdm();
    const mock = new BinanceOrderMock();
    const guard = await RiskGuard.create({ config: { freshness: { maxAgeMs: 60_000, afterOrderMs: 0 } }, sources: [mockSource(mock, ex)] });
    const updates: unknown[][] = [];
    let wake: (() => void) | null = null;
    Object.assign(ex, {
      has: { ...ex.has, watchOrders: true },
      watchOrders: () => new Promise<unknown[]>((resolve) => {
        const next = () => { const u = updates.shift(); if (u) resolve(u); else wake = next; };
        next();
      }),
    });
    guard.wrap(ex, { watchOrders: true });
    const o = await ex.createOrder(BTC, 'limit', 'buy', 0.1, 49000);
    updates.push([{ id: o.id, clientOrderId: o.clientOrderId, status: 'closed', amount: 0.1, filled: 0.1, remaining: 0, average: 49000, symbol: BTC }]);
    (wake as (() => void) | null)?.();
    await new Promise((r) => setTimeout(r, 20));
    expect(guard.exposure().positions[BTC]).toBe('5000');
    expect(pending(guard)).toEqual([]);
    await guard.close();
  });
});

describe('audit log and events', () => {
  it('writes one JSON line per decision and state change, without secrets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-audit-'));
    const auditLog = join(dir, 'sub', 'audit.jsonl');
    const { ex, guard } = await setup({ auditLog, limits: { maxNetExposure: { value: 8000 } } });
    await ex.createOrder(BTC, 'limit', 'buy', 0.2, 50000);
    await ex.createOrder(BTC, 'limit', 'buy', 0.1, 50000).catch(() => undefined);
    guard.setTradingState('HALTED', 'operator');
    const text = readFileSync(auditLog, 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.type}:${l.decision?.action ?? l.to}`)).toEqual(['decision:resize', 'decision:block', 'stateChange:HALTED']);
    expect(lines[0].decision.reasons[0].code).toBe('NET_EXPOSURE');
    expect(lines[2]).toMatchObject({ from: 'ACTIVE', to: 'HALTED', reason: 'operator' });
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/signature/i);
  });

  it('errors from the exchange reach the error event redacted', async () => {
    const ex = await binanceUsdm();
    const mock = new BinanceOrderMock();
    let fail = false;
    const src = { ...mockSource(mock, ex), async fetchSnapshot() { if (fail) throw new ccxt.AuthenticationError(`binanceusdm GET https://fapi.binance.com/fapi/v3/account?timestamp=1&signature=abcdef0123 401 {"code":-2015,"msg":"Invalid API-key"} X-MBX-APIKEY: ${API_KEY}`); return mock.snapshot(ex); } };
    const guard = await RiskGuard.create({ config: {}, sources: [src] });
    const events: string[] = [];
    guard.on('error', (e) => events.push(`error:${e.message}`));
    guard.on('stale', (e) => events.push(`stale:${e.reason}`));
    fail = true;
    await guard.refresh();
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e).not.toContain('abcdef0123');
      expect(e).not.toContain(API_KEY);
    }
    expect(events[0]).toMatch(/signature=\[redacted\]/);
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 0.01 }).reasons[0]!.code).toBe('STALE_DATA');
  });
});

describe('conditional orders', () => {
  it('a confirmed stop order stays counted although the open-order list does not show it (Binance keeps them apart)', async () => {
    const { ex, guard } = await setup({ limits: { maxNetExposure: { value: 8000 } } });
    const o = await ex.createOrder(BTC, 'limit', 'buy', 0.1, 51000, { triggerPrice: 50500 });
    expect(pending(guard)).toEqual(['guard:open:0.1']);
    await guard.refresh();
    expect(pending(guard)).toEqual(['guard:open:0.1']);
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 1 }).approved).toBe('0.06');
    await ex.cancelOrder(o.id!, BTC, { trigger: true });
    expect(pending(guard)).toEqual([]);
  });

  it('a blocked edit of a stop-market order leaves its fee (the taker rate) and everything else as it was', async () => {
    const { ex, guard } = await setup({ onBreach: 'block', limits: { maxOrderAmount: { '*': '0.1' }, maxLeverage: 5 } });
    await ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { triggerPrice: 50500 });
    const before = guard.exposure();
    // 0.1 · 50000 · taker 0.0005 = 2.5 of fee counted: equity 9997.5 in the worst case
    expect(before.limits[0]).toMatchObject({ limit: 'maxLeverage', value: '0.50012503' });
    await expect(ex.editOrder(before.pending[0]!.exchangeOrderId!, BTC, 'market', 'buy', 0.2, undefined, { triggerPrice: 50500 })).rejects.toBeInstanceOf(RiskGuardRejection);
    expect(guard.exposure()).toEqual(before);
    await guard.refresh();
    expect(guard.exposure().limits).toEqual(before.limits);
    expect(guard.verify()).toEqual([]);
  });
});

