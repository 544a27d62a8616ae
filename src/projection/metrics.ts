import type { Book } from '../book/book.js';
import { BUYS, SELLS, type Holding, type Scenario } from '../book/holding.js';
import { Decimal, absOf, largerAbs } from '../number.js';

/**
 * The account's metrics as the limits read them, defined once. Pending items count as if
 * they fill: net, asset and position exposure per direction (a buy is checked with every
 * pending buy filled, a sell with every pending sell), gross exposure and equity in the
 * worst case over any mix of fills. A check's "before", a Decision's numbers and the
 * exposure report all come from here; the projection moves them by an order's amount.
 */

/** Net exposure with every pending order of a scenario's direction filled. */
export function netIn(book: Book, s: Scenario): Decimal {
  return book.aggregates.net[s];
}

/** |net| in its worst direction. */
export function netWorst(book: Book): Decimal {
  return largerAbs(book.aggregates.net[BUYS], book.aggregates.net[SELLS]);
}

export function assetIn(book: Book, asset: string, s: Scenario): Decimal {
  return book.aggregates.assetExposure(asset, s);
}

export function assetWorst(book: Book, asset: string): Decimal {
  return largerAbs(assetIn(book, asset, BUYS), assetIn(book, asset, SELLS));
}

/** A position's |notional| in its worst direction. */
export function positionWorst(h: Holding): Decimal {
  return largerAbs(h.notional[BUYS], h.notional[SELLS]);
}

/** Gross exposure in its worst case over any mix of pending fills. */
export function grossWorst(book: Book): Decimal {
  return book.aggregates.grossWorst;
}

/** Equity once every pending item has filled and paid its estimated fee. */
export function equityWorst(book: Book): Decimal {
  return book.equityWorst;
}

/** A holding's share of grossWorst: the larger of its two directions. */
export function grossShare(inScenario: Decimal, opposite: Decimal): Decimal {
  return largerAbs(inScenario, opposite);
}

/** |x| for callers that have a signed metric. */
export { absOf };
