/**
 * Each race seen breaching a limit under concurrency, forced deterministically: one
 * request is held on the wire (before the exchange has it, or after it answered) while
 * something else happens, then let go. The simulated exchange is real HTTP and real ccxt
 * binanceusdm; the guard reads it through CcxtAdapter, as a bot would.
 */
import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { CcxtAdapter } from '../../adapters/index.js';
import type { RiskGuardConfigInput } from '../../src/config/schema.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { RiskGuardRejection } from '../../src/hook/rejection.js';
import { startSimExchange, type SimExchange } from '../../src/sim/index.js';
import { Wire } from '../helpers/wire.js';

const BTC = 'BTC/USDT:USDT';
const POSITIONS = /\/fapi\/v3\/positionRisk$/;
const OPEN_ORDERS = /\/fapi\/v1\/openOrders$/;
const ORDER = /\/fapi\/v1\/order$/;

const running: Array<{ sim: SimExchange; guard: RiskGuard }> = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.guard.close();
    await r.sim.close();
  }
});

/** A simulated account at BTC 50000, a guard reading it, and the bot's client wrapped, every request through one wire. */
async function setup(limits: RiskGuardConfigInput['limits'], opts: { alwaysAllowReducing?: boolean; graceMs?: number } = {}) {
  const sim = await startSimExchange({ seed: 3, slippageBps: 0, balances: { USDT: '10000' }, instruments: [{ symbol: 'BTCUSDT', price: '50000' }] });
  const ex = sim.ccxt({ timeout: 500 }) as any;
  const wire = new Wire();
  ex.fetchImplementation = wire.fetch;
  const guard = await RiskGuard.create({
    config: { alwaysAllowReducing: opts.alwaysAllowReducing ?? true, freshness: { maxAgeMs: 600_000, afterOrderMs: 0, lostOrderGraceMs: opts.graceMs ?? 0 }, limits },
    sources: [new CcxtAdapter(ex)],
  });
  running.push({ sim, guard });
  return { sim, ex: guard.wrap(ex), wire, guard };
}

const held = (g: RiskGuard) => g.exposure().pending.map((p) => `${p.side} ${p.remaining} ${p.stage}`);

describe('reads racing fills', () => {
  it('1. a fill learned while a read is under way is not applied again on top of a read that shows it', async () => {
    const { ex, wire, guard } = await setup({ maxPositionNotional: { default: 10000 } });
    await ex.createOrder(BTC, 'market', 'buy', 0.1);
    await guard.refresh();
    expect(guard.exposure().positions[BTC]).toBe('5000');
    // the read's positions request waits on the wire while the long is closed and its fill heard
    const positions = wire.hold(POSITIONS, 'request');
    const reading = guard.refresh();
    await positions.reached;
    await ex.createOrder(BTC, 'market', 'sell', 0.1);
    positions.release();
    await reading;
    // the read shows the long closed; the fill, which it may or may not show, counts once, as pending
    expect(guard.exposure().positions[BTC]).toBeUndefined();
    // a buy sees the flat position (0.2 · 50000 = 10000), not a phantom short that would let 0.3 through
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 0.3 }).approved).toBe('0.2');
    expect(guard.verify()).toEqual([]);
    await guard.refresh(); // read after the fill: nothing is pending any more
    expect(held(guard)).toEqual([]);
  });

  it('2. a resting bid that fills between the answer of the positions and that of the open-order list is counted', async () => {
    const { sim, ex, wire, guard } = await setup({ maxNetExposure: { value: 12500 } });
    await ex.createOrder(BTC, 'limit', 'buy', 0.2, 49000);
    await guard.refresh();
    // the list request waits; a reader that asks for positions meanwhile has them answered before the fill
    const list = wire.hold(OPEN_ORDERS, 'request');
    const positions = wire.hold(POSITIONS, 'response');
    const reading = guard.refresh();
    await list.reached;
    await Promise.race([positions.reached, new Promise((r) => setTimeout(r, 300))]);
    sim.setMark(BTC, '48900'); // the bid fills: the list will not show it
    expect(sim.state().positions.map((p) => p.amount)).toEqual(['0.2']);
    positions.release();
    list.release();
    await reading;
    // open orders are read first and positions after their answer, so the fill is in the positions
    expect(wire.seen.slice(-4).filter((r) => !r.includes('premiumIndex'))).toEqual(['GET /fapi/v1/openOrders', 'GET /fapi/v3/positionRisk', 'GET /fapi/v3/account']);
    expect(guard.exposure().holdings.map((h) => h.units)).toEqual(['0.2']);
    // (the prices were read alongside, before or after the mark moved:) a buy has the room of 0.2 BTC long at that price
    const mark = Number(guard.exposure().holdings[0]!.notional) / 0.2;
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 0.2 }).approved).toBe(String(Math.floor((12500 - 0.2 * mark) / mark * 1000) / 1000));
    expect(guard.verify()).toEqual([]);
  });

  it('2b. a bid that fills after the list showed it, before positions are answered, counts twice until the next read — never zero times', async () => {
    const { sim, ex, wire, guard } = await setup({ maxNetExposure: { value: 12500 } });
    await ex.createOrder(BTC, 'limit', 'buy', 0.2, 49000);
    await guard.refresh();
    const positions = wire.hold(POSITIONS, 'request');
    const reading = guard.refresh();
    await positions.reached;
    sim.setMark(BTC, '48900');
    positions.release();
    await reading;
    // in the list (0.2 pending) and in the positions (0.2 long): 19560 with the bid, no room at all
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 0.2 }).action).toBe('block');
    await guard.refresh();
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 0.2 }).approved).toBe('0.055');
  });
});

