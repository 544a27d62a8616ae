import { Decimal, MINUS_ONE, ONE, ZERO, absOf, largerAbs } from '../number.js';
import { BUYS, Holding, NOW, SELLS, holdingKey, type HoldingInstrument, type HoldingSide, type Scenario } from './holding.js';
import type { MarketSpec } from './market.js';

/**
 * What a check already worked out for one amount of an order on one version of the book:
 * per leg, the move of its scenario's notional, the notional after it and the holding's
 * worst case after it, and the order's fee. Counting that order on the same version moves
 * the sums by exactly these numbers, so they are taken instead of computed again
 * (verify() holds the result to values recomputed from scratch).
 */
export interface WorkedMove {
  version: number;
  amount: Decimal;
  legs: readonly { delta: Decimal; after: Decimal; worst: Decimal }[];
  fee: Decimal;
}

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
  /** account → side → symbol or currency → holding: the order path finds holdings without building key strings */
  private readonly index = new Map<string, Map<HoldingSide, Map<string, Holding>>>();
  /** inside batch(): holdings to rewrite at its end, with the scenarios to recompute */
  private deferred: Map<Holding, number> | null = null;
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

  /** The book's holding of an account, side and symbol (or currency), if it has one. */
  find(account: string, name: string, side: HoldingSide): Holding | undefined {
    return this.index.get(account)?.get(side)?.get(name);
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
    let h = this.find(account, name, side);
    if (!h) {
      const key = holdingKey(account, name, side);
      h = new Holding(key, account, instrument, side, asset, symbol, market);
      this.holdings.set(key, h);
      let set = this.byAccount.get(account);
      if (!set) this.byAccount.set(account, (set = new Set()));
      set.add(h);
      let sides = this.index.get(account);
      if (!sides) this.index.set(account, (sides = new Map()));
      let names = sides.get(side);
      if (!names) sides.set(side, (names = new Map()));
      names.set(name, h);
    }
    return h;
  }

  /** Drops a holding that holds nothing and that nothing pending claims; returns whether it went. */
  pruneIfEmpty(h: Holding): boolean {
    if (!h.isEmpty || h.isClaimed || !this.owns(h)) return false;
    this.leaveSums(h);
    this.holdings.delete(h.key);
    this.byAccount.get(h.account)?.delete(h);
    this.index.get(h.account)?.get(h.side)?.delete(h.symbol ?? h.asset);
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
      h.worst = ZERO;
      this.enter(h);
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
  movePending(legs: readonly { holding: Holding; unitsPerAmount: Decimal }[], target: Holding | null, closing: boolean, direction: 1 | -1, amount: Decimal, feePerUnit: Decimal, worked?: WorkedMove): void {
    if (amount.isZero()) return;
    const w = worked !== undefined && !closing && worked.version === this.version && worked.legs.length === legs.length && worked.amount.eq(amount) ? worked : null;
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
      for (let i = 0; i < legs.length; i++) {
        const leg = legs[i]!;
        const h = leg.holding;
        const du = times(leg.unitsPerAmount, amount);
        if (buy) h.deltaBuys = h.deltaBuys.plus(du);
        else h.deltaSells = h.deltaSells.plus(du);
        this.trackUnpriced(h);
        if (w) this.takeWorked(h, s, w.legs[i]!);
        else this.moveScenario(h, s, du);
      }
    }
    if (!feePerUnit.isZero()) this.fees[s] = this.fees[s].plus(w ? w.fee : times(feePerUnit, amount));
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

  /**
   * Runs writes that touch the same holdings more than once (a fill moves a position's
   * units and its order's pending amount) and rewrites each touched holding once, at the
   * end. Nothing reads the sums in between; the result is what the writes one by one give.
   */
  batch<T>(writes: () => T): T {
    if (this.deferred) return writes();
    const deferred = (this.deferred = new Map());
    try {
      return writes();
    } finally {
      this.deferred = null;
      for (const [h, mask] of deferred) this.rewrite(h, mask);
    }
  }

  // ---- the one path ------------------------------------------------------------------------

  /**
   * Recomputes the scenarios of `mask` of a holding and moves every sum by the difference:
   * net and the asset's exposure per scenario, grossNow and the balance value with the book
   * as it is, grossWorst with the larger of the two pending scenarios.
   */
  private rewrite(h: Holding, mask: number): void {
    this.version++;
    if (this.deferred) {
      this.deferred.set(h, (this.deferred.get(h) ?? 0) | mask);
      return;
    }
    const v = h.unitValue;
    if (!h.attached || v === null || !this.owns(h)) return;
    const n = h.notional;
    if (mask & 1) {
      const before = n[NOW];
      const after = times(h.units, v);
      if (!after.eq(before)) {
        this.shift(h.asset, NOW, after.minus(before));
        n[NOW] = after;
        const absAfter = absOf(after);
        const absBefore = absOf(before);
        if (!absAfter.eq(absBefore)) this.grossNow = this.grossNow.plus(absAfter.minus(absBefore));
        if (h.instrument === 'balance') this.balanceValue = this.balanceValue.plus(after.minus(before));
      }
    }
    // the pending scenarios; worst-case gross moves only when one of them did
    const buysBefore = n[BUYS];
    const sellsBefore = n[SELLS];
    const buys = mask & bit(BUYS) ? this.scenarioValue(h, BUYS, v) : buysBefore;
    const sells = mask & bit(SELLS) ? this.scenarioValue(h, SELLS, v) : sellsBefore;
    const buysMoved = buys !== buysBefore && !buys.eq(buysBefore);
    const sellsMoved = sells !== sellsBefore && !sells.eq(sellsBefore);
    if (!buysMoved && !sellsMoved) return;
    if (buysMoved) {
      this.shift(h.asset, BUYS, buys.minus(buysBefore));
      n[BUYS] = buys;
    }
    if (sellsMoved) {
      this.shift(h.asset, SELLS, sells.minus(sellsBefore));
      n[SELLS] = sells;
    }
    const worstBefore = h.worst;
    const worstAfter = largerAbs(buys, sells);
    h.worst = worstAfter;
    if (!worstAfter.eq(worstBefore)) this.grossWorst = this.grossWorst.plus(worstAfter.minus(worstBefore));
  }

  /**
   * A pending scenario's units moved by du and nothing else changed: its notional moves
   * by du·value. Exact, not an estimate: a scenario's units are linear in its pending
   * delta (Holding.unitsIn), and the bounds on order inputs keep every product within
   * the arithmetic's digits. The order path's shortcut past rewrite; verify() holds both
   * to values recomputed from scratch.
   */
  private moveScenario(h: Holding, s: typeof BUYS | typeof SELLS, du: Decimal): void {
    if (this.deferred) return this.rewrite(h, bit(s));
    this.version++;
    const v = h.unitValue;
    if (!h.attached || v === null || !this.owns(h)) return;
    const dn = times(du, v);
    if (dn.isZero()) return;
    const n = h.notional;
    n[s] = n[s].plus(dn);
    this.shift(h.asset, s, dn);
    const worstAfter = largerAbs(n[BUYS], n[SELLS]);
    if (!worstAfter.eq(h.worst)) this.grossWorst = this.grossWorst.plus(worstAfter.minus(h.worst));
    h.worst = worstAfter;
  }

  /** A holding out of the sums (every notional 0) enters them at its unit value: rewrite from zero, without the differences. */
  private enter(h: Holding): void {
    if (this.deferred) return this.rewrite(h, ALL);
    this.version++;
    const v = h.unitValue;
    if (!h.attached || v === null || !this.owns(h)) return;
    const n = h.notional;
    const now = times(h.units, v);
    n[NOW] = now;
    const buys = this.scenarioValue(h, BUYS, v);
    const sells = this.scenarioValue(h, SELLS, v);
    n[BUYS] = buys;
    n[SELLS] = sells;
    const a = this.assetRow(h.asset);
    if (!now.isZero()) {
      this.shift(a, NOW, now);
      this.grossNow = this.grossNow.plus(absOf(now));
      if (h.instrument === 'balance') this.balanceValue = this.balanceValue.plus(now);
    }
    if (!buys.isZero()) this.shift(a, BUYS, buys);
    if (!sells.isZero()) this.shift(a, SELLS, sells);
    h.worst = largerAbs(buys, sells);
    if (!h.worst.isZero()) this.grossWorst = this.grossWorst.plus(h.worst);
  }

  /** moveScenario with the numbers a check worked out on this version of the book. */
  private takeWorked(h: Holding, s: typeof BUYS | typeof SELLS, l: WorkedMove['legs'][number]): void {
    if (this.deferred) return this.rewrite(h, bit(s));
    this.version++;
    if (!h.attached || h.unitValue === null || !this.owns(h) || l.delta.isZero()) return;
    h.notional[s] = l.after;
    this.shift(h.asset, s, l.delta);
    if (!l.worst.eq(h.worst)) this.grossWorst = this.grossWorst.plus(l.worst.minus(h.worst));
    h.worst = l.worst;
  }

  /** A holding's notional in a pending scenario; with nothing pending in it, the book as it is. */
  private scenarioValue(h: Holding, s: typeof BUYS | typeof SELLS, v: Decimal): Decimal {
    const quiet = s === BUYS ? h.deltaBuys.isZero() && h.closingBuys.isZero() : h.deltaSells.isZero() && h.closingSells.isZero();
    return quiet ? h.notional[NOW] : times(h.unitsIn(s), v);
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
    if (!h.worst.isZero()) this.grossWorst = this.grossWorst.minus(h.worst);
    h.worst = ZERO;
    n[NOW] = n[BUYS] = n[SELLS] = ZERO;
  }

  private shift(asset: string | [Decimal, Decimal, Decimal], s: Scenario, d: Decimal): void {
    const a = typeof asset === 'string' ? this.assetRow(asset) : asset;
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
    else if (this.unpricedSet.size > 0) this.unpricedSet.delete(h);
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
