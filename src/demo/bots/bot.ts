/**
 * What the example bots share. A bot is a name and a `step()` its loop calls once per
 * market tick; a step places orders through an exchange the guard has wrapped, so the
 * bot never calls the guard itself. When the guard resizes an order, the order that
 * comes back carries the Decision in `order.riskGuard`; when it blocks one, createOrder
 * throws RiskGuardRejection, a ccxt InvalidOrder — handled like any refused order.
 */
import ccxt, { type Order } from 'ccxt';
import { RiskGuardRejection, type Decision } from '../../index.js'; // in your bot: from 'risk-guard'

export type Exchange = InstanceType<typeof ccxt.binanceusdm>;
export type Log = (line: string) => void;

export interface Bot {
  readonly name: string;
  step(exchange: Exchange): Promise<void>;
}

/** The guard's decision on an order the exchange accepted (absent when it passed unchanged). */
export function decisionOf(order: Order): Decision | undefined {
  return (order as Order & { riskGuard?: Decision }).riskGuard;
}

/**
 * Places an order and says what happened to it. Returns the exchange's order, or
 * null when the guard blocked it or the exchange refused it; anything else (network,
 * exchange down) is thrown for the bot's loop to deal with.
 */
export async function place(
  exchange: Exchange, log: Log, who: string,
  symbol: string, type: 'market' | 'limit', side: 'buy' | 'sell', amount: number, price?: number, params: Record<string, unknown> = {},
): Promise<Order | null> {
  const what = `${side} ${amount} ${symbol}${price === undefined ? '' : ` @ ${price}`}`;
  try {
    const order = await exchange.createOrder(symbol, type, side, amount, price, params);
    const d = decisionOf(order);
    if (d?.action === 'resize') log(`${who}: ${what} resized to ${d.approved} by ${d.reasons[0]?.code}`);
    return order;
  } catch (e) {
    // RiskGuardRejection first: it is an InvalidOrder too
    if (e instanceof RiskGuardRejection) {
      log(`${who}: ${what} blocked: ${e.decision.reasons[0]?.message ?? 'blocked'}`);
      return null;
    }
    if (e instanceof ccxt.InvalidOrder || e instanceof ccxt.InsufficientFunds) {
      log(`${who}: ${what} refused by the exchange: ${(e as Error).message}`);
      return null;
    }
    throw e;
  }
}

/** The signed size of the account's position in `symbol` (> 0 long, < 0 short, 0 flat). */
export async function positionOf(exchange: Exchange, symbol: string): Promise<number> {
  const rows = await exchange.fetchPositions([symbol]);
  let size = 0;
  for (const p of rows) {
    if (p.symbol !== symbol || !p.contracts) continue;
    size += p.side === 'short' ? -p.contracts : p.contracts;
  }
  return size;
}
