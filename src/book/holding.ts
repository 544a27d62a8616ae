import { Decimal, ZERO } from '../decimal.js';
import type { MarketSpec } from './market.js';

/** Scenario index: the book as it is, with every pending buy filled, with every pending sell filled. */
export const NOW = 0;
export const BUYS = 1;
export const SELLS = 2;
export type Scenario = typeof NOW | typeof BUYS | typeof SELLS;

export type HoldingKind = 'linear' | 'inverse' | 'balance';
export type HoldingSide = 'net' | 'long' | 'short' | 'balance';

/**
 * One exposure-carrying line of the account: a contract position (one per symbol in
 * one-way mode, a long and a short row in hedge mode) or a non-cash balance. Values
 * are signed units (contracts, or coins for a balance) times a unit value in the
 * quote currency; pending orders add per-scenario unit deltas.
 */
export class Holding {
  /** signed contracts (long > 0) or balance total − debt */
  units: Decimal = ZERO;
  /** signed unit change if every pending (non-reduce-only) buy / sell touching this holding fills */
  deltaBuys: Decimal = ZERO;
  deltaSells: Decimal = ZERO;
  /** units of pending closing orders (reduce-only, hedge-mode closes): they fill toward zero and never past it */
  closingBuys: Decimal = ZERO;
  closingSells: Decimal = ZERO;
  /** units of pending buys / sells, reduce-only included, that claim this holding's reducing capacity */
  reservedByBuys: Decimal = ZERO;
  reservedBySells: Decimal = ZERO;
  /** notional of one unit in the quote currency; null when no price is known */
  unitValue: Decimal | null = null;
  /** signed notional per scenario, as last added to the aggregates */
  readonly notional: [Decimal, Decimal, Decimal] = [ZERO, ZERO, ZERO];
  /** the price key (source|symbol) this holding's unit value depends on, if any */
  priceKey: string | null = null;
  attached = false;

  constructor(
    readonly key: string,
    readonly source: string,
    readonly kind: HoldingKind,
    readonly side: HoldingSide,
    readonly asset: string,
    /** the contract's symbol; null for a balance */
    readonly symbol: string | null,
    readonly market: MarketSpec | null,
  ) {}

  /** Is there anything here whose value matters? */
  get isEmpty(): boolean {
    return this.units.isZero() && this.deltaBuys.isZero() && this.deltaSells.isZero() && this.closingBuys.isZero() && this.closingSells.isZero();
  }

  /**
   * Units in a scenario. Worst case for a direction: its closing orders fill first
   * (shrinking the position, never flipping it), then its other orders.
   */
  unitsIn(s: 0 | 1 | 2): Decimal {
    const u = this.units;
    if (s === 0) return u;
    if (s === 1) {
      let v = u.plus(this.deltaBuys);
      if (!this.closingBuys.isZero() && u.lt(0)) v = v.plus(Decimal.min(this.closingBuys, u.neg()));
      return v;
    }
    let v = u.plus(this.deltaSells);
    if (!this.closingSells.isZero() && u.gt(0)) v = v.minus(Decimal.min(this.closingSells, u));
    return v;
  }

  /**
   * How many units an order in direction `dir` (+1 buy, −1 sell) can take off this
   * holding without flipping it, after the pending orders that already claim to reduce it.
   */
  reducingCapacity(dir: 1 | -1): Decimal {
    if (dir === -1 && this.units.gt(0)) {
      const c = this.units.minus(this.reservedBySells);
      return c.gt(0) ? c : ZERO;
    }
    if (dir === 1 && this.units.lt(0)) {
      const c = this.units.neg().minus(this.reservedByBuys);
      return c.gt(0) ? c : ZERO;
    }
    return ZERO;
  }
}

export function holdingKey(source: string, symbolOrCurrency: string, side: HoldingSide): string {
  return `${source}|${side}|${symbolOrCurrency}`;
}
