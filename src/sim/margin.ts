/**
 * Cross-margin arithmetic of the simulated account, per margin asset:
 * unrealized PnL at mark, position and open-order initial margin at the symbol's
 * leverage, maintenance margin from the leverage brackets, available balance and
 * Binance's cross liquidation price. Pure functions of the engine's state.
 */
import { Decimal, ZERO } from '../number.js';
import { round8, type Account, type Position, type PositionSide, type Side } from './account.js';
import { bracketFor, type Instrument } from './instruments.js';

/** What an order adds to margin: its unfilled part at its price. */
export interface OrderExposure {
  symbol: string;
  side: Side;
  positionSide: PositionSide;
  remaining: Decimal;
  price: Decimal;
  /** Reduce-only (one-way) or closing (hedge) orders never need margin. */
  reducing: boolean;
}

export interface MarginInputs {
  readonly account: Account;
  readonly hedgeMode: boolean;
  instrument(symbol: string): Instrument;
  mark(symbol: string): Decimal;
  leverage(symbol: string): number;
}

export interface PositionView {
  symbol: string;
  positionSide: PositionSide;
  asset: string;
  qty: Decimal;
  entry: Decimal;
  breakEven: Decimal;
  mark: Decimal;
  /** Signed: qty × mark. */
  notional: Decimal;
  unrealizedPnl: Decimal;
  positionInitialMargin: Decimal;
  openOrderInitialMargin: Decimal;
  maintMargin: Decimal;
  liquidationPrice: Decimal;
  leverage: number;
  updateTime: number;
}

export interface AssetView {
  asset: string;
  wallet: Decimal;
  unrealizedPnl: Decimal;
  marginBalance: Decimal;
  positionInitialMargin: Decimal;
  openOrderInitialMargin: Decimal;
  initialMargin: Decimal;
  maintMargin: Decimal;
  available: Decimal;
  maxWithdraw: Decimal;
  updateTime: number;
}

export interface AccountView {
  assets: AssetView[];
  /** Every position row that is open, or belongs to a symbol with open orders. */
  positions: PositionView[];
}

/**
 * Initial margin of a symbol's open orders, per position side. One-way: buys first
 * close a short and sells first close a long, and only the opening rest needs
 * margin; the larger side counts (both cannot fill into one position). Hedge: every
 * opening order counts on its own side.
 */
export function openOrderMargin(m: MarginInputs, symbol: string, orders: readonly OrderExposure[]): Map<PositionSide, Decimal> {
  const lev = new Decimal(m.leverage(symbol));
  const out = new Map<PositionSide, Decimal>();
  const mine = orders.filter((o) => o.symbol === symbol && !o.reducing && o.remaining.gt(0));
  if (m.hedgeMode) {
    for (const side of ['LONG', 'SHORT'] as const) {
      const notional = mine.filter((o) => o.positionSide === side).reduce((s, o) => s.plus(o.remaining.times(o.price)), ZERO);
      out.set(side, round8(notional.div(lev)));
    }
    return out;
  }
  const pos = m.account.position(symbol, 'BOTH').qty;
  const sideMargin = (side: Side, offset: Decimal): Decimal => {
    const list = mine.filter((o) => o.side === side);
    const qty = list.reduce((s, o) => s.plus(o.remaining), ZERO);
    if (qty.isZero()) return ZERO;
    const notional = list.reduce((s, o) => s.plus(o.remaining.times(o.price)), ZERO);
    const opening = Decimal.max(ZERO, qty.minus(offset));
    return notional.times(opening).div(qty).div(lev);
  };
  const buy = sideMargin('BUY', Decimal.max(ZERO, pos.neg()));
  const sell = sideMargin('SELL', Decimal.max(ZERO, pos));
  out.set('BOTH', round8(Decimal.max(buy, sell)));
  return out;
}

interface RawPosition {
  p: Position;
  inst: Instrument;
  mark: Decimal;
  notional: Decimal;
  upnl: Decimal;
  maint: Decimal;
  mmr: Decimal;
  cum: Decimal;
}

function rawPositions(m: MarginInputs): RawPosition[] {
  return m.account.allPositions().filter((p) => !p.qty.isZero()).map((p) => {
    const inst = m.instrument(p.symbol);
    const mark = m.mark(p.symbol);
    const notional = p.qty.times(mark);
    const bracket = bracketFor(inst, notional);
    return {
      p, inst, mark, notional,
      upnl: round8(p.qty.times(mark.minus(p.entry))),
      maint: round8(notional.abs().times(bracket.mmr).minus(bracket.cum)),
      mmr: bracket.mmr,
      cum: bracket.cum,
    };
  });
}

/**
 * Binance's cross-margin liquidation price of one position, other positions of the
 * same asset held at their current PnL and maintenance margin:
 * LP = (WB − TMM₁ + UPNL₁ + cum − s·|q|·EP) / (|q|·MMR − s·|q|). 0 when it cannot be reached.
 */
