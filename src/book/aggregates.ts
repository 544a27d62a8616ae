import { Decimal, MINUS_ONE, ONE, ZERO, absOf, largerAbs } from '../number.js';
import { BUYS, Holding, NOW, SELLS, holdingKey, type HoldingInstrument, type HoldingSide, type Scenario } from './holding.js';
import type { MarketSpec } from './market.js';

/** Scenario bits for Aggregates.rewrite. */
const ALL = 0b111;
const bit = (s: Scenario) => 1 << s;

/**
 * The account's sums, and the holdings they are summed from. This is the only code that
 * writes net, gross, fees, cash, balance value and asset exposure, and the only code that
 * writes a holding's units, pending amounts, unit value and notionals: every change goes
 * through one path (rewrite) that recomputes the scenarios it touched and moves the sums by
 * the differences, so a change costs O(1) and reading a metric never walks the book.
 *
 * `version` grows with every write: a reader that worked something out from these values
 * (a check's projection) can tell whether they are still the same.
 */
export class Aggregates {
  version = 0;
  /** Σ signed notional per scenario (NOW, BUYS, SELLS) */
  readonly net: [Decimal, Decimal, Decimal] = [ZERO, ZERO, ZERO];
  /** Σ |notional| of the book as it is */
  grossNow: Decimal = ZERO;
  /**
   * Gross exposure in its worst case over any mix of pending fills: Σ over holdings of the
   * larger of |all pending buys filled| and |all pending sells filled|. Any mix of fills
   * lands between the two for each holding, so no mix exceeds it.
   */
  grossWorst: Decimal = ZERO;
  /** estimated fees of every pending item, per direction (index BUYS, SELLS; NOW stays 0) */
  readonly fees: [Decimal, Decimal, Decimal] = [ZERO, ZERO, ZERO];
  /** Σ value of non-cash balances in the book as it is (part of equity) */
  balanceValue: Decimal = ZERO;
  /** Σ cash of every account, in the quote currency */
  cashTotal: Decimal = ZERO;
  private readonly assets = new Map<string, [Decimal, Decimal, Decimal]>();
  private readonly cash = new Map<string, { total: Decimal; byCurrency: Map<string, Decimal> }>();
  private readonly holdings = new Map<string, Holding>();
  private readonly byAccount = new Map<string, Set<Holding>>();
  /** holdings that hold something but have no price: they block opening orders */
  private readonly unpricedSet = new Set<Holding>();

  // ---- reading -------------------------------------------------------------------

  equity(): Decimal {
    return this.cashTotal.plus(this.balanceValue);
  }

  assetExposure(asset: string, s: Scenario): Decimal {
    return this.assets.get(asset)?.[s] ?? ZERO;
  }

  holding(key: string): Holding | undefined {
    return this.holdings.get(key);
  }

  /** Is this holding the book's own (not a detached what-if copy)? */
  owns(h: Holding): boolean {
    return this.holdings.get(h.key) === h;
  }

  allHoldings(): IterableIterator<Holding> {
    return this.holdings.values();
  }

  holdingsOf(account: string): ReadonlySet<Holding> {
    return this.byAccount.get(account) ?? EMPTY;
  }

  cashOf(account: string): ReadonlyMap<string, Decimal> {
    return this.cash.get(account)?.byCurrency ?? EMPTY_MAP;
  }

  assetNames(): string[] {
    return [...this.assets.keys()];
  }

  accountsWithCash(): string[] {
    return [...this.cash.keys()];
  }

  isUnpriced(h: Holding): boolean {
    return this.unpricedSet.has(h);
  }

  get unpricedCount(): number {
    return this.unpricedSet.size;
  }

  unpriced(): Holding[] {
    return [...this.unpricedSet];
  }

  // ---- the holdings registry -----------------------------------------------------------

  /** The book's holding for a key, made (empty, not yet valued) on first use. */
  ensure(account: string, name: string, side: HoldingSide, asset: string, symbol: string | null, market: MarketSpec | null, instrument: HoldingInstrument): Holding {
    const key = holdingKey(account, name, side);
    let h = this.holdings.get(key);
    if (!h) {
      h = new Holding(key, account, instrument, side, asset, symbol, market);
      this.holdings.set(key, h);
      let set = this.byAccount.get(account);
      if (!set) this.byAccount.set(account, (set = new Set()));
      set.add(h);
    }
    return h;
  }

