import { Decimal, ZERO } from '../number.js';
import type { MarketSpec } from './market.js';

/** Scenario index: the book as it is, with every pending buy filled, with every pending sell filled. */
export const NOW = 0;
export const BUYS = 1;
export const SELLS = 2;
export type Scenario = typeof NOW | typeof BUYS | typeof SELLS;
/** The scenario in which orders of a direction (+1 buy, −1 sell) fill. */
export const scenarioOf = (direction: 1 | -1): typeof BUYS | typeof SELLS => (direction === 1 ? BUYS : SELLS);

/** What a holding is: a linear or inverse contract position, or a balance of a non-cash coin. */
export type HoldingInstrument = 'linear' | 'inverse' | 'balance';
export type HoldingSide = 'net' | 'long' | 'short' | 'balance';

/**
 * One exposure-carrying line of an account: a contract position (one per symbol in
 * one-way mode, a long and a short row in hedge mode) or a non-cash balance. Its value
 * is signed units (contracts, or coins for a balance) times a unit value in the quote
 * currency; pending orders add per-scenario unit changes.
 *
 * Only the book's Aggregates writes these fields (and Valuation the price key): every
 * change of a holding moves the account's sums with it.
 */
export class Holding {
  /** signed contracts (long > 0) or balance total − debt */
  units: Decimal = ZERO;
  /**
   * The lowest and highest units since the last read: a pending closing order may have
   * filled at any moment since then, so its room is the size the position had at its
   * largest, not only now (a fill learned since may have shrunk it after the close filled).
   */
  lowSinceRead: Decimal = ZERO;
  highSinceRead: Decimal = ZERO;
  /** signed unit change if every pending buy / sell that is not closing fills */
  deltaBuys: Decimal = ZERO;
  deltaSells: Decimal = ZERO;
  /** amounts of pending closing orders (reduce-only, hedge-mode closes): they fill toward zero and never past it */
  closingBuys: Decimal = ZERO;
  closingSells: Decimal = ZERO;
  /** amounts of every pending buy / sell on this position, closing or not: what already claims its reducing capacity */
  claimedByBuys: Decimal = ZERO;
  claimedBySells: Decimal = ZERO;
  /** notional of one unit in the quote currency; null when no price is known */
  unitValue: Decimal | null = null;
  /** signed notional per scenario, as counted in the sums */
  readonly notional: [Decimal, Decimal, Decimal] = [ZERO, ZERO, ZERO];
  /** its share of worst-case gross as counted: max(|notional[BUYS]|, |notional[SELLS]|) */
  worst: Decimal = ZERO;
  /** the price key (account|symbol) this holding's unit value depends on, if any (written by Valuation) */
  priceKey: string | null = null;
  /** counted in the sums (valued, or known to be unpriced) */
  attached = false;

  constructor(
    readonly key: string,
    readonly account: string,
    readonly instrument: HoldingInstrument,
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

  /** Does anything pending claim this holding? (It must stay in the book while so.) */
  get isClaimed(): boolean {
    return !this.claimedByBuys.isZero() || !this.claimedBySells.isZero();
  }

  /**
   * Units in a scenario. A direction's worst case: its closing orders fill first,
   * while the position still has the size to take them (shrinking it, never flipping
   * it), then its other orders — so a closing order can deepen a flip that other
   * pending orders of its direction make.
   */
  unitsIn(s: Scenario): Decimal {
    const u = this.units;
    if (s === NOW) return u;
    if (s === BUYS) {
      const v = u.plus(this.deltaBuys);
      return this.closingBuys.isZero() || !this.lowSinceRead.lt(0) ? v : v.plus(Decimal.min(this.closingBuys, this.lowSinceRead.neg()));
    }
    const v = u.plus(this.deltaSells);
    return this.closingSells.isZero() || !this.highSinceRead.gt(0) ? v : v.minus(Decimal.min(this.closingSells, this.highSinceRead));
  }

  /**
   * How many units an order in direction `dir` (+1 buy, −1 sell) can take off this
   * holding without flipping it, after every pending order of that direction that
   * already claims to reduce it: the part of a new order that only reduces.
   */
  reducingCapacity(dir: 1 | -1): Decimal {
    if (dir === -1 && this.units.gt(0)) return positive(this.units.minus(this.claimedBySells));
    if (dir === 1 && this.units.lt(0)) return positive(this.units.neg().minus(this.claimedByBuys));
    return ZERO;
  }

  /**
   * How much more a closing order in direction `dir` moves this holding's worst case:
   * the size left after the closing orders already pending in that direction. Past it,
   * the exchange refuses or expires the order.
   */
  closingRoom(dir: 1 | -1): Decimal {
    if (dir === -1 && this.highSinceRead.gt(0)) return positive(this.highSinceRead.minus(this.closingSells));
    if (dir === 1 && this.lowSinceRead.lt(0)) return positive(this.lowSinceRead.neg().minus(this.closingBuys));
    return ZERO;
  }
}

function positive(x: Decimal): Decimal {
  return x.gt(0) ? x : ZERO;
}

export function holdingKey(account: string, symbolOrCurrency: string, side: HoldingSide): string {
  return `${account}|${side}|${symbolOrCurrency}`;
}