describe('edits in flight', () => {
  it('3. an edit that shrinks an order frees its room only once the exchange has it', async () => {
    const { ex, wire, guard } = await setup({ maxNetExposure: { value: 12500 } });
    const o = await ex.createOrder(BTC, 'limit', 'buy', 0.2, 49000);
    const edit = wire.hold(ORDER, 'request', 'PUT');
    const editing = ex.editOrder(o.id, BTC, 'limit', 'buy', 0.05, 49000);
    await edit.reached;
    // the old order may still fill in full: it counts at 0.2 until the exchange confirms the edit
    expect(held(guard)).toEqual(['buy 0.2 open']);
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 0.2 }).approved).toBe('0.05');
    edit.release();
    await editing;
    expect(held(guard)).toEqual(['buy 0.05 open']);
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 0.2 }).approved).toBe('0.2');
  });

  it('3b. an edit that grows an order counts the larger amount from the moment it is approved', async () => {
    const { ex, wire, guard } = await setup({ maxNetExposure: { value: 12500 } });
    const o = await ex.createOrder(BTC, 'limit', 'buy', 0.05, 49000);
    const edit = wire.hold(ORDER, 'request', 'PUT');
    const editing = ex.editOrder(o.id, BTC, 'limit', 'buy', 0.2, 49000);
    await edit.reached;
    expect(held(guard)).toEqual(['buy 0.2 open']);
    edit.release();
    await editing;
    expect(held(guard)).toEqual(['buy 0.2 open']);
  });

  it('4. an edit answered after a read that listed the old version keeps the order (a second one does not pass maxOpenOrders 1)', async () => {
    const { ex, wire, guard } = await setup({ maxOpenOrders: { total: 1 } });
    const o = await ex.createOrder(BTC, 'limit', 'buy', 0.1, 49000);
    await guard.refresh(); // the order as the exchange lists it
    const edit = wire.hold(ORDER, 'request', 'PUT');
    const editing = ex.editOrder(o.id, BTC, 'limit', 'buy', 0.1, 48500);
    await edit.reached;
    await guard.refresh(); // lists the old version
    edit.release();
    await editing;
    expect(held(guard)).toEqual(['buy 0.1 open']);
    await expect(ex.createOrder(BTC, 'limit', 'buy', 0.01, 49000)).rejects.toBeInstanceOf(RiskGuardRejection);
    await guard.refresh();
    expect(held(guard)).toEqual(['buy 0.1 open']);
    expect(guard.verify()).toEqual([]);
  });

  it.each([
    ['a 429', 'http429'],
    ['a 500', 'http500'],
    ['a timeout', 'timeout'],
  ] as const)('5. an edit that fails with %s leaves nothing that never settles, even when the order is then cancelled elsewhere', async (_name, kind) => {
    const { sim, ex, guard } = await setup({ maxNetExposure: { value: 12500 } });
    const o = await ex.createOrder(BTC, 'limit', 'buy', 0.1, 49000);
    sim.injectFault({ path: '/fapi/v1/order', method: 'PUT', kind });
    await expect(ex.editOrder(o.id, BTC, 'limit', 'buy', 0.2, 49000)).rejects.toBeInstanceOf(ccxt.BaseError);
    expect(guard.verify()).toEqual([]);
    // a 429 refused the edit: the order is as it was; a 500 or a timeout may have applied it: the larger counts until a list settles it
    expect(held(guard)).toEqual([kind === 'http429' ? 'buy 0.1 open' : 'buy 0.2 open']);
    // a second client cancels the order: the next reads settle it, whatever became of the edit
    const other = sim.ccxt() as any;
    await other.cancelOrder(o.id, BTC);
    await guard.refresh();
    await guard.refresh();
    expect(held(guard)).toEqual([]);
    expect(guard.verify()).toEqual([]);
  });

  it('5b. a blocked edit leaves the order exactly as it was, its fee included', async () => {
    const { ex, guard } = await setup({ priceBandBps: 200 });
    const o = await ex.createOrder(BTC, 'limit', 'buy', 0.1, 49500);
    const before = guard.exposure();
    await expect(ex.editOrder(o.id, BTC, 'limit', 'buy', 0.1, 40000)).rejects.toBeInstanceOf(RiskGuardRejection);
    expect(guard.exposure()).toEqual(before);
    await guard.refresh();
    expect(guard.exposure().limits).toEqual(before.limits);
    expect(guard.verify()).toEqual([]);
  });
});

