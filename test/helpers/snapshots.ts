import type { AccountSnapshot } from '../../src/snapshot/normalize.js';
import type { AccountSource, ReadClock } from '../../src/guard/sources.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import type { RiskGuardConfigInput } from '../../src/config/schema.js';

export const T0 = 1_700_000_000_000;

/** A ccxt-shaped linear USDT perpetual. */
export function linear(base: string, opts: { step?: number | string; min?: number; minCost?: number; contractSize?: number; taker?: number; maker?: number; max?: number } = {}) {
  return {
    id: `${base}USDT`, symbol: `${base}/USDT:USDT`, base, quote: 'USDT', settle: 'USDT', type: 'swap',
    spot: false, swap: true, contract: true, linear: true, inverse: false,
    contractSize: opts.contractSize ?? 1,
    precision: { amount: opts.step ?? 0.001, price: 0.1 },
    limits: { amount: { min: opts.min, max: opts.max }, cost: { min: opts.minCost } },
    taker: opts.taker ?? 0, maker: opts.maker ?? 0,
  };
}

/** A ccxt-shaped inverse perpetual: contracts of `contractSize` USD, settled in the base coin. */
export function inverse(base: string, contractSize = 100, opts: { taker?: number; maker?: number } = {}) {
  return {
    id: `${base}USD_PERP`, symbol: `${base}/USD:${base}`, base, quote: 'USD', settle: base, type: 'swap',
    spot: false, swap: true, contract: true, linear: false, inverse: true,
    contractSize,
    precision: { amount: 1, price: 0.1 },
    limits: { amount: { min: 1 }, cost: {} },
    taker: opts.taker ?? 0, maker: opts.maker ?? 0,
  };
}

export function spot(base: string, quote = 'USDT', opts: { step?: number; min?: number; minCost?: number; taker?: number; maker?: number } = {}) {
  return {
    id: `${base}${quote}`, symbol: `${base}/${quote}`, base, quote, type: 'spot', spot: true, contract: false,
    precision: { amount: opts.step ?? 0.0001, price: 0.01 },
    limits: { amount: { min: opts.min }, cost: { min: opts.minCost } },
    taker: opts.taker ?? 0, maker: opts.maker ?? 0,
  };
}

export function position(symbol: string, side: 'long' | 'short', contracts: number | string, extra: Record<string, unknown> = {}) {
  return { symbol, side, contracts, ...extra };
}

export function openOrder(symbol: string, side: 'buy' | 'sell', amount: number | string, price: number | string, extra: Record<string, unknown> = {}) {
  return { id: `o-${symbol}-${side}-${amount}-${price}-${Math.random()}`, symbol, side, type: 'limit', amount, remaining: amount, filled: 0, price, status: 'open', ...extra };
}

export function snapshot(parts: Partial<AccountSnapshot> & { markets: AccountSnapshot['markets'] }): AccountSnapshot {
  return {
    exchange: 'test',
    timestamp: T0,
    positions: [],
    balance: { USDT: { total: 10000 } },
    openOrders: [],
    prices: {},
    ...parts,
  };
}

export async function guardOn(snap: AccountSnapshot | AccountSnapshot[], config: RiskGuardConfigInput, clock?: () => number) {
  return RiskGuard.create({ config, sources: Array.isArray(snap) ? snap : [snap], ...(clock ? { clock } : {}) });
}

/** A linear BTC/ETH book: 10000 USDT equity, prices BTC 50000, ETH 2500. */
export function linearBook(positions: AccountSnapshot['positions'] = [], extra: Partial<AccountSnapshot> = {}) {
  return snapshot({
    markets: [linear('BTC', { min: 0.001, minCost: 5 }), linear('ETH', { step: 0.01, min: 0.01 })],
    positions,
    prices: { 'BTC/USDT:USDT': { mark: 50000 }, 'ETH/USDT:USDT': { mark: 2500 } },
    ...extra,
  });
}

export const buy = (symbol: string, amount: number | string, price?: number | string, extra: Record<string, unknown> = {}) =>
  ({ symbol, side: 'buy' as const, type: price === undefined ? 'market' : 'limit', amount, ...(price === undefined ? {} : { price }), ...extra });
export const sell = (symbol: string, amount: number | string, price?: number | string, extra: Record<string, unknown> = {}) =>
  ({ symbol, side: 'sell' as const, type: price === undefined ? 'market' : 'limit', amount, ...(price === undefined ? {} : { price }), ...extra });

export const BTC = 'BTC/USDT:USDT';
export const ETH = 'ETH/USDT:USDT';

/**
 * A live source over a function that returns the account at once (a test's fixed or
 * changing account): nothing happens between its parts, so it stamps them in the order a
 * careful source reads them — the open orders, then positions and balances.
 */
export function liveSource(name: string, read: () => AccountSnapshot | Promise<AccountSnapshot>): AccountSource {
  return {
    name,
    live: true,
    async fetchSnapshot(clock?: ReadClock) {
      const snap = await read();
      clock?.stamp('openOrders', 'requested');
      clock?.stamp('openOrders', 'answered');
      clock?.stamp('account', 'requested');
      clock?.stamp('account', 'answered');
      return snap;
    },
  };
}
