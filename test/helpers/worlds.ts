/**
 * Generated accounts for property tests: one to three assets, each with a linear swap and
 * perhaps an inverse swap and a spot market (contract sizes, lot steps and fees varied),
 * positions either way, coin balances, resting orders near the mark (some reduce-only),
 * any mix of exposure and order-size limits, and a few orders to decide. Each world comes
 * with the same account in the from-scratch reference model's terms (reference.ts).
 */
import fc from 'fast-check';
import type { AccountSnapshot } from '../../src/snapshot/normalize.js';
import { Decimal } from '../../src/number.js';
import type { RefBook, RefLimits, RefMarket, RefOrder } from './reference.js';

const D = (s: string | number) => new Decimal(s);

export const dec = (maxInt: number, places: number[]) =>
  fc.tuple(fc.integer({ min: 1, max: maxInt }), fc.constantFrom(...places)).map(([n, k]) => D(n).div(D(10).pow(k)).toFixed());

export interface World {
  snapshot: AccountSnapshot;
  config: Record<string, unknown>;
  ref: RefBook;
  limits: RefLimits;
  alwaysAllowReducing: boolean;
  orders: Array<{ intent: Record<string, unknown>; ref: RefOrder }>;
}

const assetArb = fc.record({
  price: dec(100000, [0, 1, 2]),
  linearCs: fc.constantFrom('1', '0.1', '0.01', '10'),
  linearStep: fc.constantFrom('0.001', '0.01', '0.1', '1', '0.5', '0.005'),
  inverse: fc.option(fc.constantFrom('1', '10', '100'), { nil: null }),
  spot: fc.option(fc.constantFrom('0.0001', '0.001', '0.01'), { nil: null }),
  taker: fc.constantFrom('0', '0.0002', '0.0004', '0.001'),
  maker: fc.constantFrom('0', '0.0002'),
});

