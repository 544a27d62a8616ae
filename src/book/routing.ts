import { Decimal, MINUS_ONE, ONE, ZERO } from '../number.js';
import type { PositionSide } from '../snapshot/normalize.js';
import { times, type Aggregates } from './aggregates.js';
import { Holding, holdingKey, type HoldingInstrument, type HoldingSide } from './holding.js';
import type { MarketSpec } from './market.js';
import type { Valuation } from './valuation.js';

/** One holding an order moves, and by how many signed units per unit of the order's amount. */
export interface Leg {
  holding: Holding;
  unitsPerAmount: Decimal;
}

/** Where an order lands in the book. */
export interface Route {
  market: MarketSpec;
  /** holdings whose exposure the order changes when it fills */
  legs: Leg[];
  /** the position the order may reduce; its capacity is claimed while the order is pending */
  target: Holding | null;
  /** the order only reduces (reduce-only, or a hedge-mode close): it fills toward zero and never past it */
  closing: boolean;
  direction: 1 | -1;
}

/** What an order is, as far as routing and its fee are concerned. */
export interface OrderShape {
  account: string;
  market: MarketSpec;
  side: 'buy' | 'sell';
  positionSide: PositionSide;
  reduceOnly: boolean;
  /** the limit price; null for market orders */
  price: Decimal | null;
}

/**
 * Which holdings an order moves, and what it is estimated to cost. Contract orders move
 * the position row of their mode; spot orders move the base balance and, when the quote is
 * not cash, the quote balance too.
 */
export class Routing {
  constructor(
    private readonly aggregates: Aggregates,
    private readonly valuation: Valuation,
  ) {}

  /**
   * The order's route; a problem string when it contradicts the account's position mode.
   * `inBook` makes missing holdings in the book (for a reservation); otherwise a holding
   * the book lacks is a detached, valued, empty copy and the book does not change.
   */
  route(o: OrderShape, inBook: boolean): Route | string {
    const { account, market } = o;
    const holding = (name: string, side: HoldingSide, asset: string, symbol: string | null, m: MarketSpec | null, instrument: HoldingInstrument): Holding => {
      if (inBook) {
        const h = this.aggregates.ensure(account, name, side, asset, symbol, m, instrument);
        if (!h.attached) this.aggregates.setUnitValue(h, this.valuation.value(h));
        return h;
      }
      const h = this.aggregates.find(account, name, side);
      if (h) return h;
      const detached = new Holding(holdingKey(account, name, side), account, instrument, side, asset, symbol, m);
      detached.unitValue = this.valuation.peek(detached);
      return detached;
    };
    const direction: 1 | -1 = o.side === 'buy' ? 1 : -1;
    const dir = direction === 1 ? ONE : MINUS_ONE;
    const cash = this.valuation.cashCurrencies;
    if (market.instrument === 'spot') {
      const legs: Leg[] = [];
      let target: Holding | null = null;
      if (!cash.has(market.base)) {
        target = holding(market.base, 'balance', market.base, null, null, 'balance');
        legs.push({ holding: target, unitsPerAmount: dir });
      }
      if (!cash.has(market.quote)) {
        const px = o.price ?? this.valuation.price(account, market.symbol);
        if (px === null) return `no price for ${market.symbol} to value its ${market.quote} leg`;
        legs.push({ holding: holding(market.quote, 'balance', market.quote, null, null, 'balance'), unitsPerAmount: px.mul(-direction) });
      }
      return { market, legs, target, closing: o.reduceOnly, direction };
    }
    const instrument = market.instrument;
    if (o.positionSide === 'net') {
      for (const side of ['long', 'short'] as const) {
        const hedged = this.aggregates.find(account, market.symbol, side);
        if (hedged && !hedged.units.isZero()) return `${market.symbol} is held in hedge mode on ${account}: pass params.positionSide ("LONG" or "SHORT")`;
      }
      const target = holding(market.symbol, 'net', market.base, market.symbol, market, instrument);
      return { market, legs: [{ holding: target, unitsPerAmount: dir }], target, closing: o.reduceOnly, direction };
    }
    const net = this.aggregates.find(account, market.symbol, 'net');
    if (net && !net.units.isZero()) return `${market.symbol} is held in one-way mode on ${account}: do not pass a position side`;
    const target = holding(market.symbol, o.positionSide, market.base, market.symbol, market, instrument);
    // in hedge mode a buy on the short row (or a sell on the long row) closes it
    const closing = o.reduceOnly || (o.positionSide === 'long' ? direction === -1 : direction === 1);
    return { market, legs: [{ holding: target, unitsPerAmount: dir }], target, closing, direction };
  }

  /** Is every holding of the route the book's own (not a detached what-if copy)? */
  inBook(route: Route): boolean {
    if (route.target && !this.aggregates.owns(route.target)) return false;
    for (const leg of route.legs) if (!this.aggregates.owns(leg.holding)) return false;
    return true;
  }

  /**
   * Estimated fee per unit of amount, in the quote currency. A resting limit order pays
   * the maker rate; a market order, a conditional order (it triggers into the market) and
   * a limit order priced through the mark (it takes on arrival) pay the higher rate.
   */
  feePerUnit(o: OrderShape, opts: { market: boolean; conditional: boolean }, perUnit?: Decimal | null): Decimal {
    const m = o.market;
    const taker = m.taker.gt(m.maker) ? m.taker : m.maker;
    let rate = m.maker;
    if (opts.market || opts.conditional || o.price === null) rate = taker;
    else {
      const mark = this.valuation.price(o.account, m.symbol);
      if (mark === null || (o.side === 'buy' ? o.price.gte(mark) : o.price.lte(mark))) rate = taker;
    }
    if (rate.isZero()) return ZERO;
    const notional = perUnit === undefined ? this.valuation.notionalPerUnit(o.account, m, o.price) : perUnit;
    return notional === null ? ZERO : times(notional, rate);
  }
}