  /** Drops a holding that holds nothing and that nothing pending claims; returns whether it went. */
  pruneIfEmpty(h: Holding): boolean {
    if (!h.isEmpty || h.isClaimed || !this.owns(h)) return false;
    this.leaveSums(h);
    this.holdings.delete(h.key);
    this.byAccount.get(h.account)?.delete(h);
    this.unpricedSet.delete(h);
    this.version++;
    return true;
  }

  // ---- writes ----------------------------------------------------------------------------

  /** A holding's unit value is (re)set: it enters the sums at it (null: unpriced, counted as nothing). */
  setUnitValue(h: Holding, value: Decimal | null): void {
    this.leaveSums(h);
    h.unitValue = value;
    h.attached = true;
    this.trackUnpriced(h);
    if (value !== null) {
      h.notional[NOW] = h.notional[BUYS] = h.notional[SELLS] = ZERO;
      this.rewrite(h, ALL);
    }
    this.version++;
  }

  /** The units a read found. */
  setUnits(h: Holding, units: Decimal): void {
    const same = h.units.eq(units) && h.lowSinceRead.eq(units) && h.highSinceRead.eq(units);
    h.lowSinceRead = h.highSinceRead = units;
    if (same) return;
    h.units = units;
    this.trackUnpriced(h);
    this.rewrite(h, ALL);
  }

  /** A fill moved units. */
  moveUnits(h: Holding, du: Decimal): void {
    if (du.isZero()) return;
    h.units = h.units.plus(du);
    if (h.units.lt(h.lowSinceRead)) h.lowSinceRead = h.units;
    if (h.units.gt(h.highSinceRead)) h.highSinceRead = h.units;
    this.trackUnpriced(h);
    this.rewrite(h, ALL);
  }

  /**
   * A pending item's counted amount changed by `amount` (negative to take it back): its
   * legs move in its direction's scenario (a closing item toward zero only), its target's
   * reducing capacity is claimed, and its estimated fee joins the direction's fees.
   */
  movePending(legs: readonly { holding: Holding; unitsPerAmount: Decimal }[], target: Holding | null, closing: boolean, direction: 1 | -1, amount: Decimal, feePerUnit: Decimal): void {
    if (amount.isZero()) return;
    const buy = direction === 1;
    const s: Scenario = buy ? BUYS : SELLS;
    if (target) {
      if (buy) target.claimedByBuys = target.claimedByBuys.plus(amount);
      else target.claimedBySells = target.claimedBySells.plus(amount);
      if (closing) {
        if (buy) target.closingBuys = target.closingBuys.plus(amount);
        else target.closingSells = target.closingSells.plus(amount);
        this.trackUnpriced(target);
        this.rewrite(target, bit(s));
      }
    }
    if (!closing) {
      for (const leg of legs) {
        const h = leg.holding;
        const du = times(leg.unitsPerAmount, amount);
        if (buy) h.deltaBuys = h.deltaBuys.plus(du);
        else h.deltaSells = h.deltaSells.plus(du);
        this.trackUnpriced(h);
        this.rewrite(h, bit(s));
      }
    }
    if (!feePerUnit.isZero()) this.fees[s] = this.fees[s].plus(times(feePerUnit, amount));
    this.version++;
  }

  /** An item's fee per unit changed while `counted` of it is pending. */
  moveFee(direction: 1 | -1, counted: Decimal, before: Decimal, after: Decimal): void {
    if (before.eq(after) || counted.isZero()) return;
    const s = direction === 1 ? BUYS : SELLS;
    this.fees[s] = this.fees[s].plus(after.minus(before).mul(counted));
    this.version++;
  }

  /** Fees recomputed from every pending item (a read rebuilds them, so they cannot drift). */
  setFees([buys, sells]: [Decimal, Decimal]): void {
    this.fees[BUYS] = buys;
    this.fees[SELLS] = sells;
    this.version++;
  }

  /** Takes a holding out of the sums while its units and value change (setUnitValue puts it back). */
  detach(h: Holding): void {
    this.leaveSums(h);
    this.version++;
  }

  /** Cash moved (a fill's fee, the quote of a spot fill). */
  moveCash(account: string, currency: string, delta: Decimal): void {
    if (delta.isZero()) return;
    const c = this.cashAccount(account);
    c.byCurrency.set(currency, (c.byCurrency.get(currency) ?? ZERO).plus(delta));
    c.total = c.total.plus(delta);
    this.cashTotal = this.cashTotal.plus(delta);
    this.version++;
  }