describe('reduce-only orders', () => {
  it('6. are held to the limits with alwaysAllowReducing false', async () => {
    const { ex, guard } = await setup({ maxNetExposure: { value: 10000 } }, { alwaysAllowReducing: false });
    await ex.createOrder(BTC, 'market', 'buy', 0.1);
    await guard.refresh();
    await ex.createOrder(BTC, 'limit', 'sell', 0.25, 51000); // worst case for sells: −0.15 BTC = −7500
    // the reduce-only sell can fill first, while the long is there, and the sell after it: −7500 − 50000·q ≥ −10000
    const d = guard.preview({ symbol: BTC, side: 'sell', type: 'market', amount: 0.1, reduceOnly: true });
    expect(d).toMatchObject({ action: 'resize', approved: '0.05' });
    expect(d.reasons[0]).toMatchObject({ code: 'NET_EXPOSURE', before: '-7500', after: '-10000', unclipped: '-12500' });
  });

  it('6b. a reduce-only order that would deepen its position\'s worst case is held to the position limit', async () => {
    const { ex, guard } = await setup({ maxPositionNotional: { default: 10000 } }, { alwaysAllowReducing: false });
    await ex.createOrder(BTC, 'market', 'buy', 0.1);
    await guard.refresh();
    await ex.createOrder(BTC, 'limit', 'sell', 0.25, 51000);
    // long 0.1 with a sell of 0.25 pending: −0.15 BTC = 7500 short; the reduce-only sell can fill first: −0.25 = 12500
    const d = guard.preview({ symbol: BTC, side: 'sell', type: 'market', amount: 0.1, reduceOnly: true });
    expect(d).toMatchObject({ action: 'resize', approved: '0.05' });
  });
});

describe('resting orders are pending in their own direction only', () => {
  it('7. a bid against pending sells does not lower gross; an account over its leverage limit cannot get worse by a fee', async () => {
    const { ex, guard } = await setup({ maxLeverage: 2 });
    await ex.createOrder(BTC, 'limit', 'sell', 0.3, 51000); // 15000 short if it fills
    const d = guard.preview({ symbol: BTC, side: 'buy', type: 'limit', amount: 0.1, price: 49000 });
    // only the sell fills: 15000 short; only the bid: 5000 long; both: 10000 short — the bid lowers nothing
    expect(d.before.gross).toBe('15000');
    expect(d.after.gross).toBe('15000');
  });

  it('7b. over its leverage limit, an account cannot add a bid against its pending sells (the fill would only lower gross if both filled)', async () => {
    const { sim, ex, guard } = await setup({ maxLeverage: 2 });
    await ex.createOrder(BTC, 'limit', 'sell', 0.38, 57000); // 19000 short at 50000, if it fills
    sim.setMark(BTC, '56000'); // the market pushes it to 21280: leverage 21280 / (10000 − 4.332 fee) = 2.1289…, over the limit
    await guard.refresh();
    expect(guard.exposure().limits[0]).toMatchObject({ limit: 'maxLeverage', value: '2.12892225' });
    // a bid of 0.1 alone would add 5600 long; only with the sell filled too would it lower gross: it is blocked
    const d = guard.preview({ symbol: BTC, side: 'buy', type: 'limit', amount: 0.1, price: 55000 });
    expect(d).toMatchObject({ action: 'block', reasons: [{ code: 'LEVERAGE' }] });
    expect(d.after.gross).toBe('21280');
  });
});

describe('fees and absurd prices', () => {
  it('8. a resting reduce-only order pays its fee in worst-case equity; an absurd price is refused and erases nothing', async () => {
    const { ex, guard } = await setup({});
    await ex.createOrder(BTC, 'market', 'buy', 0.1);
    await guard.refresh();
    const equity = guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 0.001 }).before.equity;
    await ex.createOrder(BTC, 'limit', 'sell', 0.1, 51000, { reduceOnly: true });
    // 0.1 · 51000 · maker 0.0002 = 1.02
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 0.001 }).before.equity).toBe(String(Number(equity) - 1.02));
    const absurd = guard.preview({ symbol: BTC, side: 'sell', type: 'limit', amount: 0.1, price: 1e100, reduceOnly: true });
    expect(absurd.reasons[0]).toMatchObject({ code: 'INVALID_ORDER', message: expect.stringMatching(/implausibly large/) });
    await expect(ex.createOrder(BTC, 'limit', 'sell', 0.1, 1e100, { reduceOnly: true })).rejects.toBeInstanceOf(RiskGuardRejection);
    expect(guard.preview({ symbol: BTC, side: 'buy', type: 'market', amount: 0.001 }).before.equity).toBe(String(Number(equity) - 1.02));
    expect(guard.verify()).toEqual([]);
  });
});