function liquidationPrice(r: RawPosition, wallet: Decimal, others: RawPosition[]): Decimal {
  const q = r.p.qty.abs();
  const s = r.p.qty.gt(0) ? 1 : -1;
  const tmm = others.reduce((a, o) => a.plus(o.maint), ZERO);
  const upnl = others.reduce((a, o) => a.plus(o.upnl), ZERO);
  const numerator = wallet.minus(tmm).plus(upnl).plus(r.cum).minus(q.times(r.p.entry).times(s));
  const denominator = q.times(r.mmr).minus(q.times(s));
  if (denominator.isZero()) return ZERO;
  const lp = round8(numerator.div(denominator));
  return lp.gt(0) ? lp : ZERO;
}

/** The whole account at current marks, as Binance's account and positionRisk endpoints report it. */
export function accountView(m: MarginInputs, orders: readonly OrderExposure[]): AccountView {
  const raws = rawPositions(m);
  const symbolsWithOrders = new Set(orders.map((o) => o.symbol));
  const orderMargin = new Map<string, Map<PositionSide, Decimal>>();
  for (const symbol of symbolsWithOrders) orderMargin.set(symbol, openOrderMargin(m, symbol, orders));

  const positions: PositionView[] = [];
  for (const p of m.account.allPositions()) {
    const open = !p.qty.isZero();
    if (!open && !symbolsWithOrders.has(p.symbol)) continue;
    if (m.hedgeMode === (p.positionSide === 'BOTH')) continue; // rows of the other mode are always flat
    positions.push(positionView(m, p, raws, orderMargin));
  }
  // symbols with open orders but never a fill still get their (flat) rows, like Binance v3
  for (const symbol of symbolsWithOrders) {
    for (const side of m.hedgeMode ? (['LONG', 'SHORT'] as const) : (['BOTH'] as const)) {
      if (!positions.some((v) => v.symbol === symbol && v.positionSide === side)) {
        positions.push(positionView(m, m.account.position(symbol, side), raws, orderMargin));
      }
    }
  }

  const assets: AssetView[] = [];
  for (const [asset, wallet] of m.account.wallet) {
    const mine = positions.filter((v) => v.asset === asset);
    const upnl = mine.reduce((s, v) => s.plus(v.unrealizedPnl), ZERO);
    const pim = mine.reduce((s, v) => s.plus(v.positionInitialMargin), ZERO);
    const oim = mine.reduce((s, v) => s.plus(v.openOrderInitialMargin), ZERO);
    const mm = mine.reduce((s, v) => s.plus(v.maintMargin), ZERO);
    const marginBalance = wallet.plus(upnl);
    const initialMargin = pim.plus(oim);
    const available = marginBalance.minus(initialMargin);
    assets.push({
      asset, wallet, unrealizedPnl: upnl, marginBalance,
      positionInitialMargin: pim, openOrderInitialMargin: oim, initialMargin, maintMargin: mm,
      available,
      maxWithdraw: Decimal.max(ZERO, Decimal.min(wallet, available)),
      updateTime: m.account.walletTime.get(asset) ?? 0,
    });
  }
  return { assets, positions };
}

function positionView(m: MarginInputs, p: Position, raws: RawPosition[], orderMargin: Map<string, Map<PositionSide, Decimal>>): PositionView {
  const inst = m.instrument(p.symbol);
  const mark = m.mark(p.symbol);
  const lev = m.leverage(p.symbol);
  const raw = raws.find((r) => r.p === p);
  const notional = p.qty.times(mark);
  const others = raws.filter((r) => r !== raw && r.inst.quote === inst.quote);
  const fee2 = inst.takerFee.times(2);
  return {
    symbol: p.symbol,
    positionSide: p.positionSide,
    asset: inst.quote,
    qty: p.qty,
    entry: p.entry,
    breakEven: p.qty.isZero() ? ZERO : round8(p.entry.times(p.qty.gt(0) ? fee2.plus(1) : Decimal.sub(1, fee2))),
    mark,
    notional,
    unrealizedPnl: raw?.upnl ?? ZERO,
    positionInitialMargin: round8(notional.abs().div(lev)),
    openOrderInitialMargin: orderMargin.get(p.symbol)?.get(p.positionSide) ?? ZERO,
    maintMargin: raw?.maint ?? ZERO,
    liquidationPrice: raw ? liquidationPrice(raw, m.account.balance(inst.quote), others) : ZERO,
    leverage: lev,
    updateTime: p.updateTime,
  };
}

/** Total initial margin (positions at mark + open orders) of one margin asset. */
export function initialMarginOf(m: MarginInputs, asset: string, orders: readonly OrderExposure[]): Decimal {
  return accountView(m, orders).assets.find((a) => a.asset === asset)?.initialMargin ?? ZERO;
}

export function marginBalanceOf(m: MarginInputs, asset: string, orders: readonly OrderExposure[]): Decimal {
  return accountView(m, orders).assets.find((a) => a.asset === asset)?.marginBalance ?? ZERO;
}