  /** An account's cash as a read found it (currency → amount, all worth 1 quote each). */
  setCash(account: string, byCurrency: ReadonlyMap<string, Decimal>): void {
    const c = this.cashAccount(account);
    this.cashTotal = this.cashTotal.minus(c.total);
    c.byCurrency = new Map(byCurrency);
    c.total = ZERO;
    for (const v of byCurrency.values()) c.total = c.total.plus(v);
    this.cashTotal = this.cashTotal.plus(c.total);
    this.version++;
  }

  // ---- the one path ------------------------------------------------------------------------

  /**
   * Recomputes the scenarios of `mask` of a holding and moves every sum by the difference:
   * net and the asset's exposure per scenario, grossNow and the balance value with the book
   * as it is, grossWorst with the larger of the two pending scenarios.
   */
  private rewrite(h: Holding, mask: number): void {
    this.version++;
    const v = h.unitValue;
    if (!h.attached || v === null || !this.owns(h)) return;
    const n = h.notional;
    const worstBefore = largerAbs(n[BUYS], n[SELLS]);
    const a = this.assetRow(h.asset);
    if (mask & 1) {
      const before = n[NOW];
      const after = times(h.units, v);
      if (!after.eq(before)) {
        this.shift(a, NOW, after.minus(before));
        n[NOW] = after;
        const absAfter = absOf(after);
        const absBefore = absOf(before);
        if (!absAfter.eq(absBefore)) this.grossNow = this.grossNow.plus(absAfter.minus(absBefore));
        if (h.instrument === 'balance') this.balanceValue = this.balanceValue.plus(after.minus(before));
      }
    }
    for (const s of [BUYS, SELLS] as const) {
      if (!(mask & bit(s))) continue;
      const quiet = s === BUYS ? h.deltaBuys.isZero() && h.closingBuys.isZero() : h.deltaSells.isZero() && h.closingSells.isZero();
      // a scenario with nothing pending is the book as it is
      const after = quiet ? n[NOW] : times(h.unitsIn(s), v);
      if (!after.eq(n[s])) {
        this.shift(a, s, after.minus(n[s]));
        n[s] = after;
      }
    }
    const worstAfter = largerAbs(n[BUYS], n[SELLS]);
    if (!worstAfter.eq(worstBefore)) this.grossWorst = this.grossWorst.plus(worstAfter.minus(worstBefore));
  }

  /** Takes a holding's contribution out of the sums (before its value changes or it goes). */
  private leaveSums(h: Holding): void {
    if (!h.attached) return;
    h.attached = false;
    const n = h.notional;
    if (h.unitValue === null || !this.holdings.has(h.key)) return;
    const a = this.assetRow(h.asset);
    for (const s of [NOW, BUYS, SELLS] as const) if (!n[s].isZero()) this.shift(a, s, n[s].neg());
    if (!n[NOW].isZero()) {
      this.grossNow = this.grossNow.minus(absOf(n[NOW]));
      if (h.instrument === 'balance') this.balanceValue = this.balanceValue.minus(n[NOW]);
    }
    const w = largerAbs(n[BUYS], n[SELLS]);
    if (!w.isZero()) this.grossWorst = this.grossWorst.minus(w);
    n[NOW] = n[BUYS] = n[SELLS] = ZERO;
  }

  private shift(a: [Decimal, Decimal, Decimal], s: Scenario, d: Decimal): void {
    this.net[s] = this.net[s].plus(d);
    a[s] = a[s].plus(d);
  }

  private assetRow(asset: string): [Decimal, Decimal, Decimal] {
    let a = this.assets.get(asset);
    if (!a) this.assets.set(asset, (a = [ZERO, ZERO, ZERO]));
    return a;
  }

  private cashAccount(account: string): { total: Decimal; byCurrency: Map<string, Decimal> } {
    let c = this.cash.get(account);
    if (!c) this.cash.set(account, (c = { total: ZERO, byCurrency: new Map() }));
    return c;
  }

  private trackUnpriced(h: Holding): void {
    if (h.attached && h.unitValue === null && !h.isEmpty && this.owns(h)) this.unpricedSet.add(h);
    else this.unpricedSet.delete(h);
  }
}

const EMPTY: ReadonlySet<Holding> = new Set();
const EMPTY_MAP: ReadonlyMap<string, Decimal> = new Map();

/** a·b, skipping decimal.js when a side is the shared ±1 (a one-unit leg, a contract of size 1, a cash conversion). */
export function times(a: Decimal, b: Decimal): Decimal {
  if (a === ONE) return b;
  if (b === ONE) return a;
  if (a === MINUS_ONE) return b.neg();
  return a.mul(b);
}
