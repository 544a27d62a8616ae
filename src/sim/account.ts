/**
 * Wallet balances and positions of the simulated account, and what a fill does to
 * them: entry-price averaging, realized PnL on reduction, flips, fees. Money that
 * reaches the wallet is rounded to 8 decimals, as Binance books it; entry prices
 * keep full precision so unrealized PnL stays exact.
 */
import { Decimal, ZERO } from '../number.js';

export type PositionSide = 'BOTH' | 'LONG' | 'SHORT';
export type Side = 'BUY' | 'SELL';

export interface Position {
  symbol: string;
  positionSide: PositionSide;
  /** Signed quantity: > 0 long, < 0 short. LONG rows are ≥ 0, SHORT rows ≤ 0. */
  qty: Decimal;
  /** Average entry price (0 when flat). */
  entry: Decimal;
  updateTime: number;
}

export interface FillResult {
  realizedPnl: Decimal;
}

const WALLET_DP = 8;

export function round8(d: Decimal): Decimal {
  return d.toDecimalPlaces(WALLET_DP, Decimal.ROUND_HALF_EVEN);
}

export class Account {
  readonly wallet = new Map<string, Decimal>();
  /** Last time each asset's wallet changed (Binance omits assets whose updateTime is 0). */
  readonly walletTime = new Map<string, number>();
  private readonly positions = new Map<string, Position>();

  constructor(balances: Record<string, Decimal>, now: number) {
    for (const [asset, amount] of Object.entries(balances)) {
      this.wallet.set(asset, amount);
      this.walletTime.set(asset, now);
    }
  }

  balance(asset: string): Decimal {
    return this.wallet.get(asset) ?? ZERO;
  }

  credit(asset: string, amount: Decimal, now: number): void {
    this.wallet.set(asset, this.balance(asset).plus(amount));
    this.walletTime.set(asset, now);
  }

  position(symbol: string, positionSide: PositionSide): Position {
    const key = `${symbol}:${positionSide}`;
    let p = this.positions.get(key);
    if (!p) {
      p = { symbol, positionSide, qty: ZERO, entry: ZERO, updateTime: 0 };
      this.positions.set(key, p);
    }
    return p;
  }

  /** Every position row ever touched (flat ones included), in creation order. */
  allPositions(): Position[] {
    return [...this.positions.values()];
  }

  hasOpenPosition(): boolean {
    return this.allPositions().some((p) => !p.qty.isZero());
  }

  /**
   * Applies a fill of `qty` (> 0) at `price` to a position. One-way (BOTH) rows can
   * flip; hedge rows only move between 0 and their own sign (the matcher caps closes).
   */
  applyFill(symbol: string, positionSide: PositionSide, side: Side, qty: Decimal, price: Decimal, now: number): FillResult {
    const p = this.position(symbol, positionSide);
    const delta = side === 'BUY' ? qty : qty.neg();
    let realized = ZERO;
    if (p.qty.isZero() || p.qty.gt(0) === delta.gt(0)) {
      // opening or adding: volume-weighted entry
      const total = p.qty.abs().plus(qty);
      p.entry = p.qty.abs().times(p.entry).plus(qty.times(price)).div(total);
      p.qty = p.qty.plus(delta);
    } else {
      const closing = Decimal.min(qty, p.qty.abs());
      const dir = p.qty.gt(0) ? 1 : -1;
      realized = closing.times(price.minus(p.entry)).times(dir);
      const rest = qty.minus(closing);
      p.qty = p.qty.plus(delta.gt(0) ? closing : closing.neg());
      if (p.qty.isZero()) p.entry = ZERO;
      if (rest.gt(0)) {
        // a one-way position flips: the remainder opens at the fill price
        p.qty = delta.gt(0) ? rest : rest.neg();
        p.entry = price;
      }
    }
    p.updateTime = now;
    return { realizedPnl: realized };
  }
}