export const worldArb: fc.Arbitrary<World> = fc.record({
  assets: fc.uniqueArray(fc.constantFrom('BTC', 'ETH', 'SOL'), { minLength: 1, maxLength: 3 }).chain((names) =>
    fc.tuple(...names.map((n) => assetArb.map((a) => ({ name: n, ...a }))))),
  usdt: fc.integer({ min: 0, max: 200000 }),
  positionsK: fc.array(fc.integer({ min: -300, max: 300 }), { minLength: 9, maxLength: 9 }),
  coinsK: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 3, maxLength: 3 }),
  pendingSpec: fc.array(fc.record({ m: fc.nat(), buy: fc.boolean(), k: fc.integer({ min: 1, max: 200 }), bps: fc.integer({ min: -300, max: 300 }), ro: fc.boolean() }), { maxLength: 4 }),
  limitSpec: fc.record({
    net: fc.option(fc.oneof(fc.record({ value: dec(200000, [0]) }), fc.record({ pctOfEquity: dec(300, [0, 1]) })), { nil: undefined }),
    gross: fc.option(fc.oneof(fc.record({ value: dec(400000, [0]) }), fc.record({ pctOfEquity: dec(500, [0]) })), { nil: undefined }),
    leverage: fc.option(dec(50, [0, 1]), { nil: undefined }),
    position: fc.option(dec(100000, [0]), { nil: undefined }),
    asset: fc.option(dec(150000, [0]), { nil: undefined }),
    orderNotional: fc.option(dec(100000, [0]), { nil: undefined }),
    orderAmount: fc.option(dec(1000, [0, 1, 2]), { nil: undefined }),
  }),
  alwaysAllowReducing: fc.boolean(),
  orderSpec: fc.array(fc.record({ m: fc.nat(), buy: fc.boolean(), k: fc.integer({ min: 1, max: 800 }), offLot: fc.boolean(), limit: fc.boolean(), bps: fc.integer({ min: -100, max: 100 }), ro: fc.boolean() }), { minLength: 1, maxLength: 6 }),
}).map((g): World => {
  const markets: Array<Record<string, unknown>> = [];
  const refMarkets = new Map<string, RefMarket>();
  const prices: Record<string, { mark: string }> = {};
  const refPrices = new Map<string, Decimal>();
  const addMarket = (m: Record<string, unknown>, r: RefMarket, price: string) => {
    markets.push(m);
    refMarkets.set(r.symbol, r);
    prices[r.symbol] = { mark: price };
  };
  for (const a of g.assets) {
    refPrices.set(a.name, D(a.price));
    const common = { taker: Number(a.taker), maker: Number(a.maker) };
    const lin = `${a.name}/USDT:USDT`;
    addMarket({ symbol: lin, base: a.name, quote: 'USDT', settle: 'USDT', type: 'swap', contract: true, linear: true, inverse: false, contractSize: a.linearCs, precision: { amount: a.linearStep }, limits: { amount: {}, cost: {} }, ...common },
      { symbol: lin, base: a.name, quote: 'USDT', kind: 'linear', cs: D(a.linearCs), step: D(a.linearStep), taker: D(a.taker), maker: D(a.maker) }, a.price);
    if (a.inverse) {
      const inv = `${a.name}/USD:${a.name}`;
      addMarket({ symbol: inv, base: a.name, quote: 'USD', settle: a.name, type: 'swap', contract: true, linear: false, inverse: true, contractSize: a.inverse, precision: { amount: '1' }, limits: { amount: {}, cost: {} }, ...common },
        { symbol: inv, base: a.name, quote: 'USD', kind: 'inverse', cs: D(a.inverse), step: D(1), taker: D(a.taker), maker: D(a.maker) }, a.price);
    }
    if (a.spot) {
      const sp = `${a.name}/USDT`;
      addMarket({ symbol: sp, base: a.name, quote: 'USDT', type: 'spot', spot: true, precision: { amount: a.spot }, limits: { amount: {}, cost: {} }, ...common },
        { symbol: sp, base: a.name, quote: 'USDT', kind: 'spot', cs: D(1), step: D(a.spot), taker: D(a.taker), maker: D(a.maker) }, a.price);
    }
  }
  const list = [...refMarkets.values()];
  const contracts = list.filter((m) => m.kind !== 'spot');
  const positions: Array<Record<string, unknown>> = [];
  const refPositions = new Map<string, Decimal>();
  contracts.forEach((m, i) => {
    const k = g.positionsK[i % 9]!;
    if (k === 0) return;
    const c = m.step.mul(Math.abs(k));
    positions.push({ symbol: m.symbol, side: k > 0 ? 'long' : 'short', contracts: c.toFixed(), contractSize: m.cs.toFixed() });
    refPositions.set(m.symbol, k > 0 ? c : c.neg());
  });
  const balance: Record<string, { total: string }> = { USDT: { total: String(g.usdt) } };
  const refBalances = new Map<string, Decimal>([['USDT', D(g.usdt)]]);
  list.filter((m) => m.kind === 'spot').forEach((m, i) => {
    const k = g.coinsK[i % 3]!;
    if (k === 0) return;
    const t = m.step.mul(k);
    balance[m.base] = { total: t.toFixed() };
    refBalances.set(m.base, t);
  });
  const priceNear = (m: RefMarket, bps: number) => {
    const p = refPrices.get(m.base)!.mul(D(10000 + bps)).div(10000).toDecimalPlaces(4);
    return p.gt(0) ? p : D('0.0001');
  };
  const openOrders: Array<Record<string, unknown>> = [];
  const pending: RefOrder[] = [];
  g.pendingSpec.forEach((p, i) => {
    const m = list[p.m % list.length]!;
    const ro = p.ro && m.kind !== 'spot';
    const amount = m.step.mul(p.k);
    const price = priceNear(m, p.bps);
    openOrders.push({ id: `open-${i}`, symbol: m.symbol, side: p.buy ? 'buy' : 'sell', type: 'limit', amount: amount.toFixed(), remaining: amount.toFixed(), price: price.toFixed(), status: 'open', reduceOnly: ro });
    pending.push({ symbol: m.symbol, side: p.buy ? 'buy' : 'sell', amount, price, reduceOnly: ro, market: false });
  });
  const l = g.limitSpec;
  const limits: Record<string, unknown> = {};
  const refLimits: RefLimits = {};
  if (l.net) { limits['maxNetExposure'] = l.net; refLimits.net = 'value' in l.net ? { value: D(l.net.value) } : { pct: D(l.net.pctOfEquity) }; }
  if (l.gross) { limits['maxGrossExposure'] = l.gross; refLimits.gross = 'value' in l.gross ? { value: D(l.gross.value) } : { pct: D(l.gross.pctOfEquity) }; }
  if (l.leverage) { limits['maxLeverage'] = l.leverage; refLimits.leverage = D(l.leverage); }
  if (l.position) { limits['maxPositionNotional'] = { default: l.position }; refLimits.position = D(l.position); }
  if (l.asset) { limits['maxAssetExposure'] = { [g.assets[0]!.name]: l.asset }; refLimits.asset = new Map([[g.assets[0]!.name, D(l.asset)]]); }
  if (l.orderNotional) { limits['maxOrderNotional'] = l.orderNotional; refLimits.orderNotional = D(l.orderNotional); }
  if (l.orderAmount) { limits['maxOrderAmount'] = { '*': l.orderAmount }; refLimits.orderAmount = D(l.orderAmount); }
  const orders = g.orderSpec.map((o) => {
    const m = list[o.m % list.length]!;
    const ro = o.ro && m.kind !== 'spot';
    const amount = o.offLot ? m.step.mul(o.k).plus(m.step.div(3).toDecimalPlaces(9, Decimal.ROUND_DOWN)) : m.step.mul(o.k);
    const price = o.limit ? priceNear(m, o.bps) : null;
    const intent: Record<string, unknown> = { symbol: m.symbol, side: o.buy ? 'buy' : 'sell', type: o.limit ? 'limit' : 'market', amount: amount.toFixed(), ...(price ? { price: price.toFixed() } : {}), ...(ro ? { reduceOnly: true } : {}) };
    return { intent, ref: { symbol: m.symbol, side: intent['side'] as 'buy' | 'sell', amount, price, reduceOnly: ro, market: !o.limit } };
  });
  return {
    snapshot: { exchange: 'prop', timestamp: 1_700_000_000_000, markets, positions, balance, openOrders, prices },
    config: { alwaysAllowReducing: g.alwaysAllowReducing, limits },
    ref: { markets: refMarkets, prices: refPrices, positions: refPositions, balances: refBalances, cash: new Set(['USDT', 'USDC', 'USD']), pending },
    limits: refLimits,
    alwaysAllowReducing: g.alwaysAllowReducing,
    orders,
  };
});
